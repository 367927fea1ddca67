// The explorer's scenes, built in the browser: panels of labelled cells stored once, and each frame made only
// when it is asked for (a 400-frame layer costs its cells, never cells × frames). The mirror of
// tconv.scene.build and tconv.scene.model (AxisMap, Panel.index/between, Scene.still_frame, Scene.to_dict),
// held equal to Python by tests/test_js_scene.py on thousands of drawn layers.
import { formatNumber } from "./format.js";
import { refuse } from "./errors.js";
import { prod, pyTuple } from "./py.js";
import { randomArrays, scenePlan } from "./sceneplan.js";

export { randomArrays } from "./sceneplan.js";

// The words a scene draws: the "scene.*" entries of tconv.explain.i18n's catalogue.
const WORDS = {
  "title.gather": {
    en: "{kind}  {params}:  {src} → {dst}  (gather: as a direct convolution)",
    zh: "{kind}  {params}：{src} → {dst}（gather：等效的直接卷积）",
  },
  "title.scatter": {
    en: "{kind}  {params}:  {src} → {dst}  (scatter: stamps added)",
    zh: "{kind}  {params}：{src} → {dst}（scatter：放置并相加）",
  },
  "title.conv": { en: "{kind}  {params}:  {src} → {dst}", zh: "{kind}  {params}：{src} → {dst}（逐窗口计算）" },
  "label.input": { en: "input {shape}", zh: "输入 {shape}" },
  "label.stretched": {
    en: "input {shape}: zeros inserted, padded (before/after) {pads} → {padded}",
    zh: "输入 {shape}：插入零，填充（前/后）{pads} → {padded}",
  },
  "label.padded": { en: "input {shape}, padded → {padded}", zh: "输入 {shape}，填充后 → {padded}" },
  "label.output": { en: "output {shape}", zh: "输出 {shape}" },
  "label.kernel": { en: "kernel {shape}", zh: "卷积核 {shape}" },
  "label.flipped": { en: "flipped 180° (used)", zh: "旋转 180°（实际使用）" },
  "label.sums": { en: "stamps summed ({buffer}); kept: output {shape}", zh: "放置结果之和（{buffer}）；保留：输出 {shape}" },
  "caption.gather": {
    en: "output ({pos}) = Σ flipped kernel × window{value}", zh: "输出 ({pos}) = Σ 翻转的卷积核 × 窗口{value}",
  },
  "caption.conv": { en: "output ({pos}) = Σ kernel × window{value}", zh: "输出 ({pos}) = Σ 卷积核 × 窗口{value}" },
  "caption.scatter": { en: "input ({pos}){value} stamps value × kernel", zh: "输入 ({pos}){value} 放置 数值 × 卷积核" },
};

const words = (key, lang, args = {}) => WORDS[key][lang].replace(/\{(\w+)\}/g, (_, name) => String(args[name]));
const fmtShape = (shape) => shape.join(" × ");
const compact = (values) => (values.every((v) => v === values[0]) ? String(values[0]) : `(${values.join(",")})`);

// (row, col) of a 1-D or 2-D position, and a window's (row, col) step: a 1-D panel is one row.
const cell = (pos) => (pos.length === 1 ? [0, pos[0]] : [pos[0], pos[1]]);
const step = (dilation) => (dilation.length === 2 ? [dilation[0], dilation[1]] : [1, dilation[0]]);
const asRows = (shape) => (shape.length === 1 ? [1, shape[0]] : [shape[0], shape[1]]);

// The position (per axis) of flat row-major index `i` in `shape`, and back.
function unravel(i, shape) {
  return shape.length === 1 ? [i] : [Math.floor(i / shape[1]), i % shape[1]];
}
const flatIndex = (pos, shape) => (pos.length === 1 ? pos[0] : pos[0] * shape[1] + pos[1]);

// ---- what each position along one axis of a panel holds (tconv.scene.model.AxisMap): index[q] is the true
// index of the element at q or -1; for an inserted zero, after[q] is the element just before it, else -1.

function axisMap(length, of) {
  const index = new Int32Array(length), after = new Int32Array(length);
  for (let q = 0; q < length; q++) [index[q], after[q]] = of(q);
  return { index, after };
}
const identity = (n) => axisMap(n, (q) => [q, -1]);
const reversed = (n) => axisMap(n, (q) => [n - 1 - q, -1]);
const shifted = (n, offset, length) => axisMap(length, (q) => [q >= offset && q - offset < n ? q - offset : -1, -1]);
function stretched(n, stride, before, length) {
  return axisMap(length, (q) => {
    const t = q - before, inside = t >= 0 && t <= (n - 1) * stride, real = inside && t % stride === 0;
    return [real ? t / stride : -1, inside && !real ? Math.floor(t / stride) : -1];
  });
}

