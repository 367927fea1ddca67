// The overlap view in the browser: kernel taps per output cell through stacked identical layers, the verdict and
// the heatmap scene. The mirror of tconv.scene.overlap (overlap, OverlapMap.message/summary/scene/to_dict) and of
// tconv.web.jobs.overlap_job, held equal to them by tests/test_js_overlap.py.
//
// The layer is validated by plan.js (transposedLayer), and each stacked layer by the same rules (transposedAxes).

import { refuse } from "./errors.js";
import { checkChoice } from "./explain.js";
import { transposedLayer, transposedAxes } from "./plan.js";
import { prod, thousands } from "./py.js";

// The words of the overlap view, as tconv.explain.i18n.CATALOGUE has them (a test holds them equal).
export const WORDS = {
  "overlap.label": { en: "taps per output cell after {layers} layer(s): {shape}", zh: "{layers} 层之后每个输出格的乘积数：{shape}" },
  "overlap.title": { en: "overlap  {params}  ×{layers}: {verdict}", zh: "重叠  {params}  ×{layers}：{verdict}" },
  "overlap.even": { en: "even", zh: "均匀" },
  "overlap.uneven": { en: "uneven (checkerboard)", zh: "不均匀（棋盘格）" },
  "overlap.summary.even": { en: "even overlap: {spread} taps per cell (less only at the borders)",
                            zh: "均匀重叠：每格 {spread} 个乘积（只有边缘更少）" },
  "overlap.summary.uneven": { en: "uneven (checkerboard): {spread} taps per cell{fix}",
                              zh: "不均匀（棋盘格）：每格 {spread} 个乘积{fix}" },
  "overlap.fix.kernel": { en: "; even with kernel_size {sizes}", zh: "；kernel_size 取 {sizes} 时均匀" },
  "overlap.fix.none": { en: "; change the dilation or stride", zh: "；请改变 dilation 或 stride" },
  "overlap.message.even": {
    en: "even overlap: every interior output cell receives the same number of taps ({taps} per layer)",
    zh: "均匀重叠：每个内部输出格得到相同数量的乘积（每层 {taps} 个）",
  },
  "overlap.message.uneven": {
    en: "uneven overlap (checkerboard): {axes}. After {layers} layer(s) the cells receive {spread} taps",
    zh: "不均匀重叠（棋盘格）：{axes}。{layers} 层之后每格得到 {spread} 个乘积",
  },
  "overlap.message.fix": {
    en: "axis {axis}: kernel_size {kernel} with stride {stride} gives {phases} taps per output phase; kernel_size "
        + "{sizes} would make it even ({rule})",
    zh: "第 {axis} 维：kernel_size {kernel}、步长 {stride} 时各输出相位得到 {phases} 个乘积；kernel_size 取 "
        + "{sizes} 时均匀（{rule}）",
  },
  "overlap.message.nofix": {
    en: "axis {axis}: kernel_size {kernel} with stride {stride} gives {phases} taps per output phase; no kernel "
        + "size makes it even with dilation {dilation} and stride {stride} (they share a factor): change the "
        + "dilation or the stride",
    zh: "第 {axis} 维：kernel_size {kernel}、步长 {stride} 时各输出相位得到 {phases} 个乘积；没有使其均匀的 "
        + "kernel_size（膨胀 {dilation} 与步长 {stride} 有公共素数）：请改变 dilation 或 stride",
  },
  "overlap.rule.multiple": { en: "a multiple of the stride", zh: "kernel_size = 整数 × 步长" },
  "overlap.rule.dilation": { en: "even with dilation {dilation}", zh: "膨胀为 {dilation}" },
  "overlap.spread": { en: "{lo} to {hi}", zh: "{lo} 到 {hi}" },
  "word.or": { en: " or ", zh: " 或 " },
  "word.semicolon": { en: "; ", zh: "；" },
};

// tconv.scene.overlap: at most this many layers, and this many cells in any map.
export const MAX_LAYERS = 6, MAX_CELLS = 1000000;
// OverlapMap.scene: the heatmap draws at most this many cells.
export const MAX_HEAT_CELLS = 80 * 80;

function render(key, lang, args = {}) {
  return WORDS[key][lang].replace(/\{(\w+)\}/g, (_, name) => String(args[name]));
}

// tconv.scene.overlap.residue_counts: taps landing on each output phase (o mod stride) in the interior.
function residueCounts(kernel, stride, dilation) {
  const counts = new Array(stride).fill(0);
  for (let j = 0; j < kernel; j++) counts[(j * dilation) % stride] += 1;
  return counts;
}

const isEven = (residues) => residues.every((r) => r === residues[0]);

