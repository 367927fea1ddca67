"""Scenes cost what they show: memory linear in cells + frames, limits refused from the plan before any work,
GIF frames that are lossless differences in a fixed palette, writers that stream."""

from __future__ import annotations

import gc
import io
import itertools
import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import tconv
import tconv.scene.build as build
from tconv.render import WRITERS
from tconv.render.raster import BASE_COLOURS, _Painter, palette, render_frame
from tconv.render.style import hex_rgb
from tconv.scene.build import MAX_CELLS, MAX_FRAMES, sample_arrays, scene_cost

CASES = {
    "largest-equivalent": ((14, 14), 7, dict(values=True)),
    "largest-conv-dilated": (16, 1, dict(dilation=4, view="conv", values=True)),
    "strided-dilated": (6, 3, dict(stride=3, dilation=2, values=True)),
    "scatter-big-kernel": (8, 7, dict(view="scatter", values=True)),
    "odd": (3, 3, dict(stride=2, padding=1, output_padding=1, values=True)),
    "one-d": ((9,), (3,), dict(stride=(2,), values=True)),
    "pool": (6, 3, dict(view="conv", pool="max", values=True)),
    "no-values": (4, 3, dict(stride=2)),
}


def _stored(scene: tconv.Scene) -> int:
    """Numbers and marks the scene holds: every panel cell, and per frame its window, highlight and updates."""
    cells = sum(p.roles.size for p in scene.panels)
    return cells + sum((f.window is not None) + (f.highlight is not None) + len(f.updates) for f in scene.frames)


def _cost_kwargs(kw: dict) -> dict:
    return {k: v for k, v in kw.items() if k != "values"}


@pytest.mark.parametrize("name", list(CASES))
def test_scene_holds_cells_plus_frames_as_planned(name: str) -> None:
    size, kernel, kw = CASES[name]
    cost = scene_cost(size, kernel, **_cost_kwargs(kw))
    scene = tconv.animate(size, kernel, **kw)
    assert len(scene.frames) == cost.frames
    assert sum(p.roles.size for p in scene.panels) == cost.cells
    assert sum(len(f.updates) for f in scene.frames) == cost.updates
    assert _stored(scene) == cost.cells + cost.updates + sum(
        (f.window is not None) + (f.highlight is not None) for f in scene.frames)
    # the windows share one array of taps: a frame holds a corner, not one mark per tap
    windows = [f.window for f in scene.frames if f.window is not None]
    assert len({id(w.taps) for w in windows}) <= 1


def test_scene_memory_grows_as_cells_plus_frames() -> None:
    """Growing the input grows frames and cells together; the bytes held grow like their sum (cells × frames
    would grow like its square), and stay under the estimate animate checks."""
    held = []
    tconv.animate(2, 3, values=True)  # imports and caches out of the measurement
    for n in (2, 4, 8, 12, 14):
        cost = scene_cost(n, 3)
        tconv.animate(n, 3, values=True)  # this layer's prepared plan cached out of the measurement too
        gc.collect()
        tracemalloc.start()
        scene = tconv.animate(n, 3, values=True)
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak <= 0.9 * cost.nbytes, (n, peak, cost)
        cells = sum(p.roles.size for p in scene.panels)
        held.append((len(scene.frames), cells, current))
    (f0, c0, b0), (f1, c1, b1) = held[0], held[-1]
    assert f1 * c1 > 100 * f0 * c0  # cells × frames grew over a hundredfold...
    assert (b1 - b0) < 900 * ((f1 - f0) + (c1 - c0))  # ...the bytes only by under 900 per added frame or cell
    assert b1 < (f1 * c1) * 2  # under two bytes per cell × frame, where one copy of the values per frame is eight


@pytest.mark.parametrize("name", list(CASES))
def test_memory_estimate_bounds_the_build(name: str) -> None:
    size, kernel, kw = CASES[name]
    tconv.animate(2, 2)
    gc.collect()
    tracemalloc.start()
    tconv.animate(size, kernel, **kw)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak <= 0.9 * scene_cost(size, kernel, **_cost_kwargs(kw)).nbytes


def _no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("work was done before the refusal")

    for name in ("execute", "conv", "random_arrays", "Frame", "Panel", "Window", "insert_zeros", "_pool"):
        monkeypatch.setattr(build, name, fail)


@pytest.mark.parametrize("args, kwargs, message", [
    ((30, 3), {}, f"at most {MAX_FRAMES} are drawn"),
    ((16, 1), dict(stride=6), "frames; at most"),
    ((16, 1), dict(view="conv", padding=16, stride=6), f"at most {MAX_CELLS} are drawn"),
    ((16, 7), dict(view="scatter", stride=6), "cells; at most"),
    ((MAX_CELLS + 1,), (3,), "cells; at most"),
], ids=["frames", "strided-frames", "padded-cells", "scatter-cells", "panel-cells"])
def test_limits_are_refused_from_the_plan(monkeypatch: pytest.MonkeyPatch, args: tuple, kwargs: dict,
                                          message: str) -> None:
    _no_work(monkeypatch)
    if isinstance(kwargs, tuple):  # 1-D: sizes as sequences
        args, kwargs = (args, kwargs), {}
    with pytest.raises(tconv.TconvError, match=message):
        tconv.animate(*args, **kwargs)


def test_memory_budget_is_checked_before_building(monkeypatch: pytest.MonkeyPatch) -> None:
    need = scene_cost(14, 7).nbytes
    _no_work(monkeypatch)
    with tconv.options(memory_budget=need - 1), pytest.raises(tconv.TconvError, match="an animation of 400 frames"):
        tconv.animate(14, 7, values=True)


