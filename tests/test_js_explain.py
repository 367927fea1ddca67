"""The browser's walkthrough numbers and overlap maps (explain.js, overlap.js) equal the library's, in Chromium.

Each drawn configuration is answered by both and compared as whole JSON: the equations of every output cell
(gather, scatter and matrix views), the matrix C with its roles and labels, the overlap counts, verdict, message,
summary and heatmap scene, in English and Chinese, and every refusal by its message. The layer is one the plan
accepts (the plan's own refusals are plan.js's, held equal elsewhere); the arrays are given, integers and floats.
"""

from __future__ import annotations

import json
import re
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

import js_mirror
from tconv.errors import TconvError
from tconv.explain import explain
from tconv.explain.i18n import CATALOGUE
from tconv.explain.writers import cell_equation
from tconv.params import plan_conv_transpose
from tconv.scene import overlap
from tconv.web.jobs import Config, explain_info, overlap_job

# the shared fixtures, used here by name
js, site_url = js_mirror.js, js_mirror.site_url
CJK = re.compile("[\u4e00-\u9fff]")
# No shrinking: a batch of configurations fails as drawn (the assertion names the configuration), at once
SETTINGS = dict(deadline=None, database=None, phases=(Phase.explicit, Phase.generate))


# ---- drawn configurations over the page's domain (most of them layers the plan accepts)


