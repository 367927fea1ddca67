"""The explorer's scenes built in the browser (static/scene.js) are the library's: on thousands of drawn layers
of the page's domain, sceneDict is tconv.web.jobs.build_scene(...).to_dict() (with the legend, show_values and
connect) as a whole, refusals carry the library's message, frames built one at a time are the same frames, and
the largest layer the page allows is built and shown in a few milliseconds."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import js_mirror
from tconv import TconvError, animate
from tconv.web.jobs import Config, build_scene

js, plain, site_url = js_mirror.js, js_mirror.plain, js_mirror.site_url  # the fixtures, for this module

#: How many configurations the drawn test compares: lists of PER_EXAMPLE, MAX_EXAMPLES times.
PER_EXAMPLE, MAX_EXAMPLES = 40, 60  # 2,400 drawn configurations per run
DRAWN: dict[str, int] = {"configurations": 0, "refused": 0}


def _cfg_json(cfg: Config) -> dict[str, Any]:
    return {"mode": cfg.mode, "input_size": list(cfg.input_size), "kernel_size": list(cfg.kernel_size),
            "stride": list(cfg.stride), "padding": list(cfg.padding), "output_padding": list(cfg.output_padding),
            "dilation": list(cfg.dilation), "output_size": None if cfg.output_size is None else list(cfg.output_size),
            "seed": cfg.seed}


def _scene_json(scene: Any) -> dict[str, Any]:
    d = scene.to_dict() | {"legend": list(scene.legend), "show_values": scene.show_values,
                           "connect": list(scene.connect)}
    return plain(d)  # type: ignore[no-any-return]


def python_scene(cfg: Config, view: str, values: bool, lang: str, x: Any = None, w: Any = None) -> dict[str, Any]:
    """The library's answer: build_scene for the seed's values, animate with the arrays given (as build_scene
    draws them: the transposed layer with its output_size, the direct one without)."""
    try:
        if x is None:
            return {"value": _scene_json(build_scene(cfg, view, values, None, lang))}
        extra = {"output_size": cfg.output_size} if cfg.transposed else {}
        return {"value": _scene_json(animate(cfg.input_size, cfg.kernel_size, **cfg.sizes(), **extra, view=view,
                                             values=values, lang=lang, input=x, weight=w))}
    except TconvError as e:
        return {"error": str(e)}


# ---- the page's domain, weighted so that most layers are drawn


def mostly(draw: st.DrawFn, usual: st.SearchStrategy[Any], anything: st.SearchStrategy[Any]) -> Any:
    """Nine draws in ten from ``usual`` (what the page is mostly asked), one from ``anything`` in the domain."""
    return draw(usual if draw(st.integers(0, 9)) else anything)


@st.composite
def axis_sizes(draw: st.DrawFn, mode: str, small: bool) -> tuple[int, int, int, int, int, int]:
    if small:
        i, k, s, d = draw(st.integers(1, 6)), draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
    else:
        i, k, s, d = draw(st.integers(1, 16)), draw(st.integers(1, 7)), draw(st.integers(1, 6)), draw(st.integers(1, 4))
    # padding mostly within what leaves an output (and a kernel that fits the padded input); sometimes anything
    reach = ((i - 1) * s + d * (k - 1)) // 2 if mode == "transposed" else (d * (k - 1)) // 2
    p = mostly(draw, st.integers(0, reach), st.integers(0, 16))
    if mode == "conv":
        k = mostly(draw, st.just(min(k, (i + 2 * p - 1) // d + 1)), st.just(k))
    # output_padding mostly 0 or below max(stride, dilation); sometimes anywhere in 0..5 (refused, or by conv)
    op = mostly(draw, st.integers(0, 0 if mode == "conv" else max(s, d) - 1), st.integers(0, 5))
    return i, k, s, p, op, d


@st.composite
def configurations(draw: st.DrawFn) -> tuple[Config, str, bool, str, Any, Any, str]:
    mode = draw(st.sampled_from(["transposed", "transposed", "transposed", "conv", "conv"]))
    nd = draw(st.sampled_from([1, 2, 2]))
    small = draw(st.integers(0, 3)) > 0
    square = nd == 2 and draw(st.booleans())
    axes = [draw(axis_sizes(mode, small))]
    axes.append(axes[0] if square else draw(axis_sizes(mode, small)))
    axes = axes[:nd]
    i, k, s, p, op, d = (tuple(ax[n] for ax in axes) for n in range(6))
    output_size = None
    if draw(st.integers(0, 4)) == 0:  # output_size: mostly within PyTorch's range, sometimes anything in 1..64
        if draw(st.integers(0, 5)):
            output_size = tuple((ii - 1) * ss - 2 * pp + dd * (kk - 1) + 1 + draw(st.integers(0, ss - 1))
                                for ii, kk, ss, pp, dd in zip(i, k, s, p, d))
            output_size = tuple(min(64, max(1, v)) for v in output_size)
        else:
            output_size = tuple(draw(st.integers(1, 64)) for _ in range(nd))
    seed = draw(st.one_of(st.integers(0, 20), st.integers(0, 2**31 - 1)))
    cfg = Config(mode, i, k, s, p, op, d, output_size, seed)
    views = ["gather", "scatter"] if mode == "transposed" else ["conv"]
    view = mostly(draw, st.sampled_from(views), st.sampled_from(["gather", "scatter", "conv", "equivalent"]))
    values, lang = draw(st.booleans()), draw(st.sampled_from(["en", "zh"]))
    # the user's arrays: none (the seed's), integers, exact binary fractions, any floats
    kind = draw(st.sampled_from(["seed", "seed", "seed", "int", "int", "eighths", "float"]))
    x = w = None
    if kind != "seed" and view in views:
        number = {"int": st.integers(-9, 9), "eighths": st.integers(-40, 40).map(lambda v: v / 8),
                  "float": st.floats(-100, 100, allow_nan=False, allow_infinity=False)}[kind]
        x, w = (np.array(draw(st.lists(number, min_size=math.prod(shape), max_size=math.prod(shape))))
                .reshape(shape).tolist() for shape in (i, k))
    else:
        kind = "seed"
    return cfg, view, values, lang, x, w, kind


# ---- comparing answers

NUMBER = re.compile(r"(-?\d+(?:\.\d+)?(?:e[+-]\d+)?)")


def close(got: Any, want: Any, tol: float) -> bool:
    """Deep equality where numbers may differ by rounding (the typed floats' sums, in another order): numbers
    within ``tol`` (absolute) or 1e-9 (relative), the numbers written in a text within its 4 digits."""
    if isinstance(want, dict):
        return isinstance(got, dict) and got.keys() == want.keys() and all(close(got[k], want[k], tol) for k in want)
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(close(g, v, tol) for g, v in zip(got, want))
    if isinstance(want, bool) or want is None:
        return got is want
    if isinstance(want, int | float):
        return isinstance(got, int | float) and math.isclose(got, want, rel_tol=1e-9, abs_tol=tol)
    if isinstance(want, str) and isinstance(got, str) and got != want:
        a, b = NUMBER.split(got), NUMBER.split(want)
        return len(a) == len(b) and all(
            (u == v) if n % 2 == 0 else math.isclose(float(u), float(v), rel_tol=2e-3, abs_tol=tol)
            for n, (u, v) in enumerate(zip(a, b)))
    return bool(got == want)


def check(got: dict[str, Any], want: dict[str, Any], kind: str, x: Any, w: Any, what: str) -> None:
    if "error" in want:
        assert "error" in got, (what, want["error"], str(got)[:300])
        assert got["error"]["en"] == want["error"], what
        zh = got["error"]["zh"]
        assert zh and zh != got["error"]["en"] and re.search(r"[\u4e00-\u9fff]", zh), (what, zh)
        return
    assert "value" in got, (what, got.get("error"))
    if kind == "float":
        scale = 1 + float(np.abs(np.array(x)).sum() * np.abs(np.array(w)).sum())
        assert close(got["value"], want["value"], 1e-12 * scale), what
    else:
        assert got["value"] == want["value"], what


# ---- the tests

#: js.many for scenes, as one JSON text: Playwright's own serialiser is slow on thousands of nested values.
MANY_AS_TEXT = """async (calls) => {
  const m = await import("/static/scene.js");
  return JSON.stringify(calls.map((args) => {
    try { return { value: m.sceneDict(...args) }; }
    catch (e) { return { error: { message: String(e && e.message), en: e && e.en, zh: e && e.zh, name: e && e.name,
                                   stack: String(e && e.stack) } }; }
  }));
}"""


def many_scenes(js: Any, calls: list[list[Any]]) -> list[Any]:
    return json.loads(js.page.evaluate(MANY_AS_TEXT, calls))  # type: ignore[no-any-return]



@settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(st.lists(configurations(), min_size=PER_EXAMPLE, max_size=PER_EXAMPLE))
def test_drawn_scenes_equal_the_library(js: Any, drawn: list[Any]) -> None:
    calls = [[_cfg_json(cfg), view, {"values": values, "lang": lang, "x": x, "w": w}]
             for cfg, view, values, lang, x, w, _ in drawn]
    answers = many_scenes(js, calls)
    for (cfg, view, values, lang, x, w, kind), got in zip(drawn, answers):
        want = python_scene(cfg, view, values, lang, x, w)
        check(got, want, kind, x, w, f"{cfg} view={view} values={values} lang={lang} x={x} w={w}")
        DRAWN["configurations"] += 1
        DRAWN["refused"] += "error" in want


def test_enough_configurations_were_drawn() -> None:
    """The drawn test above ran on at least 2,000 configurations (2,400), most of them drawn scenes (not refusals)."""
    print(f"\n{DRAWN['configurations']} drawn configurations, {DRAWN['refused']} refused")
    assert DRAWN["configurations"] >= 2000
    assert DRAWN["refused"] < DRAWN["configurations"] / 2


def _cfg(mode: str, i: tuple[int, ...], k: tuple[int, ...], s: int = 1, p: int = 0, op: int = 0, d: int = 1,
         output_size: tuple[int, ...] | None = None, seed: int = 0) -> Config:
    nd = len(i)
    return Config(mode, i, k, (s,) * nd, (p,) * nd, (op,) * nd, (d,) * nd, output_size, seed)


TUTORIAL = ([[4, 4, 3], [0, 3, 4], [2, 3, 2]], [[1, 2], [0, 1]])

#: Hand-picked layers: the defaults, the largest, cropping and extending, dilation, 1-D, the tutorials' example.
CASES = {
    "default": (_cfg("transposed", (3, 3), (3, 3), 2, 1, 1), "gather", None),
    "default-scatter": (_cfg("transposed", (3, 3), (3, 3), 2, 1, 1), "scatter", None),
    "largest": (_cfg("transposed", (14, 14), (7, 7)), "gather", None),
    "crop": (_cfg("transposed", (4, 4), (2, 2), 1, 2), "gather", None),
    "extend": (_cfg("transposed", (2, 2), (1, 1), 3, 0, 2), "scatter", None),
    "dilated": (_cfg("transposed", (3, 3), (3, 3), 2, 1, 1, 2), "gather", None),
    "output-size": (_cfg("transposed", (5,), (3,), 2, 1, 0, 1, (10,), seed=9), "scatter", None),
    "conv": (_cfg("conv", (5, 5), (3, 3), 2, 1), "conv", None),
    "conv-1d": (_cfg("conv", (7,), (3,), 1, 0, 0, 3), "conv", None),
    "tutorial": (_cfg("transposed", (3, 3), (2, 2)), "gather", TUTORIAL),
    "tutorial-padding": (_cfg("transposed", (3, 3), (2, 2), 1, 1), "scatter", TUTORIAL),
}

FRAMES_AND_PANELS = """async ([cfg, view, opts, picks]) => {
  const m = await import("/static/scene.js");
  const s = m.buildScene(cfg, view, opts);
  return { frameCount: s.frameCount, still: s.still, frames: picks.map((i) => s.frame(i)),
           marks: picks.map((i) => s.marks(i)), values: s.panels.map((p) => p.values) };
}"""


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_frames_on_demand_are_the_librarys_frames(js: Any, name: str, lang: str) -> None:
    """buildScene's frame(i) and marks(i), made one at a time, are the library's frame i and its marks; each
    panel's first values are the library's."""
    cfg, view, arrays = CASES[name]
    x, w = arrays or (None, None)
    extra = {"output_size": cfg.output_size} if cfg.transposed else {}
    scene = (build_scene(cfg, view, True, None, lang) if x is None
             else animate(cfg.input_size, cfg.kernel_size, **cfg.sizes(), **extra, view=view, values=True, lang=lang,
                          input=x, weight=w))
    n = len(scene.frames)
    picks = sorted({0, n - 1, n // 2, scene.still_frame()})
    got = js.page.evaluate(FRAMES_AND_PANELS, [_cfg_json(cfg), view, {"values": True, "lang": lang, "x": x, "w": w},
                                               picks])
    want = scene.to_dict()
    assert got["frameCount"] == n and got["still"] == want["still"]
    assert got["frames"] == plain([want["frames"][i] for i in picks])
    assert got["marks"] == plain([[{"panel": m.panel, "row": m.row, "col": m.col, "kind": m.kind, "text": m.text,
                                    "tap": None if m.tap is None else list(m.tap)} for m in scene.frames[i].marks]
                                  for i in picks])
    assert got["values"] == plain([None if p.values is None else p.values.tolist() for p in scene.panels])


def test_the_tutorials_example_reads_its_output(js: Any) -> None:
    """The tutorials' worked example, typed: the outputs the issue names, with padding 0 and with padding 1."""
    for p, output in ((0, [[4, 12, 11, 6], [0, 7, 14, 11], [2, 7, 11, 8], [0, 2, 3, 2]]), (1, [[7, 14], [7, 11]])):
        cfg = _cfg("transposed", (3, 3), (2, 2), 1, p)
        got = js("scene.js", "sceneDict", _cfg_json(cfg), "gather", {"values": True, "x": TUTORIAL[0],
                                                                     "w": TUTORIAL[1]})["value"]
        values = [f["value"] for f in got["frames"]]
        assert values == [v for row in output for v in row]


def test_random_values_are_pythons(js: Any) -> None:
    """randomArrays draws Python's random_arrays numbers (splitmix32), zeros included, 1-D and 2-D."""
    from tconv.scene.plan import random_arrays

    cases = [((3, 3), (3, 3), 0), ((16, 16), (7, 7), 2**31 - 1), ((5,), (2,), 12345), ((1, 16), (7, 1), 7)]
    got = js.many("scene.js", "randomArrays", [[list(i), list(k), seed] for i, k, seed in cases])
    for (i, k, seed), answer in zip(cases, got):
        x, w = random_arrays(i, k, seed)
        assert answer["value"] == [x.tolist(), w.tolist()]
    assert min(min(row) for row in got[1]["value"][0]) == 0 and min(min(row) for row in got[1]["value"][1]) == 0


TIMING = """async ([cfg, view, runs]) => {
  const m = await import("/static/scene.js");
  const times = [];
  let still = null;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const s = m.buildScene(cfg, view, { values: true, lang: "en" });
    const f = s.frame(s.still);
    times.push(performance.now() - t0);
    still = [s.frameCount, f.caption];
  }
  return { times, still };
}"""


def test_the_largest_layer_is_built_and_shown_in_milliseconds(js: Any) -> None:
    """The largest layer the explorer allows (14 × 14 input, 7 × 7 kernel: 400 frames): buildScene and its still
    frame take a few milliseconds in Chromium (the page never makes the other 399 frames)."""
    cfg = _cfg("transposed", (14, 14), (7, 7))
    got = js.page.evaluate(TIMING, [_cfg_json(cfg), "gather", 30])
    times = sorted(got["times"])
    median = times[len(times) // 2]
    print(f"\nbuildScene + frame(still), 14 × 14 input, 7 × 7 kernel (400 frames), Chromium: first "
          f"{got['times'][0]:.2f} ms, median {median:.2f} ms, worst {times[-1]:.2f} ms")
    assert got["still"][0] == 400
    assert median < 100, times


#: Arrays given beside the sizes: refused as tconv.animate refuses them.
ARRAYS = {
    "weight-missing": ([[1, 2], [3, 4]], None),
    "input-missing": (None, [[1, 2], [3, 4]]),
    "ranks-differ": ([1, 2, 3], [[1, 1], [1, 1]]),
    "input-shape": ([[1, 2, 3], [4, 5, 6]], [[1, 1], [1, 1]]),
    "kernel-shape": ([[1, 2], [3, 4]], [[1, 1, 1], [1, 1, 1]]),
    "1-d-shape": ([1, 2, 3], [1, 1]),
}


@pytest.mark.parametrize("name", list(ARRAYS))
def test_arrays_that_do_not_fit_are_refused_as_the_library_refuses_them(js: Any, name: str) -> None:
    x, w = ARRAYS[name]
    cfg = _cfg("transposed", (2,) if name == "1-d-shape" else (2, 2), (2,) if name == "1-d-shape" else (2, 2))
    with pytest.raises(TconvError) as refused:
        animate(cfg.input_size, cfg.kernel_size, **cfg.sizes(), input=x, weight=w)
    got = js("scene.js", "sceneDict", _cfg_json(cfg), "gather", {"x": x, "w": w, "lang": "zh"})
    assert got["error"]["en"] == str(refused.value)
    assert re.search(r"[\u4e00-\u9fff]", got["error"]["zh"]) and got["error"]["message"] == got["error"]["zh"]