// Kernel sizes near `kernel` whose overlap is even, nearest first (the larger on a tie), at most two.
function evenKernels(kernel, stride, dilation) {
  const even = [];
  for (let k = 1; k <= kernel + 2 * stride; k++) if (isEven(residueCounts(k, stride, dilation))) even.push(k);
  even.sort((a, b) => Math.abs(a - kernel) - Math.abs(b - kernel) || b - a);
  return even.slice(0, 2);
}

// One layer on one axis: the counts through a transposed convolution with a kernel of ones.
function layerCounts(counts, ax, outSize) {
  const out = new Array(outSize).fill(0);
  counts.forEach((c, i) => {
    for (let t = 0; t < ax.kernel; t++) {
      const o = i * ax.stride + t * ax.dilation - ax.padding;
      if (o >= 0 && o < outSize) out[o] += c;
    }
  });
  return out;
}

// The size after one more layer on each axis: the same layer on the last map, refused by plan.js as
// tconv.shapes.transposed_axes refuses a layer that leaves no output (the first layer's padding may be too much
// for a smaller map).
function nextSizes(cfg, axes, sizes, lang) {
  const next = { ...cfg, input_size: sizes, output_padding: axes.map((ax) => ax.op), output_size: null };
  return transposedAxes(next, lang).map((ax) => ax.output_size);
}

// tconv.overlap(plan=…, layers=…): per-axis counts (the map is their outer product: ones in, a kernel of ones),
// residues and suggestions, with its refusals and those of the heatmap every answer draws (/api/overlap too).
function overlapMap(cfg, layers, lang) {
  if (cfg.mode !== "transposed") {
    refuse("overlap is about transposed convolution: switch the mode to transposed",
           "重叠图只针对转置卷积：请把模式切换为 transposed", lang, "mode");
  }
  const axes = transposedLayer(cfg, lang);  // the layer first, as /api/overlap plans it before it stacks it
  if (layers < 1) refuse(`layers ${layers} must be at least 1`, `layers ${layers} 至少为 1`, lang, "layers");
  if (layers > MAX_LAYERS) {
    refuse(`layers ${layers} is too many: at most ${MAX_LAYERS} are stacked`,
           `layers ${layers} 太多：最多叠加 ${MAX_LAYERS} 层`, lang, "layers");
  }
  const input = axes.map((ax) => ax.input);
  if (prod(input) > MAX_CELLS) {
    refuse(`input_size [${input.join(", ")}] has ${thousands(prod(input))} cells; the overlap map counts at most `
           + `${thousands(MAX_CELLS)}: use a smaller input`,
           `input_size [${input.join(", ")}] 有 ${thousands(prod(input))} 个格；重叠图最多计算 ${thousands(MAX_CELLS)} 个：`
           + "请使用更小的输入", lang, "input_size");
  }
  const sizes = [input, axes.map((ax) => ax.output)];  // every layer's input, then the last one's output
  for (let layer = 1; layer <= layers; layer++) {
    const last = sizes[sizes.length - 1];
    if (prod(last) > MAX_CELLS) {
      refuse(`the overlap map after ${layer} layer(s) would have ${thousands(prod(last))} cells (${last.join(" × ")}); `
             + `at most ${thousands(MAX_CELLS)}: use fewer layers or a smaller input`,
             `${layer} 层之后的重叠图将有 ${thousands(prod(last))} 个格（${last.join(" × ")}）；最多 ${thousands(MAX_CELLS)} 个：`
             + "请减少层数或使用更小的输入", lang, "layers");
    }
    if (layer < layers) sizes.push(nextSizes(cfg, axes, last, lang));
  }
  checkChoice("lang", lang, ["en", "zh"], "en");
  const cells = prod(sizes[sizes.length - 1]);
  if (cells > MAX_HEAT_CELLS) {  // the heatmap is drawn (and refused) before any count is needed
    refuse(`the heatmap would draw ${cells} cells; at most 6400 are drawn: use smaller sizes`,
           `热图将绘制 ${cells} 个格；最多绘制 6400 个：请使用更小的尺寸`, lang);
  }
  const perAxis = axes.map((ax, a) => {
    let counts = new Array(ax.input).fill(1);
    for (let layer = 1; layer <= layers; layer++) counts = layerCounts(counts, ax, sizes[layer][a]);
    return counts;
  });
  const residues = axes.map((ax) => residueCounts(ax.kernel, ax.stride, ax.dilation));
  const suggestions = axes.map((ax, a) => (isEven(residues[a]) ? [] : evenKernels(ax.kernel, ax.stride, ax.dilation)));
  const counts = perAxis.length === 1 ? perAxis[0] : perAxis[0].map((r) => perAxis[1].map((c) => r * c));
  const flat = counts.flat();
  const nonzero = flat.filter((v) => v > 0);
  return { axes, layers, counts, flat, residues, suggestions, even: residues.every(isEven),
           lo: nonzero.length ? Math.min(...nonzero) : null, hi: nonzero.length ? Math.max(...nonzero) : null };
}

