"""Regenerate ``src/tconv/render/fonts/TconvSans-Regular.ttf``: the font GIF and PNG text is drawn with.

It is a subset of Noto Sans CJK SC Regular (SIL Open Font License 1.1; Debian's ``fonts-noto-cjk``,
``/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc``, face 2), holding only the characters tconv draws:
printable ASCII, every character of the message catalogue (``tconv.explain.i18n.CATALOGUE``, which includes the
role words and the relation titles) in every language, and the punctuation and symbols captions use. The
outlines are converted from cubic (CFF) to quadratic (TrueType) curves, so the file is a plain TrueType font that
Pillow (FreeType) loads; no hinting. Three symbols Noto Sans CJK lacks are drawn here (ᵀ: a raised, smaller T;
⌊ and ⌋: the floor brackets). The family is renamed "Tconv Sans": the licence reserves the name "Source" (Noto
Sans CJK is Source Han Sans), and a modified font must not carry a reserved name.

Run after changing the catalogue (``tests/test_fonts.py`` fails while a character is missing)::

    apt-get install fonts-noto-cjk && pip install fonttools
    python scripts/make_font.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.transformPen import TransformPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from tconv.render.fonts import EXTRA_CHARS, FAMILY, FONT_FILE, WIDTHS_FILE, drawn_characters  # noqa: E402

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FACE = 2  # Noto Sans CJK SC


def _quadratic(glyph_set: object, name: str) -> object:
    pen = TTGlyphPen(None)
    glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))  # type: ignore[index]
    return pen.glyph()


def _polygon(points: list[tuple[int, int]]) -> object:
    pen = TTGlyphPen(None)
    pen.moveTo(points[0])
    for p in points[1:]:
        pen.lineTo(p)
    pen.closePath()
    return pen.glyph()


def main() -> int:
    src = TTCollection(str(SOURCE)).fonts[FACE]
    cmap = src.getBestCmap()
    glyphs_in = src.getGlyphSet()
    hmtx = src["hmtx"]
    upm = src["head"].unitsPerEm
    wanted = sorted(drawn_characters() | set(EXTRA_CHARS))
    order = [".notdef"]
    glyphs: dict[str, object] = {".notdef": _quadratic(glyphs_in, ".notdef")}
    metrics = {".notdef": hmtx[".notdef"]}
    new_cmap: dict[int, str] = {}
    missing = []
    for ch in wanted:
        cp = ord(ch)
        name = cmap.get(cp)
        if name is None:
            missing.append(ch)
            continue
        out = f"uni{cp:04X}" if cp > 0x7F or not ch.isalnum() else ch
        if out not in glyphs:
            order.append(out)
            glyphs[out] = _quadratic(glyphs_in, name)
            metrics[out] = hmtx[name]
        new_cmap[cp] = out
    # Noto Sans CJK's space is 224 units: at the small sizes of captions (10 px) words run together; 320 (about
    # DejaVu Sans's) keeps them apart
    space = new_cmap[0x20]
    metrics[space] = (320, metrics[space][1])
    # what Noto Sans CJK lacks, drawn from its own shapes and stems
    stem, top, bottom = 80, 780, -120
    for ch in missing:
        cp = ord(ch)
        out = f"uni{cp:04X}"
        if ch == "ᵀ":  # MODIFIER LETTER CAPITAL T: the T at 62 %, raised to the cap height's upper half
            pen = TTGlyphPen(None)
            glyphs_in[cmap[ord("T")]].draw(TransformPen(Cu2QuPen(pen, max_err=1.0, reverse_direction=True),
                                                        (0.62, 0, 0, 0.62, 10, 330)))
            glyphs[out] = pen.glyph()
            metrics[out] = (round(hmtx[cmap[ord("T")]][0] * 0.62) + 20, 10)
        elif ch == "⌊":
            glyphs[out] = _polygon([(90, top), (90, bottom), (330, bottom), (330, bottom + stem),
                                    (90 + stem, bottom + stem), (90 + stem, top)])
            metrics[out] = (380, 90)
        elif ch == "⌋":
            glyphs[out] = _polygon([(290 - stem, top), (290, top), (290, bottom), (50, bottom), (50, bottom + stem),
                                    (290 - stem, bottom + stem)])
            metrics[out] = (380, 50)
        else:
            raise SystemExit(f"Noto Sans CJK SC has no glyph for {ch!r} (U+{cp:04X}) and this script draws none")
        order.append(out)
        new_cmap[cp] = out
    fb = FontBuilder(upm, isTTF=True)
    fb.setupGlyphOrder(order)
    fb.setupCharacterMap(new_cmap)
    fb.setupGlyf(glyphs)
    glyf = fb.font["glyf"]
    for name in order:  # a TrueType glyph's left side bearing is its xMin (FreeType shifts the outline otherwise)
        g = glyf[name]
        g.recalcBounds(glyf)
        metrics[name] = (metrics[name][0], getattr(g, "xMin", 0))
    fb.setupHorizontalMetrics({name: tuple(metrics[name]) for name in order})
    hhea = src["hhea"]
    fb.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent)
    fb.setupNameTable({
        "familyName": FAMILY,
        "styleName": "Regular",
        "copyright": "Copyright 2014-2021 Adobe (http://www.adobe.com/), with Reserved Font Name 'Source'.",
        "description": "A subset of Noto Sans CJK SC for the characters tconv draws (scripts/make_font.py).",
        "licenseDescription": "This Font Software is licensed under the SIL Open Font License, Version 1.1.",
        "licenseInfoURL": "https://openfontlicense.org",
    })
    os2 = src["OS/2"]
    fb.setupOS2(sTypoAscender=os2.sTypoAscender, sTypoDescender=os2.sTypoDescender,
                sTypoLineGap=os2.sTypoLineGap, usWinAscent=os2.usWinAscent, usWinDescent=os2.usWinDescent,
                fsType=0)
    fb.setupPost()
    fb.font["head"].created = fb.font["head"].modified = 0  # the same bytes on every run
    fb.font.recalcTimestamp = False
    target = ROOT / "src" / "tconv" / "render" / "fonts" / FONT_FILE
    fb.save(str(target))
    # the advance widths, in font sizes, for the layout (tconv.render.layout.ems), which must not need Pillow
    widths = {chr(cp): round(metrics[name][0] / upm, 3) for cp, name in sorted(new_cmap.items())}
    (target.parent / WIDTHS_FILE).write_text(json.dumps(widths, ensure_ascii=False, sort_keys=True, indent=0) + "\n",
                                             encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}: {len(new_cmap)} characters, {target.stat().st_size:,} bytes"
          + (f"; drawn here: {''.join(missing)}" if missing else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
