"""The page's own modules beside the library, run in Chromium (tests/js_mirror.py): the renderer's colours and
words are tconv.roles', every word of the page has its Chinese, random values come from the library's seed."""

from __future__ import annotations

import json
import shlex

import numpy as np
import pytest

import js_mirror
import tconv
from tconv.cli import main
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


CONFIGS = {
    "seeded": {"mode": "transposed", "input_size": [3, 3], "kernel_size": [3, 3], "stride": [2, 2], "padding": [1, 1],
               "output_padding": [1, 1], "dilation": [1, 1], "output_size": None, "seed": 4},
    "one-axis": {"mode": "transposed", "input_size": [5], "kernel_size": [3], "stride": [2], "padding": [0],
                 "output_padding": [0], "dilation": [2], "output_size": [14], "seed": 0},
    "conv": {"mode": "conv", "input_size": [5, 4], "kernel_size": [3, 2], "stride": [2, 1], "padding": [1, 0],
             "output_padding": [0, 0], "dilation": [1, 1], "output_size": None, "seed": 1},
}


@pytest.mark.parametrize("typed", [False, True], ids=["seed", "typed"])
@pytest.mark.parametrize("name", list(CONFIGS))
@pytest.mark.parametrize("what", ["animate", "explain"])
def test_the_commands_a_static_site_shows_run(js, tmp_path, capsys, what: str, name: str, typed: bool) -> None:
    """The walkthrough and GIF notes of a static site name commands that work, with the page's own numbers."""
    cfg = CONFIGS[name]
    if what == "explain" and cfg["mode"] == "conv":
        pytest.skip("walkthroughs are of transposed convolutions: the page offers none in conv mode")
    values = None
    if typed:
        x, w = random_arrays(tuple(cfg["input_size"]), tuple(cfg["kernel_size"]), 9)
        values = {name: json.dumps(a.tolist(), separators=(",", ":")) for name, a in (("x", x), ("w", w))}
    line = js("commands.js", "cliCommand", what, cfg, {"typed": values, "view": "scatter", "lang": "zh"})["value"]
    argv = shlex.split(line)[1:]
    if what == "animate":
        argv += ["--values", "-o", str(tmp_path / "a.gif")]
    assert main(argv) == 0, line
    out = capsys.readouterr().out
    if what == "explain":
        x, w = (np.array(json.loads(values["x"])), np.array(json.loads(values["w"]))) if typed else \
            random_arrays(tuple(cfg["input_size"]), tuple(cfg["kernel_size"]), cfg["seed"])
        y = tconv.conv_transpose(x[None, None].astype(float), w[None, None].astype(float), stride=cfg["stride"],
                                 padding=cfg["padding"], dilation=cfg["dilation"], output_size=cfg["output_size"],
                                 output_padding=cfg["output_padding"] if cfg["output_size"] is None else 0)
        flat = " ".join(out.split())  # the walkthrough ends with the output grid, row by row
        assert " ".join(str(int(v)) for v in y.ravel()) in flat, (line, y)
    else:
        assert (tmp_path / "a.gif").read_bytes()[:6] == b"GIF89a"
