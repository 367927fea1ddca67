// The plan of one explorer state, computed in the browser: the page's query read as the web API reads it
// (tconv.web.app's schema, then tconv.web.jobs.parse_config) and the layer report of /api/shape
// (tconv.web.jobs.shape_info: tconv.report.layer_report with tconv.relations and tconv.snippets.torch_code).
// A mirror of that Python, held equal to it by tests/test_js_plan.py on thousands of drawn queries: the same
// numbers, strings and refusals, word for word in English; every refusal also in Chinese.

import { EngineError } from "./errors.js";
import { floorDiv, pyList as list, pyRepr, pyTuple as tuple } from "./py.js";

// ---- the web API's schema (tconv.web.app: LIMITS, SIZES, DESCRIPTIONS, size_pattern)

export const LIMITS = {
  input_size: 16, kernel_size: 7, stride: 6, padding: 16, output_padding: 5, dilation: 4, output_size: 64,
  layers: 4, seed: 2 ** 31 - 1,
};

// query name → [PyTorch's name, smallest value, the note of its description in en and zh]
const SIZES = {
  i: ["input_size", 1, "", ""],
  k: ["kernel_size", 1, "", ""],
  s: ["stride", 1, "", ""],
  p: ["padding", 0, "; at most what leaves one output cell (transposed) or half the kernel (conv)",
      "；至多为留下一个输出格的值（transposed）或核的一半（conv）"],
  op: ["output_padding", 0, "; transposed only, and smaller than the stride or the dilation",
       "；仅用于转置卷积，且小于 stride 或 dilation"],
  d: ["dilation", 1, "", ""],
  os: ["output_size", 1, "; transposed only, empty or absent: from output_padding, else it picks output_padding " +
       "within PyTorch's range", "；仅用于转置卷积；留空或不给时由 output_padding 决定，否则在 PyTorch 的范围内选定 output_padding"],
};

// What each query parameter means: the rule a schema refusal quotes.
const DESCRIPTIONS = {
  en: {
    mode: "transposed (ConvTranspose) or conv (the direct convolution)",
    seed: `seed of the small random integers shown as values: an integer from 0 to ${LIMITS.seed}`,
  },
  zh: {
    mode: "transposed（转置卷积，ConvTranspose）或 conv（直接卷积）",
    seed: `作为数值显示的小随机整数的种子：0 到 ${LIMITS.seed} 的整数`,
  },
};
for (const [name, [torchName, low, noteEn, noteZh]] of Object.entries(SIZES)) {
  const high = LIMITS[torchName];
  DESCRIPTIONS.en[name] = `${torchName}: an integer from ${low} to ${high}, or one per axis like 5,4${noteEn}`;
  DESCRIPTIONS.zh[name] = `${torchName}：${low} 到 ${high} 的整数，或每轴一个，如 5,4${noteZh}`;
}

// A regular expression for the integers low..high (0 <= low <= high <= 99), without leading zeros.
function numberPattern(low, high) {
  const parts = [];
  if (low <= 9) {
    const top = Math.min(high, 9);
    parts.push(top > low ? `[${low}-${top}]` : String(low));
  }
  for (let tens = Math.max(1, Math.floor(low / 10)); tens <= Math.floor(high / 10); tens++) {
    const first = Math.max(low, tens * 10) % 10, last = Math.min(high, tens * 10 + 9) % 10;
    parts.push(last > first ? `${tens}[${first}-${last}]` : `${tens}${first}`);
  }
  return parts.join("|");
}

// One number within the limits, one with a trailing comma (one axis) or two; output_size may be empty.
const PATTERNS = Object.fromEntries(Object.entries(SIZES).map(([name, [torchName, low]]) => {
  const one = `(?:${numberPattern(low, LIMITS[torchName])})`;
  return [name, new RegExp(`^(?:${name === "os" ? "|" : ""}${one}(?:,${one}?)?)$`)];
}));

// ---- values in messages: Python's repr, cut short as tconv._axes.show cuts it (reprlib, 40 characters)

// Python's slice text[start:], a negative start counting from the end.
function tail(chars, start) {
  return chars.slice(start < 0 ? Math.max(0, chars.length + start) : start);
}

