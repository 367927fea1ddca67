// The page's renderer: a scene (scene.js, overlap.js) drawn as SVG in the browser, in conv_arithmetic's visual
// grammar, with the same cell ids and truth attributes as the library's SVG writer (tconv.render.svg): every cell
// is a rect with id "{panel}-{row}-{col}", data-role, data-index (the element's true index), data-between (an
// inserted zero's neighbours) and data-flipped. Unlike the library's writer, which writes every frame into one
// file, the page draws the background once and then one frame at a time (marks and the values shown at that
// frame): a 400-frame animation costs one frame's marks per step.
import { formatNumber } from "./format.js";

// The role colours and words: the mirror of tconv.roles (ROLE_STYLE, ROLE_WORDS), held equal by a test.
export const ROLE_STYLE = {
  input: ["#1c6fad", "#124a75", false, "#ffffff"],
  zero: ["#fdf6e3", "#b58900", true, "#002b36"],
  pad: ["#ffffff", "#93a1a1", true, "#002b36"],
  kernel: ["#b9b5e8", "#6c71c4", false, "#073642"],
  output: ["#1d7a73", "#13524d", false, "#ffffff"],
  crop: ["#fdeceb", "#dc322f", true, "#002b36"],
  wrap: ["#f7e1ee", "#d33682", true, "#002b36"],
  extend: ["#fcefc4", "#b58900", false, "#002b36"],
  stamp: ["#d7e3a1", "#859900", false, "#073642"],
  matrix: ["#eee8d5", "#657b83", false, "#073642"],
  empty: ["#ffffff", "#eee8d5", false, "#586e75"],
  heat: ["#ffffff", "#93a1a1", false, "#073642"],
};
export const LEGEND_WORDS = {
  input: { en: "input", zh: "输入" },
  zero: { en: "inserted zero", zh: "插入的零" },
  pad: { en: "padding", zh: "填充" },
  kernel: { en: "kernel", zh: "卷积核" },
  output: { en: "output", zh: "输出" },
  crop: { en: "cropped by padding", zh: "被 padding 裁掉" },
  wrap: { en: "folded back (padding_mode)", zh: "加回输出（padding_mode）" },
  extend: { en: "kept past the stamps (output_padding)", zh: "超出放置范围而保留的 output_padding" },
  stamp: { en: "stamp", zh: "放置" },
  matrix: { en: "non-zero", zh: "非零" },
  empty: { en: "zero", zh: "零" },
  heat: { en: "taps per cell", zh: "每格的乘积数" },
  footprint: { en: "kernel footprint", zh: "卷积核覆盖区域" },
  highlight: { en: "current cell", zh: "当前格" },
};
const FOOTPRINT = ["#002b36", 0.45], HIGHLIGHT = "#cb4b16", TEXT = "#073642", BACKGROUND = "#ffffff";
const NOTE_INK = "#fdf6e3", NOTE_BACK = "#002b36";
const FONT_FAMILY = "'DejaVu Sans', Helvetica, Arial, 'Noto Sans CJK SC', 'Source Han Sans SC', " +
  "'WenQuanYi Micro Hei', 'PingFang SC', 'Microsoft YaHei', sans-serif";
// font sizes as fractions of the cell size (tconv.render.layout)
const TITLE = 0.40, LABEL = 0.34, VALUE = 0.42, NOTE = 0.28, CAPTION = 0.36, LEGEND = 0.30, SWATCH = 0.36, SCALE = 0.6;
const TITLE_GAP = 2.3, LABEL_LINE = 0.9, GAP = 1.5;

// White (0) to near black (1), skipping the middle greys: tconv.render.style.heat_fill and heat_ink.
export function heatFill(level) {
  const l = Math.max(0, Math.min(1, level));
  const v = l <= 0.5 ? 255 - Math.round(160 * l) : 110 - Math.round(140 * (l - 0.5));
  const h = v.toString(16).padStart(2, "0");
  return `#${h}${h}${h}`;
}
export function heatInk(level) { return level <= 0.5 ? TEXT : "#ffffff"; }

// A text's width in font sizes: CJK characters one font size, other characters a little over half of one.
export function ems(text) {
  let n = 0;
  for (const ch of String(text)) n += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 1 : 0.62;
  return n;
}

const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const num = (v) => (Math.round(v * 100) / 100).toString();

