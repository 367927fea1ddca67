// What a scene draws, planned before anything is built: the layer's axes (every derived length, the layer
// validated by plan.js), the scene's own refusals and what the scene will cost. The mirror of tconv.scene.plan,
// held equal to Python by tests/test_js_scene.py: every refusal's English is the library's message word for word.
import { refuse } from "./errors.js";
import { convAxes, transposedLayer } from "./plan.js";
import { prod, pyTuple, pyRepr, thousands } from "./py.js";

export const VIEWS = ["gather", "scatter", "conv"];
export const VIEW_ALIASES = { equivalent: "gather" };
// Animations are drawn cell by cell; beyond these sizes they would be unreadable (tconv.scene.plan).
export const MAX_FRAMES = 400;
export const MAX_CELLS = 40 * 40;

// ---- random values: splitmix32, as tconv.arrays.random_arrays draws them (tconv explain, compute, animate)

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
    const shown = typeof view === "string" ? pyRepr(view) : String(view);
    refuse(`view ${shown} is not known: choose one of 'gather', 'scatter', 'conv' ('equivalent' is another name `
           + "for 'gather')",
           `未知的视角 ${shown}：请从 'gather'、'scatter'、'conv' 中选择（'equivalent' 是 'gather' 的另一个名字）`,
           lang, "view");
  }
  return view;
}

// The direct layer's axes. A scene of a direct convolution has no output_padding: animate's own refusal, in its
// words, comes first.
function convLayer(cfg, lang) {
  if (cfg.output_padding.some((v) => v !== 0)) {
    const shown = pyTuple(cfg.output_padding);
    refuse(`output_padding ${shown} only applies to transposed convolution (view 'conv' is direct): use 0`,
           `output_padding ${shown} 只用于转置卷积（视角 'conv' 是直接卷积）：请用 0`, lang, "output_padding");
  }
  return convAxes({ ...cfg, output_size: null }, lang).map((ax) => ({
    input: ax.input_size, kernel: ax.kernel_size, stride: ax.stride, padBegin: ax.pad_begin, padEnd: ax.pad_end,
    dilation: ax.dilation, effective: ax.effective_kernel, padded: ax.padded_size, output: ax.output_size,
  }));
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
  const axes = transposed ? transposedLayer(cfg, lang) : convLayer(cfg, lang);
  checkRank(nd, lang);
  checkCells(cfg.input_size, cfg.kernel_size, lang);
  const plan = { view: name, transposed, nd, axes };
  plan.cost = checkCost(planCost(plan), lang);
  return plan;
}
