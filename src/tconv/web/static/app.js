// tconv explorer: the page's behaviour. It computes nothing itself: every number, picture and error comes from
// the JSON API, which calls the library. The whole state lives in the URL query.
"use strict";

const UI = {
  en: {
    title: "tconv explorer", subtitle: "transposed convolution, computed and drawn", language: "Language",
    mode: "Mode", transposed: "transposed convolution", conv: "convolution", height: "H", width: "W",
    input_size: "input size", kernel_size: "kernel", stride: "stride", padding: "padding",
    output_padding: "output_padding", dilation: "dilation", output_size: "output_size", view: "View",
    v_gather: "gather (zeros, padding, flipped kernel)", v_scatter: "scatter (stamps)", v_matrix: "matrix (y = Cᵀx)",
    v_overlap: "overlap (checkerboard)", numbers: "numbers in cells", seed: "seed", layers: "layers",
    play: "play", pause: "pause", speed: "speed", walkthrough: "walkthrough", code: "Code",
    download_svg: "download SVG", download_gif: "download GIF", share: "link to this view",
    output: "output", formula: "formula", relation: "relation", general: "general formula", accepts: "output_size= accepts",
    equivalent: "as a direct convolution", insert: "insert", zeros: "zero(s) between inputs", pad: "pad", crop: "crop",
    before: "before", after: "after", flip: "flip the kernel, stride 1", frame: "frame", cropped: "cropped by padding",
    hover: "hover a cell to see what it is made of",
  },
  zh: {
    title: "tconv 探索器", subtitle: "转置卷积：计算与图示", language: "语言",
    mode: "模式", transposed: "转置卷积", conv: "卷积", height: "高", width: "宽",
    input_size: "输入尺寸", kernel_size: "卷积核", stride: "步长", padding: "填充 padding",
    output_padding: "output_padding", dilation: "膨胀 dilation", output_size: "output_size", view: "视角",
    v_gather: "gather（插零、填充、翻转卷积核）", v_scatter: "scatter（放置）", v_matrix: "矩阵（y = Cᵀx）",
    v_overlap: "重叠（棋盘格）", numbers: "显示数值", seed: "随机种子", layers: "层数",
    play: "播放", pause: "暂停", speed: "速度", walkthrough: "逐步讲解", code: "代码",
    download_svg: "下载 SVG", download_gif: "下载 GIF", share: "本视图的链接",
    output: "输出", formula: "公式", relation: "关系", general: "通用公式", accepts: "output_size= 可取",
    equivalent: "等效的直接卷积", insert: "插入", zeros: "个零（输入之间）", pad: "填充", crop: "裁剪",
    before: "前", after: "后", flip: "翻转卷积核，步长 1", frame: "帧", cropped: "被 padding 裁掉",
    hover: "把鼠标移到格子上，查看它由哪些部分组成",
  },
};

const DEFAULTS = { mode: "transposed", i: "3,3", k: "3,3", s: "2,2", p: "1,1", op: "1,1", d: "1,1", os: "",
                   view: "gather", values: "1", seed: "0", lang: "en", speed: "1", layers: "1" };
const AXIS_PARAMS = ["i", "k", "s", "p", "op", "d", "os"];

let state = { ...DEFAULTS };
let scene = null, frame = 0, timer = null, equations = null, requestId = 0;
const $ = (id) => document.getElementById(id);

function t(key) { return (UI[state.lang] || UI.en)[key] || key; }

function readUrl() {
  const q = new URLSearchParams(location.search);
  for (const key of Object.keys(DEFAULTS)) if (q.has(key)) state[key] = q.get(key);
}

function writeUrl() {
  const q = new URLSearchParams();
  for (const key of Object.keys(DEFAULTS)) q.set(key, state[key]);
  history.replaceState(null, "", "?" + q.toString());
  $("share").href = location.href;
}

function toControls() {
  $("mode").value = state.mode; $("lang").value = state.lang; $("values").checked = state.values === "1";
  $("seed").value = state.seed; $("speed").value = state.speed; $("layers").value = state.layers;
  for (const name of AXIS_PARAMS) {
    const parts = state[name] === "" ? ["", ""] : state[name].split(",");
    $(name + "0").value = parts[0];
    $(name + "1").value = parts.length > 1 ? parts[1] : parts[0];
  }
  for (const r of document.querySelectorAll("input[name=view]")) r.checked = r.value === state.view;
  document.documentElement.lang = state.lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  document.body.classList.toggle("conv", state.mode === "conv");
  document.body.classList.toggle("overlap", state.view === "overlap");
}