function text(x, y, s, size, fill = TEXT, anchor = "start", weight = "normal", cls = "", extra = "") {
  const c = cls ? ` class="${cls}"` : "";
  return `<text${c} x="${num(x)}" y="${num(y)}" font-size="${num(size)}" fill="${fill}" text-anchor="${anchor}" ` +
    `font-weight="${weight}"${extra}>${esc(s)}</text>`;
}

const LABEL_STEP = 0.45;  // a label's second line, in cells

// A panel's label in lines no wider than the panel (at least 6 cells): on the page a long label wraps instead of
// pushing the next panel off the screen. The library's files keep one line.
function labelLines(p, wrap) {
  if (!wrap) return [p.label];
  const width = Math.max(p.shape[1], 6), lines = [];
  let line = "";
  for (const word of String(p.label).split(" ")) {
    const next = line ? `${line} ${word}` : word;
    if (line && ems(next) * LABEL > width) { lines.push(line); line = word; } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

function span(p, lines) { return Math.max(p.shape[1], ...lines.map((l) => ems(l) * LABEL)); }

// Panel corners in cell units, and each panel's label lines. The panels of the main line (input, output) go left
// to right and the kernels on the line below, as the library places them; when `fit` (cells) is narrower than a
// line, the line wraps, so a phone shows the panels one under the other instead of one long row shrunk to a
// thread.
export function place(scene, { fit = Infinity, words = true, wrap = false } = {}) {
  const origins = {}, labels = {};
  let y = words ? TITLE_GAP : 0.3, width = 0;
  const rows = [];
  for (const line of [0, 1]) {
    const panels = scene.panels.filter((p) => scene.panels.some((q) => q.heat) || (p.line === 0) === (line === 0));
    if (line === 1 && scene.panels.some((q) => q.heat)) break;
    let row = [], x = 1;
    for (const p of panels) {
      labels[p.name] = labelLines(p, wrap);
      const w = span(p, labels[p.name]);
      if (row.length && x + w > fit) { rows.push(row); row = []; x = 1; }
      row.push([p, x]);
      x += w + GAP;
      width = Math.max(width, x - GAP + 1);
    }
    if (row.length) rows.push(row);
  }
  rows.forEach((row, k) => {
    const labelH = LABEL_LINE + LABEL_STEP * (Math.max(...row.map(([p]) => labels[p.name].length)) - 1);
    for (const [p, x] of row) origins[p.name] = [x, y + labelH];
    y += labelH + Math.max(...row.map(([p]) => p.shape[0])) + (k < rows.length - 1 ? 0.9 : 0);
  });
  return { origins, labels, width, height: y + (words ? 1.6 : 0.4) };
}

// The legend's items: the roles drawn, then the mark kinds that occur.
function legendItems(scene, frame0) {
  const items = [...(scene.legend || [])];
  if (frame0 && frame0.window) items.push("footprint");
  if (frame0 && frame0.highlight) items.push("highlight");
  return items;
}

function heatScale(scene) {
  const p = scene.panels.find((q) => q.heat && q.values);
  if (!p) return [];
  const all = p.values.flat().filter((v) => v !== null && v !== undefined);
  const top = Math.max(...all) || 1;
  let distinct = [...new Set(all)].sort((a, b) => a - b);
  if (distinct.length > 8) {
    const lo = distinct[0], hi = distinct.at(-1);
    distinct = [...new Set(Array.from({ length: 7 }, (_, i) => Math.round(lo + (hi - lo) * i / 6)))];
  }
  return distinct.map((v) => [formatNumber(v), v / top]);
}

// Where everything goes, in pixels.
export function geometry(scene, { unit = 36, fit = Infinity, words = true, captions = [] } = {}) {
  const u = unit;
  const { origins, labels, width: cw, height: ch } = place(scene, { fit, words, wrap: !words });
  let textW = 0;
  if (words) {
    for (const [s, size] of [[scene.title, TITLE], ...captions.map((c) => [c, CAPTION])])
      textW = Math.max(textW, ems(s) * size * u + 2 * u);
  }
  for (const p of scene.panels)
    for (const l of labels[p.name]) textW = Math.max(textW, (origins[p.name][0] + ems(l) * LABEL) * u + u);
  const legend = [];
  let x = 0.5 * u;
  if (words) {
    for (const item of legendItems(scene, scene.frameCount ? scene.frame(0) : null)) {
      const word = (LEGEND_WORDS[item] || { en: item })[scene.lang] || LEGEND_WORDS[item].en;
      const textX = x + 0.5 * u;
      let end = textX + ems(word) * LEGEND * u;
      const scale = [];
      if (item === "heat") {
        let sx = end + 0.3 * u;
        for (const [n, level] of heatScale(scene)) { scale.push([sx, n, heatFill(level), heatInk(level)]); sx += SCALE * u + 2; }
        end = sx;
      }
      legend.push({ item, word, x, textX, scale });
      x = end + 0.5 * u;
    }
  }
  const width = Math.round(Math.max(cw * u + 2 * u, textW, x));
  const height = Math.round(ch * u);
  return { unit: u, width, height, origins, labels, legend, titleY: 0.85 * u, captionY: 1.65 * u,
           legendY: height - 0.55 * u };
}

function cellBox(g, panel, r, c) {
  const [x0, y0] = g.origins[panel];
  return [(x0 + c) * g.unit, (y0 + r) * g.unit, g.unit];
}

function cellStyle(p, r, c) {
  const role = p.roles[r][c];
  if (!role) return null;
  let [fill, stroke, dashed, ink] = ROLE_STYLE[role];
  if (p.heat) { const level = p.heat[r][c]; fill = heatFill(level); ink = heatInk(level); }
  return [fill, stroke, dashed, ink];
}

// The panels whose values frames set (the output): their numbers are drawn per frame, the others' once.
export function updatedPanels(scene) {
  const names = new Set();
  if (scene.frameCount) for (const u of scene.frame(0).updates) names.add(u[0]);
  if (scene.connect && scene.show_values && scene.frameCount) names.add(scene.connect[1]);
  return names;
}

function truth(p, r, c) {
  const index = p.indices ? p.indices[r][c] : null, between = p.between ? p.between[r][c] : null;
  return (index !== null && index !== undefined ? ` data-index="${index}"` : "") +
    (between !== null && between !== undefined ? ` data-between="${between}"` : "") +
    (p.flipped ? ' data-flipped="true"' : "");
}

// The still part: canvas, title, labels, cells (with the values of panels no frame changes), legend.
function background(scene, g, words) {
  const u = g.unit, updated = updatedPanels(scene), out = [];
  out.push(`<rect width="${g.width}" height="${g.height}" fill="${BACKGROUND}"/>`);
  if (words) out.push(text(0.5 * u, g.titleY, scene.title, TITLE * u, TEXT, "start", "bold", "title"));
  for (const p of scene.panels) {
    const [x0, y0] = g.origins[p.name];
    const lines = g.labels[p.name];
    lines.forEach((l, k) => out.push(text(x0 * u, (y0 - 0.3 - LABEL_STEP * (lines.length - 1 - k)) * u, l, LABEL * u, TEXT,
                                          "start", "normal", "label")));
    const values = scene.show_values && p.values && !updated.has(p.name) ? p.values : null;
    for (let r = 0; r < p.shape[0]; r++) for (let c = 0; c < p.shape[1]; c++) {
      const style = cellStyle(p, r, c);
      if (!style) continue;
      const [x, y, s] = cellBox(g, p.name, r, c), [fill, stroke, dashed, ink] = style;
      const dash = dashed ? ` stroke-dasharray="${num(u / 8)},${num(u / 10)}"` : "";
      out.push(`<rect id="${p.name}-${r}-${c}" class="cell" data-role="${p.roles[r][c]}"${truth(p, r, c)} ` +
        `x="${num(x + 1)}" y="${num(y + 1)}" width="${num(s - 2)}" height="${num(s - 2)}" fill="${fill}" ` +
        `stroke="${stroke}" stroke-width="1.5"${dash}/>`);
      if (values && values[r][c] !== null && values[r][c] !== undefined)
        out.push(text(x + s / 2, y + s / 2 + VALUE * u / 3, formatNumber(values[r][c]), VALUE * u, ink, "middle", "normal", "value"));
    }
  }
  if (words) for (const item of g.legend) {
    const box = `x="${num(item.x)}" y="${num(g.legendY - 0.3 * u)}" width="${num(SWATCH * u)}" height="${num(SWATCH * u)}"`;
    let swatch = "";
    if (ROLE_STYLE[item.item] && item.item !== "heat") {
      const [fill, stroke, dashed] = ROLE_STYLE[item.item];
      swatch = `<rect ${box} fill="${fill}" stroke="${stroke}"${dashed ? ` stroke-dasharray="${num(u / 12)},${num(u / 14)}"` : ""}/>`;
    } else if (item.item === "footprint") swatch = `<rect ${box} fill="${FOOTPRINT[0]}" fill-opacity="${FOOTPRINT[1]}"/>`;
    else if (item.item === "highlight") swatch = `<rect ${box} fill="none" stroke="${HIGHLIGHT}" stroke-width="2"/>`;
    const scale = item.scale.map(([sx, n, fill, ink]) =>
      `<rect class="scale" x="${num(sx)}" y="${num(g.legendY - 0.42 * u)}" width="${num(SCALE * u)}" height="${num(SCALE * u)}" fill="${fill}" stroke="${ROLE_STYLE.heat[1]}"/>` +
      text(sx + SCALE * u / 2, g.legendY - 0.12 * u + LEGEND * u / 3, n, LEGEND * u, ink, "middle")).join("");
    out.push(`<g class="legend-item" data-role="${item.item}">${swatch}` +
      text(item.item === "heat" ? item.x : item.textX, g.legendY, item.word, LEGEND * u) + scale + "</g>");
  }
  return out.join("\n");
}

// A frame's marked cells: the kernel window's footprint (tap order) and the highlighted cell. With numbers, each
// footprint cell is noted with its tap's kernel value (tconv.scene.model.Window.note): the kernel panel's value,
// times the stamped input value in the scatter view, so the note is the product added to that cell.
export function marksOf(scene, frame) {
  const marks = [], w = frame.window;
  const kernel = scene.show_values && scene.kernel ? scene.panels.find((p) => p.name === scene.kernel) : null;
  const taps = kernel && kernel.values, scale = scene.params && scene.params.view === "scatter" ? frame.value : null;
  if (w) for (let i = 0; i < w.shape[0]; i++) for (let j = 0; j < w.shape[1]; j++)
    marks.push({ panel: w.panel, row: w.row + i * w.step[0], col: w.col + j * w.step[1], kind: "footprint", tap: [i, j],
                 note: taps ? formatNumber(scale === null || scale === undefined ? taps[i][j] : scale * taps[i][j]) : null });
  if (frame.highlight) marks.push({ ...frame.highlight, kind: "highlight", tap: null, note: null });
  return marks;
}

function marksBox(g, marks, panel) {
  const mine = marks.filter((m) => m.panel === panel);
  if (!mine.length) return null;
  const boxes = mine.map((m) => cellBox(g, panel, m.row, m.col));
  return [Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1])),
          Math.max(...boxes.map((b) => b[0] + b[2])), Math.max(...boxes.map((b) => b[1] + b[2]))];
}

