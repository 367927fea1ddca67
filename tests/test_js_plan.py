"""The browser's plan (static/plan.js) against the web API it replaces: parseQuery reads a query as /api/shape's
schema and tconv.web.jobs.parse_config read it, shapeInfo answers what /api/shape answers (the whole JSON), and
every refusal has the API's message word for word in English and a Chinese one.

The oracle is the API itself, called in-process (fastapi's TestClient): a query it answers 200 must give the same
JSON in the browser; one it refuses with 422 must throw an EngineError with its detail as ``en`` (and its
``parameter``).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import js_mirror
from js_mirror import plain

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from tconv.errors import TconvError
from tconv.web.app import create_app
from tconv.web.jobs import parse_config

# the shared fixtures, used here by name
js, site_url = js_mirror.js, js_mirror.site_url
client = TestClient(create_app(workers=1, pool="thread"))

# One round trip for a batch: each query parsed, then (when it parses) answered; errors with their parameter.
PLAN_MANY = """async (calls) => {
  const m = await import("/static/plan.js");
  const err = (e) => ({ message: String(e && e.message), en: e && e.en, zh: e && e.zh,
                        parameter: e && e.parameter, name: e && e.name, stack: String(e && e.stack) });
  return calls.map(([query, lang]) => {
    let cfg;
    try { cfg = m.parseQuery(query, lang); } catch (e) { return { parse_error: err(e) }; }
    const parsed = JSON.parse(JSON.stringify(cfg));
    try { return { cfg: parsed, info: m.shapeInfo(cfg, lang) }; } catch (e) { return { cfg: parsed, error: err(e) }; }
  });
}"""

CJK = re.compile(r"[\u4e00-\u9fff]")
# Three English words in a row: a sentence left untranslated (parameter names hold underscores, not spaces).
ENGLISH = re.compile(r"\b[A-Za-z]{2,} [A-Za-z]{2,} [A-Za-z]{2,}\b")


def plan_in_browser(js: Any, calls: list[tuple[dict[str, str], str]]) -> list[dict[str, Any]]:
    return js.page.evaluate(PLAN_MANY, [[query, lang] for query, lang in calls])


def api(query: dict[str, str], lang: str) -> tuple[int, Any]:
    r = client.get("/api/shape", params={**query, "lang": lang})
    return r.status_code, r.json()


def python_config(query: dict[str, str]) -> dict[str, Any]:
    """tconv.web.jobs.parse_config of a query the schema accepts (the seed read as pydantic reads it)."""
    get = {"mode": "transposed", "i": "3", "k": "3", "s": "1", "p": "0", "op": "0", "d": "1", "os": None,
           "seed": "0"} | query
    seed = TypeAdapter(int).validate_python(get["seed"])
    cfg = parse_config(get["mode"], get["i"], get["k"], get["s"], get["p"], get["op"], get["d"], get["os"], seed)
    # typed values (x, w) are read by values.js, apart from the layer (tests/test_js_values.py)
    return plain({k: v for k, v in dataclasses.asdict(cfg).items() if k not in ("x", "w")})


def assert_chinese(zh: str) -> None:
    assert CJK.search(zh), zh
    assert not ENGLISH.search(zh), zh


def assert_same(query: dict[str, str], lang: str, got: dict[str, Any]) -> None:
    """The browser's answer to (query, lang) is the API's: the same JSON, or the same refusal."""
    status, body = api(query, lang)
    where = f"query {query} lang {lang}"
    if status == 200:
        assert "cfg" in got and "info" in got, (where, got)
        assert got["info"] == body, where
    else:
        assert status == 422, (where, status, body)
        error = got.get("parse_error") or got.get("error")
        assert error is not None and error["name"] == "EngineError", (where, got, body)
        assert error["en"] == body["detail"], where
        assert error["parameter"] == body["parameter"], where
        assert error["message"] == (error["zh"] if lang == "zh" else error["en"]), where
        assert_chinese(error["zh"])
    if body.get("parameter") is None:  # the schema accepted it: the cfg is parse_config's, or both refuse
        try:
            expected = python_config(query)
        except TconvError as e:
            assert got.get("parse_error", {}).get("en") == str(e), where
        else:
            assert got.get("cfg") == expected, where


# ---- hand-picked queries, with readable ids

TUTORIAL = {"i": "3", "k": "3", "s": "2", "p": "1", "op": "1"}

HAND_PICKED = {
    "defaults (an empty query)": {},
    "the tutorials' example: 3×3, k=3 s=2 p=1 op=1 → 6×6": TUTORIAL,
    "output_size picks output_padding": {"i": "3", "k": "3", "s": "2", "p": "1", "os": "6"},
    "an empty output_size is none": {"i": "3", "k": "3", "s": "2", "os": ""},
    "1-D: a trailing comma": {"i": "5,", "k": "3", "s": "2", "p": "1", "op": "1"},
    "1-D conv": {"mode": "conv", "i": "7,", "k": "3", "s": "2", "d": "2"},
    "non-square, each axis its relation": {"i": "4,3", "k": "3,2", "s": "1,2", "p": "0,1", "op": "0,1"},
    "dilated: the general formula": {"i": "4", "k": "3", "d": "2", "op": "1"},
    "conv, every relation kind": {"mode": "conv", "i": "7,7", "k": "3,3", "s": "1,2", "p": "1,0"},
    "padding so large no output_size exists: output_size_range null": {"i": "1", "k": "1", "s": "1", "d": "3",
                                                                        "p": "1", "op": "2"},
    "output_size below the full formula's minimum: the range starts at 1": {"i": "1", "k": "1", "s": "3", "p": "1",
                                                                           "os": "1"},
    "several parameters outside the schema": {"i": "17", "k": "0", "s": "x", "seed": "-1"},
    "a long value cut short": {"i": "9" * 60},
    "a value with quotes and a control character": {"k": "3'\"\x00é"},
    "a seed as pydantic reads it": {"seed": " 1_000.00 "},
    "a refusal in Chinese": {"i": "3", "k": "3", "s": "2", "op": "2"},
}


@pytest.mark.parametrize("query", list(HAND_PICKED.values()), ids=list(HAND_PICKED))
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_hand_picked_queries_are_answered_as_the_api_answers(js, query, lang):
    got, = plan_in_browser(js, [(query, lang)])
    assert_same(query, lang, got)


def test_the_tutorials_example_is_6_by_6_with_the_guides_relation_14(js):
    answer = js("plan.js", "shapeAnswer", TUTORIAL, "zh")["value"]
    assert answer["output_size"] == [6, 6]
    assert answer["relation"][0]["number"] == 14
    assert answer["relation"][0]["title"] == "转置卷积：有填充，步长大于 1，a = output_padding"
    assert answer["code"]["pytorch"].splitlines()[1] == (
        "layer = torch.nn.ConvTranspose2d(in_channels=1, out_channels=1, kernel_size=(3, 3), stride=(2, 2), "
        "padding=(1, 1), output_padding=(1, 1))")


def test_the_general_formulas_title_is_chinese_in_chinese(js):
    answer = js("plan.js", "shapeAnswer", {"i": "4,4", "k": "3", "s": "1,2", "d": "2,1", "op": "0,1"}, "zh")["value"]
    assert [r["title"] for r in answer["relation"]] == [
        "空洞（膨胀）转置卷积", "转置卷积：有填充，步长大于 1，a = output_padding"]


def test_a_refusal_in_chinese_is_chinese(js):
    error = js("plan.js", "shapeAnswer", HAND_PICKED["a refusal in Chinese"], "zh")["error"]
    assert error["en"] == "output_padding 2 on axis 0 must be smaller than stride (2) or dilation (1): valid range 0..1"
    assert error["message"] == error["zh"] == (
        "第 0 轴的 output_padding 2 必须小于 stride（2）或 dilation（1）：有效范围 0..1")


#: A query for each refusal the plan can make (plan.js's REFUSALS), so that every one is checked in both languages.
EVERY_REFUSAL = {
    "schema": {"mode": "Conv", "i": "0", "os": "65", "seed": "abc"},
    "axes": {"i": "5,", "k": "3,2"},
    "output_size_conv": {"mode": "conv", "i": "5", "os": "5"},
    "output_padding_conv": {"mode": "conv", "i": "5", "s": "2", "op": "1,0"},
    "kernel_too_large": {"mode": "conv", "i": "3,2", "k": "3,5", "d": "1"},
    "output_padding_too_large": {"s": "2,3", "op": "1,3"},
    "no_output": {"i": "2", "k": "3", "p": "2"},
    "no_output_size": {"i": "1", "k": "1", "p": "1", "os": "1"},
    "output_size_range": {"i": "5,5", "k": "3", "s": "2", "p": "1", "os": "9,12"},
}


def test_every_refusal_is_checked_here(js):
    keys = js.page.evaluate("async () => Object.keys((await import('/static/plan.js')).REFUSALS)")
    assert sorted(keys) == sorted(EVERY_REFUSAL)


@pytest.mark.parametrize("key", list(EVERY_REFUSAL))
def test_every_refusal_has_the_apis_english_and_a_chinese_text(js, key):
    query = EVERY_REFUSAL[key]
    for lang in ("en", "zh"):
        got, = plan_in_browser(js, [(query, lang)])
        assert api(query, lang)[0] == 422
        assert_same(query, lang, got)
        error = got.get("parse_error") or got["error"]
        assert_chinese(error["zh"])


# ---- drawn queries over the page's whole domain

SEEDS_ODD = ["-1", "2147483648", "abc", " 7 ", "+7", "1_000", "7.0", "7.", "", "00", "1e3", "_1", "1__0", "7.00"]
BAD_SIZES = ["0", "17", "99", "", "x", "3,3,3", "-1", "05", "3 ", ",3", "3,,", "٣"]


def one_in(draw: Any, n: int) -> bool:
    """True once in ``n`` draws (sampled_from draws its elements evenly; integers favours its bounds)."""
    return bool(draw(st.sampled_from([True] + [False] * (n - 1))))


@st.composite
def axis(draw: Any) -> dict[str, int]:
    """One axis of a layer, weighted to be valid: padding mostly within the kernel's span, output_padding mostly
    below the stride and the dilation."""
    k = draw(st.integers(1, 7))
    s = draw(st.sampled_from([1, 1, 2, 2, 3, 4, 5, 6]))
    d = draw(st.sampled_from([1, 1, 1, 2, 3, 4]))
    i = draw(st.integers(1, 16))
    p = draw(st.integers(0, 16) if one_in(draw, 6) else st.integers(0, max(0, d * (k - 1) // 2 + i // 2)))
    op = draw(st.sampled_from([0, 0, 0, None, None, None, 5]))
    op = draw(st.integers(0, max(s, d) - 1)) if op is None else draw(st.integers(0, op))
    return {"i": i, "k": k, "s": s, "p": p, "op": op, "d": d}


#: What may be wrong with a drawn query before the library sees it (most queries: nothing).
FAULTS = ["none"] * 14 + ["size", "mixed axes", "seed", "mode"]


@st.composite
def query(draw: Any) -> tuple[dict[str, str], str]:
    """A query as the page's URL holds it: both modes, 1-D and 2-D (square or per axis), output_size or not, and
    now and then a value outside the schema, a mixed number of axes, or an odd seed or mode."""
    lang = draw(st.sampled_from(["en", "zh"]))
    fault = draw(st.sampled_from(FAULTS))
    mode = draw(st.sampled_from(["transposed", "conv", None] if fault != "mode" else ["Conv", "", "x" * 50]))
    shape = draw(st.sampled_from(["square", "pair", "one"]))
    axes = [draw(axis())] if shape != "pair" else [draw(axis()), draw(axis())]
    if mode == "conv" and not one_in(draw, 8):
        for ax in axes:
            ax["op"] = 0
    q: dict[str, str] = {} if mode is None else {"mode": mode}
    names = ["i", "k", "s", "p", "op", "d"]
    spoilt = draw(st.sampled_from(names)) if fault in ("size", "mixed axes") else None
    for name in names:
        values = [ax[name] for ax in axes]
        if shape == "square" or (len(set(values)) == 1 and draw(st.booleans())):
            text = str(values[0])  # a bare number: every axis
        elif shape == "one":
            text = f"{values[0]},"
        else:
            text = ",".join(map(str, values))
        if name == spoilt:
            text = draw(st.sampled_from(BAD_SIZES)) if fault == "size" else ("3,2" if shape == "one" else "3,")
        if text != {"s": "1", "p": "0", "op": "0", "d": "1"}.get(name) or draw(st.booleans()):
            q[name] = text  # the API's default is sometimes left out, as a URL may
    kind = draw(st.sampled_from(["absent"] * 5 + ["empty", "near", "near", "near", "any"]))
    if mode == "conv" and not one_in(draw, 8):
        kind = "absent"
    if kind == "empty":
        q["os"] = ""
    elif kind != "absent":
        sizes = []
        for ax in axes:
            least = (ax["i"] - 1) * ax["s"] + ax["d"] * (ax["k"] - 1) + 1 - 2 * ax["p"]
            size = least + draw(st.integers(0, ax["s"] - 1))
            sizes.append(min(64, max(1, size)) if kind == "near" else draw(st.integers(0, 66)))
        q["os"] = ",".join(map(str, sizes)) + ("," if shape == "one" else "")
        if shape == "square":
            q["os"] = str(sizes[0])
    if fault == "seed":
        q["seed"] = draw(st.sampled_from(SEEDS_ODD))
    elif draw(st.booleans()):
        q["seed"] = str(draw(st.integers(0, 2**31 - 1)))
    return q, lang


QUERIES_PER_EXAMPLE = 20


@settings(max_examples=110, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(query(), min_size=QUERIES_PER_EXAMPLE, max_size=QUERIES_PER_EXAMPLE))
def test_drawn_queries_are_answered_as_the_api_answers(js, calls):
    """110 examples of 20 queries: 2,200 drawn queries, each compared whole with the API's answer."""
    for (q, lang), got in zip(calls, plan_in_browser(js, calls), strict=True):
        assert_same(q, lang, got)