// reprlib.Repr.repr_str with maxstring 40: the repr of the first 40 characters, or, when that is longer than 40,
// its first 18 and last 19 characters around "...".
function showText(text, most = 40) {
  const chars = Array.from(text);
  const shown = pyRepr(chars.slice(0, most).join(""));
  if (Array.from(shown).length <= most) return shown;
  const i = Math.max(0, Math.floor((most - 3) / 2)), j = Math.max(0, most - 3 - i);
  const cut = Array.from(pyRepr(chars.slice(0, i).concat(tail(chars, chars.length - j)).join("")));
  return cut.slice(0, i).join("") + "..." + tail(cut, cut.length - j).join("");
}

// ---- the seed: an integer as pydantic reads one from a query string

// Rust's str::trim: Unicode's White_Space (JavaScript's trim also strips U+FEFF and keeps U+0085).
const WHITE = "[\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const TRIM = new RegExp(`^${WHITE}+|${WHITE}+$`, "g");

function digits(text) {
  // an ASCII integer with an optional sign, or with single underscores between digits, as Python's int() reads them
  return /^[+-]?[0-9]+(?:_[0-9]+)*$/.test(text) ? BigInt(text.replaceAll("_", "")) : null;
}

// pydantic-core's str_as_int: trimmed; digits, else digits followed by "." and zeros; at most 4,300 bytes.
function queryInt(text) {
  const trimmed = text.replace(TRIM, "");
  if (new TextEncoder().encode(trimmed).length > 4300) return null;
  const whole = digits(trimmed);
  if (whole !== null) return whole;
  const decimal = /^(.*)\.0+$/s.exec(trimmed);
  return decimal ? digits(decimal[1]) : null;
}

// ---- refusals, in English (the library's words, exactly) and Chinese

// Each refusal the plan can make: its English and Chinese text from the same arguments.
export const REFUSALS = {
  schema: {  // one or more query parameters outside their schema: [[name, shown value], ...]
    en: ({ bad }) => bad.map(([name, shown]) => `${name} ${shown} is refused (${DESCRIPTIONS.en[name]})`).join("; "),
    zh: ({ bad }) => bad.map(([name, shown]) => `${name} ${shown} 不被接受（${DESCRIPTIONS.zh[name]}）`).join("；"),
  },
  axes: {
    en: ({ first, other }) => `the sizes disagree on the number of axes: ${first.name} ${tuple(first.values)} has ` +
      `${first.values.length}, ${other.name} ${tuple(other.values)} has ${other.values.length}; give one number for ` +
      "every axis, or one value per axis everywhere (a trailing comma, 5, is one axis)",
    zh: ({ first, other }) => `各尺寸的轴数不一致：${first.name} ${tuple(first.values)} 有 ${first.values.length} ` +
      `个轴，${other.name} ${tuple(other.values)} 有 ${other.values.length} 个轴；请给一个数（用于每个轴），` +
      "或者处处每轴一个值（末尾带逗号的 5, 表示一个轴）",
  },
  output_size_conv: {
    en: ({ values }) => `output_size ${tuple(values)} only applies to transposed convolution; leave it out`,
    zh: ({ values }) => `output_size ${tuple(values)} 只适用于转置卷积；请不要给出`,
  },
  output_padding_conv: {
    en: ({ values }) => `output_padding ${tuple(values)} only applies to transposed convolution; use 0`,
    zh: ({ values }) => `output_padding ${tuple(values)} 只适用于转置卷积；请用 0`,
  },
  kernel_too_large: {
    en: ({ ax, a }) => `kernel_size ${ax.kernel_size} on axis ${a} (dilated span ${ax.effective_kernel}) is larger ` +
      `than the padded input (${ax.input_size} + ${ax.pad_begin} + ${ax.pad_end} = ${ax.padded_size}); the kernel ` +
      `can span at most ${ax.padded_size} on this axis`,
    zh: ({ ax, a }) => `第 ${a} 轴的 kernel_size ${ax.kernel_size}（膨胀后跨度 ${ax.effective_kernel}）大于填充后的输入` +
      `（${ax.input_size} + ${ax.pad_begin} + ${ax.pad_end} = ${ax.padded_size}）；该轴上核的跨度至多为 ${ax.padded_size}`,
  },
  output_padding_too_large: {
    en: ({ ax, a, limit }) => `output_padding ${ax.output_padding} on axis ${a} must be smaller than stride ` +
      `(${ax.stride}) or dilation (${ax.dilation}): valid range 0..${limit}`,
    zh: ({ ax, a, limit }) => `第 ${a} 轴的 output_padding ${ax.output_padding} 必须小于 stride（${ax.stride}）` +
      `或 dilation（${ax.dilation}）：有效范围 0..${limit}`,
  },
  no_output: {
    en: ({ ax, a, limit }) => `padding ${ax.padding} on axis ${a} leaves no output: L_out = ${substituted(ax)}, ` +
      `which must be at least 1; padding can be at most ${limit} on this axis`,
    zh: ({ ax, a, limit }) => `第 ${a} 轴的 padding ${ax.padding} 使输出为空：L_out = ${substituted(ax)}，` +
      `而它至少应为 1；该轴的 padding 至多为 ${limit}`,
  },
  no_output_size: {
    en: ({ ax, a, limit }) => `padding ${ax.padding} on axis ${a} leaves no output for any output_size: the largest ` +
      `is ${maxOutputSize(ax)}; padding can be at most ${limit} on this axis`,
    zh: ({ ax, a, limit }) => `第 ${a} 轴的 padding ${ax.padding} 使任何 output_size 都没有输出：最大为 ` +
      `${maxOutputSize(ax)}；该轴的 padding 至多为 ${limit}`,
  },
  output_size_range: {
    en: ({ w, a, wanted, ranges, inputs }) => `output_size ${w} on axis ${a} is out of range: requested ` +
      `${list(wanted)}, but valid sizes range from ${list(ranges.map((r) => r[0]))} to ` +
      `${list(ranges.map((r) => r[1]))} for an input of size ${list(inputs)}`,
    zh: ({ w, a, wanted, ranges, inputs }) => `第 ${a} 轴的 output_size ${w} 超出范围：请求的是 ${list(wanted)}，` +
      `而输入尺寸为 ${list(inputs)} 时有效尺寸从 ${list(ranges.map((r) => r[0]))} 到 ` +
      `${list(ranges.map((r) => r[1]))}`,
  },
};

