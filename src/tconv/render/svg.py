"""SVG renderer (standard library only): a still frame, or all frames in one looping SVG (SMIL, discrete).

Every cell is a ``rect`` with ``id="{panel}-{row}-{col}"`` (its place in the panel's grid) and ``data-role``;
a cell that holds an element of the input, the weight or the output also has ``data-index``, that element's true
index ("2,0"; "3" in 1-D); an inserted zero has ``data-between``, the indices of the input elements it sits
between ("0,0;0,1"); the flipped kernel's cells have ``data-flipped="true"`` (their index is the weight's).
Frames are ``<g class="frame">`` with their marks and caption. The SVG follows the scene: the background (cells,
static values, legend) once, then one group per frame, then each value the frames set once, as a
``<text class="value" data-from="i" data-until="j">`` shown for frames i..j−1 (after the frames, so a number is
drawn over the footprint's shade, not under it). Written a frame at a time (a generator of chunks). The root has
the picture's natural size in pixels (``width``, ``height``: ``cell_size`` pixels a cell) and a ``viewBox``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from .._format import format_number
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
    background_cells,
    cell_box,
    connector,
    ems,
    geometry,
    legend,
    mark_order,
    value_spans,
    value_text,
)
from .style import BACKGROUND, FONT_FAMILY, FOOTPRINT, HIGHLIGHT, NOTE_BACK, NOTE_INK, ROLE_STYLE, TEXT

if TYPE_CHECKING:  # the renderers read scenes and build none
    from ..scene.model import Frame, Panel, Scene

__all__ = ["animated", "chunks", "still"]


def _num(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, text: str, size: float, fill: str = TEXT, anchor: str = "start", weight: str = "normal",
          cls: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return (f'<text{c} x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" fill="{fill}" text-anchor="{anchor}" '
            f'font-weight="{weight}">{escape(text)}</text>')


def _background(scene: Scene, g: Geometry) -> list[str]:
    u = g.unit
    out = [f'<rect width="{g.width}" height="{g.height}" fill="{BACKGROUND}"/>',
           _text(0.5 * u, g.title_y, scene.title, TITLE * u, weight="bold", cls="title")]
    for p in scene.panels:
        x0, y0 = g.origins[p.name]
        out.append(_text(x0 * u, (y0 - 0.3) * u, p.label, LABEL * u, cls="label"))
        for cell in background_cells(scene, g, p):
            r, c, x, y, s = cell.row, cell.col, cell.x, cell.y, cell.size
            dash = f' stroke-dasharray="{_num(u / 8)},{_num(u / 10)}"' if cell.dashed else ""
            out.append(f'<rect id="{p.name}-{r}-{c}" class="cell" data-role="{p.roles[r, c]}"{_truth(p, r, c)} '
                       f'x="{_num(x + 1)}" y="{_num(y + 1)}" width="{_num(s - 2)}" height="{_num(s - 2)}" '
                       f'fill="{cell.fill}" stroke="{cell.stroke}" stroke-width="1.5"{dash}/>')
            if cell.shows_value:
                out.append(_text(x + s / 2, y + s / 2 + VALUE * u / 3, format_number(cell.value), VALUE * u,
                                 cell.ink, "middle", cls="value"))
    for item in legend(scene, u):
        box = (f'x="{_num(item.x)}" y="{_num(g.legend_y - 0.3 * u)}" width="{_num(SWATCH * u)}" '
               f'height="{_num(SWATCH * u)}"')
        if item.item == "heat":
            swatch = ""
        elif item.item in ROLE_STYLE:
            fill, stroke, dashed, _ = ROLE_STYLE[item.item]
            dash = f' stroke-dasharray="{_num(u / 12)},{_num(u / 14)}"' if dashed else ""
            swatch = f'<rect {box} fill="{fill}" stroke="{stroke}"{dash}/>'
        elif item.item == "footprint":
            swatch = f'<rect {box} fill="{FOOTPRINT[0]}" fill-opacity="{FOOTPRINT[1]}"/>'
        else:
            swatch = f'<rect {box} fill="none" stroke="{HIGHLIGHT}" stroke-width="2"/>'
        scale = "".join(
            f'<rect class="scale" x="{_num(sx)}" y="{_num(g.legend_y - 0.42 * u)}" width="{_num(SCALE * u)}" '
            f'height="{_num(SCALE * u)}" fill="{fill}" stroke="{ROLE_STYLE["heat"][1]}"/>'
            + _text(sx + SCALE * u / 2, g.legend_y - 0.12 * u + LEGEND * u / 3, number, LEGEND * u, ink, "middle")
            for sx, number, fill, ink in item.scale)
        text_x = item.x if item.item == "heat" else item.text_x
        out.append(f'<g class="legend-item" data-role="{item.item}">{swatch}'
                   + _text(text_x, g.legend_y, item.word, LEGEND * u) + scale + "</g>")
    return out


def _truth(panel: Panel, row: int, col: int) -> str:
    """The attributes that say what a cell truly holds: its element's index, the elements an inserted zero sits
    between, whether the kernel shown is flipped."""
    index, between = panel.index(row, col), panel.between(row, col)
    return ((f' data-index="{index}"' if index is not None else "")
            + (f' data-between="{between}"' if between is not None else "")
            + (' data-flipped="true"' if panel.flipped else ""))


def _value(scene: Scene, g: Geometry, span: Span, animated: bool) -> str:
    first, end, panel, row, col, value = span
    x, y, s, text, ink = value_text(scene, g, panel, row, col, value)
    u = g.unit
    element = _text(x + s / 2, y + s / 2 + VALUE * u / 3, text, VALUE * u, ink, "middle", cls="value")
    if not animated:
        return element
    n = len(scene.frames)
    total = f"{n * scene.duration_ms / 1000:g}s"
    if first == 0 and end == n:
        anim = ""
    else:
        if first == 0:
            values, times = "visible;hidden", f"0;{end / n:.6g}"
        elif end == n:
            values, times = "hidden;visible", f"0;{first / n:.6g}"
        else:
            values, times = "hidden;visible;hidden", f"0;{first / n:.6g};{end / n:.6g}"
        anim = (f'<animate attributeName="visibility" values="{values}" keyTimes="{times}" dur="{total}" '
                f'calcMode="discrete" repeatCount="indefinite"/>')
    vis = "visible" if first == 0 else "hidden"
    head = f'<text class="value" data-from="{first}" data-until="{end}" visibility="{vis}"'
    return element.replace('<text class="value"', head, 1).removesuffix("</text>") + anim + "</text>"


def _frame(scene: Scene, g: Geometry, frame: Frame) -> list[str]:
    u = g.unit
    out = []
    for m in mark_order(frame.marks):
        x, y, s = cell_box(g, m.panel, m.row, m.col)
        if m.kind == "footprint":
            out.append(
                f'<rect class="footprint" data-panel="{m.panel}" x="{_num(x + 1)}" y="{_num(y + 1)}" '
                f'width="{_num(s - 2)}" height="{_num(s - 2)}" fill="{FOOTPRINT[0]}" fill-opacity="{FOOTPRINT[1]}"/>'
            )
            if m.text is not None:
                tab = ems(m.text) * NOTE * u + 3
                out.append(f'<rect class="note-tab" x="{_num(x + s - 2 - tab)}" y="{_num(y + s - 3 - NOTE * u)}" '
                           f'width="{_num(tab)}" height="{_num(NOTE * u + 1)}" fill="{NOTE_BACK}"/>')
                out.append(_text(x + s - 3, y + s - 4, m.text, NOTE * u, NOTE_INK, "end", cls="note"))
        else:
            out.append(
                f'<rect class="highlight" data-panel="{m.panel}" x="{_num(x + 1.5)}" y="{_num(y + 1.5)}" '
                f'width="{_num(s - 3)}" height="{_num(s - 3)}" fill="none" stroke="{HIGHLIGHT}" stroke-width="3"/>'
            )
    for x1, y1, x2, y2 in connector(scene, g, frame):
        out.append(
            f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" stroke="{HIGHLIGHT}" '
            f'stroke-opacity="0.55" stroke-dasharray="4,3"/>'
        )
    out.append(_text(0.5 * u, g.caption_y, frame.caption, CAPTION * u, cls="caption"))
    return out


def _head(scene: Scene, g: Geometry) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{g.width}" height="{g.height}" '
        f'viewBox="0 0 {g.width} {g.height}" font-family="{FONT_FAMILY}" data-cell="{g.unit}" '
        f'data-frames="{len(scene.frames)}" data-view={quoteattr(str(scene.params.get("view", "")))} '
        f'data-lang="{scene.lang}" data-still="{scene.still_frame()}">\n'
        f"<title>{escape(scene.title)}</title>\n"
    )


def chunks(scene: Scene, frame: int | None) -> Iterator[str]:
    """The SVG text in pieces: the head and background, the values, then a frame at a time (all frames, looping,
    when ``frame`` is None; else that frame alone, static).

    >>> import tconv
    >>> [chunk[:28] for chunk in chunks(tconv.animate(2, 2), 0)]
    ['<svg xmlns="http://www.w3.or', '<g class="frame" data-frame=', '\\n', '</svg>\\n']
    """
    g = geometry(scene)
    yield _head(scene, g) + "\n".join(_background(scene, g)) + "\n"
    spans = value_spans(scene)
    if frame is not None:
        shown = [sp for sp in spans if sp[0] <= frame < sp[1]]
        yield "\n".join([f'<g class="frame" data-frame="{frame}">', *_frame(scene, g, scene.frames[frame]), "</g>"])
        yield "\n" + "".join(_value(scene, g, sp, False) + "\n" for sp in shown)
        yield "</svg>\n"
        return
    n = len(scene.frames)
    total = f"{n * scene.duration_ms / 1000:g}s"
    for i, f in enumerate(scene.frames):
        if n == 1:
            anim = ""
        elif i == 0:
            anim = (
                f'<animate attributeName="visibility" values="visible;hidden" keyTimes="0;{1 / n:.6g}" '
                f'dur="{total}" calcMode="discrete" repeatCount="indefinite"/>'
            )
        else:
            anim = (
                f'<animate attributeName="visibility" values="hidden;visible;hidden" '
                f'keyTimes="0;{i / n:.6g};{(i + 1) / n:.6g}" dur="{total}" calcMode="discrete" '
                f'repeatCount="indefinite"/>'
            )
        vis = "visible" if i == 0 else "hidden"
        yield "\n".join([f'<g class="frame" data-frame="{i}" visibility="{vis}">{anim}', *_frame(scene, g, f), "</g>"])
        yield "\n"
    yield "".join(_value(scene, g, sp, True) + "\n" for sp in spans)
    yield "</svg>\n"


def still(scene: Scene, frame: int) -> str:
    """One frame as a static SVG.

    >>> import tconv
    >>> svg = still(tconv.animate(2, 2), 4)
    >>> svg.count('<g class="frame"'), '<g class="frame" data-frame="4">' in svg, "<animate" in svg
    (1, True, False)
    """
    return "".join(chunks(scene, frame))


def animated(scene: Scene) -> str:
    """All frames in one SVG, each shown for ``duration_ms`` in turn, looping forever (SMIL discrete animation).

    >>> import tconv
    >>> svg = animated(tconv.animate(2, 2, duration_ms=500))     # 9 frames of 0.5 s
    >>> svg.count('<g class="frame"'), svg.count('dur="4.5s"')
    (9, 9)
    """
    return "".join(chunks(scene, None))
