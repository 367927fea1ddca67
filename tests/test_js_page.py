"""The page's own modules beside the library, run in Chromium (tests/js_mirror.py): the renderer's colours and
words are tconv.roles', every word of the page has its Chinese, random values come from the library's seed."""

from __future__ import annotations

import numpy as np

import js_mirror
from tconv.explain.i18n import render
from tconv.roles import ROLE_STYLE, ROLE_WORDS
from tconv.scene.plan import random_arrays

# the shared fixtures, used here by name
js, site_url = js_mirror.js, js_mirror.site_url


def test_random_values_may_be_zero_and_come_from_the_seed(js) -> None:
    zeros = 0
    for seed in range(6):
        x, w = random_arrays((4, 4), (3, 3), seed)
        got = js("scene.js", "randomArrays", [4, 4], [3, 3], seed)["value"]
        assert got == [x.tolist(), w.tolist()]
        zeros += int(np.count_nonzero(x == 0) + np.count_nonzero(w == 0))
    assert zeros > 0


def test_the_renderer_colours_and_words_are_the_librarys(js) -> None:
    colours = js("draw.js", "heatFill", 0.51)
    assert colours == {"value": "#6d6d6d"}
    page = js.page.evaluate("""async () => { const m = await import('/static/draw.js');
                                 return [m.ROLE_STYLE, m.LEGEND_WORDS]; }""")
    assert page[0] == {role: list(style) for role, style in ROLE_STYLE.items()}
    for role, words in ROLE_WORDS.items():
        assert page[1][role] == words
    for mark in ("footprint", "highlight"):
        assert page[1][mark] == {lang: render(f"mark.{mark}", lang, {}) for lang in ("en", "zh")}


def test_every_word_of_the_page_has_its_chinese(js) -> None:
    keys = js.page.evaluate("""async () => { const m = await import('/static/words.js');
                                 return [Object.keys(m.UI.en), Object.keys(m.UI.zh)]; }""")
    assert keys[0] and sorted(keys[0]) == sorted(keys[1])