function refuse(key, args, lang, parameter = null) {
  const words = REFUSALS[key];
  throw new EngineError(words.en(args), words.zh(args), lang, parameter);
}

// ---- the query (tconv.web.app's schema, then tconv.web.jobs.parse_config)

const DEFAULTS = { mode: "transposed", i: "3", k: "3", s: "1", p: "0", op: "0", d: "1", os: null, seed: "0" };
const RAW = { input_size: "i", kernel_size: "k", stride: "s", padding: "p", output_padding: "op", dilation: "d" };

// "5" → 5, "5,4" → [5, 4], "5," → [5] (tconv._axes.parse_ints, on text the schema has checked)
function parseInts(text) {
  const parts = text.split(",");
  if (parts.length === 1) return Number(parts[0]);
  if (parts.at(-1) === "") parts.pop();
  return parts.map(Number);
}

// The explorer state of a query: `query` holds the URL's strings {mode, i, k, s, p, op, d, os, seed} (a missing
// one takes the API's default; os "" or missing: no output_size). Returns the engine's cfg, or throws the
// EngineError whose English is the API's 422 detail for that query.
export function parseQuery(query, lang = "en") {
  const text = (name) => {
    const v = query ? query[name] : undefined;
    return v === undefined || v === null ? DEFAULTS[name] : String(v);
  };
  const bad = [];  // every parameter outside its schema, in the order of the API's parameters
  const mode = text("mode");
  if (mode !== "transposed" && mode !== "conv") bad.push(["mode", showText(mode)]);
  for (const name of ["i", "k", "s", "p", "op", "d", "os"]) {
    const value = text(name);
    if (value !== null && !PATTERNS[name].test(value)) bad.push([name, showText(value)]);
  }
  const seedText = text("seed"), seed = queryInt(seedText);
  if (seed === null || seed < 0n || seed > BigInt(LIMITS.seed)) bad.push(["seed", showText(seedText)]);
  if (bad.length) refuse("schema", { bad }, lang, bad[0][0]);

  const values = Object.fromEntries(Object.entries(RAW).map(([name, q]) => [name, parseInts(text(q))]));
  const os = text("os");
  const out = os === null || os === "" ? null : parseInts(os);
  const nd = drawnAxes({ ...values, output_size: out }, lang);
  const perAxis = (v) => (Array.isArray(v) ? v.slice() : Array(nd).fill(v));
  return {
    mode,
    input_size: perAxis(values.input_size),
    kernel_size: perAxis(values.kernel_size),
    stride: perAxis(values.stride),
    padding: perAxis(values.padding),
    output_padding: perAxis(values.output_padding),
    dilation: perAxis(values.dilation),
    output_size: out === null ? null : perAxis(out),
    seed: Number(seed),
  };
}

