// What a scene draws, planned before anything is built: the layer's axes (every derived length), its refusals
// and what the scene will cost. The mirror of tconv.scene.plan, with the checks of tconv.shapes and
// tconv.params that a drawn layer meets (one channel, one sample, 1-D or 2-D), held equal to Python by
// tests/test_js_scene.py: every refusal's English is the library's message word for word.
import { refuse } from "./errors.js";

export const VIEWS = ["gather", "scatter", "conv"];
export const VIEW_ALIASES = { equivalent: "gather" };
// Animations are drawn cell by cell; beyond these sizes they would be unreadable (tconv.scene.plan).
export const MAX_FRAMES = 400;
export const MAX_CELLS = 40 * 40;

// ---- how Python writes values in messages

const prod = (values) => values.reduce((a, b) => a * b, 1);
// Python's f"{n:,}"
export const thousands = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
// Python's repr of a list of ints, and of a tuple
const pyList = (values) => `[${values.join(", ")}]`;
const pyTuple = (values) => (values.length === 1 ? `(${values[0]},)` : `(${values.join(", ")})`);
// Python's repr of a str (single quotes unless the text holds one and no double quote)
function pyRepr(value) {
  if (typeof value !== "string") return String(value);
  const q = value.includes("'") && !value.includes('"') ? '"' : "'";
  const body = value.replace(/\\/g, "\\\\").replace(new RegExp(q, "g"), `\\${q}`).replace(/\n/g, "\\n");
  return `${q}${body}${q}`;
}
// Python's floor division
const floorDiv = (a, b) => Math.floor(a / b);

// ---- random values: splitmix32, as tconv.scene.plan.random_arrays draws them

// The 32-bit outputs of splitmix32 from `seed` (mod 2**32): Math.imul keeps each product's low 32 bits, as
// Python's "& 0xFFFFFFFF" does.
function splitmix32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

// Nested arrays of `shape` (1-D: a flat list; 2-D: rows), filled row by row from `draw`.
function nested(shape, draw) {
  if (shape.length === 1) return Array.from({ length: shape[0] }, draw);
  return Array.from({ length: shape[0] }, () => Array.from({ length: shape[1] }, draw));
}

// Small random integers from `seed`: input 0–4 (row by row), then kernel 0–3; equal to Python's random_arrays.
export function randomArrays(inputShape, kernelShape, seed) {
  const next = splitmix32(seed);
  const x = nested(inputShape, () => next() % 5);
  const w = nested(kernelShape, () => next() % 4);
  return [x, w];
}

// ---- the layer

// The view's name, aliases resolved (tconv.scene.plan.view_name).
export function viewName(view, lang = "en") {
  if (typeof view === "string" && Object.hasOwn(VIEW_ALIASES, view)) return VIEW_ALIASES[view];
  if (typeof view !== "string" || !VIEWS.includes(view)) {
    const shown = pyRepr(view);
    refuse(`view ${shown} is not known: choose one of 'gather', 'scatter', 'conv' ('equivalent' is another name `
           + "for 'gather')",
           `未知的视角 ${shown}：请从 'gather'、'scatter'、'conv' 中选择（'equivalent' 是 'gather' 的另一个名字）`,
           lang, "view");
  }
  return view;
}

// One axis of a transposed convolution with every length a scene draws (tconv.shapes.TransposedAxis and its
// EquivalentConv).
function transposedAxis(input, kernel, stride, padding, outputPadding, dilation) {
  const effective = dilation * (kernel - 1) + 1;
  const full = (input - 1) * stride + effective;
  const output = full - 2 * padding + outputPadding;
  const padBegin = effective - 1 - padding;
  const padEnd = padBegin + outputPadding;
  return {
    input, kernel, stride, padding, outputPadding, dilation, effective, full, output,
    buffer: Math.max(full, padding + output),
    padBegin, padEnd, padded: (input - 1) * stride + 1 + padBegin + padEnd,
  };
}

const substituted = (ax) => `(${ax.input} − 1)·${ax.stride} − 2·${ax.padding} + ${ax.dilation}·(${ax.kernel} − 1)`
  + ` + ${ax.outputPadding} + 1 = ${ax.output}`;

