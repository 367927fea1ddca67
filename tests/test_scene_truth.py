"""Every drawn cell says truly what it holds (role, the element's index, what an inserted zero sits between), in the
scene data and in the SVG; scenes speak English and Chinese; numbers are readable on their cells; the defaults
teach (non-zero values, a representative still); "gather" is the view's one name."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

import tconv
from strategies import animated_layers
from tconv.cli import main
from tconv.params import plan_conv_transpose
from tconv.render.layout import heat_levels
from tconv.render.style import (
    BACKGROUND,
    FOOTPRINT,
    NOTE_BACK,
    NOTE_INK,
    ROLE_STYLE,
    TEXT,
    contrast,
    heat_fill,
    heat_ink,
    hex_rgb,
)
from tconv.scene.build import VIEWS, sample_arrays
from tconv.web.app import create_app

SVG = "{http://www.w3.org/2000/svg}"
ODD = dict(stride=2, padding=1, output_padding=1)  # padding_strides_odd_transposed: 3×3, k3 s2 p1 op1 → 6×6
INDEXED = {"input", "output", "kernel", "extend", "heat"}  # roles whose cells hold an element


def cells(svg: str) -> dict[str, dict[str, str]]:
    """id → attributes of every cell rect."""
    return {r.get("id"): dict(r.attrib) for r in ET.fromstring(svg).iter(f"{SVG}rect") if r.get("class") == "cell"}


def test_the_seed_example_gather_cells_are_the_plans() -> None:
    """3×3 input, k3 s2 p1 op1: the plan pads d·(k−1)−p = 1 before and 1 + op = 2 after, inserts one zero between
    neighbours: x(i, j) sits at padded (1 + 2i, 1 + 2j)."""
    scene = tconv.animate(3, 3, **ODD, values=True)
    (eq0, eq1) = (ax.equivalent() for ax in plan_conv_transpose((1, 1, 3, 3), (1, 1, 3, 3), None, 2, 1, 1).axes)
    assert (eq0.pad_begin, eq0.pad_end, eq1.padded_size) == (1, 2, 8)
    x, w = sample_arrays(None, None, 3, 3, 0)
    inp = scene.panel("input")
    for i in range(3):
        for j in range(3):
            r, c = 1 + 2 * i, 1 + 2 * j
            assert (inp.roles[r, c], inp.index(r, c), inp.between(r, c)) == ("input", f"{i},{j}", None)
            assert inp.values[r, c] == x[i, j]
    assert (inp.roles[0, 0], inp.index(0, 0), inp.between(0, 0)) == ("pad", None, None)
    assert (inp.roles[7, 7], inp.index(7, 7)) == ("pad", None)  # the output_padding side
    assert (inp.roles[1, 2], inp.index(1, 2), inp.between(1, 2)) == ("zero", None, "0,0;0,1")
    assert (inp.roles[2, 1], inp.between(2, 1)) == ("zero", "0,0;1,0")
    assert (inp.roles[4, 4], inp.between(4, 4)) == ("zero", "1,1;1,2;2,1;2,2")  # inserted along both axes
    assert inp.between(0, 2) is None and inp.index(0, 2) is None  # padding says nothing more
    flipped = scene.panel("flipped")
    assert flipped.flipped and flipped.index(0, 0) == "2,2" and flipped.index(2, 1) == "0,1"
    for r in range(3):
        for c in range(3):
            i, j = map(int, flipped.index(r, c).split(","))
            assert flipped.values[r, c] == w[i, j] and scene.panel("kernel").values[r, c] == w[r, c]
    svg = cells(scene.svg(frame=0))
    assert svg["input-1-1"]["data-role"] == "input" and svg["input-1-1"]["data-index"] == "0,0"
    assert svg["input-5-3"]["data-index"] == "2,1"
    assert svg["input-0-0"]["data-role"] == "pad" and "data-index" not in svg["input-0-0"]
    assert "data-between" not in svg["input-0-0"]
    assert svg["input-1-2"]["data-role"] == "zero" and svg["input-1-2"]["data-between"] == "0,0;0,1"
    assert "data-index" not in svg["input-1-2"]
    assert svg["flipped-0-0"]["data-index"] == "2,2" and svg["flipped-0-0"]["data-flipped"] == "true"
    assert "data-flipped" not in svg["kernel-0-0"] and svg["kernel-0-0"]["data-index"] == "0,0"
    assert svg["output-5-4"]["data-index"] == "5,4"
    d = scene.to_dict()["panels"][0]
    assert d["roles"][1][2] == "zero" and d["indices"][1][1] == "0,0" and d["between"][1][2] == "0,0;0,1"
    assert d["indices"][0][0] is None and d["between"][0][0] is None


def _check_truth(scene: tconv.Scene, arrays: dict[str, np.ndarray]) -> None:
    """Every cell has a role; cells holding an element have its index (and show its value), others have none;
    the SVG and the JSON say the same."""
    svg = cells(scene.svg(frame=0))
    data = {p["name"]: p for p in scene.to_dict()["panels"]}
    for p in scene.panels:
        rows, cols = p.shape
        for r in range(rows):
            for c in range(cols):
                role = str(p.roles[r, c])
                attrs = svg[f"{p.name}-{r}-{c}"]
                assert attrs["data-role"] == role == data[p.name]["roles"][r][c]
                index = p.index(r, c)
                assert attrs.get("data-index") == index == data[p.name]["indices"][r][c]
                assert attrs.get("data-between") == p.between(r, c) == data[p.name]["between"][r][c]
                assert (index is not None) == (role in INDEXED), (p.name, r, c, role)
                assert (p.between(r, c) is not None) == (role == "zero")
                if index is not None and p.name in arrays and p.values is not None:
                    at = tuple(map(int, index.split(",")))
                    assert p.values[r, c] == arrays[p.name][at]


@given(cfg=animated_layers(), seed=st.integers(0, 3), view=st.sampled_from(["gather", "scatter"]))
def test_every_cell_of_a_transposed_scene_is_told_truly(cfg: dict, seed: int, view: str) -> None:
    scene = tconv.animate(**cfg, view=view, values=True, seed=seed)
    x, w = sample_arrays(None, None, cfg["input_size"], cfg["kernel_size"], seed)
    _check_truth(scene, {"input": x, "kernel": w, "flipped": w})
    if view == "scatter":  # a kept sum shows, at the end, the output element its index names
        y = tconv.conv_transpose(x[None, None], w[None, None], **{k: cfg[k] for k in ODD} | {
            "dilation": cfg["dilation"]})[0, 0]
        out, final = scene.panel("output"), scene.shown(-1, "output")
        for r in range(out.shape[0]):
            for c in range(out.shape[1]):
                if out.index(r, c) is not None:
                    assert final[r, c] == y[tuple(map(int, out.index(r, c).split(",")))]
                else:
                    assert out.roles[r, c] == "crop"


@pytest.mark.parametrize("pool", [None, "max", "avg"])
def test_conv_and_pooling_cells_are_told_truly(pool: str | None) -> None:
    scene = tconv.animate(4, 3, stride=2, padding=1, view="conv", pool=pool, values=True, seed=5)
    x, w = sample_arrays(None, None, 4, 3, 5)
    _check_truth(scene, {"input": x, "kernel": w})
    inp = scene.panel("input")
    assert inp.index(1, 1) == "0,0" and inp.index(0, 3) is None and inp.roles[0, 3] == "pad"


def test_one_d_indices_are_single_numbers() -> None:
    scene = tconv.animate((3,), (2,), stride=(2,), values=True)
    inp = scene.panel("input")
    assert [inp.index(0, c) for c in range(inp.shape[1])] == [None, "0", None, "1", None, "2", None]
    assert inp.between(0, 2) == "0;1"
    assert scene.panel("flipped").index(0, 0) == "1"


def test_overlap_cells_are_output_cells_and_the_legend_is_a_scale() -> None:
    scene = tconv.overlap(4, 3, stride=2).scene()
    svg = scene.svg()
    attrs = cells(svg)
    assert attrs["overlap-2-3"] == attrs["overlap-2-3"] | {"data-role": "heat", "data-index": "2,3"}
    root = ET.fromstring(svg)
    (item,) = [g for g in root.iter(f"{SVG}g") if g.get("data-role") == "heat"]
    squares = [r for r in item.iter(f"{SVG}rect") if r.get("class") == "scale"]
    numbers = [t.text for t in item.iter(f"{SVG}text")][1:]
    counts = sorted({int(v) for v in np.unique(scene.panels[0].values)})
    assert numbers == [str(c) for c in counts] and len(squares) == len(counts)
    assert len({r.get("fill") for r in squares}) == len(counts)  # a real scale: one shade per count
    assert [n for n, _ in heat_levels(scene)] == numbers


def test_chinese_scenes_draw_chinese_words_only() -> None:
    english = re.compile(r"\b(input|output|kernel|flipped|padding|inserted|stamps|window|taps|footprint|current|"
                         r"zero|cell)\b")
    for scene in (tconv.animate(3, 3, **ODD, values=True, lang="zh"),
                  tconv.animate(3, 3, **ODD, view="scatter", values=True, lang="zh"),
                  tconv.animate(5, 3, view="conv", pool="max", values=True, lang="zh"),
                  tconv.overlap(4, 3, stride=2).scene(lang="zh")):
        root = ET.fromstring(scene.svg())
        assert root.get("data-lang") == "zh" and "Noto Sans CJK SC" in root.get("font-family")
        words = [t.text or "" for t in root.iter(f"{SVG}text") if t.get("class") != "value"]
        assert all(re.search(r"[\u4e00-\u9fff]", w) for w in [p.label for p in scene.panels])
        assert re.search(r"[\u4e00-\u9fff]", scene.title) and re.search(r"[\u4e00-\u9fff]", scene.frames[0].caption)
        for w in words:
            assert not english.search(w.replace("padding 裁掉", "")), w  # "被 padding 裁掉": PyTorch's parameter
        png = Image.open(io.BytesIO(scene.chunks("png").__next__()))
        assert png.size[0] > 100
    en = tconv.animate(3, 3, **ODD, lang="en")
    assert [p.label for p in en.panels][1] == "output 6 × 6" and "(gather" in en.title


ON_FOOTPRINT = ("input", "zero", "pad", "output", "crop", "extend")  # roles a kernel window can cover


def _shade(colour: str) -> str:
    dark, alpha = hex_rgb(FOOTPRINT[0]), FOOTPRINT[1]
    return "#{:02x}{:02x}{:02x}".format(*(round(a * (1 - alpha) + b * alpha) for a, b in zip(hex_rgb(colour), dark)))


@pytest.mark.parametrize("role", list(ROLE_STYLE))
def test_numbers_reach_wcag_aa_on_their_cells(role: str) -> None:
    fill, _, _, ink = ROLE_STYLE[role]
    assert contrast(fill, ink) >= 4.5, (role, fill, ink)
    if role in ON_FOOTPRINT:  # numbers are drawn over the footprint's shade, not under it
        assert contrast(_shade(fill), ink) >= 4.5, (role, _shade(fill), ink)


def test_heat_notes_and_words_reach_wcag_aa() -> None:
    for level in np.linspace(0, 1, 201):
        assert contrast(heat_fill(level), heat_ink(level)) >= 4.5, level
    assert contrast(NOTE_INK, NOTE_BACK) >= 4.5 and contrast(TEXT, BACKGROUND) >= 4.5
    assert round(contrast("#ffffff", "#767676"), 2) == 4.54  # WCAG's own example of the AA limit


def test_padding_and_inserted_zeros_look_different() -> None:
    assert ROLE_STYLE["pad"][:2] != ROLE_STYLE["zero"][:2]
    root = ET.fromstring(tconv.animate(3, 3, **ODD).svg(frame=0))
    swatch = {g.get("data-role"): next(g.iter(f"{SVG}rect")).get("fill") for g in root.iter(f"{SVG}g")
              if g.get("class") == "legend-item"}
    assert swatch["pad"] != swatch["zero"]


def test_the_number_under_the_footprint_keeps_its_ink(tmp_path) -> None:
    """Raster: the value of a covered input cell is drawn over the shade in its own (white) ink."""
    scene = tconv.animate(3, 3, **ODD, values=True)
    f = scene.still_frame()
    im = Image.open(scene.save(tmp_path / "a.png")).convert("RGB")
    from tconv.render.layout import cell_box, geometry

    g = geometry(scene)
    r, c = next((r, c) for r, c, _ in scene.frames[f].window.cells() if scene.panel("input").roles[r, c] == "input")
    x, y, s = cell_box(g, "input", r, c)
    pixels = {im.getpixel((int(x) + i, int(y) + j)) for i in range(3, int(s) - 3) for j in range(3, int(s) - 3)}
    assert hex_rgb("#ffffff") in pixels and hex_rgb(_shade(ROLE_STYLE["input"][0])) in pixels


@pytest.mark.parametrize("kwargs", [dict(input_size=3, kernel_size=3, **ODD), dict(input_size=2, kernel_size=3),
                                    dict(input_size=4, kernel_size=3, stride=3, dilation=2),
                                    dict(input_size=5, kernel_size=3, view="conv", padding=2),
                                    dict(input_size=3, kernel_size=3, **ODD, view="scatter")])
def test_the_still_frame_is_representative(kwargs: dict, tmp_path) -> None:
    scene = tconv.animate(**kwargs, values=True)
    f = scene.still_frame()
    w = scene.frames[f].window
    if kwargs.get("view") == "scatter":
        assert w.scale != 0
    else:
        under = [scene.panel(w.panel).values[r, c] for r, c, _ in w.cells()
                 if r < scene.panel(w.panel).shape[0] and c < scene.panel(w.panel).shape[1]]
        assert any(v != 0 for v in under)  # never an all-zero window
        best = max(sum(scene.panel(w.panel).index(r, c) is not None for r, c, _ in fr.window.cells()
                       if r < scene.panel(w.panel).shape[0] and c < scene.panel(w.panel).shape[1])
                   for fr in scene.frames)
        assert sum(scene.panel(w.panel).index(r, c) is not None for r, c, _ in w.cells()) == best
    assert scene.save(tmp_path / "a.png").read_bytes() == scene.save(tmp_path / "b.png", frame=f).read_bytes()
    assert ET.fromstring(scene.svg()).get("data-still") == str(f)


def test_default_values_are_small_integers_zeros_included() -> None:
    drawn = [sample_arrays(None, None, (4, 4), (3, 3), seed) for seed in range(5)]
    for x, w in drawn:
        assert x.dtype == w.dtype == np.int64
        assert x.min() >= 0 and x.max() <= 4 and w.min() >= 0 and w.max() <= 3
    # every value of each range occurs, zero included (the tutorials' own kernel has a zero)
    assert set(np.concatenate([x.ravel() for x, _ in drawn]).tolist()) == {0, 1, 2, 3, 4}
    assert set(np.concatenate([w.ravel() for _, w in drawn]).tolist()) == {0, 1, 2, 3}


def test_default_values_are_splitmix32_row_major_input_then_kernel() -> None:
    """The portable generator the page repeats: splitmix32 outputs modulo 5 (input), then modulo 4 (kernel)."""
    mask = 0xFFFFFFFF

    def outputs(seed: int, count: int) -> list[int]:
        state, out = seed, []
        for _ in range(count):
            state = (state + 0x9E3779B9) & mask
            z = ((state ^ (state >> 16)) * 0x85EBCA6B) & mask
            z = ((z ^ (z >> 13)) * 0xC2B2AE35) & mask
            out.append(z ^ (z >> 16))
        return out

    for seed in (0, 1, 2**31 - 1):
        z = outputs(seed, 9 + 4)
        x, w = sample_arrays(None, None, (3, 3), (2, 2), seed)
        assert x.ravel().tolist() == [v % 5 for v in z[:9]] and w.ravel().tolist() == [v % 4 for v in z[9:]]
    x, w = sample_arrays(None, None, [5], [3], 0)           # 1-D: the same stream, one row
    assert x.tolist() == [4, 4, 1, 4, 3] and w.tolist() == [1, 3, 1]


def test_gather_is_the_name_and_equivalent_an_alias(tmp_path, capsys) -> None:
    assert VIEWS == ("gather", "scatter", "conv")
    a = tconv.animate(3, 3, **ODD, view="gather", values=True)
    b = tconv.animate(3, 3, **ODD, view="equivalent", values=True)
    assert a.svg() == b.svg() and a.params["view"] == "gather" and tconv.animate(2, 3).params["view"] == "gather"
    with pytest.raises(tconv.TconvError, match=r"view 'gathr' is not known: choose one of 'gather', 'scatter', "
                                               r"'conv' \('equivalent' is another name for 'gather'\)"):
        tconv.animate(2, 3, view="gathr")
    for view in ("gather", "equivalent"):
        argv = ["animate", "-i", "2", "-k", "3", "--view", view, "--lang", "zh", "-o", str(tmp_path / "a.svg")]
        assert main(argv) == 0
        assert ET.parse(tmp_path / "a.svg").getroot().get("data-view") == "gather"
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["animate", "-i", "2", "-k", "3", "--view", "gathr", "-o", str(tmp_path / "b.svg")])
    assert "invalid choice: 'gathr' (choose from gather, scatter, conv, equivalent)" in capsys.readouterr().err.replace(
        "'gather', 'scatter', 'conv', 'equivalent'", "gather, scatter, conv, equivalent")


def test_the_api_takes_lang_and_the_gather_name() -> None:
    client = TestClient(create_app(workers=1, pool="thread"))
    with client:
        params = {"i": "3", "k": "3", "s": "2", "p": "1", "op": "1", "values": "true"}
        for view in ("gather", "equivalent"):
            body = client.get("/api/scene", params=params | {"view": view, "lang": "zh"}).json()
            assert body["scene"]["params"]["view"] == "gather" and body["scene"]["lang"] == "zh"
            assert body["scene"]["panels"][0]["indices"][1][1] == "0,0"
            assert body["scene"]["panels"][0]["between"][1][2] == "0,0;0,1"
            assert "输出" in body["svg"]
        svg = client.get("/api/scene.svg", params=params | {"lang": "zh"}).text
        assert "卷积核" in svg and 'data-index="0,0"' in svg
        bad = client.get("/api/scene", params=params | {"view": "gathr"})
        assert bad.status_code == 422 and "gather" in bad.json()["detail"]
        shape = client.get("/api/shape", params=params | {"lang": "zh"}).json()
        assert shape["relation"][0]["title"] == "转置卷积：有填充，步长大于 1，a = output_padding"
        overlap = client.get("/api/overlap", params=params | {"lang": "zh"}).json()
        assert "棋盘格" in overlap["summary"] and "每格的乘积数" in overlap["svg"]
        spec = client.get("/openapi.json").json()
        scene_params = {p["name"]: p for p in spec["paths"]["/api/scene"]["get"]["parameters"]}
        assert scene_params["view"]["schema"]["enum"] == ["gather", "scatter", "conv", "equivalent"]
        assert scene_params["lang"]["schema"]["enum"] == ["en", "zh"]
        json.dumps(spec)


def test_the_svg_has_its_natural_size() -> None:
    root = ET.fromstring(tconv.animate(2, 3, cell_size=36).svg())
    w, h = int(root.get("width")), int(root.get("height"))
    assert root.get("viewBox") == f"0 0 {w} {h}" and root.get("data-cell") == "36"
    small = ET.fromstring(tconv.animate(2, 3, cell_size=18).svg())
    assert int(small.get("width")) < w  # the size follows the cell scale