// One frame's marks, connector lines and (with words) caption.
function frameMarks(scene, g, frame, words) {
  const u = g.unit, out = [], marks = marksOf(scene, frame);
  for (const m of [...marks].sort((a, b) => (a.kind !== "footprint") - (b.kind !== "footprint"))) {
    const [x, y, s] = cellBox(g, m.panel, m.row, m.col);
    if (m.kind === "footprint") {
      out.push(`<rect class="footprint" data-panel="${m.panel}" x="${num(x + 1)}" y="${num(y + 1)}" width="${num(s - 2)}" ` +
        `height="${num(s - 2)}" fill="${FOOTPRINT[0]}" fill-opacity="${FOOTPRINT[1]}"/>`);
      if (m.note !== null && m.note !== undefined) {
        const tab = ems(m.note) * NOTE * u + 3;
        out.push(`<rect class="note-tab" x="${num(x + s - 2 - tab)}" y="${num(y + s - 3 - NOTE * u)}" width="${num(tab)}" ` +
          `height="${num(NOTE * u + 1)}" fill="${NOTE_BACK}"/>`);
        out.push(text(x + s - 3, y + s - 4, m.note, NOTE * u, NOTE_INK, "end", "normal", "note"));
      }
    } else {
      out.push(`<rect class="highlight" data-panel="${m.panel}" x="${num(x + 1.5)}" y="${num(y + 1.5)}" width="${num(s - 3)}" ` +
        `height="${num(s - 3)}" fill="none" stroke="${HIGHLIGHT}" stroke-width="3"/>`);
    }
  }
  if (scene.connect) {
    const a = marksBox(g, marks, scene.connect[0]), b = marksBox(g, marks, scene.connect[1]);
    if (a && b && g.origins[scene.connect[0]][1] === g.origins[scene.connect[1]][1])
      for (const [x1, y1, x2, y2] of [[a[2], a[1], b[0], b[1]], [a[2], a[3], b[0], b[3]]])
        out.push(`<line x1="${num(x1)}" y1="${num(y1)}" x2="${num(x2)}" y2="${num(y2)}" stroke="${HIGHLIGHT}" ` +
          `stroke-opacity="0.55" stroke-dasharray="4,3"/>`);
  }
  if (words) out.push(text(0.5 * u, g.captionY, frame.caption, CAPTION * u, TEXT, "start", "normal", "caption"));
  return out.join("\n");
}

