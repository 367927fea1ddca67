"""GIF and PNG renderers (Pillow, imported here only): the same geometry and grammar as the SVG renderer."""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any

from .._format import format_number
from ..errors import TconvError
from ..scene.model import Frame, Scene
from ..settings import check_memory
from .layout import (
    CAPTION,
    LABEL,
    LEGEND,
    NOTE,
    TITLE,
    VALUE,
    Geometry,
    cell_box,
    cell_style,
    connector,
    frame_values,
    geometry,
    legend_items,
    legend_word,
    mark_order,
    static_values,
)
from .style import BACKGROUND, FOOTPRINT, HIGHLIGHT, ROLE_STYLE, TEXT, hex_rgb

__all__ = ["gif", "png", "render_frame"]


def _pil() -> Any:
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        raise TconvError("GIF and PNG output need Pillow: pip install 'tconv[show]' (or pip install pillow); "
                         "SVG output needs nothing more") from None
    return Image, ImageDraw, ImageFont


@lru_cache(maxsize=32)
def _font(size: int) -> Any:
    _, _, font = _pil()
    return font.load_default(size=max(6, size))


def _dashed_rect(draw: Any, box: tuple[float, float, float, float], color: tuple[int, int, int], dash: float) -> None:
    x0, y0, x1, y1 = box
    for (a, b), horizontal, fixed in (
        ((x0, x1), True, y0),
        ((x0, x1), True, y1),
        ((y0, y1), False, x0),
        ((y0, y1), False, x1),
    ):
        t = a
        while t < b:
            e = min(t + dash, b)
            draw.line([(t, fixed), (e, fixed)] if horizontal else [(fixed, t), (fixed, e)], fill=color, width=1)
            t += dash * 1.8


# Pillow's bundled font has no glyphs for these; SVG keeps the originals.
_ASCII = str.maketrans({"×": "x", "→": "->", "Σ": "sum", "−": "-", "·": "*", "′": "'", "⌊": "floor(", "⌋": ")"})


def _text(draw: Any, xy: tuple[float, float], text: str, size: float, fill: str = TEXT, anchor: str = "ls") -> None:
    draw.text(xy, text.translate(_ASCII), fill=hex_rgb(fill), font=_font(round(size)), anchor=anchor)


def _background(scene: Scene, g: Geometry) -> Any:
    image_mod, draw_mod, _ = _pil()
    u = g.unit
    img = image_mod.new("RGB", (g.width, g.height), hex_rgb(BACKGROUND))
    draw = draw_mod.Draw(img)
    _text(draw, (0.5 * u, g.title_y), scene.title, TITLE * u)
    for p in scene.panels:
        x0, y0 = g.origins[p.name]
        _text(draw, (x0 * u, (y0 - 0.3) * u), p.label, LABEL * u)
        shown = static_values(scene, p)
        for r in range(p.shape[0]):
            for c in range(p.shape[1]):
                style = cell_style(p, r, c)
                if style is None:
                    continue
                fill, stroke, dashed, ink = style
                x, y, s = cell_box(g, p.name, r, c)
                box = (x + 1, y + 1, x + s - 2, y + s - 2)
                if dashed:
                    draw.rectangle(box, fill=hex_rgb(fill))
                    _dashed_rect(draw, box, hex_rgb(stroke), u / 8)
                else:
                    draw.rectangle(box, fill=hex_rgb(fill), outline=hex_rgb(stroke), width=1)
                if shown is not None:
                    _text(draw, (x + s / 2, y + s / 2), format_number(shown[r, c]), VALUE * u, ink, "mm")
    lx = 0.5 * u
    for item in legend_items(scene):
        box = (lx, g.legend_y - 0.3 * u, lx + 0.36 * u, g.legend_y + 0.06 * u)
        if item in ROLE_STYLE:
            fill, stroke, dashed, _ = ROLE_STYLE[item]
            draw.rectangle(box, fill=hex_rgb(fill), outline=None if dashed else hex_rgb(stroke))
            if dashed:
                _dashed_rect(draw, box, hex_rgb(stroke), u / 12)
        elif item == "footprint":
            draw.rectangle(box, fill=_blend(hex_rgb(BACKGROUND), hex_rgb(FOOTPRINT[0]), FOOTPRINT[1]))
        else:
            draw.rectangle(box, outline=hex_rgb(HIGHLIGHT), width=2)
        word = legend_word(item)
        _text(draw, (lx + 0.5 * u, g.legend_y), word, LEGEND * u)
        lx += 0.5 * u + len(word) * 0.56 * LEGEND * u + 0.5 * u
    return img