function fromControls() {
  state.mode = $("mode").value; state.lang = $("lang").value; state.values = $("values").checked ? "1" : "0";
  state.seed = $("seed").value || "0"; state.speed = $("speed").value; state.layers = $("layers").value || "1";
  for (const name of AXIS_PARAMS) {
    const a = $(name + "0").value, b = $(name + "1").value;
    state[name] = name === "os" && a === "" && b === "" ? "" : `${a},${b}`;
  }
  const checked = document.querySelector("input[name=view]:checked");
  state.view = checked ? checked.value : "gather";
  if (state.mode === "conv") { state.view = "gather"; }
}

function query(extra) {
  const q = new URLSearchParams({ mode: state.mode, i: state.i, k: state.k, s: state.s, p: state.p,
    op: state.mode === "conv" ? "0" : state.op, d: state.d, seed: state.seed });
  if (state.os !== "" && state.mode === "transposed") q.set("os", state.os);
  for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
  return q.toString();
}

async function api(path, extra) {
  const res = await fetch(`/api/${path}?${query(extra)}`);
  const body = await res.json();
  if (!res.ok) throw new Error(typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail));
  return body;
}

function showError(message) {
  const box = $("error");
  box.hidden = !message; box.textContent = message || "";
  $("picture").classList.toggle("stale", Boolean(message));
}

function sceneView() { return state.mode === "conv" ? "conv" : (state.view === "scatter" ? "scatter" : "equivalent"); }

// #picture[data-ready="1"] says the current request has finished drawing and wiring (hover, equations); tests and
// scripts wait for it instead of guessing from what is already on screen.
async function refresh() {
  const id = ++requestId;
  $("picture").dataset.ready = "0";
  writeUrl(); toControls();
  try {
    const shape = await api("shape");
    if (id !== requestId) return;
    renderShape(shape);
    showError("");
    if (state.view === "overlap" && state.mode === "transposed") await showOverlap(id);
    else if (state.view === "matrix" && state.mode === "transposed") await showMatrix(id);
    else await showScene(id);
  } catch (err) {
    if (id === requestId) showError(err.message);
  } finally {
    if (id === requestId) $("picture").dataset.ready = "1";
  }
}

function renderShape(shape) {
  const i = state.i.split(",").join(" × "), o = shape.output_size.join(" × ");
  $("size-line").textContent = `${i} → ${o}`;
  $("size-line").dataset.output = shape.output_size.join(",");
  const items = [`${t("formula")}: ${shape.formula}`];
  shape.substituted.forEach((s, a) => items.push(`axis ${a}: ${s}`));
  shape.relation.forEach((r, a) => items.push(r.number === null
    ? `axis ${a}, ${t("general")}: ${r.formula} → ${r.substituted}`
    : `axis ${a}, ${t("relation")} ${r.number} (${r.title}): ${r.formula} → ${r.substituted}`));
  if (shape.output_size_range) items.push(`${t("accepts")} ${shape.output_size_range.map((r) => r.join("..")).join(", ")}`);
  if (shape.equivalent) shape.equivalent.forEach((e, a) => items.push(
    `axis ${a}, ${t("equivalent")}: ${t("insert")} ${e.zeros_between} ${t("zeros")} (→ ${e.stretched_size}), ` +
    `${e.pad_begin >= 0 ? t("pad") : t("crop")} ${Math.abs(e.pad_begin)} ${t("before")} / ${e.pad_end} ${t("after")} ` +
    `(→ ${e.padded_size}), ${t("flip")}`));
  const list = $("size-details"); list.replaceChildren();
  for (const text of items) { const li = document.createElement("li"); li.textContent = text; list.append(li); }
  $("code").textContent = shape.code.pytorch;
  const dl = query({ view: sceneView(), values: state.values === "1" ? "true" : "false" });
  $("download-svg").href = `/api/scene.svg?${dl}`; $("download-gif").href = `/api/scene.gif?${dl}`;
}

