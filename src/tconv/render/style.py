"""conv_arithmetic's visual grammar, shared by every renderer: blue input, cyan output, dashed empty cells,
a dark translucent kernel footprint and an orange outline on the cell being computed."""

from __future__ import annotations

# The role words and colours have one source, tconv.roles; the renderers import them from here.
from ..roles import LEGEND_WORDS, ROLE_STYLE

__all__ = ["BACKGROUND", "FOOTPRINT", "HIGHLIGHT", "LEGEND_WORDS", "ROLE_STYLE", "TEXT", "heat_fill", "hex_rgb"]

FOOTPRINT = ("#002b36", 0.45)  # fill, opacity
HIGHLIGHT = "#cb4b16"
TEXT = "#073642"
BACKGROUND = "#ffffff"


def heat_fill(level: float) -> str:
    """Grey level for a heatmap cell: white (0) to near black (1), as in Distill's checkerboard figures."""
    v = round(255 - 215 * max(0.0, min(1.0, level)))
    return f"#{v:02x}{v:02x}{v:02x}"


def hex_rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)
