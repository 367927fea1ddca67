// How Python writes values in its messages, and the integer arithmetic they use: shared by the engine's modules
// (plan.js, sceneplan.js, scene.js, explain.js, overlap.js), whose English refusals are the library's word for word.

// math.prod of integers
export const prod = (values) => values.reduce((a, b) => a * b, 1);

// Python's floor division
export const floorDiv = (a, b) => Math.floor(a / b);

// Python's f"{n:,}": 1234567 → "1,234,567"
export const thousands = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

// A Python tuple of ints as repr writes it: (5,) or (3, 2).
export const pyTuple = (values) => (values.length === 1 ? `(${values[0]},)` : `(${values.join(", ")})`);

// A Python list of ints: [5, 4].
export const pyList = (values) => `[${values.join(", ")}]`;

// Python's str.isprintable for one code point: every category but Other (C*) and the separators (Z*) but " ".
function printable(ch) {
  return ch === " " || !/[\p{C}\p{Z}]/u.test(ch);
}

function hex(code, width) {
  return code.toString(16).padStart(width, "0");
}

// Python's repr of a str: single quotes unless the text holds one and no double quote; escapes as Python writes them.
export function pyRepr(text) {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0);
    if (ch === quote || ch === "\\") out += "\\" + ch;
    else if (ch === "\t") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (code < 0x20 || code === 0x7f) out += "\\x" + hex(code, 2);
    else if (code < 0x7f || printable(ch)) out += ch;
    else if (code <= 0xff) out += "\\x" + hex(code, 2);
    else if (code <= 0xffff) out += "\\u" + hex(code, 4);
    else out += "\\U" + hex(code, 8);
  }
  return out + quote;
}