async function showScene(id) {
  const values = state.values === "1";
  const data = await api("scene", { view: sceneView(), values: values ? "true" : "false" });
  if (id !== requestId) return;
  $("matrix").hidden = true; $("player").hidden = false;
  const box = $("picture");
  box.innerHTML = data.svg;
  const svg = box.querySelector("svg");
  svg.removeAttribute("width"); svg.removeAttribute("height");
  for (const a of svg.querySelectorAll("animate")) a.remove();  // the page plays the frames itself
  scene = data.scene;
  $("scrub").max = String(scene.frames.length - 1);
  equations = null;
  // The picture answers the mouse at once (captions); the walkthrough's equations replace them when they arrive.
  wireHover(svg);
  setFrame(Math.min(frame, scene.frames.length - 1));
  if (values && state.mode === "transposed") {
    try {
      const wt = await api("explain", { view: state.view === "scatter" ? "scatter" : "gather", lang: state.lang });
      if (id !== requestId) return;
      equations = wt.equations; $("walkthrough").textContent = wt.text;
    } catch (err) { $("walkthrough").textContent = err.message; }
  } else { $("walkthrough").textContent = ""; }
}

function setFrame(n) {
  if (!scene) return;
  const count = scene.frames.length;
  frame = ((n % count) + count) % count;
  for (const g of document.querySelectorAll("#picture g.frame"))
    g.setAttribute("visibility", Number(g.dataset.frame) === frame ? "visible" : "hidden");
  // values are written once, each shown from the frame that sets it until the cell's next update
  for (const v of document.querySelectorAll("#picture text.value[data-from]"))
    v.setAttribute("visibility", Number(v.dataset.from) <= frame && frame < Number(v.dataset.until) ? "visible" : "hidden");
  $("scrub").value = String(frame);
  $("frame-counter").textContent = `${frame + 1} / ${count}`;
  $("caption").textContent = scene.frames[frame].caption;
}

function play() {
  pause();
  const ms = 800 / Number(state.speed || 1);
  timer = setInterval(() => setFrame(frame + 1), ms);
  $("player").dataset.playing = "1";
}
function pause() { if (timer) clearInterval(timer); timer = null; $("player").dataset.playing = "0"; }

function cellKey(panel, r, c) { return `${panel}-${r}-${c}`; }

// A frame stores its kernel window (corner, step, shape), not one mark per tap: expand it into the marked cells.
function marksOf(f) {
  if (!f._marks) {
    const marks = [];
    const w = f.window;
    if (w) for (let i = 0; i < w.shape[0]; i++) for (let j = 0; j < w.shape[1]; j++)
      marks.push({ panel: w.panel, row: w.row + i * w.step[0], col: w.col + j * w.step[1], kind: "footprint", tap: [i, j] });
    if (f.highlight) marks.push({ ...f.highlight, kind: "highlight", tap: null });
    f._marks = marks;
  }
  return f._marks;
}

// Cells are linked when they appear in one frame: a highlighted cell and the footprint that feeds it (or that
// it stamps), plus the kernel taps used.
function linkedCells(panel, r, c) {
  const linked = new Set();
  for (const f of scene.frames) {
    const marks = marksOf(f);
    const here = marks.filter((m) => m.panel === panel && m.row === r && m.col === c);
    if (!here.length) continue;
    for (const mine of here) {
      const others = mine.kind === "highlight" ? marks.filter((m) => m.kind === "footprint")
                                               : marks.filter((m) => m.kind === "highlight");
      for (const m of others) linked.add(cellKey(m.panel, m.row, m.col));
      const taps = mine.kind === "highlight" ? others : [mine];
      if (scene.kernel) for (const m of taps) if (m.tap) linked.add(cellKey(scene.kernel, m.tap[0], m.tap[1]));
    }
  }
  return linked;
}

function clearHover() {
  for (const el of document.querySelectorAll("#picture rect.linked, #picture rect.hovered")) el.classList.remove("linked", "hovered");
  $("hover-info").textContent = t("hover");
}