// The values a scene shows at frame i in the panels frames update: their own values, then every update up to i.
export function shownAt(scene, frames, i) {
  const shown = new Map();
  for (const name of updatedPanels(scene)) {
    const p = scene.panels.find((q) => q.name === name);
    if (p && p.values) p.values.forEach((row, r) => row.forEach((v, c) => {
      if (v !== null && v !== undefined && p.roles[r][c]) shown.set(`${name}-${r}-${c}`, v);
    }));
  }
  for (let k = 0; k <= i; k++) for (const [panel, r, c, v] of frames(k).updates)
    if (v === null || v === undefined) shown.delete(`${panel}-${r}-${c}`); else shown.set(`${panel}-${r}-${c}`, v);
  return shown;
}

function svgHead(scene, g, width, height, still) {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${g.width} ${g.height}" ` +
    `font-family="${esc(FONT_FAMILY)}" data-cell="${g.unit}" data-frames="${scene.frameCount}" ` +
    `data-view="${esc((scene.params && scene.params.view) || "")}" data-lang="${scene.lang}" data-still="${still}">\n` +
    `<title>${esc(scene.title)}</title>\n`;
}

function valueTexts(scene, g, shown) {
  const u = g.unit, out = [];
  for (const [key, v] of shown) {
    const parts = key.split("-"), c = Number(parts.pop()), r = Number(parts.pop()), panel = parts.join("-");
    const p = scene.panels.find((q) => q.name === panel);
    const [x, y, s] = cellBox(g, panel, r, c), style = cellStyle(p, r, c);
    out.push(text(x + s / 2, y + s / 2 + VALUE * u / 3, formatNumber(v), VALUE * u, style ? style[3] : ROLE_STYLE.output[3],
      "middle", "normal", "value", ` data-cell="${key}"`));
  }
  return out.join("\n");
}

