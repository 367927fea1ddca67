"""The memory guard: what a call allocates stays within what it checked against the budget, for every
algorithm, dtype, memory layout and thread count; every entry point that allocates in proportion to its
arguments refuses, with a TconvError and before allocating, what the budget cannot hold.

tracemalloc sees every NumPy array (NumPy reports its data allocations to it), so its peak during a call is
what the call allocated. The slack covers Python objects (index tuples, slices, small lists) and what a first
call of a kind allocates once (lazy imports, NumPy's cached loops): 256 KiB.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tconv
from tconv.functional import conv_memory_need
from tconv.params import plan_conv, plan_conv_transpose
from tconv.recipe import memory_need
from tconv.settings import total_memory

SLACK = 256 << 10
ALGORITHMS = ("scatter", "zero_insert", "matrix", "col2im", "phase", "implicit", "stacked", "accumulate", "auto")


def traced_peak(call: Callable[[], Any]) -> tuple[Any, int]:
    """The result of ``call()`` and the bytes it allocated at its peak, beyond what was allocated before.
    (Run the call once untraced first where it may be the first of its kind: a lazy import's code objects are
    traced too.) The calling thread's kept temporaries are released first, so that the call allocates every
    temporary it counts rather than reusing one a previous call left."""
    from tconv.algorithms.workspace import release

    release()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = call()
        return result, tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


@contextmanager
def budget(nbytes: int | None) -> Iterator[None]:
    with tconv.options(memory_budget=nbytes):
        yield


def _layout(arr: np.ndarray, how: str) -> np.ndarray:
    if how == "fortran":
        return np.asfortranarray(arr)
    if how == "broadcast":  # zero strides: one element that reads as the whole array
        return np.broadcast_to(arr.reshape(-1)[:1].reshape((1,) * arr.ndim), arr.shape)
    if how == "reversed":  # negative strides
        return arr[..., ::-1]
    return arr


@st.composite
def memory_cases(draw: st.DrawFn) -> dict[str, Any]:
    """Small-image layers and big-weight, small-output ones (the weight then dominates what is copied)."""
    nd = draw(st.integers(1, 3))
    big_weight = draw(st.booleans())
    groups = draw(st.integers(1, 2))
    if big_weight:
        cin, cout = groups * draw(st.integers(32, 96)), groups * draw(st.integers(32, 96))
        size = [draw(st.integers(1, 2)) for _ in range(nd)]
        batch = draw(st.integers(1, 2))
    else:
        cin, cout = groups * draw(st.integers(1, 12)), groups * draw(st.integers(1, 12))
        size = [draw(st.integers(1, {1: 120, 2: 20, 3: 7}[nd])) for _ in range(nd)]
        batch = draw(st.sampled_from([1, 3, 9]))
    kernel = [draw(st.integers(1, 4)) for _ in range(nd)]
    stride = [draw(st.integers(1, 3)) for _ in range(nd)]
    dilation = [draw(st.integers(1, 2)) for _ in range(nd)]
    output_padding = [draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation)]
    # at most what leaves one output cell: 2p ≤ (L − 1)·s + d·(k − 1) + op
    padding = [draw(st.integers(0, ((n - 1) * s + d * (k - 1) + op) // 2))
               for n, k, s, d, op in zip(size, kernel, stride, dilation, output_padding)]
    return dict(
        x_shape=(batch, cin, *size), w_shape=(cin, cout // groups, *kernel),
        kwargs=dict(stride=stride, padding=padding, output_padding=output_padding, groups=groups, dilation=dilation),
        dtype=draw(st.sampled_from([np.float32, np.float64, np.float16, np.int64, np.complex64])),
        x_layout=draw(st.sampled_from(["c", "fortran", "reversed"])),
        w_layout=draw(st.sampled_from(["c", "fortran", "broadcast", "reversed"])),
        algorithm=draw(st.sampled_from(ALGORITHMS)),
        threads=draw(st.sampled_from([1, 2])),
    )


@given(memory_cases())
def test_peak_stays_within_what_the_guard_checked(case: dict[str, Any]) -> None:
    """For hypothesis-drawn layers, every algorithm, dtype, layout (Fortran order, broadcast weights, negative
    strides) and thread count: tracemalloc's peak ≤ the checked need + SLACK; and with the budget set to
    exactly that need the call runs, one byte less and it is refused."""
    dtype = case["dtype"]
    x = _layout(np.ones(case["x_shape"], dtype), case["x_layout"])
    w = _layout(np.ones(case["w_shape"], dtype), case["w_layout"])
    kwargs, algorithm = case["kwargs"], case["algorithm"]
    plan = plan_conv_transpose(x.shape, w.shape, None, **kwargs, dtype=np.dtype(dtype).name)
    with tconv.options(threads=case["threads"]):
        try:
            need = memory_need(plan, x, w, algorithm)
        except tconv.TconvError as exc:  # an algorithm that cannot compute this layer says so before any work
            assert "algorithm" in str(exc) or "matrix" in str(exc)
            return
        tconv.conv_transpose(x, w, **kwargs, algorithm=algorithm)  # first calls import lazily: not traced
        with budget(need):
            y, peak = traced_peak(lambda: tconv.conv_transpose(x, w, **kwargs, algorithm=algorithm))
        with budget(need - 1), pytest.raises(tconv.TconvError, match="memory budget"):
            tconv.conv_transpose(x, w, **kwargs, algorithm=algorithm)
    assert y.shape == plan.output_shape and y.dtype == dtype
    assert peak <= need + SLACK, f"peak {peak:,} > checked {need:,} + {SLACK:,}"


@given(memory_cases())
def test_conv_peak_stays_within_what_the_guard_checked(case: dict[str, Any]) -> None:
    """The forward convolution too (the weight as conv's ``(C_out, C_in/g, *k)``; stride, padding, dilation)."""
    dtype, kw = case["dtype"], case["kwargs"]
    cin, mg, *kernel = case["w_shape"]
    groups = kw["groups"]
    # padding d·(k − 1) (a "full" convolution) fits any kernel in any input; the rest as drawn
    kwargs = dict(stride=kw["stride"], padding=[d * (k - 1) for k, d in zip(kernel, kw["dilation"])],
                  dilation=kw["dilation"], groups=groups)
    x = _layout(np.ones(case["x_shape"], dtype), case["x_layout"])
    w = _layout(np.ones((mg * groups, cin // groups, *kernel), dtype), case["w_layout"])
    plan = plan_conv(x.shape, w.shape, None, **kwargs, dtype=np.dtype(dtype).name)
    need = conv_memory_need(plan, x, w)
    tconv.conv(x, w, **kwargs)
    with budget(need):
        y, peak = traced_peak(lambda: tconv.conv(x, w, **kwargs))
    with budget(need - 1), pytest.raises(tconv.TconvError, match="memory budget"):
        tconv.conv(x, w, **kwargs)
    assert y.shape == plan.output_shape
    assert peak <= need + SLACK, f"peak {peak:,} > checked {need:,} + {SLACK:,}"


MEMORY_LAYERS = [  # (input shape, weight shape, kwargs): stride 1 and 2, groups, dilation, small and large images
    ((6, 16, 40, 40), (16, 8, 4, 4), dict(stride=2, padding=1)),
    ((8, 16, 48, 48), (16, 16, 3, 3), dict(padding=1)),
    ((8, 32, 20, 20), (32, 4, 3, 3), dict(stride=2, groups=4, dilation=2)),
    ((8, 16, 2500), (16, 16, 5), dict(padding=2, dilation=2)),
    ((2, 8, 16, 16, 16), (8, 8, 2, 2, 2), dict(stride=2)),
    ((1, 1024, 1, 1), (1024, 512, 3, 3), dict()),  # a decoder's first layer: the weight is all the memory
]


def _layer_id(layer: tuple[Any, ...]) -> str:
    return f"{len(layer[0]) - 2}d-{layer[0][1]}ch-{layer[2]}"


#: Each algorithm on each layer it computes (implicit and stacked: stride 1 only).
MEMORY_CASES = [pytest.param(algorithm, layer, id=f"{algorithm}-{_layer_id(layer)}")
                for layer in MEMORY_LAYERS for algorithm in ALGORITHMS if algorithm != "matrix"
                and (algorithm not in ("implicit", "stacked") or layer[2].get("stride", 1) == 1)]


@pytest.mark.parametrize("algorithm,layer", MEMORY_CASES)
def test_peak_within_need_on_realistic_layers(algorithm: str, layer: tuple[Any, ...]) -> None:
    xs, ws, kw = layer
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(xs).astype(np.float32), rng.standard_normal(ws).astype(np.float32)
    need = memory_need(plan_conv_transpose(x.shape, w.shape, None, **kw, dtype="float32"), x, w, algorithm)
    y, peak = traced_peak(lambda: tconv.conv_transpose(x, w, **kw, algorithm=algorithm))
    assert y.dtype == np.float32
    assert peak <= need + SLACK, (peak, need)


@pytest.mark.parametrize("algorithm", ["auto", "phase", "zero_insert", "col2im"])
def test_weight_copies_are_counted(algorithm: str) -> None:
    """The issue's case: a float16 2048 × 2048 × 3 × 3 weight on a 1 × 1 input: 72 MiB of weight, 3 × 3 output.
    The engines copy the weight (float32 conversion, then their layouts), so a 50 MiB budget refuses it."""
    x, w = np.ones((1, 2048, 1, 1), np.float16), np.ones((2048, 2048, 3, 3), np.float16)
    with budget(50 << 20), pytest.raises(tconv.TconvError, match=r"output shape \[1, 2048, 3, 3\]"):
        tconv.conv_transpose(x, w, algorithm=algorithm)


def test_the_weights_float32_copy_and_layouts_are_in_the_need() -> None:
    x, w = np.ones((1, 2048, 1, 1), np.float16), np.ones((2048, 2048, 3, 3), np.float16)
    plan = plan_conv_transpose(x.shape, w.shape, dtype="float16")
    assert memory_need(plan, x, w, "phase") >= 3 * w.size * 4  # the float32 copy and two layouts of it


def test_broadcast_weight_counts_at_full_size() -> None:
    """A zero-stride weight (10⁵, 10⁵, 1, 1) is 8 bytes in memory and 37 GiB once copied: refused, not a
    MemoryError."""
    w = np.broadcast_to(np.float32(1), (10**5, 10**5, 1, 1))
    with pytest.raises(tconv.TconvError, match="memory budget"):
        tconv.conv_transpose(np.ones((1, 10**5, 1, 1), np.float32), w)


def test_default_budget_is_half_the_machine_not_the_free_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default comes from total memory, read once: it does not move when other processes take memory."""
    monkeypatch.delenv("TCONV_MEMORY_BUDGET", raising=False)
    assert tconv.get_memory_budget() == total_memory() // 2
    assert tconv.get_memory_budget() == tconv.get_memory_budget()
    with open("/proc/meminfo") as f:
        fields = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in f}
    assert total_memory() <= fields["MemTotal"]
    assert total_memory() > fields["MemTotal"] // 8  # a container's limit, if any, is not tiny here


# ------------------------------------------------------------------------------------------------------------------
# every entry point that allocates in proportion to its arguments checks first (and quickly)
# ------------------------------------------------------------------------------------------------------------------

HUGE_CALLS: list[tuple[str, Callable[[], Any], str]] = [
    ("layer constructor", lambda: tconv.ConvTranspose2d(10**5, 10**5, 3), "ConvTranspose2d(100000, 100000"),
    ("layer constructor 3d", lambda: tconv.ConvTranspose3d(4096, 4096, 64), "ConvTranspose3d(4096, 4096"),
    ("overlap", lambda: tconv.overlap((10**6, 10**6), 7, stride=3, layers=4), "input_size [1000000, 1000000]"),
    ("overlap after layers", lambda: tconv.overlap((900, 900), 3, stride=2, layers=4), "after 1 layer(s)"),
    ("overlap 1d", lambda: tconv.overlap([10**12], 3, stride=2), "1,000,000,000,000 cells"),
    ("animate", lambda: tconv.animate((10**4, 10**4), 3, stride=2), "100,000,000 input cells"),
    ("animate kernel", lambda: tconv.animate(3, 10**5), "kernel cells"),
    ("explain", lambda: tconv.explain(np.broadcast_to(1.0, (1, 10**4, 10**4)), np.ones((1, 1, 3, 3)), stride=2),
     "explain shows every product"),
    ("explain matrix", lambda: tconv.explain(np.ones((1, 40, 40)), np.ones((1, 1, 3, 3)), view="matrix"),
     "entry of the matrix C"),
    ("explain backward", lambda: tconv.explain(np.broadcast_to(1.0, (1, 10**4, 10**4)), np.ones((1, 1, 3, 3)),
                                               view="backward"), "entry of the matrix C"),
    ("explain backward batch", lambda: tconv.explain(np.broadcast_to(1.0, (10**6, 1, 3)), np.ones((1, 1, 2)),
                                                     view="backward"), "every product: this configuration has 18,000,"),
    ("conv", lambda: tconv.conv(np.ones((1, 1, 10**5)), np.ones((1, 1, 1)), padding=10**12), "memory budget"),
    ("conv_transpose", lambda: tconv.conv_transpose(np.ones((1, 1, 3)), np.ones((1, 1, 3)), stride=2**31 - 1),
     "memory budget"),
]


@pytest.mark.parametrize("call,words", [(c, w) for _, c, w in HUGE_CALLS], ids=[n for n, _, _ in HUGE_CALLS])
def test_huge_requests_are_refused_at_once_without_allocating(call: Callable[[], Any], words: str) -> None:
    """Each is refused in well under a second, having allocated less than a megabyte: checked before allocating."""
    start = time.perf_counter()
    tracemalloc.start()
    try:
        with pytest.raises(tconv.TconvError) as info:
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert words in str(info.value)
    assert peak < 1 << 20
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("name,call", [
    ("layer", lambda: tconv.ConvTranspose2d(256, 128, 4, stride=2)),
    ("layer float64", lambda: tconv.ConvTranspose1d(64, 512, 9, dtype=np.float64)),
])
def test_layer_constructor_checks_what_it_allocates(name: str, call: Callable[[], Any]) -> None:
    """With the budget just under the traced peak the constructor is refused; at twice the peak it runs."""
    layer, peak = traced_peak(call)
    assert peak >= layer.weight.nbytes
    with budget(peak - SLACK), pytest.raises(tconv.TconvError, match="memory budget"):
        call()
    with budget(2 * peak):
        assert call().weight.shape == layer.weight.shape


@pytest.mark.parametrize("case", ["int64", "no BLAS", "one output channel"])
def test_accumulate_counts_the_product_of_its_fallback(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where BLAS cannot be called (int64, no OpenBLAS in the process), accumulate's GEMMs go through np.matmul,
    whose product is a temporary the estimate must count; with one output channel per group they stay on BLAS."""
    from tconv.algorithms import blas

    dtype = np.int64 if case == "int64" else np.float64
    if case == "no BLAS":
        monkeypatch.setattr(blas, "loaded_blas", lambda: None)
    xs, ws = ((1, 2, 300, 300), (2, 1, 3, 3)) if case == "one output channel" else ((1, 8, 48, 48), (8, 64, 3, 3))
    x, w = np.ones(xs, dtype), np.ones(ws, dtype)
    need = memory_need(plan_conv_transpose(x.shape, w.shape, None, padding=1, dtype=np.dtype(dtype).name), x, w,
                       "accumulate")
    tconv.conv_transpose(x, w, padding=1, algorithm="accumulate")  # untraced first: lazy imports
    y, peak = traced_peak(lambda: tconv.conv_transpose(x, w, padding=1, algorithm="accumulate"))
    assert y[0, 0, 1, 1] == w.shape[0] * 9  # every interior cell sums all taps of all input channels
    assert peak <= need + SLACK, (peak, need)
