"""The explorer's JSON API: the library's numbers and refusals, limits, and never a 5xx."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

import tconv
from tconv.web.app import LIMITS, create_app

client = TestClient(create_app())
ODD = {"i": "3", "k": "3", "s": "2", "p": "1", "op": "1"}


def test_page_and_assets_ship_in_the_package() -> None:
    page = client.get("/")
    assert page.status_code == 200 and "/static/app.js" in page.text
    assert "http" not in page.text.replace("http-equiv", "")  # nothing loaded from elsewhere: works offline
    for name, kind in [("app.js", "javascript"), ("style.css", "css"), ("favicon.svg", "svg")]:
        r = client.get(f"/static/{name}")
        assert r.status_code == 200 and kind in r.headers["content-type"]
        assert "http://" not in r.text.replace("http://www.w3.org/2000/svg", "") and "https://" not in r.text
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/missing.js").status_code == 404


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
    rng = np.random.default_rng(0)  # the scene's numbers: seed 0, input 0–3 then kernel 0–2
    x, w = rng.integers(0, 4, size=(3, 3)), rng.integers(0, 3, size=(3, 3))
    y = tconv.conv_transpose(x[None, None], w[None, None], stride=2, padding=1, output_padding=1)[0, 0]
    assert [f["value"] for f in frames] == y.ravel().tolist()
    assert body["scene"]["kernel"] == "flipped"
    assert all(m["tap"] is not None for f in frames for m in f["marks"] if m["kind"] == "footprint")


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


@pytest.mark.parametrize(
    "params,message",
    [
        ({"i": "abc"}, "input_size expects an integer"),
        ({"i": "99"}, "input_size 99 on axis 0 is beyond the explorer's limit of 16"),
        ({"k": "3,3,3,3"}, "1-D and 2-D"),
        ({"s": "2", "op": "2"}, "output_padding 2 on axis 0 must be smaller than stride (2)"),
        ({"p": "9"}, "padding 9 on axis 0 leaves no output"),
        ({"mode": "fancy"}, "mode 'fancy' is not known"),
        ({"os": "20,20", "s": "2"}, "output_size 20 on axis 0 is out of range"),
        ({"seed": "-1"}, "seed -1 must be at least 0"),
        ({"mode": "conv", "op": "1"}, "only applies to transposed"),
    ],
    ids=lambda v: v if isinstance(v, str) else str(v),
)
def test_refusals_are_4xx_with_the_librarys_message(params: dict, message: str) -> None:
    r = client.get("/api/shape", params=params)
    assert r.status_code == 422
    assert message in r.json()["detail"]


def test_oversized_and_malformed_requests() -> None:
    r = client.get("/api/scene", params={"i": "16", "k": "1", "s": "6"})  # 91×91 output: too many frames
    assert r.status_code == 422 and "at most 400" in r.json()["detail"]
    assert client.get("/api/overlap", params={"layers": "9"}).status_code == 422
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


def test_concurrent_requests_are_independent() -> None:
    def ask(n: int) -> list[int]:
        return client.get("/api/shape", params={"i": str(n), "k": "3", "s": "2"}).json()["output_size"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(ask, range(1, 17)))
    assert results == [[2 * n + 1, 2 * n + 1] for n in range(1, 17)]
    assert LIMITS["input_size"] == 16