// One grid: its roles, indices and betweens row by row (Panel.index / Panel.between), and its first values.
function panel(name, label, roleOf, shape, axes, values, line, flipped = false) {
  const [rows, cols] = shape;
  const maps = (r, c) => (axes.length === 1 ? [[axes[0], c]] : [[axes[0], r], [axes[1], c]]);
  const roles = [], indices = [], between = [];
  for (let r = 0; r < rows; r++) {
    const roleRow = [], indexRow = [], betweenRow = [];
    for (let c = 0; c < cols; c++) {
      const role = roleOf(r, c), found = maps(r, c).map(([m, q]) => m.index[q]);
      roleRow.push(role || null);
      indexRow.push(role && Math.min(...found) >= 0 ? found.join(",") : null);
      betweenRow.push(role === "zero" ? betweenOf(maps(r, c)) : null);
    }
    roles.push(roleRow); indices.push(indexRow); between.push(betweenRow);
  }
  return { name, label, shape: [rows, cols], line, flipped, roles, indices, between, values };
}

// The input elements an inserted zero sits between: every combination of the axes' choices, first axis outermost.
function betweenOf(maps) {
  let combos = [[]];
  for (const [m, q] of maps) {
    const i = m.index[q], a = m.after[q];
    if (i < 0 && a < 0) return null;
    const choices = i >= 0 ? [i] : [a, a + 1];
    combos = combos.flatMap((head) => choices.map((v) => [...head, v]));
  }
  return combos.map((c) => c.join(",")).join(";");
}

// Row-major values of `shape` (a 1-D shape is one row), from `at(position)`.
function grid(shape, at) {
  const [rows, cols] = asRows(shape);
  const pos = (r, c) => (shape.length === 1 ? [c] : [r, c]);
  return Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => at(pos(r, c))));
}

const flat = (a) => (Array.isArray(a[0]) ? a.flat() : a.slice());

function legendOf(panels) {
  const seen = [];
  for (const p of panels) {
    for (const role of p.roles.flat()) if (role && !seen.includes(role)) seen.push(role);
  }
  return seen;
}

// ---- the views

function kernelPanel(w, kShape, lang) {
  return panel("kernel", words("label.kernel", lang, { shape: fmtShape(kShape) }), () => "kernel", asRows(kShape),
               kShape.map(identity), grid(kShape, (t) => w[flatIndex(t, kShape)]), 1);
}
// The transposed layer run by its definition (each input stamps value × kernel): the running sums after every
// tap, in the scatter view's order (input cells, then taps, row by row), and the output cropped from the sums.
function scatterSums(plan, x, w, inShape, kShape) {
  const axes = plan.axes, buffer = axes.map((ax) => ax.buffer), k = prod(kShape);
  const acc = new Array(prod(buffer)).fill(0), running = new Array(x.length * k);
  for (let i = 0; i < x.length; i++) {
    const ii = unravel(i, inShape);
    for (let t = 0; t < k; t++) {
      const tt = unravel(t, kShape);
      const at = flatIndex(ii.map((v, a) => v * axes[a].stride + tt[a] * axes[a].dilation), buffer);
      acc[at] += x[i] * w[t];
      running[i * k + t] = acc[at];
    }
  }
  const outShape = axes.map((ax) => ax.output);
  const kept = (o) => flatIndex(unravel(o, outShape).map((v, a) => v + axes[a].padding), buffer);
  const y = Array.from({ length: prod(outShape) }, (_, o) => acc[kept(o)]);
  return { running, y };
}

// A direct convolution (cross-correlation) of the padded input: what the "conv" view computes.
function convolve(plan, x, w, inShape, kShape) {
  const axes = plan.axes, outShape = axes.map((ax) => ax.output), k = prod(kShape);
  return Array.from({ length: prod(outShape) }, (_, o) => {
    const oo = unravel(o, outShape);
    let sum = 0;
    for (let t = 0; t < k; t++) {
      const tt = unravel(t, kShape);
      const q = oo.map((v, a) => v * axes[a].stride + tt[a] * axes[a].dilation - axes[a].padBegin);
      if (q.every((v, a) => v >= 0 && v < inShape[a])) sum += x[flatIndex(q, inShape)] * w[t];
    }
    return sum;
  });
}

