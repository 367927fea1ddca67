// The walkthrough's numbers in the browser: one equation per output cell (what /api/explain's `equations` holds)
// and the matrix view's C. The mirror of tconv.explain (views.py: _gather, _scatter, _matrix, check_view_size) and
// tconv.explain.writers.cell_equation for one channel, held equal to them by tests/test_js_explain.py.
//
// The layer is one the plan accepts (the page asks plan.js first, which refuses the rest); x and w are nested
// arrays (1-D: a list, 2-D: a list of rows) of the input and kernel sizes.

import { formatNumber } from "./format.js";
import { refuse } from "./errors.js";
import { transposedLayer } from "./plan.js";
import { prod, pyRepr, thousands } from "./py.js";

// The words these views write, as tconv.explain.i18n.CATALOGUE has them (a test holds them equal).
export const WORDS = {
  "matrix.C.title": { en: "1. The paired convolution as a matrix C", zh: "1. 对应的卷积写成矩阵 C" },
  "label.C": { en: "C", zh: "C" },
};

// tconv.explain.views: beyond these a walkthrough is refused (it lists every product, stamp and entry).
export const MAX_TERMS = 20000, MAX_STAMPS = 600, MAX_MATRIX_CELLS = 10000, MAX_GRID_CELLS = 50000;
const VIEWS = ["gather", "scatter", "matrix"];
const LANGS = ["en", "zh"];


// A string as Python's repr writes it in a refusal ('gather'); anything else as JSON.
function shown(value) {
  return typeof value === "string" ? pyRepr(value) : JSON.stringify(value);
}

// tconv._axes.as_choice's refusal.
export function checkChoice(name, value, choices, lang) {
  if (!choices.includes(value)) {
    const listed = choices.map((c) => `'${c}'`).join(", ");
    refuse(`${name} ${shown(value)} is not known: choose one of ${listed}`,
           `${name} ${shown(value)} 无效：请从 ${listed} 中选择`, lang, name);
  }
}

const WHAT_ZH = {
  "product": "乘积", "cell of the zero-inserted, padded input": "插零并填充后的输入格",
  "cell of the summed stamps": "放置结果之和的格", "stamp": "放置", "entry of the matrix C": "矩阵 C 的元素",
};

// tconv.explain.views.check_view_size for one sample and one channel.
function checkViewSize(view, axes, lang) {
  const taps = prod(axes.map((ax) => ax.kernel)), cells = prod(axes.map((ax) => ax.input));
  const limits = {
    gather: [[prod(axes.map((ax) => ax.output)) * taps, MAX_TERMS, "product"],
             [Math.max(prod(axes.map((ax) => ax.stretched)), prod(axes.map((ax) => Math.max(ax.padded, 0)))),
              MAX_GRID_CELLS, "cell of the zero-inserted, padded input"]],
    scatter: [[prod(axes.map((ax) => ax.buffer)), MAX_GRID_CELLS, "cell of the summed stamps"],
              [cells, MAX_STAMPS, "stamp"], [cells * taps, MAX_TERMS, "product"]],
    matrix: [[cells * prod(axes.map((ax) => ax.output)), MAX_MATRIX_CELLS, "entry of the matrix C"]],
  }[view];
  for (const [count, limit, what] of limits) {
    if (count > limit) {
      refuse(`explain shows every ${what}: this configuration has ${thousands(count)}, more than the ${thousands(limit)} a `
             + "walkthrough shows; use smaller sizes or fewer channels (tconv.conv_transpose computes any size)",
             `逐步讲解会列出每个${WHAT_ZH[what]}：此配置有 ${thousands(count)} 个，超过逐步讲解能显示的 ${thousands(limit)} 个；`
             + "请使用更小的尺寸或更少的通道（tconv.conv_transpose 可以计算任意尺寸）", lang);
    }
  }
}

// The refusals of tconv.web.jobs.explain_info before any number: the mode, the view, the language, the size.
function checked(cfg, view, lang) {
  if (cfg.mode !== "transposed") {
    refuse("walkthroughs explain transposed convolution: switch the mode to transposed",
           "逐步讲解只针对转置卷积：请把模式切换为 transposed", lang, "mode");
  }
  // the library's views, named in its refusal; the page computes three (backward is tconv explain's alone)
  checkChoice("view", view, [...VIEWS, "backward"], lang);
  if (view === "backward") refuse("view 'backward' is tconv explain's: the page draws gather, scatter and matrix",
                                  "backward 视角只在 tconv explain 中：网页画 gather、scatter 和 matrix", lang, "view");
  checkChoice("lang", lang, LANGS, "en");
  const axes = transposedLayer(cfg, lang);
  checkViewSize(view, axes, lang);
  return axes;
}

const at = (array, index) => index.reduce((a, i) => a[i], array);

// Every index of a shape, row-major (NumPy's ndindex).
function* ndindex(shape) {
  const n = prod(shape);
  for (let flat = 0; flat < n; flat++) {
    const idx = new Array(shape.length);
    let rest = flat;
    for (let a = shape.length - 1; a >= 0; a--) { idx[a] = rest % shape[a]; rest = Math.floor(rest / shape[a]); }
    yield idx;
  }
}

