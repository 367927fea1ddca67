"""conv_arithmetic's visual grammar, shared by every renderer: blue input, cyan output, dashed empty cells,
a dark translucent kernel footprint and an orange outline on the cell being computed."""

from __future__ import annotations

# role: (fill, stroke, dashed, text colour)  -- Solarized, as in conv_arithmetic's TikZ templates
ROLE_STYLE = {
    "input": ("#268bd2", "#1a5f91", False, "#ffffff"),
    "zero": ("#ffffff", "#93a1a1", True, "#93a1a1"),
    "pad": ("#ffffff", "#93a1a1", True, "#93a1a1"),
    "output": ("#2aa198", "#1c6e68", False, "#ffffff"),
    "crop": ("#fbe3e1", "#dc322f", True, "#b58900"),
    "extend": ("#f5d76e", "#b58900", False, "#073642"),
    "kernel": ("#b9b5e8", "#6c71c4", False, "#073642"),
    "heat": ("#ffffff", "#93a1a1", False, "#073642"),
}
FOOTPRINT = ("#002b36", 0.45)  # fill, opacity
HIGHLIGHT = "#cb4b16"
TEXT = "#073642"
BACKGROUND = "#ffffff"
LEGEND_WORDS = {
    "input": "input", "zero": "inserted zero", "pad": "padding", "output": "output", "crop": "cropped by padding",
    "extend": "kept past the stamps (output_padding)", "kernel": "kernel", "heat": "taps per cell",
}


def heat_fill(level: float) -> str:
    """Grey level for a heatmap cell: white (0) to near black (1), as in Distill's checkerboard figures."""
    v = int(round(255 - 215 * max(0.0, min(1.0, level))))
    return f"#{v:02x}{v:02x}{v:02x}"


def hex_rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)