function gatherPanels(plan, x, w, inShape, kShape, outShape, lang) {
  const axes = plan.axes, padded = axes.map((ax) => ax.padded);
  const maps = axes.map((ax) => stretched(ax.input, ax.stride, ax.padBegin, ax.padded));
  // a cell is padding when it is outside the stretched input on any axis, an input where both are real
  const kinds = maps.map((m) => Array.from(m.index, (v, q) => (v >= 0 ? "input" : m.after[q] >= 0 ? "zero" : "pad")));
  const kindAt = (pos) => {
    const ks = pos.map((q, a) => kinds[a][q]);
    return ks.includes("pad") ? "pad" : ks.every((v) => v === "input") ? "input" : "zero";
  };
  const valueAt = (pos) => (kindAt(pos) === "input" ? x[flatIndex(pos.map((q, a) => maps[a].index[q]), inShape)] : 0);
  const pads = axes.map((ax) => `${ax.padBegin}/${ax.padEnd}`).join(", ");
  const at = (r, c) => (padded.length === 1 ? [c] : [r, c]);
  const flippedAt = (t) => w[flatIndex(t.map((v, a) => kShape[a] - 1 - v), kShape)];
  return [
    panel("input", words("label.stretched", lang, { shape: fmtShape(inShape), pads, padded: fmtShape(padded) }),
          (r, c) => kindAt(at(r, c)), asRows(padded), maps, grid(padded, valueAt), 0),
    panel("output", words("label.output", lang, { shape: fmtShape(outShape) }), () => "output", asRows(outShape),
          outShape.map(identity), null, 0),
    kernelPanel(w, kShape, lang),
    panel("flipped", words("label.flipped", lang), () => "kernel", asRows(kShape), kShape.map(reversed),
          grid(kShape, flippedAt), 1, true),
  ];
}

function scatterPanels(plan, x, w, inShape, kShape, outShape, lang) {
  const axes = plan.axes, buffer = axes.map((ax) => ax.buffer);
  const at = (r, c) => (buffer.length === 1 ? [c] : [r, c]);
  const roleAt = (pos) => {
    if (!pos.every((q, a) => q >= axes[a].padding && q < axes[a].padding + axes[a].output)) return "crop";
    return pos.some((q, a) => q >= axes[a].full) ? "extend" : "output";
  };
  return [
    panel("input", words("label.input", lang, { shape: fmtShape(inShape) }), () => "input", asRows(inShape),
          inShape.map(identity), grid(inShape, (p) => x[flatIndex(p, inShape)]), 0),
    panel("output", words("label.sums", lang, { buffer: fmtShape(buffer), shape: fmtShape(outShape) }),
          (r, c) => roleAt(at(r, c)), asRows(buffer), axes.map((ax, a) => shifted(ax.output, ax.padding, buffer[a])),
          grid(buffer, () => 0), 0),
    kernelPanel(w, kShape, lang),
  ];
}

function convPanels(plan, x, w, inShape, kShape, outShape, lang) {
  const axes = plan.axes, padded = axes.map((ax) => ax.padded);
  const maps = axes.map((ax) => shifted(ax.input, ax.padBegin, ax.padded));
  const inside = (pos) => pos.every((q, a) => maps[a].index[q] >= 0);
  const at = (r, c) => (padded.length === 1 ? [c] : [r, c]);
  const same = padded.every((n, a) => n === inShape[a]);
  const label = words(same ? "label.input" : "label.padded", lang,
                      { shape: fmtShape(inShape), padded: fmtShape(padded) });
  return [
    panel("input", label, (r, c) => (inside(at(r, c)) ? "input" : "pad"), asRows(padded), maps,
          grid(padded, (p) => (inside(p) ? x[flatIndex(p.map((q, a) => maps[a].index[q]), inShape)] : 0)), 0),
    panel("output", words("label.output", lang, { shape: fmtShape(outShape) }), () => "output", asRows(outShape),
          outShape.map(identity), null, 0),
    kernelPanel(w, kShape, lang),
  ];
}

function titleOf(plan, inShape, outShape, lang) {
  const axes = plan.axes, list = (key) => compact(axes.map((ax) => ax[key]));
  if (plan.view === "conv") {
    return words("title.conv", lang, {
      kind: `Conv${plan.nd}d`,
      params: `k=${list("kernel")} s=${list("stride")} p=${list("padBegin")} d=${list("dilation")}`,
      src: fmtShape(inShape), dst: fmtShape(outShape) });
  }
  return words(`title.${plan.view}`, lang, {
    kind: `ConvTranspose${plan.nd}d`,
    params: `k=${list("kernel")} s=${list("stride")} p=${list("padding")} op=${list("op")} `
            + `d=${list("dilation")}`,
    src: fmtShape(inShape), dst: fmtShape(outShape) });
}