// output_size → output_padding, refused outside PyTorch's range (tconv.shapes.output_padding_for).
function outputPaddingFor(cfg, lang) {
  const nd = cfg.input_size.length;
  const base = cfg.input_size.map((n, a) => transposedAxis(n, cfg.kernel_size[a], cfg.stride[a], cfg.padding[a], 0,
                                                           cfg.dilation[a]));
  const ranges = base.map((ax, a) => {
    const lo = ax.full - 2 * ax.padding, hi = lo + ax.stride - 1;
    if (hi < 1) {
      const most = floorDiv(ax.full + ax.stride - 2, 2);
      refuse(`padding ${ax.padding} on axis ${a} leaves no output for any output_size: the largest is ${hi}; `
             + `padding can be at most ${most} on this axis`,
             `第 ${a} 轴的 padding ${ax.padding} 使任何 output_size 都没有输出：最大只能是 ${hi}；`
             + `此轴的 padding 最多为 ${most}`, lang, "padding");
    }
    return [Math.max(1, lo), hi, lo];
  });
  const wanted = cfg.output_size;
  for (let a = 0; a < nd; a++) {
    const [lo, hi] = ranges[a];
    if (!(lo <= wanted[a] && wanted[a] <= hi)) {
      const los = pyList(ranges.map((r) => r[0])), his = pyList(ranges.map((r) => r[1]));
      const inputs = pyList(cfg.input_size);
      refuse(`output_size ${wanted[a]} on axis ${a} is out of range: requested ${pyList(wanted)}, but valid sizes `
             + `range from ${los} to ${his} for an input of size ${inputs}`,
             `第 ${a} 轴的 output_size ${wanted[a]} 超出范围：要求 ${pyList(wanted)}，但输入尺寸为 ${inputs} 时，`
             + `有效尺寸从 ${los} 到 ${his}`, lang, "output_size");
    }
  }
  return wanted.map((n, a) => n - ranges[a][2]);
}

// The transposed layer's axes, refused as tconv.params.plan_conv_transpose refuses them.
function transposedAxes(cfg, lang) {
  const ops = cfg.output_size == null ? cfg.output_padding : outputPaddingFor(cfg, lang);
  return cfg.input_size.map((n, a) => {
    const ax = transposedAxis(n, cfg.kernel_size[a], cfg.stride[a], cfg.padding[a], ops[a], cfg.dilation[a]);
    const limit = Math.max(ax.stride, ax.dilation) - 1;
    if (ax.outputPadding > limit) {
      refuse(`output_padding ${ax.outputPadding} on axis ${a} must be smaller than stride (${ax.stride}) or `
             + `dilation (${ax.dilation}): valid range 0..${limit}`,
             `第 ${a} 轴的 output_padding ${ax.outputPadding} 必须小于 stride（${ax.stride}）或 dilation`
             + `（${ax.dilation}）：有效范围 0..${limit}`, lang, "output_padding");
    }
    if (ax.output < 1) {
      const most = floorDiv(ax.full + ax.outputPadding - 1, 2);
      refuse(`padding ${ax.padding} on axis ${a} leaves no output: L_out = ${substituted(ax)}, which must be at `
             + `least 1; padding can be at most ${most} on this axis`,
             `第 ${a} 轴的 padding ${ax.padding} 使输出为空：L_out = ${substituted(ax)}，而它至少要为 1；`
             + `此轴的 padding 最多为 ${most}`, lang, "padding");
    }
    return ax;
  });
}

// The direct layer's axes (tconv.shapes.conv_axes with integer padding), refused as plan_conv refuses them.
function convAxes(cfg, lang) {
  if (cfg.output_padding.some((v) => v !== 0)) {
    const shown = pyTuple(cfg.output_padding);
    refuse(`output_padding ${shown} only applies to transposed convolution (view 'conv' is direct): use 0`,
           `output_padding ${shown} 只用于转置卷积（视角 'conv' 是直接卷积）：请用 0`, lang, "output_padding");
  }
  return cfg.input_size.map((input, a) => {
    const kernel = cfg.kernel_size[a], stride = cfg.stride[a], padding = cfg.padding[a], dilation = cfg.dilation[a];
    const effective = dilation * (kernel - 1) + 1, padded = input + 2 * padding;
    if (padded < effective) {
      refuse(`kernel_size ${kernel} on axis ${a} (dilated span ${effective}) is larger than the padded input `
             + `(${input} + ${padding} + ${padding} = ${padded}); the kernel can span at most ${padded} on this axis`,
             `第 ${a} 轴的 kernel_size ${kernel}（膨胀后跨度 ${effective}）大于填充后的输入（${input} + ${padding} + `
             + `${padding} = ${padded}）；此轴上卷积核最多只能跨 ${padded}`, lang, "kernel_size");
    }
    return { input, kernel, stride, padBegin: padding, padEnd: padding, dilation, effective, padded,
             output: floorDiv(padded - effective, stride) + 1 };
  });
}

