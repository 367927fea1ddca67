// Typed values: a matrix as a person writes it (rows separated by ";" or new lines, numbers by spaces or commas),
// read into the nested arrays the engine draws, or refused with a message for the box it came from.
import { EngineError } from "./errors.js";

const NUMBER = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/;
// Values beyond this are not for reading in a cell (and their sums would lose the integers' exactness).
export const LIMIT = 1e6;
const WHAT = { x: { en: "input values", zh: "输入的数值" }, w: { en: "kernel values", zh: "卷积核的数值" } };
const SIZE = { x: "input_size", w: "kernel_size" };

function refuseBox(which, en, zh, lang) {
  const err = new EngineError(`${WHAT[which].en}: ${en}`, `${WHAT[which].zh}：${zh}`, lang, SIZE[which]);
  err.which = which;
  throw err;
}

// The URL's form ("4,4,3;0,3,4") as the box shows it, one row a line.
export function valuesText(flat) {
  return flat ? flat.split(";").map((row) => row.split(",").join(", ")).join("\n") : "";
}

// Rows of numbers from the URL's form, checked against the layer's size per axis (1-D: one row of size[0]).
export function parseValues(flat, which, size, lang = "en") {
  const rows = flat.split(";").map((r) => r.split(/[ \t\r\n,]+/).filter(Boolean));
  if (!rows.length || rows.every((r) => r.length === 0)) refuseBox(which, "the box is empty", "框是空的", lang);
  const values = rows.map((row, r) => row.map((s) => {
    if (!NUMBER.test(s)) refuseBox(which, `${JSON.stringify(s)} (row ${r + 1}) is not a number`,
                                   `第 ${r + 1} 行的 ${JSON.stringify(s)} 不是数`, lang);
    const v = Number(s);
    if (!(Math.abs(v) <= LIMIT)) refuseBox(which, `${s} is beyond ±${LIMIT.toLocaleString("en")}`,
                                          `${s} 超出了 ±${LIMIT.toLocaleString("en")}`, lang);
    return v === 0 ? 0 : v;
  }));
  const width = values[0].length;
  const ragged = values.findIndex((row) => row.length !== width);
  if (ragged >= 0) refuseBox(which, `row ${ragged + 1} has ${values[ragged].length} numbers and row 1 has ${width}: every row needs as many`,
                             `第 ${ragged + 1} 行有 ${values[ragged].length} 个数，第 1 行有 ${width} 个：每行的个数要相同`, lang);
  const typed = size.length === 1 ? [values.length === 1 ? width : -1] : [values.length, width];
  if (size.length === 1 && values.length !== 1)
    refuseBox(which, `a 1-D layer takes one row; ${values.length} rows were typed`,
              `一维的层只取一行；现在有 ${values.length} 行`, lang);
  if (typed.some((n, a) => n !== size[a])) {
    const want = size.join(" × "), got = typed.join(" × ");
    refuseBox(which, `${got} typed, but ${SIZE[which]} is ${want}: type ${want} values, or clear both boxes for random ones`,
              `填了 ${got} 个数，但 ${SIZE[which]} 是 ${want}：请填 ${want} 个数，或清空两个框改用随机数值`, lang);
  }
  return size.length === 1 ? values[0] : values;
}

// What a person typed, in the URL's form: rows joined by ";", numbers by "," (what is not a number stays, for
// parseValues to point at). JSON as the CLI's --input takes it ([[1, 2], [3, 4]], or [1, 2, 3]) is read too.
export function flatValues(text) {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    try {
      const v = JSON.parse(trimmed);
      const rows = Array.isArray(v) && v.every(Array.isArray) ? v : [v];
      if (rows.every((r) => Array.isArray(r) && r.every((n) => typeof n === "number"))) return rows.map((r) => r.join(",")).join(";");
    } catch (err) { /* not JSON: read as rows below */ }
  }
  return text.split(/[;\n]/).map((r) => r.split(/[ \t\r,]+/).filter(Boolean).join(",")).filter(Boolean).join(";");
}

// The rows × columns typed when every entry is a number and every row as long as the first, else null (then the
// sizes stay, and parseValues says what is wrong at the box).
export function typedShape(flat) {
  const rows = flat.split(";").map((r) => r.split(","));
  if (!rows.every((r) => r.length === rows[0].length && r.every((n) => NUMBER.test(n)))) return null;
  return [rows.length, rows[0].length];
}
