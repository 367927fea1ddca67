// tconv explorer, the page: the explorer (explorer.js) mounted on this page's body, its state kept in the URL
// query so that a link opens the same view. `tconv serve` marks the page it serves: then the walkthrough's text and
// the GIF come from its API; a static site has no Python behind it, and the explorer says how to get them.
import { DEFAULTS, mountExplorer } from "./explorer.js";

const SERVED = document.querySelector('meta[name="tconv-server"]') !== null;

function fromUrl() {
  const q = new URLSearchParams(location.search), state = {};
  for (const key of Object.keys(DEFAULTS)) if (q.has(key)) state[key] = q.get(key);
  return state;
}

// Typed values only when given: a link to a random-values view stays short.
function writeUrl(state) {
  const q = new URLSearchParams();
  for (const key of Object.keys(DEFAULTS)) if (key !== "x" && key !== "w" || state[key] !== "") q.set(key, state[key]);
  history.replaceState(null, "", "?" + q.toString());
  document.getElementById("share").href = location.href;
  document.documentElement.dataset.url = "written";  // tests wait for it: the URL says what the page shows
}

async function explain(q) {
  const res = await fetch(`api/explain?${q}`);
  const body = await res.json();
  if (res.ok) return { text: body.text };
  return { error: typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail) };
}

function start() {
  const root = document.body;
  mountExplorer(root, {
    initial: fromUrl(),
    save: (state) => writeUrl(state),
    pending: () => { document.documentElement.dataset.url = "pending"; },
    explain: SERVED ? explain : null,
    gif: SERVED ? (q) => `api/scene.gif?${q}` : null,
    share: () => location.href,
  });
  // the page's language follows the explorer's
  new MutationObserver(() => { document.documentElement.lang = root.lang; })
    .observe(root, { attributes: true, attributeFilter: ["lang"] });
  document.documentElement.lang = root.lang;
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