// tconv._axes.drawn_axes: the length of the lists among the sizes (all equal), or 2 when every size is a number.
function drawnAxes(named, lang) {
  const lists = Object.entries(named).filter(([, v]) => Array.isArray(v) && v.length)
    .map(([name, values]) => ({ name, values }));
  if (!lists.length) return 2;
  const other = lists.find((l) => l.values.length !== lists[0].values.length);
  if (other) refuse("axes", { first: lists[0], other }, lang);
  return lists[0].values.length;
}

// ---- per-axis arithmetic (tconv.shapes)

function effectiveKernel(k, d) {
  return d * (k - 1) + 1;
}

function fullSize(i, k, s, d) {
  return (i - 1) * s + effectiveKernel(k, d);
}

function transposedAxis(i, k, s, p, op, d) {
  const full = fullSize(i, k, s, d);
  return { input_size: i, kernel_size: k, stride: s, padding: p, output_padding: op, dilation: d, full_size: full,
           output_size: full - 2 * p + op };
}

function minOutputSize(ax) {
  return ax.full_size - 2 * ax.padding;
}

function maxOutputSize(ax) {
  return minOutputSize(ax) + ax.stride - 1;
}

function substituted(ax) {
  return `(${ax.input_size} − 1)·${ax.stride} − 2·${ax.padding} + ${ax.dilation}·(${ax.kernel_size} − 1)` +
    ` + ${ax.output_padding} + 1 = ${ax.output_size}`;
}

function equivalent(ax) {
  const stretched = fullSize(ax.input_size, 1, ax.stride, 1);
  const padBegin = effectiveKernel(ax.kernel_size, ax.dilation) - 1 - ax.padding;
  const padEnd = padBegin + ax.output_padding;
  return { zeros_between: ax.stride - 1, stretched_size: stretched, pad_begin: padBegin, pad_end: padEnd,
           padded_size: stretched + padBegin + padEnd };
}

function axesOf(cfg, outputPadding) {
  return cfg.input_size.map((_, a) => transposedAxis(cfg.input_size[a], cfg.kernel_size[a], cfg.stride[a],
                                                     cfg.padding[a], outputPadding[a], cfg.dilation[a]));
}

// shapes.transposed_axes' checks, axis by axis: output_padding below max(stride, dilation), an output left.
function checkTransposed(axes, lang) {
  axes.forEach((ax, a) => {
    const limit = Math.max(ax.stride, ax.dilation) - 1;
    if (ax.output_padding > limit) refuse("output_padding_too_large", { ax, a, limit }, lang);
    if (ax.output_size < 1) refuse("no_output", { ax, a, limit: floorDiv(ax.full_size + ax.output_padding - 1, 2) }, lang);
  });
  return axes;
}

// shapes.output_size_range (null where it refuses): PyTorch's [max(1, min), min + stride − 1] per axis.
function outputSizeRanges(base, lang) {
  return base.map((ax, a) => {
    if (maxOutputSize(ax) < 1) refuse("no_output_size", { ax, a, limit: floorDiv(ax.full_size + ax.stride - 2, 2) }, lang);
    return [Math.max(1, minOutputSize(ax)), maxOutputSize(ax)];
  });
}

// shapes.output_padding_for: the output_padding that gives output_size, refused outside PyTorch's range.
function outputPaddingFor(cfg, lang) {
  const base = axesOf(cfg, cfg.input_size.map(() => 0));
  const ranges = outputSizeRanges(base, lang);
  cfg.output_size.forEach((w, a) => {
    const [lo, hi] = ranges[a];
    if (w < lo || w > hi) {
      refuse("output_size_range", { w, a, wanted: cfg.output_size, ranges, inputs: base.map((ax) => ax.input_size) },
             lang);
    }
  });
  return cfg.output_size.map((w, a) => w - minOutputSize(base[a]));
}

