// tconv explorer: its behaviour, mounted on the explorer's markup (index.html's body) wherever that lives: the
// page (app.js), or a notebook widget's shadow root (widget.js). Every number, picture and refusal is computed
// here, in the browser, by the engine's modules (plan.js, scene.js, explain.js, overlap.js: a second
// implementation of tconv's plan and scene model, held equal to the Python library by tests on thousands of drawn
// cases), so a knob never waits on the network. Only the walkthrough's text and the GIF are made by Python, when
// the host has Python behind it (`tconv serve`'s API, a notebook's kernel); else the explorer says how to get them.
//
// The state is the URL query's words (DEFAULTS): the host keeps it (the page in its URL, the widget in its
// model's traits). `host`:
//   initial        the state to open on (any subset of DEFAULTS' keys)
//   save(state, ok)  the state after a change settles; ok says which parts are valid (layer, values, layers)
//   pending()      a change is being drawn and save will follow (optional)
//   explain(query) → Promise of {text} or {error}, or null when no Python is behind (optional); explainNote:
//                  the words' key that says how to get it when there is no answer (the page's: the command line)
//   gif(query)     → the GIF's address, or null (optional); gifNote: the words' key that says how to make it
//                  instead (the page's: the command line)
//   share          whether the "copy the link" makes sense (a page: yes; a widget: no)
// mountExplorer returns { set(partial state), destroy() }.
import { EngineError } from "./errors.js";
import { LIMITS, parseQuery, shapeInfo } from "./plan.js";
import { buildScene, randomArrays } from "./scene.js";
import { formatNumber } from "./format.js";
import { equations as outputEquations, matrixView } from "./explain.js";
import { overlapInfo, overlapSceneDict } from "./overlap.js";
import { Drawing, cachedFrames, frameSvg, linkMap, marksOf } from "./draw.js";
import { copyText, flash } from "./clipboard.js";
import { matrixInfo, matrixTable } from "./matrix.js";
import { keepDescription, placeInfo, wirePointer } from "./pointer.js";
import { cliCommand } from "./commands.js";
import { UI, EXAMPLE } from "./words.js";
import { flatValues, parseValues, typedShape, valuesText } from "./values.js";

export const DEFAULTS = { mode: "transposed", i: "3,3", k: "3,3", s: "2,2", p: "1,1", op: "1,1", d: "1,1", os: "",
                   view: "gather", values: "1", seed: "0", lang: "en", speed: "1", layers: "1", frame: "1",
                   x: "", w: "", link: "" };
const AXIS_PARAMS = ["i", "k", "s", "p", "op", "d", "os"];
const NAMES = { i: "input_size", k: "kernel_size", s: "stride", p: "padding", op: "output_padding", d: "dilation",
                os: "output_size" };
const VIEWS = ["gather", "scatter", "matrix", "overlap"];

// A state as the explorer reads it: unknown views and languages fall back, the H = W link opens on for layers
// whose every per-axis knob says one value for both axes.
export function normalized(given) {
  const state = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS)) if (given[key] !== undefined && given[key] !== null) state[key] = String(given[key]);
  if (state.view === "equivalent") state.view = "gather";  // the gather view's old name: old links still load
  if (!VIEWS.includes(state.view)) state.view = "gather";
  if (!UI[state.lang]) state.lang = "en";
  const square = isSquare(state);
  if (state.link !== "0" && state.link !== "1" || state.link === "1" && !square) state.link = square ? "1" : "0";
  if (state.values !== "0") state.values = "1";
  return state;
}

// Every per-axis knob says one value for both axes (or is one axis): the link toggle opens on for such layers.
export function isSquare(state) {
  return AXIS_PARAMS.every((name) => { const v = state[name].split(","); return v.length < 2 || v[1] === "" || v[0] === v[1]; });
}

