// tconv explorer: the page's behaviour. It computes nothing itself: every number, picture and error comes from
// the JSON API, which calls the library. The whole state lives in the URL query.
"use strict";

// The words of the page. A function takes the parts that the page fills in (indices, values, counts).
const UI = {
  en: {
    title: "tconv explorer", subtitle: "transposed convolution, computed and drawn", language: "Language",
    mode: "Mode", transposed: "transposed convolution", conv: "convolution", height: "H", width: "W",
    input_size: "input size", kernel_size: "kernel", stride: "stride", padding: "padding",
    output_padding: "output_padding", dilation: "dilation", output_size: "output_size", view: "View",
    v_gather: "gather (zeros, padding, flipped kernel)", v_scatter: "scatter (stamps)", v_matrix: "matrix (y = Cᵀx)",
    v_overlap: "overlap (checkerboard)", numbers: "numbers in cells", seed: "seed", layers: "layers",
    play: "play", pause: "pause", speed: "speed", walkthrough: "walkthrough", code: "Code",
    download_svg: "download SVG", download_gif: "download GIF", share: "copy the link to this view",
    copy: "copy", copied: "copied ✓", link_copied: "link copied ✓",
    copy_failed: "could not copy: select the text and press Ctrl+C",
    size_details: "formula, relation, equivalent convolution", axis: "axis",
    formula: "formula", relation: "relation", general: "general formula", accepts: "output_size= accepts",
    equivalent: "as a direct convolution", insert: "insert", zeros: "zero(s) between inputs", pad: "pad", crop: "crop",
    before: "before", after: "after", flip: "flip the kernel, stride 1",
    hover: "hover or tap a cell to see what it is",
    // what a cell is (hover or tap)
    d_pad: "padding: a zero added around the input; it adds nothing to any output",
    d_zero: (xs) => `inserted zero between ${xs}: it adds nothing to any output`,
    d_input: (x, v) => `input ${x}${v}`,
    d_reach: (n) => n === 0 ? "it reaches no output" : `it reaches the ${n} lit output${n === 1 ? "" : "s"}`,
    d_output: (rest) => `output ${rest}`,
    d_extend: "kept past the stamps by output_padding",
    d_crop: (rc) => `cropped by padding: computed at (${rc}), then cut off; not part of the output`,
    d_kernel: (w, v) => `kernel ${w}${v}`,
    d_flipped: (w, v) => `flipped kernel: here ${w}${v}`,
    d_heat: (y, n) => `output ${y}: ${n} tap${n === 1 ? "" : "s"} (products) add up here`,
    d_entry: (x, y, v) => `C[${x}, ${y}] = ${v}: ${x} × ${v} is added to ${y}`,
    d_no_entry: (x, y) => `C[${x}, ${y}] = 0: ${x} does not reach ${y}`,
    and: (xs) => xs.length < 2 ? xs.join("") : `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`,
    corner: "x ↓  y →",
    // a paired box (H, W) with one side empty
    empty_one: (name, side) => `${name}: ${side} is empty; fill both H and W`,
    empty_os: (side) => `output_size: ${side} is empty; fill both H and W, or clear both to use output_padding`,
  },
  zh: {
    title: "tconv 探索器", subtitle: "转置卷积：计算与图示", language: "语言",
    mode: "模式", transposed: "转置卷积", conv: "卷积", height: "高", width: "宽",
    input_size: "输入尺寸", kernel_size: "卷积核", stride: "步长", padding: "填充 padding",
    output_padding: "output_padding", dilation: "膨胀 dilation", output_size: "output_size", view: "视角",
    v_gather: "gather（插零、填充、翻转卷积核）", v_scatter: "scatter（放置）", v_matrix: "矩阵（y = Cᵀx）",
    v_overlap: "重叠（棋盘格）", numbers: "显示数值", seed: "随机种子", layers: "层数",
    play: "播放", pause: "暂停", speed: "速度", walkthrough: "逐步讲解", code: "代码",
    download_svg: "下载 SVG", download_gif: "下载 GIF", share: "复制本视图的链接",
    copy: "复制", copied: "已复制 ✓", link_copied: "链接已复制 ✓",
    copy_failed: "无法复制：请选中文字后按 Ctrl+C",
    size_details: "公式、关系、等效卷积", axis: "轴",
    formula: "公式", relation: "关系", general: "通用公式", accepts: "output_size= 可取",
    equivalent: "等效的直接卷积", insert: "插入", zeros: "个零（输入之间）", pad: "填充", crop: "裁剪",
    before: "前", after: "后", flip: "翻转卷积核，步长 1",
    hover: "把鼠标移到格子上（或点一下），看看它是什么",
    d_pad: "填充（padding）：输入四周补的零，不给任何输出贡献",
    d_zero: (xs) => `插入的零，位于 ${xs} 之间：不给任何输出贡献`,
    d_input: (x, v) => `输入 ${x}${v}`,
    d_reach: (n) => n === 0 ? "不影响任何输出" : `影响 ${n} 个输出（已高亮）`,
    d_output: (rest) => `输出 ${rest}`,
    d_extend: "超出放置范围，由 output_padding 保留",
    d_crop: (rc) => `被 padding 裁掉：在 (${rc}) 处算出，随后裁去，不属于输出`,
    d_kernel: (w, v) => `卷积核 ${w}${v}`,
    d_flipped: (w, v) => `翻转后的卷积核：此处是 ${w}${v}`,
    d_heat: (y, n) => `输出 ${y}：由 ${n} 个乘积（卷积核抽头）相加`,
    d_entry: (x, y, v) => `C[${x}, ${y}] = ${v}：${x} × ${v} 计入 ${y}`,
    d_no_entry: (x, y) => `C[${x}, ${y}] = 0：${x} 不影响 ${y}`,
    and: (xs) => xs.length < 2 ? xs.join("") : `${xs.slice(0, -1).join("、")} 与 ${xs[xs.length - 1]}`,
    corner: "x ↓  y →",
    empty_one: (name, side) => `${name}：${side}为空；请同时填写高和宽`,
    empty_os: (side) => `output_size：${side}为空；请同时填写高和宽，或都留空（改用 output_padding）`,
  },
};

