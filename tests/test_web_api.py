"""The explorer's JSON API: the library's numbers and refusals, limits, and never a 5xx."""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from typing import get_args

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

import tconv
from tconv.scene.build import sample_arrays
from tconv.web.app import (
    DESCRIPTIONS,
    INTERNAL_ERROR,
    LIMITS,
    SIZES,
    VALUES_PATTERN,
    ExplainView,
    Lang,
    SceneView,
    create_app,
    size_pattern,
)

client = TestClient(create_app())
ODD = {"i": "3", "k": "3", "s": "2", "p": "1", "op": "1"}


def test_page_and_assets_ship_in_the_package() -> None:
    page = client.get("/")
    # relative addresses: the same page works from tconv serve and from a static site in any folder
    assert page.status_code == 200 and '<script type="module" src="static/app.js">' in page.text
    assert '<meta name="tconv-server" content="1">' in page.text  # served: the page may ask the API
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.text)  # nothing from elsewhere: works offline
    for name, kind in [("app.js", "javascript"), ("style.css", "css"), ("favicon.svg", "svg"),
                       ("draw.js", "javascript"), ("values.js", "javascript"), ("words.js", "javascript")]:
        r = client.get(f"/static/{name}")
        assert r.status_code == 200 and kind in r.headers["content-type"]
        assert "http://" not in r.text.replace("http://www.w3.org/2000/svg", "") and "https://" not in r.text
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/missing.js").json() == {"detail": "no asset 'missing.js'", "parameter": None}


@pytest.mark.parametrize("name", ["a" * 300 + ".js", "a" * 200 + ".js", "a" * 5000 + ".css", "%00.js", "a%00b.js",
                                  "..%2Fapp.py", "index.html", "app.js.", ".js", "%E2%80%AE.svg", "nul.js",
                                  "con.css", "app.JS", "~", "app.js%20"],
                         ids=["300-chars", "200-chars", "5000-chars", "nul", "inner-nul", "encoded-slash",
                              "the-page", "trailing-dot", "suffix-only", "bidi", "nul-device", "con-device",
                              "upper-case", "tilde", "trailing-space"])
def test_a_long_or_odd_static_path_is_a_404(name: str) -> None:
    """A 300-character name was handed to the file system and failed there (ENAMETOOLONG: 500)."""
    r = client.get(f"/static/{name}")
    assert r.status_code == 404 and r.json()["parameter"] is None
    assert r.json()["detail"] == "Not Found" if "%2F" in name else r.json()["detail"].startswith("no asset ")


@given(name=st.one_of(st.text(min_size=1, max_size=400), st.builds(lambda n, e: "a" * n + e, st.integers(1, 4000),
                                                                   st.sampled_from([".js", ".css", ".svg", ""]))))
def test_any_static_path_is_an_asset_or_a_404(name: str) -> None:
    from urllib.parse import quote as url_quote

    r = client.get("/static/" + url_quote(name, safe=""))
    assert r.status_code in (200, 404), (name, r.status_code)
    assert r.status_code == 404 or name in ("app.js", "style.css", "favicon.svg")


def test_unknown_paths_and_methods_answer_in_the_error_shape() -> None:
    assert client.get("/api/nothing").json() == {"detail": "Not Found", "parameter": None}
    r = client.post("/api/shape")
    assert r.status_code == 405 and r.headers["allow"] == "GET"
    assert r.json() == {"detail": "Method Not Allowed", "parameter": None}


def test_docs_and_openapi() -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/shape", "/api/scene", "/api/scene.svg", "/api/scene.gif", "/api/explain", "/api/overlap"} <= set(
        spec["paths"]
    )
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/api/explain" in docs.text and "cdn" not in docs.text.lower()


def test_shape_is_the_librarys() -> None:
    body = client.get("/api/shape", params=ODD).json()
    assert body["output_size"] == [6, 6] == list(tconv.conv_transpose_output_size(3, 3, 2, 1, 1) * 2)[:2]
    assert body["relation"][0]["number"] == 14 and body["output_size_range"] == [[5, 6], [5, 6]]
    assert "torch.nn.ConvTranspose2d(in_channels=1, out_channels=1, kernel_size=(3, 3)" in body["code"]["pytorch"]
    conv = client.get("/api/shape", params={"mode": "conv", "i": "7,5", "k": "3", "s": "2", "p": "1"}).json()
    assert conv["output_size"] == [4, 3] and "torch.nn.Conv2d" in conv["code"]["pytorch"]
    picked = client.get("/api/shape", params={**ODD, "op": "0", "os": "5,6"}).json()
    assert picked["output_size"] == [5, 6] and picked["output_padding"] == [0, 1]