// The direct layer's axes (tconv.shapes.conv_axes, padding on both sides), refused where the kernel does not fit.
export function convAxes(cfg, lang = "en") {
  return cfg.input_size.map((i, a) => {
    const k = cfg.kernel_size[a], s = cfg.stride[a], p = cfg.padding[a], d = cfg.dilation[a];
    const ax = { input_size: i, kernel_size: k, stride: s, pad_begin: p, pad_end: p, dilation: d,
                 effective_kernel: effectiveKernel(k, d), padded_size: i + 2 * p };
    if (ax.padded_size < ax.effective_kernel) refuse("kernel_too_large", { ax, a }, lang);
    ax.output_size = floorDiv(ax.padded_size - ax.effective_kernel, s) + 1;
    return ax;
  });
}

// ---- the guide's relations (tconv.relations)

const RELATION_TITLES = {
  en: {
    1: "no zero padding, unit strides", 2: "zero padding, unit strides", 3: "half (same) padding",
    4: "full padding", 5: "no zero padding, non-unit strides", 6: "zero padding, non-unit strides", 7: "pooling",
    8: "no padding, unit strides, transposed", 9: "zero padding, unit strides, transposed",
    10: "half padding, unit strides, transposed", 11: "full padding, unit strides, transposed",
    12: "no zero padding, non-unit strides, transposed", 13: "zero padding, non-unit strides, transposed",
    14: "zero padding, non-unit strides, transposed, with a = output_padding", 15: "dilated convolution",
  },
  zh: {  // tconv.explain.i18n.RELATION_TITLES_ZH
    1: "无填充，步长为 1", 2: "有填充，步长为 1", 3: "半填充（same）", 4: "全填充（full）", 5: "无填充，步长大于 1",
    6: "有填充，步长大于 1", 7: "池化", 8: "转置卷积：无填充，步长为 1", 9: "转置卷积：有填充，步长为 1",
    10: "转置卷积：半填充，步长为 1", 11: "转置卷积：全填充，步长为 1", 12: "转置卷积：无填充，步长大于 1",
    13: "转置卷积：有填充，步长大于 1", 14: "转置卷积：有填充，步长大于 1，a = output_padding", 15: "空洞（膨胀）卷积",
  },
};

// The cases the guide has no relation for (the general formula): tconv.relations.GENERAL_TITLES and
// tconv.explain.i18n.GENERAL_TITLES_ZH (the explorer's layers reach the first two).
const GENERAL_TITLES = {
  en: { transposed: "transposed convolution", dilated: "dilated transposed convolution" },
  zh: { transposed: "转置卷积", dilated: "空洞（膨胀）转置卷积" },
};

const GENERAL_NOTE = "the guide has no relation for this case (it covers undilated transposed convolution); " +
  "this is the general formula, PyTorch's";
const NON_SQUARE = "non-square: the guide's relations are stated for square inputs; each axis follows its own";

function guide(number, formula, substituted) {
  return { number, title: RELATION_TITLES.en[number], formula, substituted, note: "" };
}

function transposedRelation(ax) {
  const { input_size: i, kernel_size: k, stride: s, padding: p, output_padding: a, dilation: d, output_size: o } = ax;
  if (d !== 1 || (s === 1 && a !== 0)) {
    return { number: null, title: GENERAL_TITLES.en[d !== 1 ? "dilated" : "transposed"],
             formula: "o′ = s(i′ − 1) + a + d(k − 1) + 1 − 2p",
             substituted: `${s}·(${i} − 1) + ${a} + ${d}·(${k} − 1) + 1 − 2·${p} = ${o}`, note: GENERAL_NOTE };
  }
  if (s === 1) {
    if (p === 0) return guide(8, "o′ = i′ + (k − 1)", `${i} + (${k} − 1) = ${o}`);
    if (k % 2 === 1 && p === floorDiv(k, 2)) return guide(10, "o′ = i′", `${i} = ${o}`);
    if (p === k - 1) return guide(11, "o′ = i′ − (k − 1)", `${i} − (${k} − 1) = ${o}`);
    return guide(9, "o′ = i′ + (k − 1) − 2p", `${i} + (${k} − 1) − 2·${p} = ${o}`);
  }
  if (a === 0 && p === 0) return guide(12, "o′ = s(i′ − 1) + k", `${s}·(${i} − 1) + ${k} = ${o}`);
  if (a === 0) return guide(13, "o′ = s(i′ − 1) + k − 2p", `${s}·(${i} − 1) + ${k} − 2·${p} = ${o}`);
  return guide(14, "o′ = s(i′ − 1) + a + k − 2p", `${s}·(${i} − 1) + ${a} + ${k} − 2·${p} = ${o}`);
}

