"""conv_arithmetic's visual grammar, shared by every renderer: blue input, cyan output, dashed empty cells,
a dark translucent kernel footprint and an orange outline on the cell being computed."""

from __future__ import annotations

# The role words and colours have one source, tconv.roles; the renderers import them from here.
from ..roles import LEGEND_WORDS, ROLE_STYLE

__all__ = ["BACKGROUND", "FONT_FAMILY", "FOOTPRINT", "HIGHLIGHT", "LEGEND_WORDS", "NOTE_BACK", "NOTE_INK", "ROLE_STYLE",
           "TEXT", "contrast", "heat_fill", "heat_ink", "hex_rgb", "luminance"]

FOOTPRINT = ("#002b36", 0.45)  # fill, opacity
HIGHLIGHT = "#cb4b16"
TEXT = "#073642"
BACKGROUND = "#ffffff"


#: The note of a footprint cell (the kernel value at that tap) is drawn in NOTE_INK on a NOTE_BACK tab, so it reads
#: on any cell, shaded or not.
NOTE_INK = "#fdf6e3"
NOTE_BACK = "#002b36"
#: SVG text: Latin fonts first, then CJK fonts (Chinese scenes), then any sans-serif.
FONT_FAMILY = ("'DejaVu Sans', Helvetica, Arial, 'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei', "
               "'PingFang SC', 'Microsoft YaHei', sans-serif")


def heat_fill(level: float) -> str:
    """Grey level for a heatmap cell: white (0) to near black (1), as in Distill's checkerboard figures. The middle
    greys are skipped (0.5 jumps from #afafaf to #6e6e6e): on those neither dark nor white numbers reach a contrast
    of 4.5:1.

    >>> heat_fill(0), heat_fill(0.5), heat_fill(0.51), heat_fill(1)
    ('#ffffff', '#afafaf', '#6d6d6d', '#282828')
    """
    level = max(0.0, min(1.0, level))
    v = 255 - round(160 * level) if level <= 0.5 else 110 - round(140 * (level - 0.5))
    return f"#{v:02x}{v:02x}{v:02x}"


def heat_ink(level: float) -> str:
    """The text colour on :func:`heat_fill` (level): dark on the light half, white on the dark half.

    >>> heat_ink(0.2), heat_ink(0.8)
    ('#073642', '#ffffff')
    """
    return TEXT if level <= 0.5 else "#ffffff"


def luminance(color: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour.

    >>> luminance("#ffffff"), luminance("#000000"), round(luminance(HIGHLIGHT), 3)
    (1.0, 0.0, 0.178)
    """
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in hex_rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours, 1 to 21 (AA asks 4.5 for text).

    >>> round(contrast("#ffffff", "#000000"), 1)
    21.0
    """
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def hex_rgb(color: str) -> tuple[int, int, int]:
    """The (red, green, blue) bytes of a #rrggbb colour.

    >>> hex_rgb(HIGHLIGHT)
    (203, 75, 22)
    """
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)