def test_scene_svg_and_frames_match_the_computation() -> None:
    body = client.get("/api/scene", params={**ODD, "values": "true"}).json()
    root = ET.fromstring(body["svg"])
    assert root.get("data-frames") == "36"
    frames = body["scene"]["frames"]
    x, w = sample_arrays(None, None, (3, 3), (3, 3), 0)  # the scene's numbers: seed 0, input 0–4, kernel 0–3
    y = tconv.conv_transpose(x[None, None], w[None, None], stride=2, padding=1, output_padding=1)[0, 0]
    assert [f["value"] for f in frames] == y.ravel().tolist()
    assert body["scene"]["kernel"] == "flipped"
    assert all(f["window"]["shape"] == [3, 3] and f["highlight"]["panel"] == "output" for f in frames)


def test_downloads() -> None:
    svg = client.get("/api/scene.svg", params=ODD)
    assert (
        svg.headers["content-type"].startswith("image/svg+xml") and "attachment" in svg.headers["content-disposition"]
    )
    gif = client.get("/api/scene.gif", params={"i": "2", "k": "2", "s": "2"})
    assert gif.content[:6] == b"GIF89a"


def test_explain_equations_use_the_scene_numbers() -> None:
    body = client.get("/api/explain", params={**ODD, "view": "gather", "lang": "zh"}).json()
    assert set(body) >= {"params", "output_size", "steps", "output", "equations", "text"}
    assert body["equations"]["1,1"].endswith(f"= {body['output'][0][1][1]}")
    assert "插入" in body["text"]


def test_overlap() -> None:
    body = client.get("/api/overlap", params={"i": "4", "k": "3", "s": "2", "layers": "2"}).json()
    assert body["even"] is False and "kernel_size 4 or 2" in body["message"]
    assert np.array(body["counts"]).shape == tconv.overlap(4, 3, stride=2, layers=2).counts.shape


def test_overlap_in_chinese() -> None:
    """/api/overlap?lang=zh answered its message in English: every word it returns follows lang."""
    params = {"i": "4", "k": "3", "s": "2", "layers": "2"}
    zh, en = (client.get("/api/overlap", params={**params, "lang": lang}).json() for lang in ("zh", "en"))
    m = tconv.overlap(4, 3, stride=2, layers=2)
    assert (zh["message"], zh["summary"]) == (m.message("zh"), m.summary("zh"))
    assert zh["message"].startswith("不均匀重叠（棋盘格）：第 0 维") and "taps" not in zh["message"] + zh["summary"]
    assert (en["message"], en["summary"]) == (m.message(), m.summary())
    assert {k: v for k, v in zh.items() if k not in ("message", "summary", "svg")} == {
        k: v for k, v in en.items() if k not in ("message", "summary", "svg")}


@pytest.mark.parametrize("os", ["9", "10", "64", "8", "9,10", "10,", "", "11,9"],
                         ids=["os-9", "os-10", "os-64-refused", "os-8-refused", "per-axis", "one-axis-refused",
                              "empty-none", "11-refused"])
def test_overlap_reads_output_size_as_shape_does(os: str) -> None:
    """/api/overlap answered output_size 64 (refused by /api/shape) and 10 (answered as 9): it ignored os."""
    params = {"i": "4", "k": "3", "s": "2", "os": os}
    shape, heat = client.get("/api/shape", params=params), client.get("/api/overlap", params=params)
    assert heat.status_code == shape.status_code, (shape.json(), heat.json())
    if shape.status_code == 422:
        assert heat.json() == shape.json()
    else:
        assert list(np.array(heat.json()["counts"]).shape) == shape.json()["output_size"]


@pytest.mark.parametrize(
    "params,message",
    [
        ({"s": "2", "op": "2"}, "output_padding 2 on axis 0 must be smaller than stride (2)"),
        ({"p": "9"}, "padding 9 on axis 0 leaves no output"),
        ({"os": "20,20", "s": "2"}, "output_size 20 on axis 0 is out of range"),
        ({"mode": "conv", "op": "1"}, "only applies to transposed"),
        ({"i": "3,4", "k": "3", "s": "2", "p": "0,5"}, "padding 5 on axis 1 leaves no output"),
    ],
    ids=lambda v: v if isinstance(v, str) else str(v),
)
def test_library_refusals_are_422_with_its_message(params: dict, message: str) -> None:
    r = client.get("/api/shape", params=params)
    assert r.status_code == 422
    assert message in r.json()["detail"] and r.json()["parameter"] is None