// Before any array is drawn: a panel holds at most MAX_CELLS (tconv.scene.plan.check_cells).
export function checkCells(inputShape, kernelShape, lang = "en") {
  for (const [name, zhName, shape] of [["input", "输入", inputShape], ["kernel", "卷积核", kernelShape]]) {
    const n = prod(shape);
    if (n > MAX_CELLS) {
      refuse(`the animation would draw ${thousands(n)} ${name} cells; at most ${MAX_CELLS} are drawn: use smaller `
             + "sizes", `动画将画 ${thousands(n)} 个${zhName}格；最多画 ${MAX_CELLS} 个：请用更小的尺寸`, lang, name);
    }
  }
}

// The frames, cells and value updates of the scene of `view` drawing `plan` (tconv.scene.plan.plan_cost).
export function planCost(plan) {
  const k = prod(plan.axes.map((ax) => ax.kernel));
  if (plan.view === "conv") {
    const frames = prod(plan.axes.map((ax) => ax.output));
    return { frames, cells: prod(plan.axes.map((ax) => ax.padded)) + frames + k, updates: frames };
  }
  if (plan.view === "scatter") {
    const frames = prod(plan.axes.map((ax) => ax.input));
    return { frames, cells: frames + prod(plan.axes.map((ax) => ax.buffer)) + k, updates: frames * k };
  }
  const frames = prod(plan.axes.map((ax) => ax.output));
  return { frames, cells: prod(plan.axes.map((ax) => ax.padded)) + frames + 2 * k, updates: frames };
}

// Refused from the plan's sizes, before any frame or panel is built (tconv.scene.plan.check_cost). The memory
// budget it also checks is never reached within these limits (a few MB).
export function checkCost(cost, lang = "en") {
  if (cost.frames > MAX_FRAMES) {
    refuse(`the animation would have ${thousands(cost.frames)} frames; at most ${MAX_FRAMES} are drawn: use `
           + "smaller sizes",
           `动画将有 ${thousands(cost.frames)} 帧；最多画 ${MAX_FRAMES} 帧：请用更小的尺寸`, lang, "frames");
  }
  if (cost.cells > MAX_CELLS) {
    refuse(`the animation would draw ${cost.cells} cells; at most ${MAX_CELLS} are drawn: use smaller sizes`,
           `动画将画 ${cost.cells} 个格子；最多画 ${MAX_CELLS} 个：请用更小的尺寸`, lang, "cells");
  }
  return cost;
}

function checkRank(nd, lang) {
  if (nd !== 1 && nd !== 2) {
    refuse(`animate draws 1-D and 2-D convolutions, got ${nd} spatial dimensions: use tconv.explain for 3-D (it `
           + "lists every step)",
           `动画只画 1 维和 2 维卷积，这里有 ${nd} 个空间维度：3 维请用 tconv.explain（它列出每一步）`, lang, "input_size");
  }
}

// The plan of the scene the explorer shows for `cfg` and `view`, refused exactly as tconv.web.jobs.build_scene
// refuses it (the view, the layer, the cells, the cost), in that order: {view, transposed, nd, axes, cost}.
// Transposed views are "gather" and "scatter"; a direct convolution is always drawn as "conv".
export function scenePlan(cfg, view, lang = "en") {
  let name = viewName(view, lang);
  const transposed = cfg.mode === "transposed";
  if (transposed && name !== "gather" && name !== "scatter") {
    refuse(`view ${pyRepr(name)} draws a direct convolution: use 'gather' or 'scatter' for transposed`,
           `视角 ${pyRepr(name)} 画的是直接卷积：转置卷积请用 'gather' 或 'scatter'`, lang, "view");
  }
  if (!transposed) name = "conv";
  const nd = cfg.input_size.length;
  const axes = transposed ? transposedAxes(cfg, lang) : convAxes(cfg, lang);
  checkRank(nd, lang);
  checkCells(cfg.input_size, cfg.kernel_size, lang);
  const plan = { view: name, transposed, nd, axes };
  plan.cost = checkCost(planCost(plan), lang);
  return plan;
}