export function mountExplorer(root, host) {
  // Ids are looked up in the explorer's own document or shadow root: two widgets in one notebook never meet.
  const scope = root.getRootNode();
  const $ = (id) => scope.getElementById(id);
  const all = (selector) => root.querySelectorAll(selector);
  // the speeds are the player's menu's (the markup's), as normalized's views are VIEWS
  const speeds = new Set([...$("speed").options].map((o) => o.value));
  const checked = (given) => {
    const state = normalized(given);
    if (!speeds.has(state.speed)) state.speed = "1";
    return state;
  };
  let state = checked(host.initial || {});
  let frame = Math.max(0, (parseInt(state.frame, 10) || 1) - 1);
  let scene = null, drawing = null, timer = null, equations = null, config = null, arrays = null;
  let overlapData = null, matrixData = null, linked = null;
  let focused = null, urlTimer = null, walkRequest = 0;
  let valid = { layer: false, values: false, layers: false };  // what host.save may keep of the state drawn
  let alive = true;
  const pointerState = {};

  function t(key, ...args) {
    const v = (UI[state.lang] || UI.en)[key] ?? UI.en[key] ?? key;
    return typeof v === "function" ? v(...args) : v;
  }

  // ---- state, controls

  // The host keeps the state once a change settles (the page: in its URL, the widget: in its traits).
  function persist() {
    clearTimeout(urlTimer);
    if (!alive) return;
    state.frame = String(frame + 1);
    host.save({ ...state }, { ...valid });
  }

  function effectiveView() { return state.mode === "conv" ? "conv" : state.view; }

  let wordsLang = null;  // the language the page's words are written in

  function setValue(el, v) { if (el.value !== v) el.value = v; }

  function toControls() {
    $("mode").value = state.mode; $("lang").value = state.lang; $("values").checked = state.values === "1";
    $("seed").value = state.seed; $("speed").value = state.speed; $("layers").value = state.layers;
    $("link").checked = state.link === "1";
    for (const name of AXIS_PARAMS) {
      const parts = state[name] === "" ? ["", ""] : state[name].split(",");
      setValue($(name + "0"), parts[0]);
      setValue($(name + "1"), parts.length > 1 ? parts[1] : parts[0]);
      if ($(name + "1").disabled !== (state.link === "1")) $(name + "1").disabled = state.link === "1";
    }
    if (scope.activeElement !== $("x-values")) $("x-values").value = valuesText(state.x);
    if (scope.activeElement !== $("w-values")) $("w-values").value = valuesText(state.w);
    for (const r of all("input[name=view]")) r.checked = r.value === state.view;
    root.lang = state.lang === "zh" ? "zh-CN" : "en";
    // only what differs is written: a write, even of the same words, makes the browser lay the page out again
    if (wordsLang !== state.lang) {
      for (const el of all("[data-i18n]")) el.textContent = t(el.dataset.i18n);
      for (const el of all("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
      wordsLang = state.lang;
    }
    const body = root.classList, toggle = (name, on) => { if (body.contains(name) !== on) body.toggle(name, on); };
    toggle("conv", state.mode === "conv");
    toggle("typed", state.x !== "");
    for (const v of [...VIEWS, "conv"]) toggle("v-" + v, effectiveView() === v);
  }

  // The form's own check: a pair of boxes with one side empty would be a half value ("7,"); say which box instead.
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
    state.link = $("link").checked ? "1" : "0";
    if (state.link === "1") for (const name of AXIS_PARAMS) $(name + "1").value = $(name + "0").value;
    const problem = formProblem();
    if (!problem) {
      for (const name of AXIS_PARAMS) {
        const a = $(name + "0").value, b = $(name + "1").value;
        state[name] = name === "os" && a === "" && b === "" ? "" : `${a},${b}`;
      }
    }
    const checked = root.querySelector("input[name=view]:checked");
    state.view = checked ? checked.value : "gather";
    return problem;
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

  function showValuesError(which, message) {
    for (const name of ["x", "w"]) {
      const box = $(`${name}-error`);
      const mine = name === which ? message : "";
      box.hidden = !mine; box.textContent = mine || "";
      $(`${name}-values`).setAttribute("aria-invalid", mine ? "true" : "false");
    }
  }

  function sceneView() { return state.mode === "conv" ? "conv" : (state.view === "scatter" ? "scatter" : "gather"); }

  function setReady(value) { $("picture").dataset.ready = value; $("matrix").dataset.ready = value; }

  function message(err) { return err instanceof EngineError ? err.message : String(err && err.message || err); }

  // The query the engine reads (the URL's own words), with output_padding 0 in conv mode as the API reads it.
  function engineQuery() {
    return { mode: state.mode, i: state.i, k: state.k, s: state.s, p: state.p, op: state.mode === "conv" ? "0" : state.op,
             d: state.d, os: state.mode === "transposed" ? state.os : "", seed: state.seed };
  }

  // The arrays drawn: the typed ones when the boxes hold values, else the scene draws them from the seed.
  function typedArrays(cfg) {
    if (state.x === "" && state.w === "") return null;
    if ((state.x === "") !== (state.w === "")) {  // one box filled: say which other one to fill
      const which = state.x === "" ? "x" : "w";
      const err = new EngineError(UI.en[which === "x" ? "need_x" : "need_w"], UI.zh[which === "x" ? "need_x" : "need_w"],
                                  state.lang);
      err.which = which;
      throw err;
    }
    const x = parseValues(state.x, "x", cfg.input_size, state.lang);
    const w = parseValues(state.w, "w", cfg.kernel_size, state.lang);
    return { x, w };
  }

  // Everything from the state, computed here: no request, so a knob's picture is drawn in the same task.
  let renders = 0;   // how many times the page has drawn (#picture[data-renders]: one per edit, tests count them)
  let drawn = null;  // the state last drawn, with the box's width: an event that changes neither draws nothing

  function refresh(force = false) {
    const key = JSON.stringify([state, stageWidth()]);
    if (!force && key === drawn) return;
    drawn = key;
    renders += 1;
    const started = performance.now();
    setReady("0");
    pause(false);
    unfocus();
    toControls();
    // the host keeps the state after the picture (the page's replaceState takes milliseconds)
    clearTimeout(urlTimer); urlTimer = setTimeout(persist, 0); if (host.pending) host.pending();
    valid = { layer: false, values: false, layers: false };
    scene = null; drawing = null; equations = null; overlapData = null; matrixData = null; linked = null;
    try {
      showValuesError(null, "");
      config = parseQuery(engineQuery(), state.lang);
      renderShape(shapeInfo(config, state.lang));
      valid.layer = true;
      showError("");
    } catch (err) {
      showError(message(err), "all");
      $("download-svg").hidden = true; $("download-gif").hidden = true; $("gif-note").hidden = true;
      setReady("1");
      $("picture").dataset.renders = String(renders);
      return;
    }
    try {
      arrays = null;
      try { arrays = typedArrays(config); }
      catch (err) { showValuesError(err.which || "x", message(err)); throw err; }
      valid.values = true;
      const view = effectiveView();
      if (view === "overlap") showOverlap();
      else if (view === "matrix") showMatrix();
      else showScene();
    } catch (err) {
      showError(message(err), "render");
    } finally {
      $("download-svg").hidden = !scene;  // a refused state has no picture to download
      if (!scene && !overlapData && !matrixData) { $("download-gif").hidden = true; $("gif-note").hidden = true; }
      setReady("1");
      $("picture").dataset.ms = (performance.now() - started).toFixed(1);
      $("picture").dataset.renders = String(renders);
    }
  }

  function renderShape(shape) {
    const i = config.input_size.join(" × "), o = shape.output_size.join(" × ");
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
    for (const text of items) { const li = root.ownerDocument.createElement("li"); li.textContent = text; list.append(li); }
    $("code").textContent = shape.code.pytorch;
  }

  // What needs Python: the walkthrough's text and the GIF. With Python behind (the server's API, a notebook's
  // kernel): asked of it, the walkthrough in the background, after the picture. Else: the command that makes them.
  function pythonParts() {
    const typed = arrays ? { x: JSON.stringify(arrays.x), w: JSON.stringify(arrays.w) } : null;
    const q = new URLSearchParams({ ...engineQuery(), view: sceneView(), values: state.values === "1" ? "true" : "false",
                                     lang: state.lang });
    if (!q.get("os")) q.delete("os");
    if (typed) { q.set("x", state.x); q.set("w", state.w); }  // the API reads the URL's form; the CLI takes JSON
    const gif = $("download-gif");
    const address = host.gif ? host.gif(q) : null;
    if (address) { gif.href = address; gif.hidden = false; $("gif-note").hidden = true; }
    else { gif.removeAttribute("href"); gif.hidden = true; $("gif-note").hidden = false;
           $("gif-note").textContent = t(host.gifNote || "gif_note", command("animate", typed) + " --values -o tconv.gif"); }
    return { q, typed };
  }

  function command(what, typed) {
    return cliCommand(what, config, { typed, view: sceneView(), matrix: state.view === "matrix", lang: state.lang });
  }

  function setWalkthrough(text) {
    $("walkthrough").textContent = text;
    $("walkthrough-box").classList.toggle("empty", !text);
  }

  async function loadWalkthrough(view) {
    const id = ++walkRequest;
    if (state.mode !== "transposed") { setWalkthrough(""); return; }
    const { q, typed } = pythonParts();
    q.set("view", view);
    const asked = host.explain ? host.explain(q) : null;
    const note = () => t(host.explainNote || "walkthrough_note", command("explain", typed));
    if (!asked) { setWalkthrough(note()); return; }
    setWalkthrough(t("loading"));
    try {
      const answer = await asked;
      if (id === walkRequest && alive) setWalkthrough(answer.text !== undefined ? answer.text : answer.error);
    } catch (err) {  // no answer (the server or the kernel is gone): the command that makes it
      if (id === walkRequest && alive) setWalkthrough(note());
    }
  }

  // ---- the picture

  // The room the picture has: the box's width, and its height less the legend's line(s) under the picture. Measured
  // when the page opens and when the window is resized, never while drawing (reading a size there would make the
  // browser lay the page out in the middle of a knob's change).
  let room = null;
  function measureStage() {
    const stage = $("stage"), width = Math.max(120, stage.clientWidth || 600);
    const max = parseFloat(getComputedStyle(stage).maxHeight);
    room = { width, height: Number.isFinite(max) ? Math.max(160, max - (width < 600 ? 64 : 36)) : Infinity };
    return room;
  }
  function stageWidth() { return (room || measureStage()).width; }
  function stageHeight() { return (room || measureStage()).height; }

  function draw(s) {
    $("matrix").hidden = true; $("matrix").replaceChildren();
    drawing = new Drawing($("picture"), s, { width: stageWidth(), height: stageHeight() });
    return drawing;
  }

  function showScene() {
    const values = state.values === "1";
    scene = buildScene(config, sceneView(), { values, lang: state.lang, x: arrays ? arrays.x : undefined,
                                              w: arrays ? arrays.w : undefined });
    draw(scene);
    $("scrub").max = String(scene.frameCount - 1);
    $("title-line").textContent = scene.title;
    setFrame(Math.min(frame, scene.frameCount - 1));
    if (state.mode === "transposed" && values) loadWalkthrough(sceneView()); else { walkRequest++; setWalkthrough(""); pythonParts(); }
  }

  // "y(1, 1) = 3·1 + 0·1 + … = 11": made once per picture, when a cell is first pointed at.
  function outputEquation(index) {
    if (!equations && scene && state.mode === "transposed" && state.values === "1") {
      const [x, w] = seededArrays();
      equations = outputEquations(config, sceneView(), x, w).equations;
    }
    return equations ? equations[index] : undefined;
  }

  function frameCaption() {
    // the frame of the scene drawn: a new scene may have fewer frames than the one it replaces, until setFrame
    if (scene) return cachedFrames(scene)(Math.min(frame, scene.frameCount - 1)).caption;
    if (overlapData) return overlapData.message;
    if (matrixData) return matrixData.title;
    return "";
  }

  function setFrame(n) {
    if (!scene) return;
    const count = scene.frameCount;
    frame = ((n % count) + count) % count;
    drawing.show(frame);
    $("scrub").value = String(frame);
    $("frame-counter").textContent = `${frame + 1} / ${count}`;
    if (!focused) $("caption").textContent = frameCaption();
    if (!timer) { clearTimeout(urlTimer); urlTimer = setTimeout(persist, 150); }  // scrubbing: once it settles
  }

  // Played on the display's own clock: one frame per period, never more than one per screen refresh, so a slow
  // frame delays the next instead of piling up.
  function play() {
    pause(false);
    const period = 800 / Number(state.speed || 1);
    let due = performance.now() + period;
    const tick = (now) => {
      if (timer === null) return;
      // a frame is due within a quarter of a screen refresh: 30 fps on a 60 Hz screen is every other refresh
      if (now >= due - 4) { due = now - due > period ? now + period : due + period; setFrame(frame + 1); }
      timer = requestAnimationFrame(tick);
    };
    timer = requestAnimationFrame(tick);
    $("player").dataset.playing = "1";
  }
  function pause(save = true) {
    if (timer !== null) { cancelAnimationFrame(timer); timer = null; if (save) persist(); }
    $("player").dataset.playing = "0";
  }

  // ---- what a cell is: hover (mouse) or tap and drag (touch, pen)

  // "0,1" → "0, 1" (the library's indices, as the walkthrough writes them)
  function spaced(index) { return index.split(",").map((s) => s.trim()).join(", "); }

  function parseId(id) {
    const parts = id.split("-");
    const c = Number(parts.pop()), r = Number(parts.pop());
    return [parts.join("-"), r, c];
  }

  function describeCell(rect) {
    const [panel, r, c] = parseId(rect.id);
    const role = rect.dataset.role || "";
    const index = rect.dataset.index ? spaced(rect.dataset.index) : `${r}, ${c}`;
    const value = drawing ? drawing.value(panel, r, c) : null;
    const v = value === null ? null : formatNumber(value);
    const eq = v === null ? "" : ` = ${v}`;
    const lit = all("#picture rect.linked[data-role=output]").length;
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
        const n = overlapData ? overlapData.counts2d[r][c] : v;
        return { what: t("d_heat", `y(${index})`, n) };
      }
      default:
        return { what: `${panel} ${role} (${index})${eq}` };
    }
  }

  // "y(1, 1) = 3·1 + 0·1 + … = 11" when the numbers are shown (a direct convolution's from the frame that computes
  // it: window values times kernel taps), else the frame's value.
  function outputSum(panel, r, c, index) {
    const eq = outputEquation(index.replace(/\s/g, ""));
    if (eq) return eq;
    const frames = cachedFrames(scene);
    for (let i = 0; scene && i < scene.frameCount; i++) {
      const f = frames(i);
      if (!(f.highlight && f.highlight.panel === panel && f.highlight.row === r && f.highlight.col === c)) continue;
      if (state.values !== "1" || f.value === null || f.value === undefined) return `y(${index})`;
      const input = scene.panels.find((p) => p.name === "input"), kernel = scene.panels.find((p) => p.name === scene.kernel);
      if (state.mode === "conv" && f.window && input && input.values && kernel && kernel.values) {
        const terms = marksOf(scene, f).filter((m) => m.kind === "footprint")
          .map((m) => `${formatNumber(input.values[m.row][m.col])}·${formatNumber(kernel.values[m.tap[0]][m.tap[1]])}`);
        return `y(${index}) = ${terms.join(" + ")} = ${formatNumber(f.value)}`;
      }
      return `y(${index}) = ${formatNumber(f.value)}`;
    }
    return `y(${index})`;
  }

  function cellOf(el) {
    return el && el.closest ? el.closest("#picture rect.cell, #matrix td, #matrix th[data-role]") : null;
  }

  function focusCell(el) {
    keepDescription(pointerState);
    if (el === focused) return;
    unfocus();
    if (!el) return;
    focused = el;
    root.classList.add("focusing");
    el.classList.add("hovered");
    let info;
    if (el.closest("#matrix")) info = matrixInfo(el, matrixData, t);
    else {
      $("picture").classList.add("focusing");  // the frame's marks step aside: one highlight at a time
      const [panel, r, c] = parseId(el.id);
      const role = el.dataset.role;
      if (scene && role !== "pad" && role !== "padding" && role !== "zero") {
        linked = linked || linkMap(scene);
        for (const key of linked.get(`${panel}-${r}-${c}`) || []) { const o = $(key); if (o) o.classList.add("linked"); }
      }
      info = describeCell(el);
    }
    showInfo(info, el);
  }

  function unfocus() {
    keepDescription(pointerState);
    focused = null;
    for (const el of all("#picture .linked, #picture .hovered, #matrix .linked, #matrix .hovered"))
      el.classList.remove("linked", "hovered");
    $("picture").classList.remove("focusing"); root.classList.remove("focusing");
    const box = $("hover-info"); box.hidden = true; box.replaceChildren();
    $("caption").textContent = frameCaption();
  }

  function showInfo(info, anchor) {
    const box = $("hover-info");
    const what = root.ownerDocument.createElement("span"); what.className = "what"; what.textContent = info.what;
    box.replaceChildren(what);
    if (info.detail) box.append("\n" + info.detail);
    box.hidden = false;
    $("caption").textContent = info.what;  // the caption follows the cell, not the frame
    placeInfo(anchor, $("hover-info"), $("stage"));
  }

  // ---- the matrix view

  function seededArrays() {
    return arrays ? [arrays.x, arrays.w] : randomArrays(config.input_size, config.kernel_size, config.seed);
  }

  function showMatrix() {
    const [x, w] = seededArrays();
    const m = matrixView(config, x, w, state.lang);
    $("picture").innerHTML = "";
    const title = (m.title || "").replace(/^\d+\.\s*/, "");  // the walkthrough's step number means nothing here
    $("title-line").textContent = title;
    const C = m.C;
    matrixData = { C, equations: m.equations, title: t("matrix_caption") };
    const table = matrixTable(C, t("corner"));
    const box = $("matrix"); box.replaceChildren(table); box.hidden = false;
    $("caption").textContent = frameCaption();
    loadWalkthrough("matrix");
  }

  // ---- the overlap view

  function showOverlap() {
    const layers = Number(state.layers);
    if (!(Number.isInteger(layers) && layers >= 1 && layers <= LIMITS.layers))  // the API's rule, in its words
      throw new EngineError(UI.en.layers_range(state.layers), UI.zh.layers_range(state.layers), state.lang);
    valid.layers = true;
    overlapData = overlapInfo(config, layers, state.lang);
    const s = overlapSceneDict(config, layers, state.lang);  // its panel carries the counts and their shades
    scene = null;
    draw({ ...s, frameCount: 0, frame: () => null });
    overlapData.counts2d = s.panels[0].values;
    $("title-line").textContent = s.title;
    $("caption").textContent = overlapData.message; walkRequest++; setWalkthrough("");
    pythonParts();
  }

  // ---- typed values

  // The page's largest sizes (tconv.web.app.LIMITS): typed values beyond them leave the sizes as they are.
  const MOST = { i: LIMITS.input_size, k: LIMITS.kernel_size };

  function typeValues(which) {
    const flat = flatValues($(`${which}-values`).value);
    if (which === "x") state.x = flat; else state.w = flat;
    // the sizes follow the values typed (rows × columns), when they are numbers the page can draw
    const shape = flat === "" ? null : typedShape(flat);
    const name = which === "x" ? "i" : "k";
    if (shape && Math.max(...shape) <= MOST[name]) {
      const oneAxis = state[name].split(",").length === 1 || state[name].endsWith(",");
      const size = shape[0] === 1 && oneAxis ? `${shape[1]},` : shape.join(",");
      state[name] = size;
      if (!size.endsWith(",") && shape[0] !== shape[1]) state.link = "0";
    }
    refresh();
  }

  function loadExample() {
    Object.assign(state, { mode: "transposed", i: "3,3", k: "2,2", s: "1,1", p: "0,0", op: "0,0", d: "1,1", os: "",
                           x: EXAMPLE.x, w: EXAMPLE.w, values: "1", link: "1" });
    $("x-values").value = valuesText(state.x); $("w-values").value = valuesText(state.w);
    refresh();
  }

  function randomValues() {
    state.x = ""; state.w = "";
    $("x-values").value = ""; $("w-values").value = "";
    state.seed = String((Number(state.seed) || 0) + 1);
    refresh();
  }

  // ---- copy, share, download

  // The SVG download: the frame on screen as a standalone SVG, made here (works on a static site too).
  function downloadSvg(e) {
    const s = scene;
    if (!s) { e.preventDefault(); return; }
    const blob = new Blob([frameSvg(s, frame)], { type: "image/svg+xml" });
    const a = $("download-svg");
    if (a.dataset.url) URL.revokeObjectURL(a.dataset.url);
    a.dataset.url = URL.createObjectURL(blob);
    a.href = a.dataset.url;
  }

  // ---- start, outside changes, the end

  // Listeners on what the explorer does not own (the window), removed by destroy().
  const cleanups = [];
  function listen(target, kind, f, options) { target.addEventListener(kind, f, options); cleanups.push(() => target.removeEventListener(kind, f, options)); }

  function init() {
    toControls();
    const inputs = all("#controls input:not(.values-box), #controls select, header select");
    for (const el of inputs) {
      // number boxes answer every step (arrows, typing); the rest on change
      const kind = el.type === "number" ? "input" : "change";
      el.addEventListener(kind, () => {
        const previous = state.view;
        const problem = fromControls();
        if (state.view !== previous) { $("stage").scrollLeft = 0; $("stage").scrollTop = 0; }
        if (problem) { drawn = null; showError(problem, "all"); setReady("1"); } else refresh();
      });
    }
    // a values box is read when typing pauses (half a second) and when it is left
    for (const which of ["x", "w"]) {
      const box = $(`${which}-values`);
      let pauseTimer = null;
      box.addEventListener("input", () => { clearTimeout(pauseTimer); pauseTimer = setTimeout(() => typeValues(which), 500); });
      box.addEventListener("change", () => { clearTimeout(pauseTimer); typeValues(which); });
    }
    $("example").addEventListener("click", loadExample);
    $("random").addEventListener("click", randomValues);
    $("play").addEventListener("click", play);
    $("pause").addEventListener("click", () => pause());
    $("prev").addEventListener("click", () => { pause(); setFrame(frame - 1); });
    $("next").addEventListener("click", () => { pause(); setFrame(frame + 1); });
    $("scrub").addEventListener("input", () => { pause(); setFrame(Number($("scrub").value)); });
    $("speed").addEventListener("change", () => { state.speed = $("speed").value; persist(); if (timer !== null) play(); });
    const said = (el, key, ok) => flash(el, t(ok ? key : "copy_failed"), ok, t(el.dataset.i18n));
    $("copy-code").addEventListener("click", async () => said($("copy-code"), "copied", await copyText($("code").textContent)));
    $("share").hidden = !host.share;
    $("share").addEventListener("click", async (e) => {
      e.preventDefault();  // copy the link; do not reload the page
      persist();
      said($("share"), "link_copied", await copyText(host.share()));
    });
    $("download-svg").addEventListener("click", downloadSvg);
    const page = { cellOf, focus: focusCell, unfocus, focused: () => focused, timers: pointerState };
    wirePointer($("picture"), page); wirePointer($("matrix"), page);
    // a tap or click anywhere but on a cell clears the description
    // (on click, once the control tapped has had its tap: clearing first would move the page under the finger)
    root.addEventListener("click", (e) => { if (focused && !cellOf(e.target)) unfocus(); });
    // the picture is drawn to the explorer's width: a window resized, a notebook's panel narrowed
    let resizing = null, width = stageWidth();
    const resized = () => {
      clearTimeout(resizing);
      resizing = setTimeout(() => {
        if (!alive) return;
        measureStage();
        if (Math.abs(stageWidth() - width) > 8) { width = stageWidth(); refresh(true); }
        else if (focused) placeInfo(focused, $("hover-info"), $("stage"));
      }, 100);
    };
    if (typeof ResizeObserver === "function") {
      const observer = new ResizeObserver(resized); observer.observe(root); cleanups.push(() => observer.disconnect());
    }
    listen(window, "resize", resized);
    listen(window, "scroll", () => { if (focused) placeInfo(focused, $("hover-info"), $("stage")); }, { capture: true, passive: true });
    refresh();
  }

  init();

  return {
    // A state changed outside (the URL's history, a notebook's Python): drawn at once, nothing saved back unless
    // it differs from what the host gave.
    set(partial) {
      if (!alive) return;
      const next = checked({ ...state, ...partial, link: partial.link === undefined ? state.link : partial.link });
      if (partial.frame !== undefined) frame = Math.max(0, (parseInt(next.frame, 10) || 1) - 1);
      state = next;
      refresh();
    },
    destroy() {
      alive = false;
      pause(false);
      clearTimeout(urlTimer);
      for (const f of cleanups.splice(0)) f();
    },
  };
}