@pytest.mark.parametrize(
    "params,parameter,rule",
    [
        ({"i": "abc"}, "i", "input_size: an integer from 1 to 16, or one per axis like 5,4"),
        ({"i": "99"}, "i", "from 1 to 16"),
        ({"i": "17"}, "i", "from 1 to 16"),
        ({"i": "0"}, "i", "from 1 to 16"),
        ({"i": "05"}, "i", "from 1 to 16"),
        ({"i": "+5"}, "i", "from 1 to 16"),
        ({"i": " 5"}, "i", "from 1 to 16"),
        ({"k": "3,3,3"}, "k", "kernel_size: an integer from 1 to 7"),
        ({"k": "8"}, "k", "from 1 to 7"),
        ({"s": "7"}, "s", "stride: an integer from 1 to 6"),
        ({"p": "17"}, "p", "padding: an integer from 0 to 16"),
        ({"op": "6"}, "op", "output_padding: an integer from 0 to 5"),
        ({"d": "5"}, "d", "dilation: an integer from 1 to 4"),
        ({"d": ""}, "d", "dilation: an integer from 1 to 4"),
        ({"os": "65"}, "os", "output_size: an integer from 1 to 64"),
        ({"os": "0,5"}, "os", "output_size: an integer from 1 to 64"),
        ({"mode": "fancy"}, "mode", "transposed (ConvTranspose) or conv"),
        ({"seed": "-1"}, "seed", "an integer from 0 to 2147483647"),
        ({"seed": "2147483648"}, "seed", "an integer from 0 to 2147483647"),
        ({"seed": "1.5"}, "seed", "an integer from 0 to 2147483647"),
    ],
    ids=lambda v: v if isinstance(v, str) else str(v),
)
def test_schema_refusals_name_the_parameter_and_its_rule(params: dict, parameter: str, rule: str) -> None:
    r = client.get("/api/shape", params=params)
    assert r.status_code == 422
    value = next(iter(params.values()))
    detail = f"{parameter} {value!r} is refused ({DESCRIPTIONS[parameter]})"
    assert r.json() == {"detail": detail, "parameter": parameter}
    assert rule in r.json()["detail"]