const DEFAULTS = { mode: "transposed", i: "3,3", k: "3,3", s: "2,2", p: "1,1", op: "1,1", d: "1,1", os: "",
                   view: "gather", values: "1", seed: "0", lang: "en", speed: "1", layers: "1", frame: "1" };
const AXIS_PARAMS = ["i", "k", "s", "p", "op", "d", "os"];
const NAMES = { i: "input_size", k: "kernel_size", s: "stride", p: "padding", op: "output_padding", d: "dilation",
                os: "output_size" };
const VIEWS = ["gather", "scatter", "matrix", "overlap"];
const MIN_SCALE = 0.75;  // a picture is shrunk at most to this (values stay at 11 px or more), then it scrolls
const QUIET_MS = 90;     // a mouse crossing the gap between two cells keeps the description meanwhile

let state = { ...DEFAULTS };
let scene = null, frame = 0, timer = null, equations = null, requestId = 0;
let overlapData = null, matrixData = null;
let focused = null, unfocusTimer = null, urlTimer = null;
const $ = (id) => document.getElementById(id);

function t(key, ...args) {
  const v = (UI[state.lang] || UI.en)[key] ?? UI.en[key] ?? key;
  return typeof v === "function" ? v(...args) : v;
}

// ---- state, URL, controls

function readUrl() {
  const q = new URLSearchParams(location.search);
  for (const key of Object.keys(DEFAULTS)) if (q.has(key)) state[key] = q.get(key);
  if (state.view === "equivalent") state.view = "gather";  // the gather view's old name: old links still load
  if (!VIEWS.includes(state.view)) state.view = "gather";
  if (!UI[state.lang]) state.lang = "en";
  frame = Math.max(0, (parseInt(state.frame, 10) || 1) - 1);
}

function writeUrl() {
  clearTimeout(urlTimer);
  state.frame = String(frame + 1);
  const q = new URLSearchParams();
  for (const key of Object.keys(DEFAULTS)) q.set(key, state[key]);
  history.replaceState(null, "", "?" + q.toString());
  $("share").href = location.href;
}

function effectiveView() { return state.mode === "conv" ? "conv" : state.view; }

function toControls() {
  $("mode").value = state.mode; $("lang").value = state.lang; $("values").checked = state.values === "1";
  $("seed").value = state.seed; $("speed").value = state.speed; $("layers").value = state.layers;
  for (const name of AXIS_PARAMS) {
    const parts = state[name] === "" ? ["", ""] : state[name].split(",");
    $(name + "0").value = parts[0];
    $(name + "1").value = parts.length > 1 ? parts[1] : parts[0];
  }
  for (const r of document.querySelectorAll("input[name=view]")) r.checked = r.value === state.view;
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  const body = document.body.classList;
  body.toggle("conv", state.mode === "conv");
  for (const v of [...VIEWS, "conv"]) body.toggle("v-" + v, effectiveView() === v);
}