// OverlapMap.message(lang).
function message(m, lang) {
  if (m.even) return render("overlap.message.even", lang, { taps: prod(m.residues.map((r) => r[0])) });
  const parts = [];
  m.axes.forEach((ax, a) => {
    const r = m.residues[a];
    if (isEven(r)) return;
    const args = { axis: a, kernel: ax.kernel, stride: ax.stride, dilation: ax.dilation, phases: r.join("/") };
    if (m.suggestions[a].length) {
      const rule = render(ax.dilation === 1 ? "overlap.rule.multiple" : "overlap.rule.dilation", lang, args);
      const sizes = m.suggestions[a].join(render("word.or", lang));
      parts.push(render("overlap.message.fix", lang, { ...args, sizes, rule }));
    } else {
      parts.push(render("overlap.message.nofix", lang, args));
    }
  });
  const spread = m.lo === null ? "0" : render("overlap.spread", lang, { lo: m.lo, hi: m.hi });
  return render("overlap.message.uneven", lang, { axes: parts.join(render("word.semicolon", lang)), layers: m.layers, spread });
}

// OverlapMap.summary(lang): one line for the picture.
function summary(m, lang) {
  const spread = m.lo === null ? "0" : `${m.lo}–${m.hi}`;
  if (m.even) return render("overlap.summary.even", lang, { spread });
  const fixes = [...new Set(m.suggestions.flat())].sort((a, b) => a - b);
  const fix = fixes.length ? render("overlap.fix.kernel", lang, { sizes: fixes.join(render("word.or", lang)) })
    : render("overlap.fix.none", lang);
  return render("overlap.summary.uneven", lang, { spread, fix });
}

// /api/overlap's answer without its SVG: layers, counts, even, residues, suggestions, message, summary.
export function overlapInfo(cfg, layers, lang = "en") {
  const m = overlapMap(cfg, layers, lang);
  return { layers: m.layers, counts: m.counts, even: m.even, residues: m.residues, suggestions: m.suggestions,
           message: message(m, lang), summary: summary(m, lang) };
}

// A title's per-axis values: one number when every axis has it (tconv.scene.plan.compact).
const compact = (values) => (new Set(values).size === 1 ? String(values[0]) : `(${values.join(",")})`);

// tconv.overlap(…).scene(lang=…).to_dict(), with the Scene's legend, show_values, connect, cell_size and
// duration_ms, and each panel's values and heat (0..1), which the page draws.
export function overlapSceneDict(cfg, layers, lang = "en") {
  const m = overlapMap(cfg, layers, lang);
  const rows = m.counts.length && Array.isArray(m.counts[0]) ? m.counts : [m.counts];
  const oneD = m.axes.length === 1;
  const top = Math.max(...m.flat) || 1;
  const shape = m.axes.length === 1 ? [m.counts.length] : [m.counts.length, m.counts[0].length];
  const ax = m.axes;
  const params = `k=${compact(ax.map((a) => a.kernel))} s=${compact(ax.map((a) => a.stride))} `
    + `p=${compact(ax.map((a) => a.padding))} op=${compact(ax.map((a) => a.op))} d=${compact(ax.map((a) => a.dilation))}`;
  const verdict = render(m.even ? "overlap.even" : "overlap.uneven", lang);
  const panel = {
    name: "overlap", label: render("overlap.label", lang, { layers: m.layers, shape: shape.join(" × ") }),
    shape: [rows.length, rows[0].length], line: 0, flipped: false,
    roles: rows.map((row) => row.map(() => "heat")),
    indices: rows.map((row, r) => row.map((_, c) => (oneD ? String(c) : `${r},${c}`))),
    between: rows.map((row) => row.map(() => null)),
    values: rows, heat: rows.map((row) => row.map((v) => v / top)),
  };
  return {
    title: render("overlap.title", lang, { params, layers: m.layers, verdict }),
    kernel: null, params: { view: "overlap" }, lang, still: 0, panels: [panel],
    frames: [{ caption: summary(m, lang), value: null, window: null, highlight: null, updates: [] }],
    legend: ["heat"], show_values: true, connect: null, cell_size: 28, duration_ms: 1000,
  };
}
