// The pointer on the picture: a mouse hovers; a tap does what hover does; a finger pressed on the described cell
// and dragged is followed from cell to cell. And where the description box goes.
const QUIET_MS = 90;  // a mouse crossing the gap between two cells keeps the description meanwhile

// A description about to be cleared (the mouse left the cells a moment ago) stays: another cell is described.
// `timers`: the explorer's own (two explorers in one notebook keep theirs apart).
export function keepDescription(timers) { clearTimeout(timers.unfocus); }

// Over the picture and inside the viewport: along the top of the visible part of the picture box, or along its
// bottom when that would cover the cell, else just above or below the cell.
// The box is fixed to the viewport; where an ancestor makes itself the box's frame instead (a notebook's output
// area with a transform or containment), the box is moved by what it landed off from where it was meant to go.
export function placeInfo(anchor, box, stageBox) {
  if (box.hidden || !anchor) return;
  const m = 4, vw = box.ownerDocument.documentElement.clientWidth, vh = window.innerHeight;
  const stage = stageBox.getBoundingClientRect();
  const width = Math.max(120, Math.min(stage.width, vw - 2 * m, 720));
  box.style.width = `${width}px`;
  const left = Math.min(Math.max(m, stage.left), vw - m - width);
  box.style.left = `${left}px`;
  const h = box.offsetHeight, cell = anchor.getBoundingClientRect();
  const clear = (y) => y >= m && y + h <= vh - m && (y + h <= cell.top || y >= cell.bottom);
  const high = Math.max(m, stage.top), low = Math.min(vh - m, stage.bottom) - h;
  const y = [high, low, cell.top - h - 6, cell.bottom + 6].find(clear);
  const top = Math.min(Math.max(m, y === undefined ? high : y), vh - m - h);
  box.style.top = `${top}px`;
  const landed = box.getBoundingClientRect();
  if (Math.abs(landed.left - left) > 0.5 || Math.abs(landed.top - top) > 0.5) {
    box.style.left = `${2 * left - landed.left}px`; box.style.top = `${2 * top - landed.top}px`;
  }
}

// `page`: cellOf(element) → the cell under it or null; focus(cell); unfocus(); focused() → the cell described;
// timers, the explorer's own.
export function wirePointer(container, page) {
  // mouse: hover; a gap between two cells keeps the description for a moment instead of flickering
  container.addEventListener("pointerover", (e) => {
    if (e.pointerType !== "mouse") return;
    const cell = page.cellOf(e.target);
    if (cell) page.focus(cell);
    else { clearTimeout(page.timers.unfocus); page.timers.unfocus = setTimeout(page.unfocus, QUIET_MS); }
  });
  container.addEventListener("pointerleave", (e) => { if (e.pointerType === "mouse") page.unfocus(); });
  // touch and pen: a tap does what hover does, another tap moves it. A finger pressed on the cell already
  // described and dragged is followed from cell to cell; any other swipe scrolls (the page, or a picture larger
  // than its box), so the cells never trap the finger.
  let dragging = false;
  container.addEventListener("pointerdown", (e) => {
    if (e.pointerType === "mouse") return;
    const cell = page.cellOf(e.target);
    dragging = cell !== null && cell === page.focused();
    if (cell) page.focus(cell);
  });
  container.addEventListener("pointermove", (e) => {
    if (e.pointerType === "mouse" || !dragging) return;
    const cell = page.cellOf(container.getRootNode().elementFromPoint(e.clientX, e.clientY));
    if (cell) page.focus(cell);
  });
  for (const kind of ["pointerup", "pointercancel"]) container.addEventListener(kind, () => { dragging = false; });
  // a drag that follows the finger must not scroll: touch-action does not reach SVG shapes, so say it here
  container.addEventListener("touchmove", (e) => { if (dragging && e.cancelable) e.preventDefault(); },
                             { passive: false });
}

