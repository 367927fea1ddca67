"""Geometry shared by every renderer, so SVG, GIF and PNG place everything identically (in pixels)."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .._format import format_number
from .style import LEGEND_WORDS, ROLE_STYLE, heat_fill, heat_ink

if TYPE_CHECKING:  # the renderers read scenes and build none: the scene model is only named in annotations
    from ..scene.model import Frame, Mark, Panel, Scene

# font sizes as fractions of the cell size
TITLE, LABEL, VALUE, NOTE, CAPTION, LEGEND = 0.40, 0.34, 0.42, 0.28, 0.36, 0.30
CHAR = 0.56  # average glyph width / font size of Latin text, for sizing the canvas to its text
WIDE = 1.0  # a CJK character (East Asian width W or F) is one font size wide


def ems(text: str) -> float:
    """The width of ``text`` in font sizes: the bundled font's advance widths (what GIF and PNG draw), with a
    tenth more for the wider Latin fonts an SVG viewer may use; a character the font lacks counts CHAR (CJK:
    WIDE).

    >>> round(ems("input"), 2), ems("输入")
    (2.74, 2.0)
    """
    from .fonts import advance_widths

    widths = advance_widths()
    return sum(widths[ch] * (1.0 if _square(ch) else 1.1) if ch in widths
               else WIDE if _square(ch) else CHAR for ch in text)


def _square(ch: str) -> bool:
    """A CJK character or full-width form: one font size wide in any CJK font."""
    return unicodedata.east_asian_width(ch) in "WF"


# vertical room, in cell units: the title and caption lines above the labels, and a panel label's own line. The
# caption sits under the title, near the marks, rather than at the bottom: what changes from frame to frame
# (marks, values, caption) then spans fewer rows, and a GIF frame redraws the rectangle that holds the changes.
TITLE_GAP, LABEL_LINE = 2.3, 0.9


@dataclass(frozen=True)
class Geometry:
    """Where everything goes, in pixels: the canvas, the title, caption and legend lines, each panel's corner.

    >>> import tconv
    >>> g = geometry(tconv.animate(2, 3))
    >>> g.unit, g.origins["input"], g.origins["kernel"]      # in cell units
    (36, (1.0, 3.2), (1.0, 11.0))
    """

    unit: int
    width: int
    height: int
    title_y: float
    caption_y: float
    legend_y: float
    origins: dict[str, tuple[float, float]]  # panel name: (x, y) of its top-left cell, in cell units


def _span(panel: Panel) -> float:
    """A panel's width or its label's, whichever is wider (cell units): labels never run into the next panel."""
    return max(float(panel.shape[1]), ems(panel.label) * LABEL)


def place(scene: Scene) -> tuple[dict[str, tuple[float, float]], float, float]:
    """Panel corners and the size the panels need (cell units): line 0 left to right, line 1 below the first.

    A heatmap (a panel with ``heat``: the overlap map) is one panel with a wider margin for its longer caption.

    >>> import tconv
    >>> origins, width, height = place(tconv.animate(2, 3))     # 6 × 6 padded input, 4 × 4 output, 3 × 3 kernels
    >>> {name: (round(x, 2), round(y, 2)) for name, (x, y) in origins.items()}
    {'input': (1.0, 3.2), 'output': (14.45, 3.2), 'kernel': (1.0, 11.0), 'flipped': (5.5, 11.0)}
    >>> round(width, 2), round(height, 2)
    (18.95, 15.6)
    """
    top = TITLE_GAP + LABEL_LINE
    if any(p.heat is not None for p in scene.panels):
        rows, cols = scene.panels[0].shape
        return {p.name: (1.0, top) for p in scene.panels}, cols + 2.0, top + rows + 2.0
    origins: dict[str, tuple[float, float]] = {}
    x, height = 1.0, 0
    for p in (p for p in scene.panels if p.line == 0):
        origins[p.name] = (x, top)
        x += _span(p) + 1.5
        height = max(height, p.shape[0])
    width = x - 1.0
    below = [p for p in scene.panels if p.line != 0]
    y = top + height + LABEL_LINE + 0.9
    x, k_height = 1.0, 0
    for p in below:
        origins[p.name] = (x, y)
        x += _span(p) + 1.5
        k_height = max(k_height, p.shape[0])
    width = max(width, x - 1.0)
    bottom = (y + k_height if below else top + height) + 1.6  # the legend line
    return origins, width, bottom


def geometry(scene: Scene) -> Geometry:
    """The scene's :class:`Geometry`: :func:`place` in pixels, the canvas as wide as its longest text or legend.

    >>> import tconv
    >>> g = geometry(tconv.animate(2, 3, cell_size=20))
    >>> g.unit, g.width, g.height, round(g.caption_y, 1)
    (20, 421, 312, 33.0)
    """
    u = scene.cell_size
    origins, cells_w, cells_h = place(scene)
    texts = [(scene.title, TITLE)] + [(p.label, LABEL) for p in scene.panels]
    texts += [(f.caption, CAPTION) for f in scene.frames]
    text_w = max((ems(t) * size * u + 2 * u for t, size in texts), default=0)
    items = legend(scene, u)
    legend_w = (items[-1].end + 0.5 * u) if items else 0
    width = round(max(cells_w * u + 2 * u, text_w, legend_w))
    height = round(cells_h * u)
    return Geometry(u, width, height, title_y=0.85 * u, caption_y=1.65 * u, legend_y=height - 0.55 * u,
                    origins=origins)


@dataclass(frozen=True)
class LegendItem:
    """One legend entry, in pixels from the left: a swatch at ``x``, the word at ``text_x``; a heatmap's entry is
    followed by its colour scale, ``scale`` = (x, count, fill, ink) of each square, numbered.

    >>> import tconv
    >>> item = legend(tconv.overlap([4], [3], stride=2).scene(), 28)[0]
    >>> item.item, item.word, [(count, fill, ink) for _, count, fill, ink in item.scale]
    ('heat', 'taps per cell', [('1', '#afafaf', '#073642'), ('2', '#282828', '#ffffff')])
    """

    item: str
    word: str
    x: float
    text_x: float
    end: float
    scale: tuple[tuple[float, str, str, str], ...] = ()


#: The side of a legend swatch and of a colour-scale square, in cell units.
SWATCH, SCALE = 0.36, 0.6


def heat_levels(scene: Scene) -> list[tuple[str, float]]:
    """The counts a heatmap's colour scale shows, with their levels (0..1): every count when there are at most
    eight, else seven spread from the least to the most.

    >>> import tconv
    >>> heat_levels(tconv.overlap([4], [3], stride=2).scene())
    [('1', 0.5), ('2', 1.0)]
    >>> [count for count, _ in heat_levels(tconv.overlap(4, 3, stride=2, layers=3).scene())]   # 1 to 25 taps
    ['1', '5', '9', '13', '17', '21', '25']
    >>> heat_levels(tconv.animate(2, 3))       # no heatmap
    []
    """
    for p in scene.panels:
        if p.heat is not None and p.values is not None:
            counts = np.asarray(p.values, dtype=float)
            top = float(counts.max()) or 1.0
            distinct = np.unique(counts)
            if distinct.size > 8:
                distinct = np.unique(np.round(np.linspace(distinct.min(), distinct.max(), 7)))
            return [(format_number(v), float(v) / top) for v in distinct]
    return []


def legend(scene: Scene, unit: int) -> list[LegendItem]:
    """The legend, left to right: the roles drawn, then the mark kinds (see :func:`legend_items`).

    >>> import tconv
    >>> [(item.word, round(item.x)) for item in legend(tconv.animate(2, 3), 36)]
    [('padding', 18), ('input', 100), ('output', 166), ('kernel', 240), ('kernel footprint', 310),
     ('current cell', 435)]
    """
    u, x, out = unit, 0.5 * unit, []
    for item in legend_items(scene):
        word = legend_word(item, scene.lang)
        text_x = x + 0.5 * u
        end = text_x + ems(word) * LEGEND * u
        scale: list[tuple[float, str, str, str]] = []
        if item == "heat":
            sx = end + 0.3 * u
            for number, level in heat_levels(scene):
                scale.append((sx, number, heat_fill(level), heat_ink(level)))
                sx += SCALE * u + 2
            end = sx
        out.append(LegendItem(item, word, x, text_x, end, tuple(scale)))
        x = end + 0.5 * u
    return out


def cell_box(g: Geometry, panel: str, row: int, col: int) -> tuple[float, float, float]:
    """(x, y, size) of a cell in pixels.

    >>> import tconv
    >>> g = geometry(tconv.animate(2, 3))
    >>> cell_box(g, "kernel", 0, 0), cell_box(g, "kernel", 1, 2)       # the kernel's corner is (1, 11) cells
    ((36.0, 396.0, 36), (108.0, 432.0, 36))
    """
    x0, y0 = g.origins[panel]
    return (x0 + col) * g.unit, (y0 + row) * g.unit, g.unit


def marks_box(g: Geometry, frame: Frame, panel: str) -> tuple[float, float, float, float] | None:
    """The pixel bounding box (x0, y0, x1, y1) of a frame's marks on one panel (from its window and highlight).

    >>> import tconv
    >>> scene = tconv.animate(2, 3)
    >>> g, frame = geometry(scene), scene.frames[5]        # a 3 × 3 window at input cell (1, 1)
    >>> marks_box(g, frame, "input"), marks_box(g, frame, "kernel")
    ((72.0, 151.2, 180.0, 259.2), None)
    """
    cells: list[tuple[int, int]] = []
    w = frame.window
    if w is not None and w.panel == panel:
        rows, cols = w.shape
        cells += [(w.row, w.col), (w.row + (rows - 1) * w.step[0], w.col + (cols - 1) * w.step[1])]
    h = frame.highlight
    if h is not None and h.panel == panel:
        cells.append((h.row, h.col))
    if not cells:
        return None
    boxes = [cell_box(g, panel, r, c) for r, c in cells]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[0] + b[2] for b in boxes),
            max(b[1] + b[2] for b in boxes))


def connector(scene: Scene, g: Geometry, frame: Frame) -> list[tuple[float, float, float, float]]:
    """Lines joining the marks on the left panel to those on the right (conv_arithmetic's four lines, two here).

    >>> import tconv
    >>> scene = tconv.animate(2, 3)
    >>> [tuple(round(v) for v in line) for line in connector(scene, geometry(scene), scene.frames[5])]
    [(180, 151, 556, 151), (180, 259, 556, 187)]
    """
    if scene.connect is None:
        return []
    a = marks_box(g, frame, scene.connect[0])
    b = marks_box(g, frame, scene.connect[1])
    if a is None or b is None:
        return []
    return [(a[2], a[1], b[0], b[1]), (a[2], a[3], b[0], b[3])]


def legend_items(scene: Scene) -> list[str]:
    """The roles drawn, then the mark kinds that occur in some frame.

    >>> import tconv
    >>> legend_items(tconv.animate(2, 3, stride=2)), legend_items(tconv.overlap(4, 3, stride=2).scene())
    (['pad', 'input', 'zero', 'output', 'kernel', 'footprint', 'highlight'], ['heat'])
    """
    kinds = {"footprint"} if any(f.window is not None for f in scene.frames) else set()
    kinds |= {"highlight"} if any(f.highlight is not None for f in scene.frames) else set()
    return [*scene.legend, *(k for k in ("footprint", "highlight") if k in kinds)]


def mark_order(marks: tuple[Mark, ...]) -> list[Mark]:
    """Footprints first, highlights on top.

    >>> import tconv
    >>> marks = tconv.animate(2, 3).frames[5].marks
    >>> [m.kind for m in mark_order(marks[::-1])][-2:]
    ['footprint', 'highlight']
    """
    return sorted(marks, key=lambda m: m.kind != "footprint")


def cell_style(panel: Panel, row: int, col: int) -> tuple[str, str, bool, str] | None:
    """(fill, stroke, dashed, ink) of a cell, heat shading included; None where the panel has no cell.

    >>> import tconv
    >>> panel = tconv.animate(2, 3).panel("input")
    >>> cell_style(panel, 0, 0), cell_style(panel, 2, 2)       # padding: dashed white; an input element: blue
    (('#ffffff', '#93a1a1', True, '#002b36'), ('#1c6fad', '#124a75', False, '#ffffff'))
    >>> cell_style(tconv.overlap([4], [3], stride=2).scene().panels[0], 0, 2)     # the most taps: darkest
    ('#282828', '#93a1a1', False, '#ffffff')
    """
    role = str(panel.roles[row, col])
    if not role:
        return None
    fill, stroke, dashed, ink = ROLE_STYLE[role]
    if panel.heat is not None:
        level = float(panel.heat[row, col])
        fill, ink = heat_fill(level), heat_ink(level)
    return fill, stroke, dashed, ink


class BackgroundCell(NamedTuple):
    """One cell of the still background, as every writer draws it: where, how, and the value written in it.

    >>> import tconv
    >>> scene = tconv.animate(2, 3, values=True, seed=1)
    >>> cell = next(background_cells(scene, geometry(scene), scene.panel("kernel")))
    >>> cell.row, cell.col, (cell.x, cell.y, cell.size), cell.fill, cell.shows_value, int(cell.value)
    (0, 0, (36.0, 396.0, 36), '#b9b5e8', True, 0)
    """

    row: int
    col: int
    x: float
    y: float
    size: float
    fill: str
    stroke: str
    dashed: bool
    ink: str
    shows_value: bool  # whether the panel's own value is drawn with the background
    value: Any


def background_cells(scene: Scene, g: Geometry, panel: Panel) -> Iterator[BackgroundCell]:
    """The cells of one panel in drawing order (rows, then columns), skipping the places without a cell: the one
    walk the SVG and raster writers share.

    >>> import tconv
    >>> scene = tconv.animate(2, 3)
    >>> cells = list(background_cells(scene, geometry(scene), scene.panel("input")))
    >>> len(cells), sum(c.dashed for c in cells)         # 6 × 6: 4 input elements, 32 dashed padding cells
    (36, 32)
    """
    shown = background_values(scene, panel)
    for r in range(panel.shape[0]):
        for c in range(panel.shape[1]):
            style = cell_style(panel, r, c)
            if style is None:
                continue
            x, y, s = cell_box(g, panel.name, r, c)
            yield BackgroundCell(r, c, x, y, s, *style, shown is not None, None if shown is None else shown[r, c])


def background_values(scene: Scene, panel: Panel) -> np.ndarray | None:
    """A panel's own values when they are drawn with the background (no frame updates them), else None.

    >>> import tconv
    >>> scene = tconv.animate(2, 3, values=True, seed=1)
    >>> background_values(scene, scene.panel("kernel")).tolist(), background_values(scene, scene.panel("output"))
    ([[0, 1, 2], [0, 1, 3], [0, 0, 1]], None)
    """
    if scene.show_values and panel.values is not None and panel.name not in updated_panels(scene):
        return panel.values
    return None


def updated_panels(scene: Scene) -> set[str]:
    """The names of the panels some frame sets a value in (their values are drawn per frame, not once).

    >>> import tconv
    >>> updated_panels(tconv.animate(2, 3)), updated_panels(tconv.overlap(4, 3, stride=2).scene())
    ({'output'}, set())
    """
    return {u.panel for f in scene.frames for u in f.updates}


#: A value drawn for a span of frames: (first frame, end frame (exclusive), panel, row, col, value).
Span = tuple[int, int, str, int, int, Any]


def value_spans(scene: Scene) -> list[Span]:
    """Every value that is not background, with the frames that show it: the own values of the panels that frames
    update (until the cell's first update), then each update (until the cell's next one, or the end). Cells not
    shown (NaN) are skipped; in scene order, so a later span of a cell comes after an earlier one.

    >>> import tconv
    >>> scene = tconv.animate(view="scatter", input=[1, 2], weight=[1, 1], values=True)
    >>> [(first, end, col, int(value)) for first, end, _, _, col, value in value_spans(scene)]
    [(0, 1, 2, 0), (0, 2, 0, 1), (0, 1, 1, 1), (1, 2, 1, 3), (1, 2, 2, 2)]
    """
    if not scene.show_values:
        return []
    n = len(scene.frames)
    updated = updated_panels(scene)
    first: dict[tuple[str, int, int], int] = {}
    for i, f in enumerate(scene.frames):
        for u in f.updates:
            first.setdefault((u.panel, u.row, u.col), i)
    spans: list[Span] = []
    for p in scene.panels:
        if p.name in updated and p.values is not None:
            for r in range(p.shape[0]):
                for c in range(p.shape[1]):
                    end = first.get((p.name, r, c), n)
                    if end > 0 and p.roles[r, c] and not _nan(p.values[r, c]):
                        spans.append((0, end, p.name, r, c, p.values[r, c]))
    spans += [(i, end, u.panel, u.row, u.col, u.value) for i, end, u in scene.value_spans() if not _nan(u.value)]
    return spans


def value_text(scene: Scene, g: Geometry, panel: str, row: int, col: int, value: Any) -> tuple[float, float, float,
                                                                                                 str, str]:
    """(x, y, size, text, ink) of a value in a cell.

    >>> import tconv
    >>> scene = tconv.animate(view="scatter", input=[1, 2], weight=[1, 1], values=True)
    >>> x, y, size, text, ink = value_text(scene, geometry(scene), "input", 0, 1, 2.5)
    >>> (x, round(y, 1), size), text, ink
    ((72.0, 115.2, 36), '2.5', '#ffffff')
    """
    x, y, s = cell_box(g, panel, row, col)
    style = cell_style(scene.panel(panel), row, col)
    return x, y, s, format_number(value), ROLE_STYLE["output"][3] if style is None else style[3]


def _nan(v: Any) -> bool:
    return isinstance(v, float | np.floating) and math.isnan(v)


def legend_word(item: str, lang: str = "en") -> str:
    """The legend's word for a role or a mark kind, in the scene's language (tconv.explain.i18n).

    >>> legend_word("zero"), legend_word("zero", "zh"), legend_word("footprint")
    ('inserted zero', '插入的零', 'kernel footprint')
    """
    from ..explain.i18n import render

    return render(f"role.{item}" if item in LEGEND_WORDS else f"mark.{item}", lang, {})