// The form's own check: a pair of boxes with one side empty would send a half value ("7,"); say which box instead.
function formProblem() {
  for (const name of AXIS_PARAMS) {
    if (state.mode === "conv" && (name === "op" || name === "os")) continue;
    const a = $(name + "0").value, b = $(name + "1").value;
    if (a !== "" && b !== "") continue;
    if (name === "os" && a === "" && b === "") continue;
    const side = a === "" && b === "" ? `${t("height")}, ${t("width")}` : t(a === "" ? "height" : "width");
    return name === "os" ? t("empty_os", side) : t("empty_one", t(NAMES[name]), side);
  }
  return null;
}

function fromControls() {
  state.mode = $("mode").value; state.lang = $("lang").value; state.values = $("values").checked ? "1" : "0";
  state.seed = $("seed").value || "0"; state.speed = $("speed").value; state.layers = $("layers").value || "1";
  const problem = formProblem();
  if (!problem) {
    for (const name of AXIS_PARAMS) {
      const a = $(name + "0").value, b = $(name + "1").value;
      state[name] = name === "os" && a === "" && b === "" ? "" : `${a},${b}`;
    }
  }
  const checked = document.querySelector("input[name=view]:checked");
  state.view = checked ? checked.value : "gather";
  return problem;
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

// An error dims what it left stale: everything ("all": the size itself was refused, or the form is incomplete)
// or the picture and what goes with it ("render": the size is fine, the drawing was refused).
function showError(message, what) {
  const box = $("error");
  box.hidden = !message; box.textContent = message || "";
  const result = $("result").classList;
  result.toggle("stale", Boolean(message) && what !== "render");
  result.toggle("stale-render", Boolean(message) && what === "render");
  $("picture").classList.toggle("stale", Boolean(message));
  if (message) unfocus();
}

function sceneView() { return state.mode === "conv" ? "conv" : (state.view === "scatter" ? "scatter" : "gather"); }

function setReady(value) { $("picture").dataset.ready = value; $("matrix").dataset.ready = value; }

// #picture[data-ready="1"] (and #matrix's) says the current request has finished drawing and wiring (equations);
// tests and scripts wait for it instead of guessing from what is already on screen.
async function refresh() {
  const id = ++requestId;
  setReady("0");
  unfocus();
  writeUrl(); toControls();
  try {
    const shape = await api("shape", { lang: state.lang });
    if (id !== requestId) return;
    renderShape(shape);
    showError("");
    try {
      const view = effectiveView();
      if (view === "overlap") await showOverlap(id);
      else if (view === "matrix") await showMatrix(id);
      else await showScene(id);
    } catch (err) {
      if (id === requestId) showError(err.message, "render");
    }
  } catch (err) {
    if (id === requestId) showError(err.message, "all");
  } finally {
    if (id === requestId) setReady("1");
  }
}

function renderShape(shape) {
  const i = state.i.split(",").join(" × "), o = shape.output_size.join(" × ");
  $("size-line").textContent = `${i} → ${o}`;
  $("size-line").dataset.output = shape.output_size.join(",");
  const items = [`${t("formula")}: ${shape.formula}`];
  shape.substituted.forEach((s, a) => items.push(`${t("axis")} ${a}: ${s}`));
  shape.relation.forEach((r, a) => items.push(r.number === null
    ? `${t("axis")} ${a}, ${t("general")}: ${r.formula} → ${r.substituted}`
    : `${t("axis")} ${a}, ${t("relation")} ${r.number} (${r.title}): ${r.formula} → ${r.substituted}`));
  if (shape.output_size_range) items.push(`${t("accepts")} ${shape.output_size_range.map((r) => r.join("..")).join(", ")}`);
  if (shape.equivalent) shape.equivalent.forEach((e, a) => items.push(
    `${t("axis")} ${a}, ${t("equivalent")}: ${t("insert")} ${e.zeros_between} ${t("zeros")} (→ ${e.stretched_size}), ` +
    `${e.pad_begin >= 0 ? t("pad") : t("crop")} ${Math.abs(e.pad_begin)} ${t("before")} / ${e.pad_end} ${t("after")} ` +
    `(→ ${e.padded_size}), ${t("flip")}`));
  const list = $("size-details"); list.replaceChildren();
  for (const text of items) { const li = document.createElement("li"); li.textContent = text; list.append(li); }
  $("code").textContent = shape.code.pytorch;
  const dl = query({ view: sceneView(), values: state.values === "1" ? "true" : "false", lang: state.lang });
  $("download-svg").href = `/api/scene.svg?${dl}`; $("download-gif").href = `/api/scene.gif?${dl}`;
}

function setWalkthrough(text) {
  $("walkthrough").textContent = text;
  $("walkthrough-box").classList.toggle("empty", !text);
}

// ---- the picture

// The SVG's natural size (its width/height attributes, else its viewBox).
function naturalSize(svg) {
  if (!svg.dataset.width) {
    let w = parseFloat(svg.getAttribute("width")), h = parseFloat(svg.getAttribute("height"));
    if (!(w > 0 && h > 0)) { const vb = svg.viewBox.baseVal; w = vb.width; h = vb.height; }
    svg.dataset.width = String(w); svg.dataset.height = String(h);
  }
  return [Number(svg.dataset.width), Number(svg.dataset.height)];
}

// Drawn at its natural size when the box holds it; shrunk to fit down to MIN_SCALE; never enlarged. Beyond that the
// picture scrolls inside #stage.
function fitPicture() {
  const svg = $("picture").querySelector("svg");
  if (!svg) return;
  const [w, h] = naturalSize(svg);
  const stage = $("stage");
  const maxH = parseFloat(getComputedStyle(stage).maxHeight) || h;
  const fit = Math.min(1, (stage.clientWidth || w) / w, maxH / h);
  const scale = Math.max(MIN_SCALE, fit);
  svg.setAttribute("width", String(Math.floor(w * scale)));
  svg.setAttribute("height", String(Math.floor(h * scale)));
  svg.dataset.scale = scale.toFixed(3);
}

function showPicture(svgText) {
  $("matrix").hidden = true; $("matrix").replaceChildren(); matrixData = null;
  const box = $("picture");
  box.innerHTML = svgText;
  const svg = box.querySelector("svg");
  for (const a of svg.querySelectorAll("animate")) a.remove();  // the page plays the frames itself
  fitPicture();
  return svg;
}

async function showScene(id) {
  const values = state.values === "1";
  const data = await api("scene", { view: sceneView(), values: values ? "true" : "false", lang: state.lang });
  if (id !== requestId) return;
  overlapData = null;
  showPicture(data.svg);
  scene = data.scene;
  $("scrub").max = String(scene.frames.length - 1);
  equations = null;
  // The picture answers the pointer at once; the walkthrough's equations complete the outputs when they arrive.
  setFrame(Math.min(frame, scene.frames.length - 1));
  if (values && state.mode === "transposed") {
    try {
      const wt = await api("explain", { view: state.view === "scatter" ? "scatter" : "gather", lang: state.lang });
      if (id !== requestId) return;
      equations = wt.equations; setWalkthrough(wt.text);
      if (focused) { const el = focused; focused = null; focusCell(el); }
    } catch (err) { setWalkthrough(err.message); }
  } else { setWalkthrough(""); }
}

function frameCaption() {
  if (scene) return scene.frames[frame].caption;
  if (overlapData) return overlapData.message;
  if (matrixData) return matrixData.title;
  return "";
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
  if (!focused) $("caption").textContent = frameCaption();
  if (!timer) { clearTimeout(urlTimer); urlTimer = setTimeout(writeUrl, 150); }  // scrubbing: once it settles
}

function play() {
  pause();
  const ms = 800 / Number(state.speed || 1);
  timer = setInterval(() => setFrame(frame + 1), ms);
  $("player").dataset.playing = "1";
}
function pause() {
  if (timer) { clearInterval(timer); timer = null; writeUrl(); }
  $("player").dataset.playing = "0";
}

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

// ---- what a cell is: hover (mouse) or tap and drag (touch, pen)

// "0,1" → "0, 1" (the library's indices, as the walkthrough writes them)
function spaced(index) { return index.split(",").map((s) => s.trim()).join(", "); }

function parseId(id) {
  const parts = id.split("-");
  const c = Number(parts.pop()), r = Number(parts.pop());
  return [parts.join("-"), r, c];
}

// The number written in a cell, if the picture shows numbers: the value text drawn at the cell's centre.
function cellValue(rect) {
  const next = rect.nextElementSibling;
  if (next && next.matches("text.value") && !next.hasAttribute("data-from")) return next.textContent;
  const cx = Number(rect.getAttribute("x")) + Number(rect.getAttribute("width")) / 2;
  const y0 = Number(rect.getAttribute("y")), y1 = y0 + Number(rect.getAttribute("height"));
  for (const text of rect.ownerSVGElement.querySelectorAll("text.value")) {
    if (Math.abs(Number(text.getAttribute("x")) - cx) > 0.6 || text.getAttribute("visibility") === "hidden") continue;
    const y = Number(text.getAttribute("y"));
    if (y >= y0 && y <= y1) return text.textContent;
  }
  return null;
}

function describeCell(rect) {
  const [panel, r, c] = parseId(rect.id);
  const role = rect.dataset.role || "";
  const index = rect.dataset.index ? spaced(rect.dataset.index) : `${r}, ${c}`;
  const v = cellValue(rect);
  const eq = v === null ? "" : ` = ${v}`;
  const lit = document.querySelectorAll("#picture rect.linked[data-role=output]").length;
  switch (role) {
    case "pad": case "padding":
      return { what: t("d_pad") };
    case "zero": {
      const between = (rect.dataset.between || "").split(";").filter(Boolean).map((i) => `x(${spaced(i)})`);
      return { what: t("d_zero", t("and", between)) };
    }
    case "input":
      return { what: t("d_input", `x(${index})`, eq), detail: t("d_reach", lit) };
    case "output": case "stamp":
      return { what: t("d_output", outputSum(panel, r, c, index)) };
    case "extend":
      return { what: t("d_output", outputSum(panel, r, c, index)), detail: t("d_extend") };
    case "crop":
      return { what: t("d_crop", `${r}, ${c}`) };
    case "kernel": {
      const flipped = rect.dataset.flipped === "true" || panel === "flipped";
      return { what: t(flipped ? "d_flipped" : "d_kernel", `w(${index})`, eq) };
    }
    case "heat": {
      const n = overlapData ? overlapData.counts[r][c] : v;
      return { what: t("d_heat", `y(${index})`, n) };
    }
    default:
      return { what: `${panel} ${role} (${index})${eq}` };
  }
}

// "y(1, 1) = 3·1 + 0·1 + … = 11" from the walkthrough when it has arrived, else the frame's value.
function outputSum(panel, r, c, index) {
  const key = index.replace(/\s/g, "");
  if (equations && equations[key]) return equations[key];
  const f = scene && scene.frames.find((fr) => fr.highlight && fr.highlight.panel === panel
                                        && fr.highlight.row === r && fr.highlight.col === c);
  return `y(${index})` + (f && f.value !== null && f.value !== undefined ? ` = ${f.value}` : "");
}

function cellOf(el) {
  return el && el.closest ? el.closest("#picture rect.cell, #matrix td, #matrix th[data-role]") : null;
}

function focusCell(el) {
  clearTimeout(unfocusTimer);
  if (el === focused) return;
  unfocus();
  if (!el) return;
  focused = el;
  document.body.classList.add("focusing");
  el.classList.add("hovered");
  let info;
  if (el.closest("#matrix")) info = focusMatrix(el);
  else {
    $("picture").classList.add("focusing");  // the frame's marks step aside: one highlight at a time
    const [panel, r, c] = parseId(el.id);
    const role = el.dataset.role;
    if (scene && role !== "pad" && role !== "padding" && role !== "zero")
      for (const key of linkedCells(panel, r, c)) { const o = document.getElementById(key); if (o) o.classList.add("linked"); }
    info = describeCell(el);
  }
  showInfo(info, el);
}

function unfocus() {
  clearTimeout(unfocusTimer);
  focused = null;
  for (const el of document.querySelectorAll("#picture .linked, #picture .hovered, #matrix .linked, #matrix .hovered"))
    el.classList.remove("linked", "hovered");
  $("picture").classList.remove("focusing"); document.body.classList.remove("focusing");
  const box = $("hover-info"); box.hidden = true; box.replaceChildren();
  $("caption").textContent = frameCaption();
}

function showInfo(info, anchor) {
  const box = $("hover-info");
  const what = document.createElement("span"); what.className = "what"; what.textContent = info.what;
  box.replaceChildren(what);
  if (info.detail) box.append("\n" + info.detail);
  box.hidden = false;
  $("caption").textContent = info.what;  // the caption follows the cell, not the frame
  placeInfo(anchor);
}

// Over the picture and inside the viewport: along the top of the visible part of the picture box, or along its
// bottom when that would cover the cell, else just above or below the cell.
function placeInfo(anchor) {
  const box = $("hover-info");
  if (box.hidden || !anchor) return;
  const m = 4, vw = document.documentElement.clientWidth, vh = window.innerHeight;
  const stage = $("stage").getBoundingClientRect();
  const width = Math.max(120, Math.min(stage.width, vw - 2 * m, 720));
  box.style.width = `${width}px`;
  box.style.left = `${Math.min(Math.max(m, stage.left), vw - m - width)}px`;
  const h = box.offsetHeight, cell = anchor.getBoundingClientRect();
  const clear = (y) => y >= m && y + h <= vh - m && (y + h <= cell.top || y >= cell.bottom);
  const top = Math.max(m, stage.top), bottom = Math.min(vh - m, stage.bottom) - h;
  const candidates = [top, bottom, cell.top - h - 6, cell.bottom + 6];
  let y = candidates.find(clear);
  if (y === undefined) y = top;
  box.style.top = `${Math.min(Math.max(m, y), vh - m - h)}px`;
}

function wirePointer(container) {
  // mouse: hover; a gap between two cells keeps the description for a moment instead of flickering
  container.addEventListener("pointerover", (e) => {
    if (e.pointerType !== "mouse") return;
    const cell = cellOf(e.target);
    if (cell) focusCell(cell);
    else { clearTimeout(unfocusTimer); unfocusTimer = setTimeout(unfocus, QUIET_MS); }
  });
  container.addEventListener("pointerleave", (e) => { if (e.pointerType === "mouse") unfocus(); });
  // touch and pen: a tap does what hover does, another tap moves it, a tap beside the cells clears it. A finger
  // pressed on the cell already described and dragged is followed from cell to cell; any other swipe scrolls
  // (the page, or a picture larger than its box), so the cells never trap the finger.
  let dragging = false;
  container.addEventListener("pointerdown", (e) => {
    if (e.pointerType === "mouse") return;
    const cell = cellOf(e.target);
    dragging = cell !== null && cell === focused;
    if (cell) focusCell(cell); else unfocus();
  });
  container.addEventListener("pointermove", (e) => {
    if (e.pointerType === "mouse" || !dragging) return;
    const cell = cellOf(document.elementFromPoint(e.clientX, e.clientY));
    if (cell) focusCell(cell);
  });
  for (const kind of ["pointerup", "pointercancel"]) container.addEventListener(kind, () => { dragging = false; });
  // a drag that follows the finger must not scroll: touch-action does not reach SVG shapes, so say it here
  container.addEventListener("touchmove", (e) => { if (dragging && e.cancelable) e.preventDefault(); },
                             { passive: false });
}

// ---- the matrix view

// "x0(0, 1)" (the library's label) → "0, 1"
function labelIndex(label) { const m = /\(([^)]*)\)/.exec(label); return m ? m[1] : label; }