// The explorer's direct convolutions pad both sides alike, so "asymmetric padding" never applies here.
function convRelation(ax) {
  const { input_size: i, kernel_size: k, stride: s, pad_begin: p, dilation: d, output_size: o } = ax;
  if (d !== 1) {
    return guide(15, "o = ⌊(i + 2p − k − (k − 1)(d − 1))/s⌋ + 1",
                 `⌊(${i} + 2·${p} − ${k} − (${k} − 1)·(${d} − 1))/${s}⌋ + 1 = ${o}`);
  }
  if (s === 1) {
    if (p === 0) return guide(1, "o = (i − k) + 1", `(${i} − ${k}) + 1 = ${o}`);
    if (k % 2 === 1 && p === floorDiv(k, 2)) return guide(3, "o = i", `${i} = ${o}`);
    if (p === k - 1) return guide(4, "o = i + (k − 1)", `${i} + (${k} − 1) = ${o}`);
    return guide(2, "o = (i − k) + 2p + 1", `(${i} − ${k}) + 2·${p} + 1 = ${o}`);
  }
  if (p === 0) return guide(5, "o = ⌊(i − k)/s⌋ + 1", `⌊(${i} − ${k})/${s}⌋ + 1 = ${o}`);
  return guide(6, "o = ⌊(i + 2p − k)/s⌋ + 1", `⌊(${i} + 2·${p} − ${k})/${s}⌋ + 1 = ${o}`);
}

// Axes that follow different relations each say so (relations.relation's note for non-square layers).
function withNonSquareNote(rels) {
  const kinds = new Set(rels.map((r) => `${r.number}|${r.title}`));
  if (rels.length < 2 || kinds.size < 2) return rels;
  return rels.map((r) => ({ ...r, note: r.note ? `${r.note}; ${NON_SQUARE}` : NON_SQUARE }));
}

// ---- the layer report (tconv.report.layer_report) and the PyTorch code (tconv.snippets.torch_code)

const TRANSPOSED_FORMULA = "L_out = (L_in − 1)·stride − 2·padding + dilation·(kernel_size − 1) + output_padding + 1";
const CONV_FORMULA = "L_out = ⌊(L_in + pad_begin + pad_end − dilation·(kernel_size − 1) − 1) / stride⌋ + 1";

// The transposed layer's axes, validated as tconv.params.plan_conv_transpose validates them (output_size picks
// output_padding within PyTorch's range, then each axis' own checks): the one validator of the layer, which the
// scene's plan (sceneplan.js) uses too.
export function transposedAxes(cfg, lang = "en") {
  const op = cfg.output_size === null || cfg.output_size === undefined ? cfg.output_padding : outputPaddingFor(cfg, lang);
  return checkTransposed(axesOf(cfg, op), lang);
}

// The transposed layer's validated axes with every length the pictures and walkthroughs draw (tconv.shapes'
// TransposedAxis and its equivalent convolution): the one place scenes, walkthroughs and overlap maps take them.
export function transposedLayer(cfg, lang = "en") {
  return transposedAxes(cfg, lang).map((ax) => {
    const e = equivalent(ax);
    return { input: ax.input_size, kernel: ax.kernel_size, stride: ax.stride, padding: ax.padding,
             op: ax.output_padding, dilation: ax.dilation, effective: effectiveKernel(ax.kernel_size, ax.dilation),
             full: ax.full_size, output: ax.output_size, buffer: Math.max(ax.full_size, ax.padding + ax.output_size),
             stretched: e.stretched_size, padBegin: e.pad_begin, padEnd: e.pad_end, padded: e.padded_size };
  });
}

