"""Cell roles: the one source of their words and colours, for walkthroughs (explain), scenes and renderers.

A cell of a drawn or printed grid has a role (an input value, an inserted zero, padding, a cropped output cell...).
Its words, in every language, and its colours live here once; ``tconv.explain.i18n`` builds its ``role.*``
messages from :data:`ROLE_WORDS`, the renderers draw with :data:`ROLE_STYLE`, the HTML and terminal writers
derive their styles from the same entries. This module sits low in the layering (it imports nothing of tconv),
so every layer above may use it.

>>> ROLE_WORDS["zero"]["en"], ROLE_STYLE["input"][0]
('inserted zero', '#1c6fad')
>>> css("pad")
'background:#ffffff;border:1px dashed #93a1a1;color:#002b36'
"""

from __future__ import annotations

__all__ = ["ANSI", "LEGEND_WORDS", "ROLES", "ROLE_STYLE", "ROLE_WORDS", "css"]

#: Every role a cell can have, in legend order.
ROLES = ("input", "zero", "pad", "kernel", "output", "crop", "wrap", "extend", "stamp", "matrix", "empty", "heat")

#: role -> language -> the words a legend uses for it.
ROLE_WORDS: dict[str, dict[str, str]] = {
    "input": {"en": "input", "zh": "输入"},
    "zero": {"en": "inserted zero", "zh": "插入的零"},
    "pad": {"en": "padding", "zh": "填充"},
    "kernel": {"en": "kernel", "zh": "卷积核"},
    "output": {"en": "output", "zh": "输出"},
    "crop": {"en": "cropped by padding", "zh": "被 padding 裁掉"},
    "wrap": {"en": "folded back (padding_mode)", "zh": "加回输出（padding_mode）"},
    "extend": {"en": "kept past the stamps (output_padding)", "zh": "超出放置范围而保留的 output_padding"},
    "stamp": {"en": "stamp", "zh": "放置"},
    "matrix": {"en": "non-zero", "zh": "非零"},
    "empty": {"en": "zero", "zh": "零"},
    "heat": {"en": "taps per cell", "zh": "每格的乘积数"},
}

#: role -> (fill, stroke, dashed, text colour).
#: conv_arithmetic's palette: its bin/produce_figure draws the input in RGB (38, 139, 210) and the output in
#: (42, 161, 152), Solarized blue and cyan, with the kernel's shadow in base02 and dashed base03 grid lines for
#: padding. Numbers are written in the cells here, and on those two neither white nor dark text reaches WCAG AA's
#: 4.5:1, so the fills are the same hues, darker (white text: 5.4:1 on the input, 5.1:1 on the output; over
#: 8:1 under the kernel footprint's shade). Padding and inserted zeros are both dashed, but differ: padding is
#: white with grey dashes, an inserted zero cream with yellow dashes. Every text colour reads at 4.5:1 or more on
#: its fill, and on the footprint-shaded fill for the roles a footprint covers (tests/test_scene_truth.py).
#: The roles conv_arithmetic has no colour for take other Solarized accents.
ROLE_STYLE: dict[str, tuple[str, str, bool, str]] = {
    "input": ("#1c6fad", "#124a75", False, "#ffffff"),
    "zero": ("#fdf6e3", "#b58900", True, "#002b36"),
    "pad": ("#ffffff", "#93a1a1", True, "#002b36"),
    "kernel": ("#b9b5e8", "#6c71c4", False, "#073642"),
    "output": ("#1d7a73", "#13524d", False, "#ffffff"),
    "crop": ("#fdeceb", "#dc322f", True, "#002b36"),
    "wrap": ("#f7e1ee", "#d33682", True, "#002b36"),
    "extend": ("#fcefc4", "#b58900", False, "#002b36"),
    "stamp": ("#d7e3a1", "#859900", False, "#073642"),
    "matrix": ("#eee8d5", "#657b83", False, "#073642"),
    "empty": ("#ffffff", "#eee8d5", False, "#586e75"),
    "heat": ("#ffffff", "#93a1a1", False, "#073642"),
}

#: role -> SGR code for a terminal: the nearest of the 16 terminal colours to ROLE_STYLE's fill (blue input,
#: cyan output, faint empty cells), since a terminal cannot show the hex colours.
ANSI: dict[str, str] = {
    "input": "34;1", "zero": "2", "pad": "2;3", "kernel": "35", "output": "36;1", "crop": "31;9", "wrap": "35;3",
    "extend": "33", "stamp": "32", "matrix": "1", "empty": "2", "heat": "0",
}

#: English legend words, as the renderers draw them.
LEGEND_WORDS: dict[str, str] = {role: words["en"] for role, words in ROLE_WORDS.items()}


def css(role: str) -> str:
    """An inline CSS style for a cell of ``role``, from :data:`ROLE_STYLE` (the HTML writer's cells).

    >>> css("input")
    'background:#1c6fad;border:1px solid #124a75;color:#ffffff'
    """
    fill, stroke, dashed, ink = ROLE_STYLE[role]
    return f"background:{fill};border:1px {'dashed' if dashed else 'solid'} {stroke};color:{ink}"