function focusMatrix(el) {
  const { C, equations: eqs } = matrixData;
  const table = el.closest("table");
  const row = el.dataset.row === undefined ? null : Number(el.dataset.row);
  const col = el.dataset.col === undefined ? null : Number(el.dataset.col);
  if (col !== null) for (const o of table.querySelectorAll(`[data-col="${col}"]`)) o.classList.add("linked");
  if (row !== null) for (const o of table.querySelectorAll(`[data-row="${row}"]`)) o.classList.add("linked");
  const x = row === null ? null : `x(${labelIndex(C.row_labels[row])})`;
  const yIndex = col === null ? null : labelIndex(C.col_labels[col]);
  const sum = col === null ? null : (eqs[yIndex.replace(/\s/g, "")] || `y(${yIndex})`);
  if (row !== null && col !== null) {
    const v = C.values[row][col];
    return { what: C.roles[row][col] === "matrix" ? t("d_entry", x, `y(${yIndex})`, v) : t("d_no_entry", x, `y(${yIndex})`),
             detail: t("d_output", sum) };
  }
  if (col !== null) return { what: t("d_output", sum) };
  const reach = C.roles[row].filter((role) => role === "matrix").length;
  return { what: t("d_input", x, ""), detail: t("d_reach", reach) };
}

async function showMatrix(id) {
  const wt = await api("explain", { view: "matrix", lang: state.lang });
  if (id !== requestId) return;
  pause(); scene = null; overlapData = null;
  $("picture").innerHTML = "";
  const C = wt.steps[0].grids[0];
  matrixData = { C, equations: wt.equations, title: wt.steps[0].title || "" };
  const table = document.createElement("table");
  const thead = document.createElement("thead"), head = document.createElement("tr");
  const corner = document.createElement("th"); corner.className = "corner"; corner.textContent = t("corner");
  head.append(corner);
  C.col_labels.forEach((label, j) => {
    const th = document.createElement("th"); th.textContent = label;
    th.dataset.col = String(j); th.dataset.role = "output"; th.dataset.index = labelIndex(label).replace(/\s/g, "");
    head.append(th);
  });
  thead.append(head); table.append(thead);
  const tbody = document.createElement("tbody");
  C.values.forEach((row, r) => {
    const tr = document.createElement("tr");
    const th = document.createElement("th"); th.textContent = C.row_labels[r];
    th.dataset.row = String(r); th.dataset.role = "input"; th.dataset.index = labelIndex(C.row_labels[r]).replace(/\s/g, "");
    tr.append(th);
    row.forEach((v, j) => {
      const td = document.createElement("td"); td.textContent = String(v);
      td.dataset.row = String(r); td.dataset.col = String(j); td.dataset.role = C.roles[r][j];
      if (C.roles[r][j] === "matrix") td.classList.add("nz");
      tr.append(td);
    });
    tbody.append(tr);
  });
  table.append(tbody);
  const box = $("matrix"); box.replaceChildren(table); box.hidden = false;
  $("caption").textContent = frameCaption();
  setWalkthrough(wt.text);
}