def _blend(a: tuple[int, int, int], b: tuple[int, int, int], alpha: float) -> tuple[int, int, int]:
    def mix(x: int, y: int) -> int:
        return round(x * (1 - alpha) + y * alpha)

    return mix(a[0], b[0]), mix(a[1], b[1]), mix(a[2], b[2])


def render_frame(scene: Scene, frame: int, base: Any = None) -> Any:
    """One frame as an RGB Pillow image."""
    image_mod, draw_mod, _ = _pil()
    g = geometry(scene)
    u = g.unit
    img = (base if base is not None else _background(scene, g)).copy()
    f: Frame = scene.frames[frame]
    draw = draw_mod.Draw(img)
    for x, y, s, text, ink in frame_values(scene, g, f):
        _text(draw, (x + s / 2, y + s / 2), text, VALUE * u, ink, "mm")
    overlay = image_mod.new("RGBA", img.size, (0, 0, 0, 0))
    odraw = draw_mod.Draw(overlay)
    for m in mark_order(f.marks):
        if m.kind == "footprint":
            x, y, s = cell_box(g, m.panel, m.row, m.col)
            odraw.rectangle(
                (x + 1, y + 1, x + s - 2, y + s - 2), fill=(*hex_rgb(FOOTPRINT[0]), int(255 * FOOTPRINT[1]))
            )
    img = image_mod.alpha_composite(img.convert("RGBA"), overlay).convert("RGB")
    draw = draw_mod.Draw(img)
    for m in mark_order(f.marks):
        x, y, s = cell_box(g, m.panel, m.row, m.col)
        if m.kind == "footprint":
            if m.text is not None:
                _text(draw, (x + s - 3, y + s - 4), m.text, NOTE * u, "#fdf6e3", "rs")
        else:
            draw.rectangle((x + 1.5, y + 1.5, x + s - 2.5, y + s - 2.5), outline=hex_rgb(HIGHLIGHT), width=3)
    for x1, y1, x2, y2 in connector(scene, g, f):
        draw.line([(x1, y1), (x2, y2)], fill=_blend(hex_rgb(BACKGROUND), hex_rgb(HIGHLIGHT), 0.55), width=1)
    _text(draw, (0.5 * u, g.caption_y), f.caption, CAPTION * u)
    return img


def png(scene: Scene, frame: int) -> bytes:
    buf = io.BytesIO()
    render_frame(scene, frame).save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def gif(scene: Scene, frame: int | None = None) -> bytes:
    """All frames (or one), looping forever, ``duration_ms`` each."""
    image_mod, _, _ = _pil()
    geo = geometry(scene)
    indices = range(len(scene.frames)) if frame is None else [frame]
    # Held at once: the palette frames (1 byte a pixel) and Pillow's copies of them while it encodes (measured:
    # 2.1 bytes a pixel a frame at the peak, for 256 frames of 1332 × 860 with Pillow 12), the background and
    # the frame being drawn (RGB).
    pixels = geo.width * geo.height
    check_memory(3 * len(indices) * pixels + 2 * 3 * pixels,
                 f"a GIF of {len(indices)} frame(s) of {geo.width} × {geo.height} pixels")
    base = _background(scene, geo)
    # One shared adaptive palette from the first frame keeps the colours (and the bytes) stable across frames;
    # each frame is reduced to it as soon as it is drawn, so only the 1-byte-a-pixel frames are kept.
    first = render_frame(scene, indices[0], base)
    palette_source = first.quantize(colors=255, method=image_mod.Quantize.MEDIANCUT, dither=image_mod.Dither.NONE)
    frames = [first.quantize(palette=palette_source, dither=image_mod.Dither.NONE)]
    del first
    for i in indices[1:]:
        frames.append(render_frame(scene, i, base).quantize(palette=palette_source, dither=image_mod.Dither.NONE))
    buf = io.BytesIO()
    frames[0].save(
        buf,
        format="GIF",
        save_all=len(frames) > 1,
        append_images=frames[1:],
        duration=scene.duration_ms,
        loop=0,
        optimize=False,
        disposal=1,
    )
    return buf.getvalue()
