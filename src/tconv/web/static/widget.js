// tconv explorer as a notebook widget: anywidget's front-end contract, `export default { render({ model, el }) }`,
// for tconv.Explorer (tconv/notebook.py). It mounts the page's own explorer (explorer.js: the same engine, drawing,
// words and markup) in a shadow root on `el`, where the notebook's styles cannot reach it and its styles cannot
// leak out, and keeps the explorer's state in the model's traits: a knob turned in the view is saved to the
// traits, a trait set from Python redraws the view.
//
// anywidget loads this module from a Blob URL, where relative imports cannot resolve, so it ships as one file:
// tconv.web.bundle joins the modules it imports into one ES module and makes "./widget-assets.js" (the page's
// markup and style.css, read from index.html and style.css) on the way. Nothing is fetched at run time.
import { mountExplorer } from "./explorer.js";
import { CSS, MARKUP } from "./widget-assets.js";

// The per-axis knobs: the explorer's words (the URL's) → the traits' (PyTorch's).
const KNOBS = { i: "input_size", k: "kernel_size", s: "stride", p: "padding", op: "output_padding", d: "dilation" };
export const TRAITS = [...Object.values(KNOBS), "output_size", "output_size_given", "mode", "view", "lang", "values",
                       "numbers", "layers", "frame"];
const WAIT_MS = 15000;  // a walkthrough the kernel has not answered by then is given up (the kernel is gone)

// [3, 3] → "3,3"; a 1-D layer's [5] → "5," (one axis, as the page writes it)
function sizeText(v) { return v.length === 1 ? `${v[0]},` : v.join(","); }
function sizeList(text) { return text.split(",").filter((s) => s !== "").map(Number); }

// The traits as the explorer's state.
export function stateOf(model) {
  const state = {};
  for (const [key, name] of Object.entries(KNOBS)) {
    const v = model.get(name);
    if (Array.isArray(v) && v.length) state[key] = sizeText(v);
  }
  const os = model.get("output_size");
  state.os = model.get("output_size_given") && Array.isArray(os) && os.length ? sizeText(os) : "";
  for (const name of ["mode", "view", "lang"]) if (typeof model.get(name) === "string") state[name] = model.get(name);
  const values = model.get("values") || {};
  if (typeof values.x === "string" && typeof values.w === "string") { state.x = values.x; state.w = values.w; }
  else { state.x = ""; state.w = ""; state.seed = String(Number.isInteger(values.seed) ? values.seed : 0); }
  state.values = model.get("numbers") === false ? "0" : "1";
  if (Number.isInteger(model.get("layers"))) state.layers = String(model.get("layers"));
  if (Number.isInteger(model.get("frame"))) state.frame = String(model.get("frame") + 1);
  return state;
}

// The explorer's state as traits: only the parts the explorer found valid (`ok`), so that Python's validation, the
// library's, never meets a state the view has already refused; only what differs from the model.
export function changesOf(model, state, ok) {
  const want = { view: state.view, lang: state.lang, numbers: state.values === "1",
                 frame: Math.max(0, (parseInt(state.frame, 10) || 1) - 1) };
  // typed values that no longer fit the sizes are refused with the sizes (Python checks them together): the view
  // keeps both, and says so at the values box, until they fit again
  const layer = ok.layer && (state.x === "" || ok.values);
  if (layer) {
    want.mode = state.mode;
    for (const [key, name] of Object.entries(KNOBS)) {
      if (state.mode === "conv" && key === "op") continue;  // a direct convolution has none: the trait keeps its own
      want[name] = sizeList(state[key]);
    }
    if (state.mode === "transposed") {
      // a size asked for is PyTorch's output_size argument; an empty box gives it back to the layer to derive
      if (state.os !== "") { want.output_size = sizeList(state.os); want.output_size_given = true; }
      else if (model.get("output_size_given")) { want.output_size = null; want.output_size_given = false; }
    }
  }
  if (layer && ok.values) want.values = state.x !== "" ? { x: state.x, w: state.w } : { seed: Number(state.seed) };
  if (ok.layers) want.layers = Number(state.layers);
  const changes = {};
  for (const [name, value] of Object.entries(want)) {
    if (JSON.stringify(model.get(name)) !== JSON.stringify(value)) changes[name] = value;
  }
  return changes;
}

function render({ model, el }) {
  const shadow = el.shadowRoot || el.attachShadow({ mode: "open" });
  const style = document.createElement("style"); style.textContent = CSS;
  const root = document.createElement("div"); root.className = "tconv-app tconv-widget"; root.innerHTML = MARKUP;
  shadow.replaceChildren(style, root);

  let saving = false;  // our own model.set: its change events are not news
  const waiting = new Map();
  let asked = 0;
  const answered = (msg) => {
    if (!msg || msg.type !== "explain" || !waiting.has(msg.id)) return;
    waiting.get(msg.id)(msg); waiting.delete(msg.id);
  };
  const app = mountExplorer(root, {
    initial: stateOf(model),
    save(state, ok) {
      const changes = changesOf(model, state, ok);
      if (!Object.keys(changes).length) return;
      saving = true;
      try { for (const [name, value] of Object.entries(changes)) model.set(name, value); model.save_changes(); }
      finally { saving = false; }
      root.dataset.saved = String(Number(root.dataset.saved || 0) + 1);  // tests wait for it
    },
    // the walkthrough's text from the kernel (tconv.Explorer answers it with tconv.web.jobs, as the API does)
    explain(q) {
      if (typeof model.send !== "function") return null;
      const id = ++asked;
      return new Promise((resolve, reject) => {
        waiting.set(id, (msg) => resolve(msg.error !== undefined ? { error: msg.error } : { text: msg.text }));
        setTimeout(() => { if (waiting.delete(id)) reject(new Error("no answer from the kernel")); }, WAIT_MS);
        model.send({ type: "explain", id, query: Object.fromEntries(q) });
      });
    },
    gif: null,
    gifNote: "gif_widget",  // the kernel is right there: Python makes it (Explorer.to_gif)
    explainNote: "walkthrough_widget",  // no answer: the kernel was restarted, or the notebook has none
    share: null,
  });
  // Several traits set together (one Python statement, one message) arrive as several events: drawn once.
  let queued = false;
  const changed = () => {
    if (saving || queued) return;
    queued = true;
    queueMicrotask(() => { queued = false; app.set(stateOf(model)); });
  };
  for (const name of TRAITS) model.on(`change:${name}`, changed);
  model.on("msg:custom", answered);
  return () => {
    app.destroy();
    for (const name of TRAITS) model.off(`change:${name}`, changed);
    model.off("msg:custom", answered);
  };
}

export default { render };
