"""The engines' temporaries kept between calls (tconv.algorithms.workspace): reused, never trusted, bounded, per
thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tconv
from helpers import TOLERANCE, torch_conv_transpose
from strategies import valid_cases
from tconv.algorithms import workspace
from tconv.algorithms.workspace import KEEP_BYTES, Workspace, held_bytes, release, scope

FAST = ("col2im", "phase", "implicit", "stacked", "accumulate")


def _poison(ws: Workspace) -> None:
    """Fill every kept byte with a NaN pattern (0xFF bytes are NaN in float16/32/64): an engine that read a kept
    buffer without writing or zeroing it first would put NaN in its result."""
    for raw in ws._raw.values():
        raw.fill(0xFF)


@settings(max_examples=150, deadline=None)
@given(case=valid_cases(dtypes=(np.float64, np.float32)), other=valid_cases(dtypes=(np.float64, np.float32)),
       algorithm=st.sampled_from(FAST))
def test_a_call_never_reads_what_another_call_left_in_the_kept_buffers(case, other, algorithm) -> None:
    """Another layer's call fills the buffers first, then they are poisoned: the result still equals torch's."""
    if algorithm in ("implicit", "stacked") and any(s != 1 for s in case.stride):
        algorithm = "phase"
    x, w, b = case.arrays()
    ox, ow, ob = other.arrays(1)
    tconv.conv_transpose(ox, ow, ob, **other.kwargs())  # auto: fills this thread's buffers with another shape
    tconv.conv_transpose(x, w, b, **case.kwargs(), algorithm=algorithm)
    _poison(workspace._workspace())
    got = tconv.conv_transpose(x, w, b, **case.kwargs(), algorithm=algorithm)
    want = torch_conv_transpose(x, w, b, case)
    terms = case.in_per_group * int(np.prod(case.kernel_size))
    np.testing.assert_allclose(got, want, rtol=0, atol=TOLERANCE[case.dtype] * terms * 4)


def test_the_same_layer_reuses_its_buffers_from_call_to_call() -> None:
    release()
    x = np.random.default_rng(0).standard_normal((2, 8, 16, 16)).astype(np.float32)
    w = np.random.default_rng(1).standard_normal((8, 8, 3, 3)).astype(np.float32)
    tconv.conv_transpose(x, w, padding=1, algorithm="stacked")
    kept = {name: raw.ctypes.data for name, raw in workspace._workspace()._raw.items()}
    assert set(kept) == {"flat.padded", "flat.stacked", "flat.product"}
    assert held_bytes() == sum(raw.nbytes for raw in workspace._workspace()._raw.values()) > 0
    first = tconv.conv_transpose(x, w, padding=1, algorithm="stacked")
    assert {name: raw.ctypes.data for name, raw in workspace._workspace()._raw.items()} == kept
    assert not np.shares_memory(first, workspace._workspace()._raw["flat.product"])  # the result is the caller's
    release()
    assert held_bytes() == 0
    np.testing.assert_array_equal(tconv.conv_transpose(x, w, padding=1, algorithm="stacked"), first)


def test_take_zeroes_once_per_call_and_aligns() -> None:
    ws = Workspace()
    with scope():
        a = ws.take("a", (3, 5), np.float32, zero=True)
        a[...] = 1
        assert ws.take("a", (3, 5), np.float32, zero=True).sum() == 15  # the same call: left as it was
        assert ws.take("a", (5, 3), np.float32, zero=True).sum() == 0  # another shape: zeroed again
        c = ws.take("c", (7,), np.complex128)
        assert c.ctypes.data % workspace.ALIGN == 0 and a.ctypes.data % workspace.ALIGN == 0
        assert c.flags.c_contiguous and c.dtype == np.complex128 and c.shape == (7,)


def test_what_is_kept_after_a_call_is_bounded_and_other_engines_buffers_go_first(monkeypatch) -> None:
    monkeypatch.setattr(workspace, "KEEP_BYTES", 3000)
    release()
    with scope() as ws:
        ws.take("old.big", (500,), np.float32)  # 2,000 bytes
    assert held_bytes() == 2000 + workspace.ALIGN
    with scope() as ws:
        ws.take("new.small", (100,), np.float32)  # 400 bytes: the old buffer, not taken, is freed first
        ws.take("new.mid", (400,), np.float32)
    assert sorted(workspace._workspace()._raw) == ["new.mid", "new.small"]
    with scope() as ws:
        ws.take("new.small", (100,), np.float32)
        ws.take("new.mid", (1000,), np.float32)  # 4,000 bytes: over the bound even alone, so it is freed
    assert sorted(workspace._workspace()._raw) == ["new.small"]
    assert held_bytes() <= 3000
    release()


def test_a_large_call_keeps_at_most_the_bound() -> None:
    release()
    x = np.ones((4, 64, 48, 48), np.float32)
    w = np.ones((64, 64, 3, 3), np.float32)
    with tconv.options(chunk_bytes=64 << 20):  # one chunk of 4 images: about 40 MiB of temporaries
        tconv.conv_transpose(x, w, padding=1, algorithm="stacked")
    assert 0 < held_bytes() <= KEEP_BYTES
    release()


def test_scopes_nest_and_release_waits_for_the_outermost() -> None:
    with scope() as outer:
        a = outer.take("n", (4,), np.float64, zero=True)
        a[...] = 2
        with scope() as inner:
            assert inner is outer
            assert inner.take("n", (4,), np.float64, zero=True).sum() == 8  # still the same call
            release()  # inside a call: does nothing
        assert held_bytes() > 0
    release()
    assert held_bytes() == 0


def test_each_thread_has_its_own_buffers() -> None:
    seen: dict[str, int] = {}
    both = threading.Barrier(2)  # both threads alive at once: a finished thread's buffers are freed with it

    def work(tag: str) -> None:
        with scope() as ws:
            seen[tag] = ws.take("t", (1000,), np.float64).ctypes.data
            seen[tag + "-ws"] = id(ws)
            both.wait(timeout=10)

    threads = [threading.Thread(target=work, args=(tag,)) for tag in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen["a"] != seen["b"] and seen["a-ws"] != seen["b-ws"]


@pytest.mark.parametrize("threads", [1, 2])
def test_the_threads_option_gives_each_worker_its_buffers_and_the_same_result(threads) -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 16, 20, 20)).astype(np.float32)
    w = rng.standard_normal((16, 8, 4, 4)).astype(np.float32)
    want = tconv.conv_transpose(x, w, stride=2, padding=1, algorithm="scatter")
    with tconv.options(threads=threads, chunk_bytes=1 << 16):  # many chunks
        for _ in range(2):
            got = tconv.conv_transpose(x, w, stride=2, padding=1, algorithm="phase")
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-4)