// ---- the overlap view

async function showOverlap(id) {
  const data = await api("overlap", { layers: state.layers, lang: state.lang });
  if (id !== requestId) return;
  pause(); scene = null;
  overlapData = data;
  showPicture(data.svg);
  $("caption").textContent = data.message; setWalkthrough("");
}

// ---- copy and share

async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); return true; }
  } catch (err) { /* fall back below */ }
  const area = document.createElement("textarea");
  area.value = text; area.setAttribute("readonly", ""); area.style.position = "fixed"; area.style.opacity = "0";
  document.body.append(area); area.select();
  let ok = false;
  try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
  area.remove();
  return ok;
}

// Says on the control itself that it worked, then puts its words back.
function flash(el, key, ok) {
  clearTimeout(el._flash);
  el.textContent = t(ok ? key : "copy_failed");
  el.dataset.copied = ok ? "1" : "0";
  el._flash = setTimeout(() => { el.textContent = t(el.dataset.i18n); delete el.dataset.copied; }, 2500);
}

// ---- start

function init() {
  readUrl(); toControls();
  const inputs = document.querySelectorAll("#controls input, #controls select, header select");
  for (const el of inputs) el.addEventListener("change", () => {
    const problem = fromControls();
    if (problem) showError(problem, "all"); else refresh();
  });
  $("play").addEventListener("click", play);
  $("pause").addEventListener("click", pause);
  $("prev").addEventListener("click", () => { pause(); setFrame(frame - 1); });
  $("next").addEventListener("click", () => { pause(); setFrame(frame + 1); });
  $("scrub").addEventListener("input", () => { pause(); setFrame(Number($("scrub").value)); });
  $("speed").addEventListener("change", () => { state.speed = $("speed").value; writeUrl(); if (timer) play(); });
  $("copy-code").addEventListener("click", async () => flash($("copy-code"), "copied", await copyText($("code").textContent)));
  $("share").addEventListener("click", async (e) => {
    e.preventDefault();  // copy the link; do not reload the page
    writeUrl();
    flash($("share"), "link_copied", await copyText(location.href));
  });
  wirePointer($("picture")); wirePointer($("matrix"));
  let resizing = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => { fitPicture(); if (focused) placeInfo(focused); }, 100);
  });
  window.addEventListener("scroll", () => { if (focused) placeInfo(focused); }, { capture: true, passive: true });
  refresh();
}

document.addEventListener("DOMContentLoaded", init);
