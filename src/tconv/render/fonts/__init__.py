"""The font GIF and PNG text is drawn with: a subset of Noto Sans CJK SC (SIL Open Font License 1.1), holding
every character tconv draws, in English and Chinese. ``scripts/make_font.py`` regenerates it; README.md here says
where it comes from, OFL.txt is its licence. SVG names font families instead (the viewer's fonts draw it).

>>> "输" in drawn_characters() and "→" in drawn_characters()
True
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

__all__ = ["EXTRA_CHARS", "FAMILY", "FONT_FILE", "WIDTHS_FILE", "advance_widths", "drawn_characters", "font_path"]

FONT_FILE = "TconvSans-Regular.ttf"
#: Each character's advance width in font sizes (written with the font): the layout sizes text without Pillow.
WIDTHS_FILE = "widths.json"
FAMILY = "Tconv Sans"
#: Beyond the catalogue and ASCII: the symbols captions, titles and formulas use, and common punctuation.
EXTRA_CHARS = "–—−×→←≠≤≥·′″⌊⌋°±ΣĩᵀĨ…“”‘’：；，。（）、？！《》「」"


def drawn_characters() -> set[str]:
    """Every character a picture may draw: printable ASCII, every message of the catalogue in every language
    (which holds the role words and the relation titles) and :data:`EXTRA_CHARS`.

    >>> chars = drawn_characters()
    >>> "A" in chars, "×" in chars, "零" in chars, "\\n" in chars
    (True, True, True, False)
    """
    from ...explain.i18n import CATALOGUE

    chars = {chr(c) for c in range(0x20, 0x7F)} | set(EXTRA_CHARS)
    for messages in CATALOGUE.values():
        for text in messages.values():
            chars |= set(text)
    return chars - {"\n"}


def font_path() -> Path:
    """The bundled font file (a path on disk: Pillow opens it by name).

    >>> font_path().name, font_path().is_file()
    ('TconvSans-Regular.ttf', True)
    """
    return Path(str(resources.files(__name__) / FONT_FILE))


@lru_cache(maxsize=1)
def advance_widths() -> dict[str, float]:
    """Character → advance width in font sizes, of the bundled font; every drawn character has one.

    >>> widths = advance_widths()
    >>> widths["i"], widths["W"], widths["输"], drawn_characters() <= set(widths)
    (0.275, 0.878, 1.0, True)
    """
    data: dict[str, float] = json.loads((resources.files(__name__) / WIDTHS_FILE).read_text(encoding="utf-8"))
    return data