@pytest.mark.parametrize(
    "name,largest", [("i", "16"), ("k", "7"), ("s", "6"), ("p", "16,0"), ("op", "0"), ("d", "4,1"), ("os", "")]
)
def test_the_limits_themselves_are_accepted(name: str, largest: str) -> None:
    params = {"i": "2", "k": "1", "s": "1", "p": "0", "d": "1", name: largest}
    if name == "p":
        params |= {"i": "16", "k": "7", "d": "4"}  # 15 + 24 + 1 − 32 = 8 outputs: padding 16 is a real layer
    r = client.get("/api/shape", params=params)
    assert r.status_code == 200, r.text
    assert r.json()["output_size"] == list(tconv.conv_transpose_output_size(
        *[tuple(int(v) for v in params[q].split(",")) * (2 // len(params[q].split(","))) for q in ("i", "k", "s", "p")],
        dilation=tuple(int(v) for v in params["d"].split(",")) * (2 // len(params["d"].split(","))),
    ))


def test_an_empty_output_size_means_none_and_other_empty_sizes_are_refused() -> None:
    assert client.get("/api/shape", params={"os": ""}).json()["output_size"] == [5, 5]
    for name in ("i", "k", "s", "p", "op", "d"):
        r = client.get("/api/shape", params={name: ""})
        assert r.status_code == 422 and r.json()["parameter"] == name


def test_an_internal_fault_is_a_logged_500_that_leaks_nothing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import tconv.report

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("secret internal detail 1234")  # a plain ValueError is a bug, not the user's fault

    monkeypatch.setattr(tconv.report, "layer_report", broken)
    with caplog.at_level(logging.ERROR, logger="tconv.web.app"):
        r = client.get("/api/shape", params={"i": "5"})
    assert r.status_code == 500
    assert r.json() == {"detail": INTERNAL_ERROR, "parameter": None}
    assert "secret" not in r.text and "Traceback" not in r.text and "ValueError" not in r.text
    [record] = [rec for rec in caplog.records if rec.name == "tconv.web.app"]
    assert record.levelno == logging.ERROR and "GET /api/shape?i=5" in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is ValueError
    assert str(record.exc_info[1]) == "secret internal detail 1234"


def test_a_runtime_error_in_the_renderer_is_a_500_too(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import tconv.render

    def broken(scene: object, path: object) -> bytes:
        raise RuntimeError("renderer bug")

    monkeypatch.setitem(tconv.render.WRITERS, "gif", broken)
    in_process = TestClient(create_app(pool="thread"))  # jobs in this process's threads, where the patch is
    with caplog.at_level(logging.ERROR, logger="tconv.web.app"):
        r = in_process.get("/api/scene.gif", params={"i": "2", "k": "2", "s": "2"})
    assert r.status_code == 500 and r.headers["content-type"] == "application/json"
    assert r.json() == {"detail": INTERNAL_ERROR, "parameter": None}
    assert [rec.exc_info[0] for rec in caplog.records if rec.name == "tconv.web.app" and rec.exc_info] == [RuntimeError]


def test_openapi_documents_every_parameter_and_the_error_contract() -> None:
    spec = client.get("/openapi.json").json()
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["detail", "parameter"] and set(error["properties"]) == {"detail", "parameter"}
    media = {"/api/scene.svg": "image/svg+xml", "/api/scene.gif": "image/gif"}
    for path, ops in spec["paths"].items():
        op = ops["get"]
        rendered = path != "/api/shape"  # the rendering endpoints go through the pool, which may be full: 503
        assert set(op["responses"]) == {"200", "422", "500", *(["503"] if rendered else [])}, path
        for status in ("422", "500", *(["503"] if rendered else [])):
            assert op["responses"][status]["content"] == {
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
            }, path
        assert list(op["responses"]["200"]["content"]) == [media.get(path, "application/json")], path
        for param in op["parameters"]:
            assert param["description"], (path, param["name"])
            for schema in param["schema"].get("anyOf", [param["schema"]]):
                if schema.get("type") == "string" and not {"enum", "const"} & set(schema):  # free text: a pattern
                    want = VALUES_PATTERN if param["name"] in ("x", "w") else size_pattern(param["name"])
                    assert schema["pattern"] == want, (path, param["name"])
                elif schema.get("type") == "integer":
                    assert {"minimum", "maximum"} <= set(schema), (path, param["name"])
    shape = {p["name"]: p["schema"] for p in spec["paths"]["/api/shape"]["get"]["parameters"]}
    sizes = {name: shape[name].get("pattern", shape[name].get("anyOf", [{}])[0].get("pattern")) for name in SIZES}
    assert sizes["i"] == "^(?:(?:[1-9]|1[0-6])(?:,(?:[1-9]|1[0-6])?)?)$"
    assert sizes["op"] == "^(?:(?:[0-5])(?:,(?:[0-5])?)?)$"
    assert shape["seed"] == {"type": "integer", "maximum": 2**31 - 1, "minimum": 0, "default": 0, "title": "Seed",
                             "description": DESCRIPTIONS["seed"]}


@pytest.mark.parametrize("name", list(SIZES))
def test_size_patterns_accept_exactly_the_limits(name: str) -> None:
    torch_name, low, _ = SIZES[name]
    pattern = re.compile(size_pattern(name))
    accepted = [n for n in range(0, 100) if pattern.match(str(n))]
    assert accepted == list(range(low, LIMITS[torch_name] + 1))
    assert pattern.match(f"{low},{LIMITS[torch_name]}") and not pattern.match(f"{low},{low},{low}")
    assert pattern.match(f"{low},") and not pattern.match(f",{low}") and not pattern.match(f"{low},,")  # 5,: one axis
    assert bool(pattern.match("")) is (name == "os")


def test_every_relation_title_is_in_the_language_asked_for() -> None:
    """The general formula's cases (dilated, output_padding at stride 1) are titled in Chinese too, not only the
    guide's numbered relations."""
    query = {"i": "4,4", "k": "3", "s": "1", "d": "2,1", "op": "0,0", "lang": "zh"}
    assert [r["title"] for r in client.get("/api/shape", params=query).json()["relation"]] == [
        "空洞（膨胀）转置卷积", "转置卷积：无填充，步长为 1"]
    query = {"i": "4", "k": "3", "s": "1", "d": "2", "op": "1", "lang": "zh"}
    assert {r["title"] for r in client.get("/api/shape", params=query).json()["relation"]} == {"空洞（膨胀）转置卷积"}
    query = {"i": "4,", "k": "3", "s": "2", "op": "0", "d": "2", "lang": "en"}
    assert client.get("/api/shape", params=query).json()["relation"][0]["title"] == "dilated transposed convolution"


def test_a_trailing_comma_asks_for_a_1d_layer_and_a_mix_of_axis_counts_is_refused() -> None:
    r = client.get("/api/shape", params={"i": "5,", "k": "3", "s": "2", "p": "1", "op": "1"})
    assert r.status_code == 200, r.text
    assert r.json()["output_size"] == [10] and "ConvTranspose1d" in r.json()["code"]["pytorch"]
    r = client.get("/api/shape", params={"i": "5,", "k": "3,2"})
    assert r.status_code == 422 and r.json() == {"parameter": None, "detail": (
        "the sizes disagree on the number of axes: input_size (5,) has 1, kernel_size (3, 2) has 2; give one number "
        "for every axis, or one value per axis everywhere (a trailing comma, 5, is one axis)")}


def test_the_enumerations_are_the_librarys() -> None:
    from tconv.explain import VIEWS as EXPLAIN_VIEWS
    from tconv.explain.i18n import LANGS
    from tconv.scene.build import VIEW_ALIASES
    from tconv.scene.build import VIEWS as SCENE_VIEWS

    assert get_args(SceneView) == (*SCENE_VIEWS, *VIEW_ALIASES)
    # the page offers every walkthrough but the backward view (library, CLI and notebook HTML only)
    assert get_args(ExplainView) == tuple(view for view in EXPLAIN_VIEWS if view != "backward")
    assert get_args(Lang) == LANGS


def test_oversized_and_malformed_requests() -> None:
    r = client.get("/api/scene", params={"i": "16", "k": "1", "s": "6"})  # 91×91 output: too many frames
    assert r.status_code == 422 and "at most 400" in r.json()["detail"]
    assert client.get("/api/overlap", params={"layers": "9"}).json()["parameter"] == "layers"
    assert client.get("/api/explain", params={"mode": "conv"}).status_code == 422
    assert client.get("/api/scene", params={"view": "matrix"}).status_code == 422
    assert client.get("/api/scene", params={"values": "maybe"}).status_code == 422


TEXT = st.text(alphabet="0123456789,-x ", max_size=6)


@given(
    i=TEXT,
    k=TEXT,
    s=TEXT,
    p=TEXT,
    op=TEXT,
    d=TEXT,
    os=TEXT,
    path=st.sampled_from(["shape", "scene", "explain", "overlap"]),
)
def test_never_a_5xx(i, k, s, p, op, d, os, path) -> None:
    r = client.get(f"/api/{path}", params={"i": i, "k": k, "s": s, "p": p, "op": op, "d": d, "os": os})
    assert r.status_code in (200, 422), r.text
    assert isinstance(r.json()["detail"], str) if r.status_code == 422 else "output_size" in r.json()


def test_concurrent_requests_are_independent() -> None:
    def ask(n: int) -> list[int]:
        return client.get("/api/shape", params={"i": str(n), "k": "3", "s": "2"}).json()["output_size"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(ask, range(1, 17)))
    assert results == [[2 * n + 1, 2 * n + 1] for n in range(1, 17)]
    assert LIMITS["input_size"] == 16


@pytest.mark.parametrize(("query", "name"), [("i=5&i=6&k=3", "i"), ("k=3&lang=en&lang=zh", "lang"),
                                             ("i=3&i=3", "i")], ids=["differ", "lang", "same"])
def test_a_query_parameter_given_twice_is_refused(query: str, name: str) -> None:
    """As the CLI refuses a flag given twice: never the last one silently."""
    r = client.get(f"/api/shape?{query}")
    assert r.status_code == 422 and r.json() == {"detail": f"'{name}' is given twice: give each parameter once",
                                                 "parameter": name}


def test_a_long_value_is_not_echoed_in_full() -> None:
    r = client.get("/api/shape", params={"i": "9" * 5000, "k": "3"})
    assert r.status_code == 422 and len(r.json()["detail"]) <= 300 and r.json()["parameter"] == "i"
