"""Animations and heatmaps: scene invariants against the computation, SVG structure, GIF frames, pixels, CLI."""

from __future__ import annotations

import io
import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

import tconv
from helpers import torch
from strategies import animated_layers
from tconv._extras import install_hint
from tconv._format import format_number
from tconv.cli import main
from tconv.render.layout import cell_box, geometry
from tconv.render.style import ROLE_STYLE, hex_rgb
from tconv.scene.build import sample_arrays
from tconv.scene.gallery import GALLERY, render_gallery

SVG = "{http://www.w3.org/2000/svg}"


def gif_info(path: Path) -> tuple[int, tuple[int, int], dict]:
    with Image.open(path) as im:
        return im.n_frames, im.size, dict(im.info)


def _y(scene_kwargs: dict, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    k = {key: scene_kwargs[key] for key in ("stride", "padding", "output_padding", "dilation")}
    return tconv.conv_transpose(x[None, None], w[None, None], **k)[0, 0]


@given(cfg=animated_layers(), seed=st.integers(0, 5))
def test_equivalent_view_frames_are_the_computation(cfg: dict, seed: int) -> None:
    scene = tconv.animate(**cfg, view="equivalent", values=True, seed=seed)
    inp, kern = scene.panel("input"), scene.panel("flipped")
    x = scene.panel("input").values[inp.roles == "input"]
    w = np.flip(kern.values).reshape(cfg["kernel_size"])
    x0, w0 = sample_arrays(None, None, cfg["input_size"], cfg["kernel_size"], seed)
    np.testing.assert_array_equal(w, w0)
    y = _y(cfg, x0, w0)
    assert len(scene.frames) == y.size  # one frame per kernel position = per output cell
    assert sorted(x.tolist()) == sorted(x0[tuple(slice(None) for _ in cfg["input_size"])].ravel().tolist()) or \
        inp.count("input") < x0.size  # a crop (padding > d(k−1)) can hide input cells
    for frame, o in zip(scene.frames, np.ndindex(*y.shape)):
        (hl,) = [m for m in frame.marks if m.kind == "highlight"]
        assert (hl.row, hl.col) == ((0, o[0]) if len(o) == 1 else o)
        assert frame.value == y[o]
        footprint = [m for m in frame.marks if m.kind == "footprint"]
        assert len(footprint) == math.prod(cfg["kernel_size"])
        # the footprint products sum to the highlighted value: Σ flipped kernel × window
        window = [inp.values[m.row, m.col] for m in footprint]
        assert sum(a * int(m.text) for a, m in zip(window, footprint)) == y[o]


@given(cfg=animated_layers(), seed=st.integers(0, 5))
def test_scatter_view_accumulates_to_the_output(cfg: dict, seed: int) -> None:
    scene = tconv.animate(**cfg, view="scatter", values=True, seed=seed)
    x0, w0 = sample_arrays(None, None, cfg["input_size"], cfg["kernel_size"], seed)
    assert len(scene.frames) == x0.size  # one stamp per input cell
    final = scene.shown(-1, "output")
    assert not np.isnan(final).any()  # the sums start at zero: every cell shows a number
    window = tuple(slice(a, b) for a, b in scene.params["window"])
    kept = final.reshape(np.broadcast_shapes(final.shape))[window] if x0.ndim == 2 else final[0][window]
    np.testing.assert_array_equal(kept, _y(cfg, x0, w0))
    out = scene.panel("output")
    assert out.count("output") + out.count("extend") == _y(cfg, x0, w0).size


@given(L=st.integers(3, 6), k=st.integers(1, 3), s=st.integers(1, 2), p=st.integers(0, 1), d=st.integers(1, 2),
       mode=st.sampled_from([None, "max", "avg"]))
def test_direct_and_pooling_views_equal_torch(L, k, s, p, d, mode) -> None:
    x = np.random.default_rng(0).integers(0, 4, size=(L, L)).astype(float)
    w = np.ones((k, k))
    tx = torch.from_numpy(x)[None, None]
    try:
        if mode is None:
            y = torch.nn.functional.conv2d(tx, torch.from_numpy(w)[None, None], stride=s, padding=p, dilation=d)
        elif mode == "max":
            y = torch.nn.functional.max_pool2d(tx, k, s, p, d)
        else:
            if d != 1:
                return  # avg_pool2d has no dilation
            y = torch.nn.functional.avg_pool2d(tx, k, s, p)
    except RuntimeError:
        with pytest.raises(tconv.TconvError):
            tconv.animate(input=x, weight=w, stride=s, padding=p, dilation=d, view="conv", pool=mode)
        return
    scene = tconv.animate(input=x, weight=w, stride=s, padding=p, dilation=d, view="conv", pool=mode, values=True)
    expected = y[0, 0].numpy()
    assert len(scene.frames) == expected.size
    got = np.array([f.value for f in scene.frames]).reshape(expected.shape)
    np.testing.assert_allclose(got, expected, atol=1e-12)


def _svg_cells(svg: str) -> dict[tuple[str, str], int]:
    root = ET.fromstring(svg)
    counts: dict[tuple[str, str], int] = {}
    for rect in root.iter(f"{SVG}rect"):
        if rect.get("class") == "cell":
            key = (rect.get("id").split("-")[0], rect.get("data-role"))
            counts[key] = counts.get(key, 0) + 1
    return counts


def test_svg_has_the_expected_cells_per_role() -> None:
    """padding_strides_odd_transposed: 3×3 input → 5×5 with zeros → padded 1/2 → 8×8; output 6×6."""
    scene = tconv.animate(3, 3, stride=2, padding=1, output_padding=1, values=True)
    svg = scene.svg()
    assert _svg_cells(svg) == {
        ("input", "input"): 9, ("input", "zero"): 16, ("input", "pad"): 64 - 25, ("output", "output"): 36,
        ("kernel", "kernel"): 9, ("flipped", "kernel"): 9,
    }
    root = ET.fromstring(svg)
    frames = [g for g in root.iter(f"{SVG}g") if g.get("class") == "frame"]
    assert len(frames) == 36 == int(root.get("data-frames"))
    assert sum(len(list(g.iter(f"{SVG}animate"))) for g in frames) == 36
    # each output value is written once, shown from the frame that computes it to the end (not once per frame)
    values = [t for t in root.iter(f"{SVG}text") if t.get("data-from") is not None]
    assert [(int(t.get("data-from")), int(t.get("data-until"))) for t in values] == [(i, 36) for i in range(36)]
    assert [t.text for t in values] == [format_number(f.value) for f in scene.frames]
    assert len(list(root.iter(f"{SVG}animate"))) == 36 + 35  # frame 0's value is shown throughout
    assert sum(1 for r in frames[5].iter(f"{SVG}rect") if r.get("class") == "footprint") == 9
    still = ET.fromstring(scene.svg(frame=5))
    assert [g.get("data-frame") for g in still.iter(f"{SVG}g") if g.get("class") == "frame"] == ["5"]


def test_scatter_svg_marks_the_cropped_border() -> None:
    scene = tconv.animate(3, 3, stride=2, padding=1, view="scatter")
    cells = _svg_cells(scene.svg())
    # full stamps 7×7, padding 1 crops the first and last row and column: 5×5 kept
    assert cells[("output", "output")] == 25 and cells[("output", "crop")] == 49 - 25


def test_gif_frames_and_size(tmp_path: Path) -> None:
    scene = tconv.animate(2, 3, stride=2, cell_size=20, duration_ms=300)
    path = scene.save(tmp_path / "a.gif")
    n, size, info = gif_info(path)
    g = geometry(scene)
    assert n == len(scene.frames) == 25 and size == (g.width, g.height)
    assert info["duration"] == 300 and info["loop"] == 0


def test_pixel_probe_of_role_colours(tmp_path: Path) -> None:
    scene = tconv.animate(2, 3, stride=2, padding=0)
    im = Image.open(io.BytesIO(scene.save(tmp_path / "a.png", frame=0).read_bytes())).convert("RGB")
    g = geometry(scene)

    def centre(panel: str, r: int, c: int) -> tuple[int, int, int]:
        x, y, s = cell_box(g, panel, r, c)
        return im.getpixel((int(x + s / 2), int(y + s / 2)))

    inp = scene.panel("input")
    # frame 0's footprint covers the top-left 3×3; probe cells outside it
    r, c = next((r, c) for r, c in zip(*np.nonzero(inp.roles == "input")) if r >= 3 or c >= 3)
    assert centre("input", r, c) == hex_rgb(ROLE_STYLE["input"][0])
    assert centre("output", 4, 4) == hex_rgb(ROLE_STYLE["output"][0])
    assert centre("kernel", 1, 1) == hex_rgb(ROLE_STYLE["kernel"][0])
    pr, pc = next((r, c) for r, c in zip(*np.nonzero(inp.roles == "pad")) if r >= 3 or c >= 3)
    assert centre("input", pr, pc) == hex_rgb(ROLE_STYLE["pad"][0])
    assert centre("input", 1, 1) != hex_rgb(ROLE_STYLE["pad"][0])  # under the footprint: shaded


def test_output_is_deterministic(tmp_path: Path) -> None:
    for ext in ("svg", "gif", "png"):
        a = tconv.animate(3, 2, stride=2, values=True, seed=3).save(tmp_path / f"a.{ext}").read_bytes()
        b = tconv.animate(3, 2, stride=2, values=True, seed=3).save(tmp_path / f"b.{ext}").read_bytes()
        assert a == b


def test_gallery_smoke(tmp_path: Path) -> None:
    paths = render_gallery(tmp_path, "gif", cell_size=12)
    names = {p.stem for p in paths}
    assert len(paths) == len(GALLERY) == 24
    conv_arithmetic = {
        "no_padding_no_strides": 4, "arbitrary_padding_no_strides": 36, "same_padding_no_strides": 25,
        "full_padding_no_strides": 49, "no_padding_strides": 4, "padding_strides": 9, "padding_strides_odd": 9,
        "dilation": 9, "no_padding_no_strides_transposed": 16, "arbitrary_padding_no_strides_transposed": 25,
        "same_padding_no_strides_transposed": 25, "full_padding_no_strides_transposed": 25,
        "no_padding_strides_transposed": 25, "padding_strides_transposed": 25, "padding_strides_odd_transposed": 36,
    }
    assert set(conv_arithmetic) <= names
    for name, frames in conv_arithmetic.items():  # one frame per kernel position, as in conv_arithmetic's GIFs
        assert gif_info(tmp_path / f"{name}.gif")[0] == frames, name


@given(size=st.integers(1, 6), k=st.integers(1, 4), s=st.integers(1, 3), d=st.integers(1, 2), layers=st.integers(1, 2))
def test_overlap_counts_equal_torch(size, k, s, d, layers) -> None:
    m = tconv.overlap((size,), (k,), (s,), dilation=(d,), layers=layers)
    x = torch.ones(1, 1, size, dtype=torch.float64)
    for _ in range(layers):
        x = torch.nn.functional.conv_transpose1d(x, torch.ones(1, 1, k, dtype=torch.float64), stride=s, dilation=d)
    np.testing.assert_array_equal(m.counts, x[0, 0].numpy())
    # even ⇔ every phase gets the same number of taps; for d = 1 that is "k is a multiple of s"
    if d == 1:
        assert m.even == (k % s == 0)


def test_overlap_verdicts_and_heatmap(tmp_path: Path) -> None:
    m = tconv.overlap(4, 3, stride=2)
    assert not m.even and m.residues == ((2, 1), (2, 1)) and m.suggestions == ((4, 2), (4, 2))
    assert "kernel_size 4 or 2 would make it even" in m.message()
    assert tconv.overlap(4, 4, stride=2, padding=1).message().startswith("even overlap")
    assert "no kernel size makes it even with dilation 2 and stride 2" in tconv.overlap(4, 3, 2, dilation=2).message()
    cells = _svg_cells(m.scene().svg())
    assert cells == {("overlap", "heat"): 9 * 9}
    m.save(tmp_path / "o.png")
    with pytest.raises(tconv.TconvError, match="as .svg or .png"):
        m.save(tmp_path / "o.gif")


LATIN_WORD = re.compile(r"\b(?!kernel_size\b|dilation\b|stride\b|k\b|s\b|p\b|op\b|d\b)[A-Za-z]{2,}")


@pytest.mark.parametrize("layer", [dict(kernel_size=3, stride=2), dict(kernel_size=4, stride=2),
                                   dict(kernel_size=3, stride=2, dilation=2), dict(kernel_size=5, stride=2, dilation=3),
                                   dict(kernel_size=(3, 4), stride=2)],
                         ids=["uneven", "even", "no-fix", "fix-with-dilation", "one-axis-uneven"])
def test_overlap_words_are_chinese_in_zh_and_unchanged_in_en(layer: dict) -> None:
    """Every caption of an overlap map (the message, the summary, the scene's title, label and caption) is Chinese
    in zh: only parameter names and numbers stay; English is the default and stays word for word."""
    m = tconv.overlap(4, layers=2, **layer)
    scene = m.scene(lang="zh")
    words = [m.message("zh"), m.summary("zh"), m.to_dict("zh")["message"], scene.title, scene.panels[0].label,
             scene.frames[0].caption]
    for text in words:
        assert re.search("[\u4e00-\u9fff]", text) and not LATIN_WORD.search(text), text
    assert m.to_dict()["message"] == m.message() == m.message("en")
    assert m.message().startswith("even overlap: " if m.even else "uneven overlap (checkerboard): axis ")


def test_overlap_message_in_english_word_for_word() -> None:
    assert tconv.overlap(4, (3, 4), stride=2, dilation=(3, 1), layers=2).message() == (
        "uneven overlap (checkerboard): axis 0: kernel_size 3 with stride 2 gives 2/1 taps per output phase; "
        "kernel_size 4 or 2 would make it even (even with dilation 3). After 2 layer(s) the cells receive 1 to 12 "
        "taps")
    assert tconv.overlap(4, 3, stride=3).message() == (
        "even overlap: every interior output cell receives the same number of taps (1 per layer)")


def test_save_to_file_objects_and_kinds(tmp_path: Path) -> None:
    """A path or an open file; the kind from the extension, the file's name, or kind=; the same bytes each way."""
    scene = tconv.animate(2, 2, stride=2, values=True)
    png = scene.save(tmp_path / "a.png", frame=1).read_bytes()
    buf = io.BytesIO()
    assert scene.save(buf, "png", frame=1) is None
    assert buf.getvalue() == png and png[:8] == b"\x89PNG\r\n\x1a\n"
    text = io.StringIO()
    scene.save(text, "svg")
    assert text.getvalue() == scene.svg() == scene.save(tmp_path / "b.svg").read_text(encoding="utf-8")
    with open(tmp_path / "c.gif", "wb") as f:  # the kind from the file's name
        scene.save(f)
    assert (tmp_path / "c.gif").read_bytes()[:6] == b"GIF89a"
    assert gif_info(tmp_path / "c.gif")[0] == len(scene.frames)
    assert scene.save(tmp_path / "d.dat", "svg").read_text().startswith("<svg")  # kind= beats the extension
    m = tconv.overlap(4, 3, stride=2)
    heat = io.BytesIO()
    m.save(heat, "png")
    assert heat.getvalue() == m.save(tmp_path / "o.png").read_bytes()
    for target, kind, message in [
        (io.BytesIO(), None, r"kind is needed to write to a file object \(BytesIO\): one of 'svg', 'gif', 'png'"),
        (io.StringIO(), "gif", r"cannot write kind 'gif' to a text file: GIF is binary, open the file with mode 'wb'"),
        (tmp_path / "e.svg", "pdf", r"kind 'pdf' is not known: choose one of 'svg', 'gif', 'png'"),
        (tmp_path / "e.bmp", None, r"cannot write '.*e.bmp': the extension must be one of .svg, .gif, .png"),
    ]:
        with pytest.raises(tconv.TconvError, match=message):
            scene.save(target, kind)
    with pytest.raises(tconv.TconvError, match="cannot write kind 'gif': an overlap heatmap is a still"):
        m.save(io.BytesIO(), "gif")


def test_one_writer_table_beside_the_writers() -> None:
    """One table, in render, of the three kinds; ``import tconv`` registers nothing and loads no renderer: the
    scene finds the table when it saves."""
    from tconv.render import WRITERS, write_gif, write_png, write_svg

    assert {"svg": write_svg, "gif": write_gif, "png": write_png} == WRITERS
    code = ("import sys, tconv; before = 'tconv.render' in sys.modules; svg = tconv.animate(2, 3).svg(frame=0); "
            "print(before, 'tconv.render' in sys.modules, svg[:4])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "True", "<svg"]


def test_cli_animate_overlap_and_errors(tmp_path: Path, capsys) -> None:
    out = tmp_path / "odd.gif"
    assert main(["animate", "-i", "3", "-k", "3", "-s", "2", "-p", "1", "--output-padding", "1", "--values",
                 "-o", str(out), "--cell-size", "16"]) == 0
    assert gif_info(out)[0] == 36
    assert main(["animate", "-i", "5", "-k", "3", "--no-transposed", "-o", str(tmp_path / "c.svg")]) == 0
    assert main(["animate", "--input", "[[1,2],[3,4]]", "--weight", "[[1,0],[0,1]]", "-s", "2", "--view", "scatter",
                 "--frame", "2", "-o", str(tmp_path / "s.png")]) == 0
    capsys.readouterr()
    assert main(["overlap", "-i", "5", "-k", "3", "-s", "2", "--layers", "2", "--json"]) == 0
    data = __import__("json").loads(capsys.readouterr().out)
    assert data["even"] is False and len(data["counts"]) == 23
    for argv, message in [
        (["animate", "-i", "3,3,3", "-k", "2", "-o", str(tmp_path / "x.svg")], "1-D and 2-D"),
        (["animate", "-i", "3", "-k", "2", "-o", str(tmp_path / "x.bmp")], "extension must be one of"),
        (["animate", "-i", "3", "-k", "2", "--view", "scatter", "--no-transposed", "-o", str(tmp_path / "x.svg")],
         "drop --no-transposed"),
        (["animate", "-i", "30", "-k", "3", "-o", str(tmp_path / "x.svg")], "at most 400"),
        (["animate", "-i", "3", "-k", "2", "--frame", "99", "-o", str(tmp_path / "x.svg")], "frame 99 is out of range"),
        (["overlap", "-i", "3", "-k", "2", "--layers", "9"], "layers 9 is too many"),
    ]:
        assert main(argv) == 2, argv
        assert message in capsys.readouterr().err


def test_svg_needs_no_pillow_and_raster_says_how_to_get_it(tmp_path: Path) -> None:
    code = ("import sys; sys.modules['PIL'] = None; import tconv; "
            "s = tconv.animate(2, 3); s.save(sys.argv[1] + '/a.svg'); "
            "print('PIL' in [m.split('.')[0] for m in sys.modules if sys.modules[m] is not None]);\n"
            "try:\n    s.save(sys.argv[1] + '/a.gif')\nexcept tconv.TconvError as e:\n    print(e)")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    lines = result.stdout.splitlines()
    assert lines[0] == "False" and lines[1].endswith(f": {install_hint('show')}")
    assert (tmp_path / "a.svg").stat().st_size > 1000


@pytest.mark.parametrize("draw", [tconv.overlap, tconv.animate], ids=["overlap", "animate"])
def test_a_drawn_layer_of_more_than_three_axes_is_refused_naming_the_sizes(draw) -> None:
    named = r"describe 5 spatial axes \(input_size 8, kernel_size \[3, 3, 3, 3, 3\]\)"
    with pytest.raises(tconv.TconvError, match=named):
        draw(8, [3] * 5)