function transposedReport(cfg, lang) {
  const axes = transposedAxes(cfg, lang);
  let ranges;
  try {
    ranges = outputSizeRanges(axesOf(cfg, cfg.input_size.map(() => 0)), lang);
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
    ranges = null;  // only output_padding ≥ stride (which dilation allows) reaches a valid size
  }
  const field = (name) => axes.map((ax) => ax[name]);
  return {
    kind: "transposed",
    input_size: field("input_size"),
    kernel_size: field("kernel_size"),
    stride: field("stride"),
    padding: field("padding"),
    output_padding: field("output_padding"),
    dilation: field("dilation"),
    output_size: field("output_size"),
    formula: TRANSPOSED_FORMULA,
    substituted: axes.map(substituted),
    relation: withNonSquareNote(axes.map(transposedRelation)),
    output_size_range: ranges,
    equivalent: axes.map(equivalent),
  };
}

function convReport(cfg, lang) {
  if (cfg.output_size !== null) refuse("output_size_conv", { values: cfg.output_size }, lang);
  if (cfg.output_padding.some((v) => v !== 0)) refuse("output_padding_conv", { values: cfg.output_padding }, lang);
  const axes = convAxes(cfg, lang);
  const field = (name) => axes.map((ax) => ax[name]);
  return {
    kind: "conv",
    input_size: field("input_size"),
    kernel_size: field("kernel_size"),
    stride: field("stride"),
    padding: field("pad_begin"),
    pad_end: field("pad_end"),
    dilation: field("dilation"),
    output_size: field("output_size"),
    formula: CONV_FORMULA,
    substituted: axes.map((ax) => `⌊(${ax.input_size} + ${ax.pad_begin} + ${ax.pad_end} − ${ax.dilation}·(` +
      `${ax.kernel_size} − 1) − 1) / ${ax.stride}⌋ + 1 = ${ax.output_size}`),
    relation: withNonSquareNote(axes.map(convRelation)),
  };
}

// The PyTorch code for the layer (of a report already made: every refusal has been made there).
function torchCode(cfg, report) {
  const nd = cfg.input_size.length, transposed = report.kind === "transposed";
  const tup = (values) => (nd === 1 ? String(values[0]) : tuple(values));
  const fields = [["kernel_size", report.kernel_size, null], ["stride", report.stride, 1],
                  ["padding", report.padding, 0]];
  if (transposed) {
    const op = cfg.output_size === null ? report.output_padding : report.output_padding.map(() => 0);
    fields.push(["output_padding", op, 0]);
  }
  fields.push(["dilation", report.dilation, 1]);
  const args = ["in_channels=1", "out_channels=1"];
  for (const [name, values, byDefault] of fields) {
    if (byDefault === null || values.some((v) => v !== byDefault)) args.push(`${name}=${tup(values)}`);
  }
  const out = report.output_size;
  const call = cfg.output_size === null || !transposed ? "layer(x)" : `layer(x, output_size=${list(out)})`;
  return ["import torch",
          `layer = torch.nn.${transposed ? "ConvTranspose" : "Conv"}${nd}d(${args.join(", ")})`,
          `x = torch.randn(${[1, 1, ...cfg.input_size].join(", ")})`,
          `y = ${call}  # shape ${tuple([1, 1, ...out])}`].join("\n");
}

// A relation's title in `lang` (tconv.explain.i18n.relation_title): the guide's by number, else the case's.
function relationTitle(r, lang) {
  const words = lang === "zh" ? "zh" : "en";
  if (r.number !== null) return RELATION_TITLES[words][r.number];
  const kind = Object.keys(GENERAL_TITLES.en).find((k) => GENERAL_TITLES.en[k] === r.title);
  return GENERAL_TITLES[words][kind];
}

// What /api/shape answers for the state: the layer report, the PyTorch code, the relation titles in `lang`; or
// the EngineError of the library's refusal.
export function shapeInfo(cfg, lang = "en") {
  const report = cfg.mode === "transposed" ? transposedReport(cfg, lang) : convReport(cfg, lang);
  report.code = { pytorch: torchCode(cfg, report) };
  for (const r of report.relation) r.title = relationTitle(r, lang);
  return report;
}

// The whole answer of /api/shape for a query: shapeInfo(parseQuery(query, lang), lang).
export function shapeAnswer(query, lang = "en") {
  return shapeInfo(parseQuery(query, lang), lang);
}