// One frame as a standalone SVG file (title, caption and legend included): the page's SVG download.
export function frameSvg(scene, i) {
  const frames = cachedFrames(scene), f = frames(i);
  const g = geometry(scene, { captions: [f.caption] });
  return svgHead(scene, g, g.width, g.height, scene.still) + background(scene, g, true) +
    `\n<g class="frame" data-frame="${i}">\n${frameMarks(scene, g, f, true)}\n</g>\n` +
    valueTexts(scene, g, shownAt(scene, frames, i)) + "\n</svg>\n";
}

// Frames built once each, on first use.
export function cachedFrames(scene) {
  if (!scene._frames) scene._frames = new Array(scene.frameCount);
  return (i) => scene._frames[i] || (scene._frames[i] = scene.frame(i));
}

// The legend as the page's HTML (it wraps on a phone): a swatch and the word for each role drawn, then the marks;
// a heatmap's colour scale with its counts.
function legendHtml(scene) {
  const frame0 = scene.frameCount ? scene.frame(0) : null, out = [];
  for (const item of legendItems(scene, frame0)) {
    const word = esc((LEGEND_WORDS[item] || { en: item })[scene.lang] || LEGEND_WORDS[item].en);
    let swatch = "";
    if (item === "footprint") swatch = `<i class="swatch" style="background:${FOOTPRINT[0]};opacity:${FOOTPRINT[1]}"></i>`;
    else if (item === "highlight") swatch = `<i class="swatch" style="border:2px solid ${HIGHLIGHT}"></i>`;
    else if (item !== "heat" && ROLE_STYLE[item]) {
      const [fill, stroke, dashed] = ROLE_STYLE[item];
      swatch = `<i class="swatch" style="background:${fill};border:1px ${dashed ? "dashed" : "solid"} ${stroke}"></i>`;
    }
    const scale = item === "heat" ? heatScale(scene).map(([n, level]) =>
      `<i class="scale" style="background:${heatFill(level)};color:${heatInk(level)}">${esc(n)}</i>`).join("") : "";
    out.push(`<span class="legend-item" data-role="${item}">${swatch}${word}${scale}</span>`);
  }
  return `<div class="legend">${out.join(" ")}</div>`;
}