function paramsOf(plan) {
  const axes = plan.axes, list = (key) => axes.map((ax) => ax[key]);
  const params = { view: plan.view };
  if (plan.view === "conv") {
    Object.assign(params, { pool: null, input_size: list("input"), kernel_size: list("kernel"), stride: list("stride"),
                            padding: list("padBegin") });
  } else {
    Object.assign(params, { input_size: list("input"), kernel_size: list("kernel"), stride: list("stride"),
                            padding: list("padding"), output_padding: list("op") });
  }
  Object.assign(params, { dilation: list("dilation"), output_size: list("output") });
  if (plan.view === "scatter") params.window = axes.map((ax) => [ax.padding, ax.padding + ax.output]);
  return params;
}

// The frame a still picture shows (Scene.still_frame): for a window on the input, the one covering the most cells
// that hold an element, the latest of those; for scatter, the last stamp of a non-zero value.
function stillOf(plan, x, outShape, frameCount) {
  if (plan.view === "scatter") {
    for (let i = x.length - 1; i >= 0; i--) if (x[i] !== 0) return i;
    return frameCount - 1;
  }
  // the input panel holds an element where every axis does (its roles are never empty)
  const held = plan.axes.map((ax) => {
    const m = plan.view === "conv" ? shifted(ax.input, ax.padBegin, ax.padded)
      : stretched(ax.input, ax.stride, ax.padBegin, ax.padded);
    return Array.from(m.index, (v) => v >= 0);
  });
  let best = -1, still = 0;
  for (let i = 0; i < frameCount; i++) {
    const o = unravel(i, outShape);
    let real = 1;
    plan.axes.forEach((ax, a) => {
      const corner = o[a] * (plan.view === "conv" ? ax.stride : 1);
      let n = 0;
      for (let t = 0; t < ax.kernel; t++) n += held[a][corner + t * ax.dilation] ? 1 : 0;
      real *= n;
    });
    if (real >= best) { best = real; still = i; }
  }
  return still;
}

// The spatial shape of a nested array (a flat list: 1-D; a list of rows: 2-D).
const shapeOf = (a) => (Array.isArray(a[0]) ? [a.length, a[0].length] : [a.length]);

// The user's arrays, refused as tconv.animate refuses them beside the sizes (sample_arrays, given_arrays and
// check_size_agrees): both or neither, of one rank, of the layer's input and kernel sizes.
function checkArrays(cfg, x, w, lang) {
  if (x == null || w == null) {
    refuse("give both input and weight arrays, or neither (then random integers of the given sizes)",
           "输入和权重数组要么都给出，要么都不给（那时用给定尺寸的随机整数）", lang, x == null ? "input" : "weight");
  }
  const xShape = shapeOf(x), wShape = shapeOf(w);
  if (xShape.length !== wShape.length) {
    refuse("animate draws one channel: give plain input and weight arrays of the same rank (1-D or 2-D), got input "
           + `shape [${xShape.join(", ")}] and weight shape [${wShape.join(", ")}]`,
           "动画只画一个通道：请给出秩相同的普通输入和权重数组（1 维或 2 维），这里输入形状为 "
           + `[${xShape.join(", ")}]，权重形状为 [${wShape.join(", ")}]`, lang, "input");
  }
  for (const [name, size, shape, source, zhSource] of [["input_size", cfg.input_size, xShape, "input", "输入"],
                                                       ["kernel_size", cfg.kernel_size, wShape, "weight", "权重"]]) {
    const agrees = (size.length === shape.length || size.length === 1)
      && shape.every((n, a) => n === size[size.length === 1 ? 0 : a]);
    if (!agrees) {
      refuse(`${name} ${pyTuple(size)} conflicts with ${source}, whose spatial shape is [${shape.join(", ")}]: leave `
             + `${name} out or make them agree`,
             `${name} ${pyTuple(size)} 与${zhSource}的空间形状 [${shape.join(", ")}] 不一致：请去掉 ${name} 或让两者一致`,
             lang, name);
    }
  }
}

