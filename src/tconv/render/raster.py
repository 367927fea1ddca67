"""Frames as pixels (Pillow, imported here only), for PNG and for ``render.gif``: the same geometry and grammar as
the SVG renderer.

Frames are drawn in a fixed palette, straight into NumPy arrays of palette indices: the colours of
``tconv.roles`` and ``render.style`` (fills, strokes, text colours, the highlight, the connector), each with its
footprint-shaded twin (the translucent kernel footprint is a lookup table from a colour to its twin), and the
heatmap greys a heatmap uses. Text is drawn without antialiasing (Pillow's one-bit glyph masks, cached), so no
frame ever needs quantising and every pixel is one of the palette's colours.

The painter draws a whole frame, or (for the GIF's later frames) only what changes: the previous frame's marks
and caption are restored from the value layer (the background and the values shown), the values that change are
redrawn cell by cell, then the frame's marks and caption are drawn.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from .._extras import install_hint
from ..errors import TconvError
from ..settings import check_memory
from .layout import (
    CAPTION,
    LABEL,
    LEGEND,
    NOTE,
    SCALE,
    SWATCH,
    TITLE,
    VALUE,
    Geometry,
    Span,
    _nan,
    background_cells,
    background_values,
    cell_box,
    connector,
    geometry,
    heat_levels,
    legend,
    value_spans,
    value_text,
)
from .style import BACKGROUND, FOOTPRINT, HIGHLIGHT, NOTE_BACK, NOTE_INK, ROLE_STYLE, TEXT, heat_fill, hex_rgb

if TYPE_CHECKING:  # the renderers read scenes and build none
    from ..scene.model import Frame, Scene, Window

__all__ = ["Palette", "palette", "png", "render_frame"]

Box = tuple[int, int, int, int]  # x0, y0, x1, y1: pixels, inclusive


def _pil() -> Any:
    try:
        from PIL import GifImagePlugin, Image, ImageDraw, ImageFont
    except ImportError:
        raise TconvError("GIF and PNG output need Pillow (SVG output needs nothing more): "
                         f"{install_hint('show')}") from None
    return Image, ImageDraw, ImageFont, GifImagePlugin


@lru_cache(maxsize=32)
def _font(size: int) -> Any:
    """The bundled font (a subset of Noto Sans CJK SC holding every character tconv draws, both languages) at
    ``size`` pixels, laid out by FreeType alone (the same pixels wherever it runs)."""
    from .fonts import font_path

    font_mod = _pil()[2]
    return font_mod.truetype(str(font_path()), max(6, size), layout_engine=font_mod.Layout.BASIC)


def _blend(a: tuple[int, int, int], b: tuple[int, int, int], alpha: float) -> tuple[int, int, int]:
    def mix(x: int, y: int) -> int:
        return round(x * (1 - alpha) + y * alpha)

    return mix(a[0], b[0]), mix(a[1], b[1]), mix(a[2], b[2])


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


CONNECTOR = _hex(_blend(hex_rgb(BACKGROUND), hex_rgb(HIGHLIGHT), 0.55))
#: The fixed colours, in palette order: every colour a scene can draw except heatmap greys.
BASE_COLOURS: tuple[str, ...] = tuple(dict.fromkeys(
    [BACKGROUND, TEXT, NOTE_INK, NOTE_BACK, HIGHLIGHT, CONNECTOR]
    + [c for style in ROLE_STYLE.values() for c in (style[0], style[1], style[3])]
))


@dataclass(frozen=True)
class Palette:
    """The colours a scene is drawn in (index: RGB), each colour's footprint-shaded twin, and the GIF's spare
    index for transparency. ``size`` is the colour table size (a power of two with room for that index).

    >>> import tconv
    >>> p = palette(tconv.animate(2, 3))        # the fixed colours and their footprint shades
    >>> len(p.colours), p.transparent, p.size
    (47, 47, 64)
    """

    colours: tuple[tuple[int, int, int], ...]
    index: dict[str, int]
    shade: np.ndarray  # uint8 lookup table: index -> the index of the colour under the footprint
    transparent: int
    size: int

    def table(self) -> bytes:
        """The GIF's colour table: RGB bytes of each colour, zero-padded to ``size`` entries.

        >>> import tconv
        >>> p = palette(tconv.animate(2, 3))
        >>> len(p.table()) == 3 * p.size, p.table()[:6]     # white, then the text colour #073642
        (True, b'\\xff\\xff\\xff\\x076B')
        """
        return b"".join(bytes(c) for c in self.colours) + bytes(3 * (self.size - len(self.colours)))


def palette(scene: Scene) -> Palette:
    """The fixed colours, the heatmap greys the scene uses, and (when a frame has a footprint) their shades.

    >>> import tconv
    >>> p = palette(tconv.animate(2, 3))
    >>> p.size, p.colours[p.index["#ffffff"]], p.colours[p.shade[p.index["#ffffff"]]]
    (64, (255, 255, 255), (140, 160, 165))
    """
    names = list(BASE_COLOURS)
    for p in scene.panels:
        if p.heat is not None:
            names += [heat_fill(float(level)) for level in np.unique(p.heat)]
    names += [heat_fill(level) for _, level in heat_levels(scene)]
    names = list(dict.fromkeys(names))
    colours = [hex_rgb(c) for c in names]
    index = {c: i for i, c in enumerate(names)}
    shade = np.arange(256, dtype=np.uint8)
    if any(f.window is not None for f in scene.frames):
        dark = hex_rgb(FOOTPRINT[0])
        for i, rgb in enumerate(list(colours)):
            twin = _blend(rgb, dark, FOOTPRINT[1])
            if twin not in colours:
                colours.append(twin)
            shade[i] = colours.index(twin)
        for i in range(len(names), len(colours)):
            shade[i] = i  # shading is not compounded: overlapping footprints shade once
    if len(colours) > 255:
        raise TconvError(f"the picture needs {len(colours)} colours; a GIF or PNG palette holds 255 (and transparency)")
    size = 1 << max(1, math.ceil(math.log2(len(colours) + 1)))
    return Palette(tuple(colours), index, shade, len(colours), size)


def _r(v: float) -> int:
    return math.floor(v + 0.5)


def _clip(box: Box, shape: tuple[int, ...]) -> Box | None:
    x0, y0, x1, y1 = max(box[0], 0), max(box[1], 0), min(box[2], shape[1] - 1), min(box[3], shape[0] - 1)
    return (x0, y0, x1, y1) if x0 <= x1 and y0 <= y1 else None


def _fill(a: np.ndarray, box: Box, ink: int) -> None:
    b = _clip(box, a.shape)
    if b is not None:
        a[b[1]: b[3] + 1, b[0]: b[2] + 1] = ink


def _outline(a: np.ndarray, box: Box, ink: int, width: int = 1) -> None:
    x0, y0, x1, y1 = box
    for k in range(width):
        _fill(a, (x0 + k, y0 + k, x1 - k, y0 + k), ink)
        _fill(a, (x0 + k, y1 - k, x1 - k, y1 - k), ink)
        _fill(a, (x0 + k, y0 + k, x0 + k, y1 - k), ink)
        _fill(a, (x1 - k, y0 + k, x1 - k, y1 - k), ink)


def _dashed(a: np.ndarray, box: Box, ink: int, dash: float) -> None:
    x0, y0, x1, y1 = box
    for lo, hi, horizontal, fixed in ((x0, x1, True, y0), (x0, x1, True, y1), (y0, y1, False, x0),
                                      (y0, y1, False, x1)):
        t = float(lo)
        while t < hi:
            e = min(t + dash, hi)
            s0, s1 = _r(t), _r(e)
            _fill(a, (s0, fixed, s1, fixed) if horizontal else (fixed, s0, fixed, s1), ink)
            t += dash * 1.8


def _line(a: np.ndarray, x0: float, y0: float, x1: float, y1: float, ink: int) -> Box:
    n = max(abs(_r(x1) - _r(x0)), abs(_r(y1) - _r(y0))) + 1
    xs = np.floor(np.linspace(x0, x1, n) + 0.5).astype(np.intp)
    ys = np.floor(np.linspace(y0, y1, n) + 0.5).astype(np.intp)
    keep = (xs >= 0) & (xs < a.shape[1]) & (ys >= 0) & (ys < a.shape[0])
    a[ys[keep], xs[keep]] = ink
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def _shade(a: np.ndarray, box: Box, lut: np.ndarray) -> None:
    b = _clip(box, a.shape)
    if b is not None:
        region = a[b[1]: b[3] + 1, b[0]: b[2] + 1]
        region[...] = lut[region]


@lru_cache(maxsize=4096)
def _glyphs(text: str, size: int, anchor: str, fx: float, fy: float) -> tuple[int, int, np.ndarray] | None:
    """The one-bit mask of ``text`` drawn at (fx, fy) in [0, 1)², and its corner relative to (0, 0): so the same
    text at the same sub-pixel offset is the same stamp wherever it goes."""
    image_mod, draw_mod, _, _ = _pil()
    font = _font(size)
    left, top, right, bottom = font.getbbox(text, anchor=anchor)
    # FreeType's hinted advances can draw a line a little wider than getbbox says (a quarter pixel a glyph at
    # small sizes): room on both sides, then the mask is cropped to its ink
    pad = 3 + size // 4 + len(text) // 2
    img = image_mod.new("1", (right - left + 2 * pad + 1, bottom - top + 2 * pad + 1), 0)
    draw_mod.Draw(img).text((fx - left + pad, fy - top + pad), text, fill=1, font=font, anchor=anchor)
    mask = np.asarray(img, dtype=bool)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    mask = mask[rows[0]: rows[-1] + 1, cols[0]: cols[-1] + 1].copy()
    return left - pad + int(cols[0]), top - pad + int(rows[0]), mask


def _stamp(xy: tuple[float, float], text: str, size: float, anchor: str) -> tuple[int, int, np.ndarray] | None:
    x, y = xy
    fx, fy = math.floor(x), math.floor(y)
    glyphs = _glyphs(text, round(size), anchor, round(x - fx, 3), round(y - fy, 3))
    if glyphs is None:
        return None
    dx, dy, mask = glyphs
    return fx + dx, fy + dy, mask


def _text(a: np.ndarray, xy: tuple[float, float], text: str, size: float, ink: int, anchor: str = "ls",
          clip: Box | None = None, keep: int | None = None) -> Box | None:
    """Draw text (its pixels only) and return its box; ``clip`` keeps it inside a box (a cell); pixels of colour
    ``keep`` (a note's tab) are left as they are."""
    stamp = _stamp(xy, text, size, anchor)
    if stamp is None:
        return None
    x0, y0, mask = stamp
    box = (x0, y0, x0 + mask.shape[1] - 1, y0 + mask.shape[0] - 1)
    b = _clip(box if clip is None else (max(box[0], clip[0]), max(box[1], clip[1]), min(box[2], clip[2]),
                                        min(box[3], clip[3])), a.shape)
    if b is None:
        return None
    part = mask[b[1] - y0: b[3] - y0 + 1, b[0] - x0: b[2] - x0 + 1]
    target = a[b[1]: b[3] + 1, b[0]: b[2] + 1]
    if keep is not None:
        part = part & (target != keep)
    target[part] = ink
    return b


@lru_cache(maxsize=1024)
def _advance(word: str, size: int) -> float:
    return float(_font(size).getlength(word))


def _words(text: str, x: float, size: float) -> list[tuple[int, str]]:
    """A line of text as words at whole-pixel positions (each after the ink of the one before): a caption changes
    a few words from frame to frame, and each word's glyphs are drawn once (cached) instead of the whole line."""
    out, size_px, at = [], round(size), x
    space = _advance(" ", size_px)
    for word in text.split(" "):
        if word:
            out.append((_r(at), word))
            at += max(_advance(word, size_px), _drawn(word, size_px))
        at += space
    return out


@lru_cache(maxsize=1024)
def _drawn(word: str, size: int) -> float:
    """How far right of its origin a word's ink reaches (hinting can make it more than its advance)."""
    g = _glyphs(word, size, "ls", 0.0, 0.0)
    return 0.0 if g is None else float(g[0] + g[2].shape[1] + 1)


def _caption(a: np.ndarray | None, shape: tuple[int, ...], xy: tuple[float, float], text: str, size: float,
             ink: int) -> Box | None:
    """Draw a caption word by word (into ``a`` unless None) and return the box it covers."""
    boxes = []
    for x, word in _words(text, xy[0], size):
        box = _text_box(shape, (x, xy[1]), word, size) if a is None else _text(a, (x, xy[1]), word, size, ink)
        if box is not None:
            boxes.append(box)
    return _union(boxes)


def _text_box(shape: tuple[int, ...], xy: tuple[float, float], text: str, size: float,
              anchor: str = "ls") -> Box | None:
    stamp = _stamp(xy, text, size, anchor)
    if stamp is None:
        return None
    x0, y0, mask = stamp
    return _clip((x0, y0, x0 + mask.shape[1] - 1, y0 + mask.shape[0] - 1), shape)


class _Painter:
    """Draws a scene's background, values and frames into index arrays; every drawing stays inside the boxes
    it reports, which is what lets a frame be drawn by restoring and redrawing only those."""

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.g: Geometry = geometry(scene)
        self.pal = palette(scene)
        self.shape = (self.g.height, self.g.width)
        self.spans = value_spans(scene)
        #: footprint masks by (panel, step, shape), and note pixels by that and the notes: for this rendering only
        self.shades: dict[tuple[str, tuple[int, int], tuple[int, int]], np.ndarray] = {}
        self.notes: dict[tuple[tuple[str, tuple[int, int], tuple[int, int]], tuple[str | None, ...]],
                         tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]] = {}
        #: the values each cell shows, for redrawing them over the footprint's shade: spans by cell, static values
        self.by_cell: dict[tuple[str, int, int], list[Span]] = {}
        for span in self.spans:
            self.by_cell.setdefault((span[2], span[3], span[4]), []).append(span)
        self.static = {p.name: background_values(scene, p) for p in scene.panels}

    def ink(self, colour: str) -> int:
        return self.pal.index[colour]

    def cell(self, panel: str, row: int, col: int) -> tuple[int, int, int]:
        x, y, s = cell_box(self.g, panel, row, col)
        return _r(x), _r(y), int(s)

    def inner(self, panel: str, row: int, col: int) -> Box:
        """Inside a cell's outline: where its value is drawn (and clipped)."""
        x, y, s = self.cell(panel, row, col)
        return x + 2, y + 2, x + s - 3, y + s - 3

    def background(self) -> np.ndarray:
        scene, g, u = self.scene, self.g, self.g.unit
        a = np.full(self.shape, self.ink(BACKGROUND), dtype=np.uint8)
        _text(a, (0.5 * u, g.title_y), scene.title, TITLE * u, self.ink(TEXT))
        for p in scene.panels:
            x0, y0 = g.origins[p.name]
            _text(a, (x0 * u, (y0 - 0.3) * u), p.label, LABEL * u, self.ink(TEXT))
            for cell in background_cells(scene, g, p):
                x, y, s = _r(cell.x), _r(cell.y), int(cell.size)  # as self.cell rounds them
                box = (x + 1, y + 1, x + s - 2, y + s - 2)
                _fill(a, box, self.ink(cell.fill))
                if cell.dashed:
                    _dashed(a, box, self.ink(cell.stroke), u / 8)
                else:
                    _outline(a, box, self.ink(cell.stroke))
                if cell.shows_value:
                    self.value(a, (0, 0, p.name, cell.row, cell.col, cell.value), cell.ink)
        for item in legend(scene, u):
            lx = item.x
            box = (_r(lx), _r(g.legend_y - 0.3 * u), _r(lx + SWATCH * u), _r(g.legend_y + 0.06 * u))
            if item.item == "heat":
                pass  # its colour scale follows the word
            elif item.item in ROLE_STYLE:
                fill, stroke, dashed, _ = ROLE_STYLE[item.item]
                _fill(a, box, self.ink(fill))
                if dashed:
                    _dashed(a, box, self.ink(stroke), u / 12)
                else:
                    _outline(a, box, self.ink(stroke))
            elif item.item == "footprint":
                _fill(a, box, int(self.pal.shade[self.ink(BACKGROUND)]))
            else:
                _outline(a, box, self.ink(HIGHLIGHT), 2)
            _text(a, (item.x if item.item == "heat" else item.text_x, g.legend_y), item.word, LEGEND * u,
                  self.ink(TEXT))
            for sx, number, fill, ink in item.scale:
                top = g.legend_y - 0.42 * u
                sq = (_r(sx), _r(top), _r(sx + SCALE * u) - 1, _r(top + SCALE * u) - 1)
                _fill(a, sq, self.ink(fill))
                _outline(a, sq, self.ink(ROLE_STYLE["heat"][1]))
                _text(a, ((sq[0] + sq[2] + 1) / 2, (sq[1] + sq[3] + 1) / 2), number, LEGEND * u, self.ink(ink), "mm")
        return a

    def value(self, a: np.ndarray, span: Span, ink_colour: str | None = None, keep: Any = None) -> None:
        _, _, panel, row, col, v = span
        x, y, s, text, ink = value_text(self.scene, self.g, panel, row, col, v)
        xi, yi = _r(x), _r(y)
        _text(a, (xi + s / 2, yi + s / 2), text, VALUE * self.g.unit, self.ink(ink_colour or ink), "mm",
              clip=self.inner(panel, row, col), keep=None if keep is None else self.ink(NOTE_BACK))

    def values_at(self, a: np.ndarray, frame: int) -> None:
        for span in self.spans:
            if span[0] <= frame < span[1]:
                self.value(a, span)

    def window_box(self, w: Window) -> Box:
        x0, y0, _ = self.cell(w.panel, w.row, w.col)
        rows, cols = w.shape
        x1, y1, s = self.cell(w.panel, w.row + (rows - 1) * w.step[0], w.col + (cols - 1) * w.step[1])
        return x0 + 1, y0 + 1, x1 + s - 2, y1 + s - 2

    def shown_value(self, index: int, panel: str, row: int, col: int) -> Span | None:
        """What a cell shows at frame ``index`` (a span; None when it shows no number)."""
        for span in self.by_cell.get((panel, row, col), ()):
            if span[0] <= index < span[1]:
                return span
        static = self.static.get(panel)
        if static is None:
            return None
        return 0, len(self.scene.frames), panel, row, col, static[row, col]

    def footprint(self, w: Window) -> tuple[np.ndarray, tuple[tuple[np.ndarray, np.ndarray],
                                                             tuple[np.ndarray, np.ndarray]] | None]:
        """The window's shaded pixels (a mask over its box) and its notes' pixels (their rows and columns in the
        box): the same for every frame with the same step, shape and notes (a panel's cells are whole pixels
        apart), so they are drawn once. Notes vary per stamp in the scatter view: only their few pixels are kept
        (the dark tab under each note, then the note's own), for at most 64 sets of notes."""
        key = (w.panel, w.step, w.shape)
        if key not in self.shades:
            self.shades[key] = self._mask(w, ())
        if not w.notes:
            return self.shades[key], None
        notes = tuple(w.note(tap) for _, _, tap in w.cells())
        if (key, notes) not in self.notes:
            if len(self.notes) >= 64:
                self.notes.clear()
            mask = self._mask(w, notes)
            tab, ink = np.nonzero(mask == 2), np.nonzero(mask == 1)
            self.notes[key, notes] = ((tab[0].astype(np.intp), tab[1].astype(np.intp)),
                                      (ink[0].astype(np.intp), ink[1].astype(np.intp)))
        return self.shades[key], self.notes[key, notes]

    def _mask(self, w: Window, notes: tuple[str | None, ...]) -> np.ndarray:
        """The footprint's cells (no notes: a boolean mask over the window's box), or its notes (1: a note's
        pixels, 2: the tab under it, 0: neither)."""
        u = self.g.unit
        w0 = replace(w, row=0, col=0, taps=np.zeros(w.shape), notes=False, scale=None)
        x0, y0, x1, y1 = self.window_box(w0)
        mask = np.zeros((y1 - y0 + 1, x1 - x0 + 1), dtype=np.uint8)
        for k, (r, c, _) in enumerate(w0.cells()):
            x, y, s = self.cell(w.panel, r, c)
            if not notes:
                mask[y + 1 - y0: y + s - 1 - y0, x + 1 - x0: x + s - 1 - x0] = 1
            elif notes[k] is not None:
                inner = (x + 1 - x0, y + 1 - y0, x + s - 2 - x0, y + s - 2 - y0)
                box = _text(mask, (x - x0 + s - 3, y - y0 + s - 4), str(notes[k]), NOTE * u, 1, "rs", clip=inner)
                if box is not None:
                    tab = _clip((max(box[0] - 2, inner[0]), max(box[1] - 2, inner[1]), min(box[2] + 1, inner[2]),
                                 min(box[3] + 1, inner[3])), mask.shape)
                    if tab is not None:
                        region = mask[tab[1]: tab[3] + 1, tab[0]: tab[2] + 1]
                        region[region == 0] = 2
        return mask if notes else mask.astype(bool)

    def overlay_boxes(self, frame: Frame) -> list[Box]:
        """Every box the frame's window, highlight, connector and caption draw in (clipped to the canvas)."""
        boxes: list[Box | None] = []
        if frame.window is not None:
            boxes.append(_clip(self.window_box(frame.window), self.shape))
        if frame.highlight is not None:
            x, y, s = self.cell(frame.highlight.panel, frame.highlight.row, frame.highlight.col)
            boxes.append(_clip((x + 1, y + 1, x + s - 2, y + s - 2), self.shape))
        for x1, y1, x2, y2 in connector(self.scene, self.g, frame):
            boxes.append(_clip((_r(min(x1, x2)), _r(min(y1, y2)), _r(max(x1, x2)), _r(max(y1, y2))), self.shape))
        u = self.g.unit
        boxes.append(_caption(None, self.shape, (0.5 * u, self.g.caption_y), frame.caption, CAPTION * u, 0))
        return [b for b in boxes if b is not None]

    def overlay(self, a: np.ndarray, index: int) -> None:
        """The frame's marks (the footprint shading, its notes on their tabs, the numbers under it redrawn over the
        shade so they keep their contrast, the highlight), connector lines and caption."""
        u = self.g.unit
        frame = self.scene.frames[index]
        w = frame.window
        if w is not None:
            shade, notes = self.footprint(w)
            x0, y0, x1, y1 = self.window_box(w)
            region = a[y0: y1 + 1, x0: x1 + 1]
            region[shade] = self.pal.shade[region[shade]]
            if notes is not None:
                region[notes[0]] = self.ink(NOTE_BACK)
                region[notes[1]] = self.ink(NOTE_INK)
            rows, cols = self.scene.panel(w.panel).shape
            for r, c, _ in w.cells():
                span = self.shown_value(index, w.panel, r, c) if 0 <= r < rows and 0 <= c < cols else None
                if span is not None and not _nan(span[5]):
                    self.value(a, span, keep=notes)
        if frame.highlight is not None:
            x, y, side = self.cell(frame.highlight.panel, frame.highlight.row, frame.highlight.col)
            _outline(a, (x + 2, y + 2, x + side - 3, y + side - 3), self.ink(HIGHLIGHT), 3)
        for ax, ay, bx, by in connector(self.scene, self.g, frame):
            _line(a, ax, ay, bx, by, self.ink(CONNECTOR))
        _caption(a, self.shape, (0.5 * u, self.g.caption_y), frame.caption, CAPTION * u, self.ink(TEXT))

    def frame(self, index: int, base: np.ndarray | None = None) -> np.ndarray:
        """One whole frame: the background, the values shown at that frame, the frame's overlay."""
        a = (self.background() if base is None else base).copy()
        self.values_at(a, index)
        self.overlay(a, index)
        return a