// The picture on the page: `host` receives an <svg> of the scene and its legend, drawn as large as fits `width` ×
// `height` pixels (never enlarged): side by side as the library draws it, or with the panels wrapped one under
// the other, whichever shows the cells larger; a layer too large for the box is scaled down to fit, so the page
// never scrolls sideways. `show(i)` draws frame i. The title and caption are the page's own HTML, which wraps;
// the download (frameSvg) has them inside.
export class Drawing {
  constructor(host, scene, { width = Infinity, height = Infinity, unit = 36 } = {}) {
    this.scene = scene;
    this.frames = cachedFrames(scene);
    const fits = (g) => Math.min(1, width / g.width, height / g.height);
    let g = geometry(scene, { unit, words: false });
    if (Number.isFinite(width)) {
      const wrapped = geometry(scene, { unit, fit: Math.max(4, (width - 2) / unit), words: false });
      if (fits(wrapped) > fits(g) + 0.01) g = wrapped;
    }
    this.g = g;
    const scale = fits(g);
    this.scale = scale;
    const w = Math.floor(g.width * scale), h = Math.floor(g.height * scale);
    host.innerHTML = svgHead(scene, g, w, h, scene.still) + background(scene, g, false) +
      '\n<g class="frame" data-frame="0" visibility="visible"></g>\n<g class="values"></g>\n</svg>' + legendHtml(scene);
    this.svg = host.querySelector("svg");
    this.svg.dataset.scale = scale.toFixed(3);
    this.frameGroup = this.svg.querySelector("g.frame");
    this.valueGroup = this.svg.querySelector("g.values");
    this.current = -1;
    this.shown = null;
  }

  // Draw frame i: its marks, and the values shown then (stepping forward by one applies that frame's updates;
  // any other jump replays the updates from the start).
  show(i) {
    const scene = this.scene;
    if (!scene.frameCount) return;
    const f = this.frames(i);
    this.frameGroup.innerHTML = frameMarks(scene, this.g, f, false);
    this.frameGroup.dataset.frame = String(i);
    if (scene.show_values) {
      if (this.shown && i === this.current + 1) {
        for (const [panel, r, c, v] of f.updates) {
          const key = `${panel}-${r}-${c}`;
          if (v === null || v === undefined) this.shown.delete(key); else this.shown.set(key, v);
        }
      } else this.shown = shownAt(scene, this.frames, i);
      this.valueGroup.innerHTML = valueTexts(scene, this.g, this.shown);
    }
    this.current = i;
  }

  // The value written in a cell at the current frame (a panel's own value, or the one frames set), or null.
  value(panel, r, c) {
    const key = `${panel}-${r}-${c}`;
    if (this.shown && this.shown.has(key)) return this.shown.get(key);
    const p = this.scene.panels.find((q) => q.name === panel);
    if (!this.scene.show_values || !p || !p.values || updatedPanels(this.scene).has(panel)) return null;
    const v = p.values[r][c];
    return v === undefined ? null : v;
  }
}

// Which cells light up with which (cell id → ids): cells are linked when they appear in one frame, a highlighted
// cell with the footprint that feeds it (or that it stamps), and both with the kernel taps used. Made from every
// frame's marks, once per picture (on the first hover).
export function linkMap(scene) {
  const linked = new Map(), frames = cachedFrames(scene), key = (m) => `${m.panel}-${m.row}-${m.col}`;
  for (let i = 0; i < scene.frameCount; i++) {
    const marks = marksOf(scene, frames(i));
    for (const m of marks) {
      if (!linked.has(key(m))) linked.set(key(m), new Set());
      const set = linked.get(key(m));
      const others = marks.filter((o) => (m.kind === "highlight") === (o.kind === "footprint"));
      for (const o of others) set.add(key(o));
      if (scene.kernel) for (const o of m.kind === "highlight" ? others : [m]) if (o.tap) set.add(`${scene.kernel}-${o.tap[0]}-${o.tap[1]}`);
    }
  }
  return linked;
}