@st.composite
def axis(draw: st.DrawFn, small: bool) -> tuple[int, ...]:
    i = draw(st.integers(1, 5) if small else st.integers(1, 16))
    k = draw(st.integers(1, 4) if small else st.integers(1, 7))
    s, d = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    rare = draw(st.integers(0, 9)) == 0  # now and then anywhere in the page's range, mostly what the plan takes
    p = draw(st.integers(0, 16) if rare else st.integers(0, min(16, (d * (k - 1) + (i - 1) * s) // 2)))
    op = draw(st.integers(0, 5) if rare else st.integers(0, max(s, d) - 1))
    return i, k, s, p, op, d


@st.composite
def configs(draw: st.DrawFn, conv: bool = True) -> dict[str, Any]:
    nd = draw(st.sampled_from([1, 2]))
    small = draw(st.booleans())
    axes = [draw(axis(small)) for _ in range(nd)]
    out = None
    if draw(st.integers(0, 3)) == 0:  # output_size: mostly in PyTorch's range
        low = [(i - 1) * s - 2 * p + d * (k - 1) + 1 for i, k, s, p, _, d in axes]
        rare = draw(st.integers(0, 9)) == 0
        out = [draw(st.integers(1, 64) if rare else st.integers(max(lo, 1), max(lo + ax[2] - 1, 1)))
               for lo, ax in zip(low, axes)]
    mode = "conv" if conv and draw(st.integers(0, 19)) == 0 else "transposed"
    names = ("input_size", "kernel_size", "stride", "padding", "output_padding", "dilation")
    cfg = {name: [ax[n] for ax in axes] for n, name in enumerate(names)}
    return {"mode": mode, **cfg, "output_size": out, "seed": 0}


@st.composite
def arrays(draw: st.DrawFn, cfg: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """The input and kernel, integers 0..4 and 0..3 (zeros included), or floats of any sign and size."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape_x, shape_w = tuple(cfg["input_size"]), tuple(cfg["kernel_size"])
    if draw(st.integers(0, 3)) == 0:
        x, w = rng.normal(size=shape_x) * 3, rng.normal(size=shape_w) * 10.0 ** int(rng.integers(-3, 4))
    else:
        x, w = rng.integers(0, 5, size=shape_x), rng.integers(0, 4, size=shape_w)
    return x.tolist(), w.tolist()


def config(cfg: dict[str, Any]) -> Config:
    out = cfg["output_size"]
    return Config(cfg["mode"], *(tuple(cfg[n]) for n in ("input_size", "kernel_size", "stride", "padding",
                                                          "output_padding", "dilation")),
                  None if out is None else tuple(out), 0)


def plan_accepts(cfg: dict[str, Any]) -> bool:
    """Whether the library's plan takes the layer (what the page asks plan.js before these views)."""
    c = config(cfg)
    try:
        plan_conv_transpose((1, 1, *c.input_size), (1, 1, *c.kernel_size), **c.sizes(), output_size=c.output_size)
    except TconvError:
        return False
    return True


# ---- the library's answers (tconv.web.jobs.explain_info and overlap_job with the given arrays)


def answer(f: Any, *args: Any) -> dict[str, Any]:
    try:
        return {"value": json.loads(json.dumps(f(*args), allow_nan=False))}
    except TconvError as e:
        return {"error": str(e)}


def walkthrough(cfg: dict[str, Any], view: str, x: list[Any], w: list[Any], lang: str) -> Any:
    """explain_info's walkthrough of these arrays: the ``equations`` of the computing step's cells."""
    c = config(cfg)
    if not c.transposed:
        raise TconvError("walkthroughs explain transposed convolution: switch the mode to transposed")
    wt = explain(np.asarray(x)[None], np.asarray(w)[None, None], None, **c.sizes(), output_size=c.output_size,
                 view=view, lang=lang)
    computing = next(s for s in reversed(wt.steps) if s.cells)
    eqs = {",".join(map(str, cell.position)): cell_equation(cell, f"y({', '.join(map(str, cell.position))})")
           for cell in computing.cells}
    return wt, eqs


def py_equations(cfg: dict[str, Any], view: str, x: list[Any], w: list[Any], lang: str) -> dict[str, Any]:
    wt, eqs = walkthrough(cfg, view, x, w, lang)
    return {"equations": eqs, "output": wt.to_dict()["output"]}


def py_matrix(cfg: dict[str, Any], x: list[Any], w: list[Any], lang: str) -> dict[str, Any]:
    wt, eqs = walkthrough(cfg, "matrix", x, w, lang)
    first = wt.to_dict()["steps"][0]
    return {"C": first["grids"][0], "title": first["title"], "equations": eqs}


def overlap_map(cfg: dict[str, Any], layers: int) -> Any:
    c = config(cfg)
    if not c.transposed:
        raise TconvError("overlap is about transposed convolution: switch the mode to transposed")
    plan = plan_conv_transpose((1, 1, *c.input_size), (1, 1, *c.kernel_size), **c.sizes(), output_size=c.output_size)
    return overlap(plan=plan, layers=layers)


def py_overlap(cfg: dict[str, Any], layers: int, lang: str) -> dict[str, Any]:
    """overlap_job's JSON without the SVG: the heatmap is built (and refused as the job's is), not drawn."""
    m = overlap_map(cfg, layers)
    info = m.to_dict(lang) | {"summary": m.summary(lang)}
    m.scene(lang=lang)
    return info


def py_scene(cfg: dict[str, Any], layers: int, lang: str) -> dict[str, Any]:
    scene = overlap_map(cfg, layers).scene(lang=lang)
    d = scene.to_dict()
    panel = scene.panels[0]
    d["panels"][0] |= {"values": panel.values.tolist(), "heat": panel.heat.tolist()}
    return d | {"legend": list(scene.legend), "show_values": scene.show_values, "connect": scene.connect,
                "cell_size": scene.cell_size, "duration_ms": scene.duration_ms}


# ---- comparing


def floats(x: list[Any], w: list[Any]) -> bool:
    return any(isinstance(v, float) for v in np.ravel(x).tolist() + np.ravel(w).tolist())


def same_refusal(got: dict[str, Any], want: str, lang: str) -> None:
    err = got.get("error")
    assert err is not None, (got, want)
    assert err["en"] == want and err["name"] == "EngineError", (err, want)
    assert CJK.search(err["zh"]) and err["zh"] != err["en"], err
    assert err["message"] == (err["zh"] if lang == "zh" else err["en"]), err


def same(got: dict[str, Any], want: dict[str, Any], lang: str, approx_output: bool = False) -> None:
    if "error" in want:
        same_refusal(got, want["error"], lang)
        return
    assert "value" in got, (got, want)
    value, expected = got["value"], want["value"]
    if approx_output:  # the library sums in its engine's order; the equations (and their values) in the listed one
        np.testing.assert_allclose(np.array(value.pop("output"), dtype=float),
                                   np.array(expected.pop("output"), dtype=float), rtol=1e-9, atol=1e-12)
    assert value == expected


# ---- the equality tests


@settings(max_examples=40, **SETTINGS)
@given(st.lists(configs().flatmap(lambda c: st.tuples(st.just(c), arrays(c), st.sampled_from(["gather", "scatter",
                                                                                             "matrix"]),
                                                        st.sampled_from(["en", "zh"]))), min_size=30, max_size=30))
def test_equations_equal_the_library(js, drawn) -> None:
    drawn = [d for d in drawn if plan_accepts(d[0])]
    got = js.many("explain.js", "equations", [[cfg, view, x, w, lang] for cfg, (x, w), view, lang in drawn])
    for (cfg, (x, w), view, lang), g in zip(drawn, got):
        same(g, answer(py_equations, cfg, view, x, w, lang), lang, approx_output=floats(x, w))


@settings(max_examples=20, **SETTINGS)
@given(st.lists(configs().flatmap(lambda c: st.tuples(st.just(c), arrays(c), st.sampled_from(["en", "zh"]))),
                min_size=30, max_size=30))
def test_matrix_view_equals_the_library(js, drawn) -> None:
    drawn = [d for d in drawn if plan_accepts(d[0])]
    got = js.many("explain.js", "matrixView", [[cfg, x, w, lang] for cfg, (x, w), lang in drawn])
    for (cfg, (x, w), lang), g in zip(drawn, got):
        same(g, answer(py_matrix, cfg, x, w, lang), lang)


@settings(max_examples=25, **SETTINGS)
@given(st.lists(st.tuples(configs(), st.integers(1, 4), st.sampled_from(["en", "zh"])), min_size=30, max_size=30))
def test_overlap_info_equals_the_library(js, drawn) -> None:
    drawn = [d for d in drawn if plan_accepts(d[0])]
    got = js.many("overlap.js", "overlapInfo", [list(d) for d in drawn])
    for (cfg, layers, lang), g in zip(drawn, got):
        same(g, answer(py_overlap, cfg, layers, lang), lang)


@settings(max_examples=15, **SETTINGS)
@given(st.lists(st.tuples(configs(), st.integers(1, 4), st.sampled_from(["en", "zh"])), min_size=30, max_size=30))
def test_overlap_scene_equals_the_library(js, drawn) -> None:
    drawn = [d for d in drawn if plan_accepts(d[0])]
    got = js.many("overlap.js", "overlapSceneDict", [list(d) for d in drawn])
    for (cfg, layers, lang), g in zip(drawn, got):
        same(g, answer(py_scene, cfg, layers, lang), lang)


# ---- hand-picked cases: the oracles above are the web API's own answers, and the refusals outside the drawing


ODD = {"mode": "transposed", "input_size": [3, 3], "kernel_size": [3, 3], "stride": [2, 2], "padding": [1, 1],
       "output_padding": [1, 1], "dilation": [1, 1], "output_size": None, "seed": 0}
WORKED = ([[4, 4, 3], [0, 3, 4], [2, 3, 2]], [[1, 2], [0, 1]])


@pytest.mark.parametrize("view", ["gather", "scatter", "matrix"])
def test_the_oracle_is_the_web_apis_explain_info(view) -> None:
    """The test's walkthrough of given arrays is explain_info's, the arrays drawn from the seed aside."""
    x, w = WORKED
    cfg = ODD | {"input_size": [3, 3], "kernel_size": [2, 2]}
    with mock.patch("tconv.scene.build.sample_arrays", lambda *a: (np.array(x), np.array(w))):
        info = explain_info(config(cfg), view, "zh")
    assert py_equations(cfg, view, x, w, "zh") == {"equations": info["equations"], "output": info["output"]}
    if view == "matrix":
        assert py_matrix(cfg, x, w, "zh")["C"] == info["steps"][0]["grids"][0]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_overlap_oracle_is_the_web_apis_overlap_job(lang) -> None:
    for cfg, layers in [(ODD, 2), (ODD | {"kernel_size": [4, 4]}, 1), (ODD | {"input_size": [5], "kernel_size": [3],
                        "stride": [2], "padding": [0], "output_padding": [0], "dilation": [2]}, 3)]:
        job = json.loads(overlap_job(config(cfg), layers, lang).body)
        job.pop("svg")
        assert py_overlap(cfg, layers, lang) == job


def test_the_worked_example(js) -> None:
    """The tutorials' example: x = [[4,4,3],[0,3,4],[2,3,2]], w = [[1,2],[0,1]]; with padding 1: [[7,14],[7,11]]."""
    x, w = WORKED
    cfg = ODD | {"kernel_size": [2, 2], "stride": [1, 1], "padding": [0, 0], "output_padding": [0, 0]}
    got = js("explain.js", "equations", cfg, "gather", x, w)["value"]
    assert got["output"] == [[[4, 12, 11, 6], [0, 7, 14, 11], [2, 7, 11, 8], [0, 2, 3, 2]]]
    got = js("explain.js", "equations", cfg | {"padding": [1, 1]}, "scatter", x, w)["value"]
    assert got["output"] == [[[7, 14], [7, 11]]]
    assert got["equations"]["0,0"] == "y(0, 0) = 4·1 + 4·0 + 0·2 + 3·1 = 7"


@pytest.mark.parametrize("call", [
    ("explain.js", "equations", ODD | {"mode": "conv"}, "gather", [[1]], [[1]], "zh"),
    ("explain.js", "equations", ODD, "diagonal", [[1]], [[1]], "en"),
    ("explain.js", "equations", ODD, "gather", [[1]], [[1]], "fr"),
    ("explain.js", "matrixView", ODD | {"mode": "conv"}, [[1]], [[1]], "en"),
    ("overlap.js", "overlapInfo", ODD | {"mode": "conv"}, 1, "zh"),
    ("overlap.js", "overlapInfo", ODD, 0, "zh"),
    ("overlap.js", "overlapInfo", ODD, 7, "en"),
    ("overlap.js", "overlapInfo", ODD, 1, "fr"),
    ("overlap.js", "overlapSceneDict", ODD, 1, "fr"),
], ids=["explain-conv", "explain-view", "explain-lang", "matrix-conv", "overlap-conv", "overlap-0-layers",
        "overlap-7-layers", "overlap-lang", "scene-lang"])
def test_refusals_outside_the_drawing(js, call) -> None:
    module, name, cfg, *args = call
    lang = args[-1] if args[-1] in ("en", "zh") else "en"
    if module == "explain.js":
        x, w = args[-3], args[-2]
        cfg_x = {**cfg, "input_size": [1, 1], "kernel_size": [1, 1]}
        if name == "equations":
            want = answer(py_equations, cfg_x, args[0], x, w, args[-1])
        else:
            want = answer(py_matrix, cfg_x, x, w, args[-1])
        got = js(module, name, cfg_x, *args)
    else:
        want = answer(py_overlap if name == "overlapInfo" else py_scene, cfg, *args)
        got = js(module, name, cfg, *args)
    assert "error" in want
    same_refusal(got, want["error"], lang)


def test_the_words_are_the_catalogues(js) -> None:
    for module in ("explain.js", "overlap.js"):
        words = js.page.evaluate(f"async () => (await import('/static/{module}')).WORDS")
        assert words == {key: CATALOGUE[key] for key in words}, module