// Per axis and output position: the (input cell, tap) pairs that reach it, by input cell (the scatter's order:
// o + padding = i·stride + tap·dilation).
function reaching(ax) {
  const out = [];
  for (let o = 0; o < ax.output; o++) {
    const pairs = [];
    for (let i = 0; i < ax.input; i++) {
      const q = o + ax.padding - i * ax.stride;
      if (q >= 0 && q % ax.dilation === 0 && q / ax.dilation < ax.kernel) pairs.push([i, q / ax.dilation]);
    }
    out.push(pairs);
  }
  return out;
}

// The terms [x, w] of one output cell in the scatter and matrix views: input cells in row-major order.
function scatterTerms(axes, pairs, o, x, w) {
  const terms = [];
  if (axes.length === 1) {
    for (const [i, t] of pairs[0][o[0]]) terms.push([x[i], w[t]]);
  } else {
    for (const [i0, t0] of pairs[0][o[0]]) for (const [i1, t1] of pairs[1][o[1]]) terms.push([x[i0][i1], w[t0][t1]]);
  }
  return terms;
}

// The gather view's terms: every tap of the flipped kernel over the zero-inserted, padded input.
function gatherTerms(axes, o, x, w) {
  const terms = [];
  for (const tap of ndindex(axes.map((ax) => ax.kernel))) {
    const xi = [];
    let real = true;
    axes.forEach((ax, a) => {
      const t = o[a] + tap[a] * ax.dilation - ax.padBegin;  // position in the zero-inserted input
      if (t < 0 || t > (ax.input - 1) * ax.stride || t % ax.stride !== 0) real = false;
      else xi.push(t / ax.stride);
    });
    terms.push([real ? at(x, xi) : 0, at(w, axes.map((ax, a) => ax.kernel - 1 - tap[a]))]);
  }
  return terms;
}

const factor = (v) => { const s = formatNumber(v); return s.startsWith("-") ? `(${s})` : s; };

// tconv.explain.writers.cell_equation of one channel, no bias: "y(1, 1) = 4·1 + 3·1 = 7".
function equation(name, terms, value) {
  const rhs = terms.length ? terms.map(([xv, wv]) => `${factor(xv)}·${factor(wv)}`).join(" + ") : "0";
  return `${name} = ${rhs} = ${formatNumber(value)}`;
}

// Nested lists of `shape` from a flat row-major list.
function nest(flat, shape) {
  if (shape.length === 1) return flat;
  const [rows, cols] = shape;
  return Array.from({ length: rows }, (_, r) => flat.slice(r * cols, (r + 1) * cols));
}

// /api/explain's `equations` ("r,c" or "i" → "y(r, c) = … = value") and `output` (one channel: [[…]]) for the
// view ("gather", "scatter" or "matrix"); `lang` is the language of a refusal (the equations have no words).
export function equations(cfg, view, x, w, lang = "en") {
  const axes = checked(cfg, view, lang);
  const pairs = view === "gather" ? null : axes.map(reaching);
  const eqs = {}, flat = [];
  for (const o of ndindex(axes.map((ax) => ax.output))) {
    const terms = view === "gather" ? gatherTerms(axes, o, x, w) : scatterTerms(axes, pairs, o, x, w);
    let value = 0;  // Python's sum(products, start=0): the same additions in the same order
    for (const [xv, wv] of terms) value += xv * wv;
    eqs[o.join(",")] = equation(`y(${o.join(", ")})`, terms, value);
    flat.push(value);
  }
  return { equations: eqs, output: [nest(flat, axes.map((ax) => ax.output))] };
}

// The matrix view: its first step's grid C (label, shape, values, roles, row and column labels), its title and
// the equations, as the page reads /api/explain?view=matrix.
export function matrixView(cfg, x, w, lang = "en") {
  const axes = checked(cfg, "matrix", lang);
  const inShape = axes.map((ax) => ax.input), outShape = axes.map((ax) => ax.output);
  const rows = prod(inShape), cols = prod(outShape);
  const values = Array.from({ length: rows }, () => new Array(cols).fill(0));
  const roles = Array.from({ length: rows }, () => new Array(cols).fill("empty"));
  const pairs = axes.map(reaching);
  let col = 0;
  for (const o of ndindex(outShape)) {
    let combos = [[0, []]];
    axes.forEach((ax, a) => {
      const next = [];
      for (const [row, ts] of combos) for (const [i, t] of pairs[a][o[a]]) next.push([row * ax.input + i, [...ts, t]]);
      combos = next;
    });
    for (const [row, ts] of combos) { values[row][col] = at(w, ts); roles[row][col] = "matrix"; }
    col++;
  }
  const label = (prefix, idx) => `${prefix}0(${idx.join(", ")})`;
  const C = {
    label: WORDS["label.C"][lang], shape: [rows, cols], values, roles,
    row_labels: [...ndindex(inShape)].map((idx) => label("x", idx)),
    col_labels: [...ndindex(outShape)].map((idx) => label("y", idx)),
  };
  return { C, title: WORDS["matrix.C.title"][lang], equations: equations(cfg, "matrix", x, w, lang).equations };
}