// The scene the page shows for `cfg` and `view` ("gather" or "scatter" when transposed; "conv" otherwise), built
// as tconv.web.jobs.build_scene builds it (and refused as it refuses, with EngineError): the panels, title,
// legend, parameters and still frame at once, each frame on demand with frame(i) (and its marks with marks(i)).
// `x` and `w` are the user's arrays (nested, of the sizes); without them, randomArrays from cfg.seed.
export function buildScene(cfg, view, { values = false, lang = "en", x = null, w = null } = {}) {
  const plan = scenePlan(cfg, view, lang);
  const inShape = plan.axes.map((ax) => ax.input), kShape = plan.axes.map((ax) => ax.kernel);
  const outShape = plan.axes.map((ax) => ax.output);
  if (x == null && w == null) [x, w] = randomArrays(inShape, kShape, cfg.seed);
  else checkArrays(cfg, x, w, lang);
  const xs = flat(x), ws = flat(w), k = ws.length;
  let panels, y = null, running = null;
  if (plan.view === "conv") {
    y = convolve(plan, xs, ws, inShape, kShape);
    panels = convPanels(plan, xs, ws, inShape, kShape, outShape, lang);
  } else {
    ({ running, y } = scatterSums(plan, xs, ws, inShape, kShape));
    panels = (plan.view === "gather" ? gatherPanels : scatterPanels)(plan, xs, ws, inShape, kShape, outShape, lang);
  }
  const frameCount = plan.cost.frames;
  const windowShape = asRows(kShape), windowStep = step(plan.axes.map((ax) => ax.dilation));
  const strides = plan.axes.map((ax) => (plan.view === "gather" ? 1 : ax.stride));
  const shown = (value) => (values ? ` = ${formatNumber(value)}` : "");  // a caption's value, when numbers are shown

  function frame(i) {
    if (!(Number.isInteger(i) && i >= 0 && i < frameCount)) throw new RangeError(`frame ${i} of ${frameCount}`);
    if (plan.view === "scatter") {
      const ii = unravel(i, inShape), value = xs[i];
      const [row, col] = cell(ii.map((v, a) => v * plan.axes[a].stride));
      const [hr, hc] = cell(ii);
      const updates = [];
      for (let t = 0; t < k; t++) {
        const tt = unravel(t, kShape);
        updates.push(["output", ...cell(ii.map((v, a) => v * plan.axes[a].stride + tt[a] * plan.axes[a].dilation)),
                      running[i * k + t]]);
      }
      return {
        caption: words("caption.scatter", lang, { pos: ii.join(", "), value: shown(value) }),
        value, window: { panel: "output", row, col, step: [...windowStep], shape: [...windowShape] },
        highlight: { panel: "input", row: hr, col: hc }, updates };
    }
    const o = unravel(i, outShape), value = y[i];
    const [row, col] = cell(o.map((v, a) => v * strides[a]));
    const [hr, hc] = cell(o);
    return {
      caption: words(`caption.${plan.view}`, lang, { pos: o.join(", "), value: shown(value) }),
      value, window: { panel: "input", row, col, step: [...windowStep], shape: [...windowShape] },
      highlight: { panel: "output", row: hr, col: hc }, updates: [["output", hr, hc, value]] };
  }

  // Frame.marks: the footprint cells in tap order (with the tap's value, times the stamped input for scatter,
  // when numbers are shown), then the highlighted cell.
  const taps = plan.view === "gather" ? panels[3].values : panels[2].values;
  function marks(i) {
    const f = frame(i), scale = plan.view === "scatter" ? f.value : null, out = [];
    for (let r = 0; r < windowShape[0]; r++) {
      for (let c = 0; c < windowShape[1]; c++) {
        const v = taps[r][c];
        out.push({ panel: f.window.panel, row: f.window.row + r * windowStep[0], col: f.window.col + c * windowStep[1],
                   kind: "footprint", text: values ? formatNumber(scale == null ? v : scale * v) : null, tap: [r, c] });
      }
    }
    out.push({ ...f.highlight, kind: "highlight", text: null, tap: null });
    return out;
  }

  return {
    title: titleOf(plan, inShape, outShape, lang), kernel: plan.view === "gather" ? "flipped" : "kernel",
    connect: ["input", "output"], legend: legendOf(panels), show_values: Boolean(values), params: paramsOf(plan),
    still: stillOf(plan, xs, outShape, frameCount), lang, panels, frameCount, frame, marks,
  };
}

// The whole scene as tconv.scene.model.Scene.to_dict gives it (every frame made), plus legend, show_values and
// connect: what the equality tests compare with Python.
export function sceneDict(cfg, view, opts = {}) {
  const s = buildScene(cfg, view, opts);
  return {
    title: s.title, kernel: s.kernel, params: s.params, lang: s.lang, still: s.still,
    panels: s.panels.map(({ name, label, shape, line, flipped, roles, indices, between }) =>
      ({ name, label, shape, line, flipped, roles, indices, between })),
    frames: Array.from({ length: s.frameCount }, (_, i) => s.frame(i)),
    legend: s.legend, show_values: s.show_values, connect: s.connect,
  };
}