def render_frame(scene: Scene, frame: int) -> Any:
    """One whole frame as a Pillow image in the scene's palette (mode "P"): what every GIF frame decodes to.

    >>> import tconv
    >>> image = render_frame(tconv.animate(2, 2), 0)
    >>> image.mode, image.size, image.getpixel((0, 0))      # the background is palette colour 0, white
    ('P', (758, 454), 0)
    """
    image_mod = _pil()[0]
    painter = _Painter(scene)
    check_memory(3 * painter.shape[0] * painter.shape[1],
                 f"a frame of {painter.shape[1]} × {painter.shape[0]} pixels")
    img = image_mod.fromarray(painter.frame(frame)).convert("P")
    img.putpalette(painter.pal.table())
    return img


def png(scene: Scene, frame: int) -> bytes:
    """One frame as the bytes of a PNG file (needs Pillow).

    >>> import io, tconv
    >>> from PIL import Image
    >>> data = png(tconv.animate(2, 2), 0)
    >>> data[:8], Image.open(io.BytesIO(data)).size
    (b'\\x89PNG\\r\\n\\x1a\\n', (758, 454))
    """
    buf = io.BytesIO()
    render_frame(scene, frame).save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def _union(boxes: Iterable[Box]) -> Box | None:
    boxes = list(boxes)
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
