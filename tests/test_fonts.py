"""The bundled font draws every character a picture can hold, in both languages: no missing-glyph box."""

from __future__ import annotations

import pytest
from fontTools.ttLib import TTFont
from PIL import ImageFont

import tconv
from tconv.explain.i18n import CATALOGUE, LANGS, RELATION_TITLES_ZH
from tconv.relations import RELATION_TITLES
from tconv.render.fonts import EXTRA_CHARS, advance_widths, drawn_characters, font_path
from tconv.roles import ROLE_WORDS

CMAP = set(TTFont(font_path()).getBestCmap())


def _missing(text: str) -> list[str]:
    return sorted({ch for ch in text if ord(ch) not in CMAP and ch not in "\n"})


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_catalogue_message_is_covered(key: str) -> None:
    for lang in LANGS:
        assert _missing(CATALOGUE[key][lang]) == [], (key, lang)


def test_role_words_relation_titles_digits_and_symbols_are_covered() -> None:
    texts = [w for words in ROLE_WORDS.values() for w in words.values()]
    texts += [*RELATION_TITLES.values(), *RELATION_TITLES_ZH.values(), "0123456789", EXTRA_CHARS, "–×→≠·⌊⌋Σ−′°"]
    assert _missing("".join(texts)) == []
    assert {ord(ch) for ch in drawn_characters()} <= CMAP


@pytest.mark.parametrize("lang", LANGS)
def test_every_word_of_real_pictures_is_covered(lang: str) -> None:
    scenes = [tconv.animate(3, 3, stride=2, padding=1, output_padding=1, values=True, lang=lang, view=view)
              for view in ("gather", "scatter")]
    scenes += [tconv.animate(5, 3, view="conv", pool=pool, values=True, lang=lang) for pool in (None, "avg")]
    scenes += [tconv.overlap(5, 3, stride=2, layers=2).scene(lang=lang), tconv.overlap(4, 4, 2, 1).scene(lang=lang)]
    for scene in scenes:
        text = scene.title + "".join(p.label for p in scene.panels) + "".join(f.caption for f in scene.frames)
        assert _missing(text) == [], scene.title


def test_pillow_loads_the_font_and_draws_no_notdef_box() -> None:
    font = ImageFont.truetype(str(font_path()), 20)
    notdef = font.getmask("\U000f0000").getbbox()  # a private-use character: the .notdef box
    for ch in "输入–×→⌊":
        assert font.getmask(ch).getbbox() != notdef or ch.isspace()
    assert font_path().stat().st_size < 300_000  # a subset: a few hundred KB at most
    assert set(advance_widths()) == {chr(c) for c in CMAP}