function wireHover(svg) {
  clearHover();
  for (const rect of svg.querySelectorAll("rect.cell")) {
    rect.addEventListener("mouseenter", () => {
      clearHover();
      const [panel, r, c] = rect.id.split("-");
      const rr = Number(r), cc = Number(c);
      rect.classList.add("hovered");
      for (const key of linkedCells(panel, rr, cc)) { const el = document.getElementById(key); if (el) el.classList.add("linked"); }
      $("hover-info").textContent = describe(panel, rr, cc);
    });
    rect.addEventListener("mouseleave", clearHover);
  }
}

function describe(panel, r, c) {
  if (panel !== "output") return `${panel} (${r}, ${c})`;
  let pos = scene.params.output_size && scene.params.output_size.length === 1 ? [c] : [r, c];
  if (scene.params.window) {
    const w = scene.params.window;
    const inside = w.length === 1 ? c >= w[0][0] && c < w[0][1] : r >= w[0][0] && r < w[0][1] && c >= w[1][0] && c < w[1][1];
    if (!inside) return `(${r}, ${c}): ${t("cropped")}`;
    pos = w.length === 1 ? [c - w[0][0]] : [r - w[0][0], c - w[1][0]];
  }
  const key = pos.join(",");
  if (equations && equations[key]) return equations[key];
  const f = scene.frames.find((fr) => fr.highlight && fr.highlight.panel === "output" && fr.highlight.row === r && fr.highlight.col === c);
  return f ? f.caption : `${t("output")} (${pos.join(", ")})`;
}

async function showMatrix(id) {
  const wt = await api("explain", { view: "matrix", lang: state.lang });
  if (id !== requestId) return;
  pause(); scene = null;
  $("picture").innerHTML = ""; $("caption").textContent = ""; $("player").hidden = true;
  const C = wt.steps[0].grids[0];
  const table = document.createElement("table");
  const head = document.createElement("tr");
  head.append(document.createElement("th"));
  C.col_labels.forEach((label, j) => { const th = document.createElement("th"); th.textContent = label; th.dataset.col = j; head.append(th); });
  table.append(head);
  C.values.forEach((row, r) => {
    const tr = document.createElement("tr");
    const th = document.createElement("th"); th.textContent = C.row_labels[r]; tr.append(th);
    row.forEach((v, j) => {
      const td = document.createElement("td"); td.textContent = String(v); td.dataset.col = j;
      if (C.roles[r][j] === "matrix") td.classList.add("nz");
      td.addEventListener("mouseenter", () => {
        for (const el of table.querySelectorAll(".linked")) el.classList.remove("linked");
        for (const el of table.querySelectorAll(`[data-col="${j}"]`)) el.classList.add("linked");
        const cell = wt.steps[2].cells[j];
        $("hover-info").textContent = cell ? `${C.col_labels[j]} = ${cell.terms.map((x) => `${x.x}·${x.w}`).join(" + ") || "0"} = ${cell.value}` : "";
      });
      tr.append(td);
    });
    table.append(tr);
  });
  const box = $("matrix"); box.replaceChildren(table); box.hidden = false;
  $("walkthrough").textContent = wt.text;
}

async function showOverlap(id) {
  const data = await api("overlap", { layers: state.layers });
  if (id !== requestId) return;
  pause(); scene = null; $("matrix").hidden = true; $("player").hidden = true;
  const box = $("picture"); box.innerHTML = data.svg;
  const svg = box.querySelector("svg"); svg.removeAttribute("width"); svg.removeAttribute("height");
  $("caption").textContent = data.message; $("walkthrough").textContent = "";
}

function init() {
  readUrl(); toControls();
  const inputs = document.querySelectorAll("#controls input, #controls select, header select");
  for (const el of inputs) el.addEventListener("change", () => { fromControls(); refresh(); });
  $("play").addEventListener("click", play);
  $("pause").addEventListener("click", pause);
  $("prev").addEventListener("click", () => { pause(); setFrame(frame - 1); });
  $("next").addEventListener("click", () => { pause(); setFrame(frame + 1); });
  $("scrub").addEventListener("input", () => { pause(); setFrame(Number($("scrub").value)); });
  $("speed").addEventListener("change", () => { state.speed = $("speed").value; writeUrl(); if (timer) play(); });
  refresh();
}

document.addEventListener("DOMContentLoaded", init);