def _gif_blocks(data: bytes) -> tuple[bytes, list[dict]]:
    """The global colour table and, per image, its control extension and descriptor (a small GIF reader)."""
    assert data[:6] == b"GIF89a"
    flags = data[10]
    table_size = 3 << ((flags & 7) + 1)
    table = data[13: 13 + table_size]
    pos, images, control = 13 + table_size, [], None
    while data[pos] != 0x3B:
        if data[pos] == 0x21:  # extension: label, then sub-blocks
            label = data[pos + 1]
            if label == 0xF9:
                packed, delay, transparent = struct.unpack("<BHB", data[pos + 3: pos + 7])
                control = dict(disposal=(packed >> 2) & 7, transparent=transparent if packed & 1 else None,
                               delay=delay)
            pos += 2
            while data[pos]:
                pos += data[pos] + 1
            pos += 1
        else:
            assert data[pos] == 0x2C
            x, y, w, h, f = struct.unpack("<HHHHB", data[pos + 1: pos + 10])
            assert not f & 0x80  # no local colour table: every frame uses the fixed global one
            images.append(dict(box=(x, y, w, h), **(control or {})))
            control = None
            pos += 11  # descriptor and LZW minimum code size
            while data[pos]:
                pos += data[pos] + 1
            pos += 1
    return table, images


GIF_CASES = {
    "odd": CASES["odd"],
    "scatter": (3, 3, dict(stride=2, view="scatter", values=True)),
    "pool": CASES["pool"],
    "one-d": CASES["one-d"],
    "no-values": (2, 3, dict(stride=2, padding=1)),
}


@pytest.mark.parametrize("name", list(GIF_CASES))
def test_gif_frames_are_lossless_differences_in_a_fixed_palette(name: str) -> None:
    size, kernel, kw = GIF_CASES[name]
    scene = tconv.animate(size, kernel, cell_size=16, **kw)
    data = b"".join(scene.chunks("gif"))
    assert data == b"".join(WRITERS["gif"](scene, None))  # deterministic
    table, images = _gif_blocks(data)
    pal = palette(scene)
    allowed = {hex_rgb(c) for c in BASE_COLOURS}
    allowed |= {pal.colours[i] for i in pal.shade[: len(BASE_COLOURS)]}  # and their footprint shades
    colours = {tuple(table[i: i + 3]) for i in range(0, 3 * pal.transparent, 3)}
    assert colours == set(pal.colours) and colours <= allowed
    width, height = Image.open(io.BytesIO(data)).size
    assert len(images) == len(scene.frames) and images[0]["box"] == (0, 0, width, height)
    for im in images[1:]:  # each later frame: the changed rectangle, the rest transparent, left in place
        _, _, w, h = im["box"]
        assert w * h < width * height and im["disposal"] == 1 and im["transparent"] == pal.transparent
    painter = _Painter(scene)  # whole frames, drawn from scratch: what render_frame draws
    base = painter.background()
    rgb = np.array(pal.colours, dtype=np.uint8)
    assert np.array_equal(np.asarray(render_frame(scene, 1).convert("RGB")), rgb[painter.frame(1, base)])
    with Image.open(io.BytesIO(data)) as gif:
        for i in range(gif.n_frames):
            gif.seek(i)
            got = np.asarray(gif.convert("RGB"))
            want = rgb[painter.frame(i, base)]
            np.testing.assert_array_equal(got, want, err_msg=f"frame {i}")
            codes = np.unique(got.reshape(-1, 3).astype(np.uint32) @ np.array([1 << 16, 1 << 8, 1], np.uint32))
            assert {(int(c) >> 16, (int(c) >> 8) & 255, int(c) & 255) for c in codes} <= colours


def test_writers_stream_a_frame_at_a_time(tmp_path: Path) -> None:
    scene = tconv.animate(3, 2, stride=2, values=True)
    n = len(scene.frames)
    assert len(list(scene.chunks("gif"))) == n + 1  # the header with frame 0, one per later frame, the trailer
    assert len(list(scene.chunks("svg"))) == n * 2 + 3
    writes: list[int] = []

    class Recorder(io.BytesIO):
        def write(self, b: bytes) -> int:  # type: ignore[override]
            writes.append(len(b))
            return super().write(b)

    out = Recorder()
    scene.save(out, "gif")
    assert len(writes) == n + 1 and out.getvalue() == b"".join(WRITERS["gif"](scene, None))
    assert scene.save(tmp_path / "a.svg").read_text() == scene.svg()


def test_a_refused_gif_leaves_the_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "keep.gif"
    path.write_bytes(b"old")
    scene = tconv.animate(2, 3)
    with tconv.options(memory_budget=100_000), pytest.raises(tconv.TconvError, match="a GIF of 16 frame"):
        scene.save(path)
    assert path.read_bytes() == b"old"


def test_value_spans_replay_the_updates() -> None:
    """Each update is shown from its frame until the cell's next update (or the end), and replaying them gives
    the sums conv_transpose computes."""
    scene = tconv.animate(3, 3, stride=2, view="scatter", values=True, seed=2)
    n = len(scene.frames)
    by_cell: dict[tuple[int, int], list[tuple[int, int, object]]] = {}
    for first, end, u in scene.value_spans():
        by_cell.setdefault((u.row, u.col), []).append((first, end, u.value))
        for f in range(first, end):
            assert scene.shown(f, "output")[u.row, u.col] == u.value
    assert max(len(v) for v in by_cell.values()) > 1  # stamps overlap: some cells change several times
    for spans in by_cell.values():
        assert spans[-1][1] == n and all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    x, w = sample_arrays(None, None, (3, 3), (3, 3), 2)
    full = tconv.conv_transpose(x[None, None], w[None, None], stride=2)[0, 0]
    np.testing.assert_array_equal(scene.shown(-1, "output"), full)
