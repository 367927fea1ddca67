"""The direct BLAS GEMM (tconv.algorithms.blas) and the engine built on it (accumulate): the same numbers as
np.matmul and torch on any views, nothing written outside the output view, the same results without BLAS, and
auto's rule with and without it."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tconv
from helpers import Case, assert_close, torch_conv_transpose
from strategies import valid_cases
from tconv.algorithms import blas

DTYPES = (np.float32, np.float64, np.complex64, np.complex128, np.int64)
LAYOUTS = ("contiguous", "transposed", "inside", "strided")


def _view(rng: np.random.Generator, shape: tuple[int, int], dtype: type, layout: str) -> np.ndarray:
    """A (rows × cols) array of ``dtype`` laid out as named: C order, the transpose of a C-order array (unit stride
    down the columns), a window of a larger array (a leading dimension beyond the row), or every other element
    (no unit stride: BLAS cannot take it)."""
    rows, cols = shape
    data = rng.integers(-4, 5, size=(rows, cols))
    if np.dtype(dtype).kind == "c":
        data = data + 1j * rng.integers(-4, 5, size=(rows, cols))
    data = data.astype(dtype)
    if layout == "transposed":
        out = np.empty((cols, rows), dtype).T
    elif layout == "inside":
        out = np.empty((rows + 2, cols + 3), dtype)[1:rows + 1, 2:cols + 2]
    elif layout == "strided":
        out = np.empty((rows, 2 * cols), dtype)[:, ::2]
    else:
        out = np.empty((rows, cols), dtype)
    out[...] = data
    return out


@settings(max_examples=300, deadline=None)
@given(dtype=st.sampled_from(DTYPES), m=st.integers(0, 6), k=st.integers(0, 6), n=st.integers(0, 6),
       layouts=st.tuples(*(st.sampled_from(LAYOUTS),) * 3), accumulate=st.booleans(), seed=st.integers(0, 99))
def test_gemm_equals_matmul_and_writes_only_its_view(dtype, m, k, n, layouts, accumulate, seed) -> None:
    """Small integers make every product exact in every dtype, so the comparison is exact; the output view sits
    inside a sentinel-filled parent whose other elements must come back untouched."""
    rng = np.random.default_rng(seed)
    a = _view(rng, (m, k), dtype, layouts[0])
    b = _view(rng, (k, n), dtype, layouts[1])
    parent = np.full((m + 2, 2 * n + 3), 77, dtype)
    transposed = np.full((n + 1, m + 2), 77, dtype)
    c = {"contiguous": parent[1:m + 1, 1:n + 1], "inside": parent[1:m + 1, 2:n + 2],
         "transposed": transposed[1:, 1:m + 1].T, "strided": parent[1:m + 1, 1:2 * n + 1:2]}[layouts[2]]
    c[...] = rng.integers(-4, 5, size=(m, n))
    before = c.copy()
    blas.gemm(a, b, c, accumulate=accumulate)
    expected = (before if accumulate else 0) + a.astype(np.complex128) @ b.astype(np.complex128)
    np.testing.assert_array_equal(c, expected if np.dtype(dtype).kind == "c" else expected.real)
    c[...] = 77  # then nothing of either parent differs from the sentinel: nothing was written outside the view
    assert (parent == 77).all() and (transposed == 77).all()


@pytest.mark.skipif(blas.loaded_blas() is None, reason="no OpenBLAS in this process")
def test_blas_takes_the_views_it_can_describe_and_only_those() -> None:
    a = np.ones((3, 4), np.float32)
    b = np.ones((4, 5), np.float32)
    c = np.zeros((6, 5), np.float32)
    assert blas._blas_call(a, b, c[:3], False)  # row-major output: one BLAS call
    assert blas._blas_call(np.ones((4, 3), np.float32).T, b, c[3:], True)  # a column-major operand
    assert not blas._blas_call(a, np.ones((4, 10), np.float32)[:, ::2], c[:3], False)  # no unit stride
    row = np.ones((4, 9), np.float32)[:, 2][None, :]  # 1 × 4 with a stride of 9: column-major, ld 9
    assert blas._blas_call(row, b, np.zeros((1, 5), np.float32), False)
    assert not blas._blas_call(a, b, np.zeros((5, 3), np.float32).T, False)  # a column-major output
    assert not blas._blas_call(a.astype(np.int64), b.astype(np.int64), c.astype(np.int64)[:3], False)
    assert not blas._blas_call(a, b.astype(">f4"), c[:3].astype(">f4"), False)  # dtypes differ, byte order
    shared = np.zeros((4, 4), np.float32)
    assert not blas._blas_call(shared[:3, :4], shared[:4, :3], shared[1:4, 1:4], False)  # reads what it writes
    np.testing.assert_array_equal(c, np.full((6, 5), 4.0))  # both calls wrote: 4 = the sum of four ones


def test_without_blas_the_fallback_gives_the_same_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((7, 5)), rng.standard_normal((5, 9))
    with_blas = np.ones((7, 9))
    blas.gemm(a, b, with_blas, accumulate=True)
    monkeypatch.setattr(blas, "loaded_blas", lambda: None)
    without = np.ones((7, 9))
    blas.gemm(a, b, without, accumulate=True)
    np.testing.assert_allclose(with_blas, without, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(without, 1 + a @ b, rtol=1e-13, atol=1e-13)


def test_an_output_that_overlaps_an_operand_is_computed_from_the_operand_as_it_was() -> None:
    buffer = np.arange(16.0).reshape(4, 4)
    a, b = buffer[:, :2], buffer[:2, :]
    expected = a @ b
    blas.gemm(a, b, buffer, accumulate=False)  # np.matmul copies what it must first
    np.testing.assert_array_equal(buffer, expected)


def test_mismatched_shapes_and_read_only_outputs_are_refused() -> None:
    with pytest.raises(ValueError, match=r"gemm: shapes \(2, 3\) @ \(4, 2\) into \(2, 2\)"):
        blas.gemm(np.ones((2, 3)), np.ones((4, 2)), np.ones((2, 2)), accumulate=False)
    with pytest.raises(ValueError, match=r"gemm: shapes \(2, 0\) @ \(0, 3, 7\) into \(2, 3\)"):
        blas.gemm(np.ones((2, 0)), np.ones((0, 3, 7)), np.ones((2, 3)), accumulate=False)
    frozen = np.zeros((2, 0))
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="gemm: the output is read-only"):
        blas.gemm(np.ones((2, 3)), np.ones((3, 0)), frozen, accumulate=False)


def test_unaligned_views_take_the_fallback() -> None:
    raw = np.zeros(4 * 6 + 1, np.uint8)
    unaligned = raw[1:].view(np.float32).reshape(2, 3)
    unaligned[...] = 1
    assert not unaligned.flags.aligned or not blas._blas_call(unaligned, np.ones((3, 2), np.float32),
                                                              np.zeros((2, 2), np.float32), False)
    out = np.zeros((2, 2), np.float32)
    blas.gemm(unaligned, np.ones((3, 2), np.float32), out, accumulate=False)
    np.testing.assert_array_equal(out, np.full((2, 2), 3.0))


def test_numpys_own_openblas_is_found_even_after_another_one_loads() -> None:
    """NumPy's wheels link scipy_openblas64_ (64-bit integers). SciPy loads an OpenBLAS of its own (32-bit
    integers, its own threads): the GEMMs and the thread count are still NumPy's, as threadpoolctl names it."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    scipy_linalg = pytest.importorskip("scipy.linalg")  # loads SciPy's OpenBLAS, if SciPy has one
    from tconv.algorithms import chunks

    numpy_blas = [i for i in threadpoolctl.threadpool_info()
                  if i["internal_api"] == "openblas" and "numpy" in i["filepath"]]
    if not numpy_blas:
        pytest.skip("this NumPy does not ship an OpenBLAS")
    blas.loaded_blas.cache_clear()
    chunks.blas_controls.cache_clear()
    try:
        found = blas.loaded_blas()
        assert found is not None and sorted(found.gemms) == ["D", "F", "d", "f"]
        assert found.path == os.path.realpath(numpy_blas[0]["filepath"])
        if "64_" in os.path.basename(found.path):
            assert found.int_max == (1 << 63) - 1
        controls = chunks.blas_controls()
        assert controls is not None
        assert blas.library_path(controls[1]) == found.path  # the threads option sets the same library's count
        del scipy_linalg
    finally:
        blas.loaded_blas.cache_clear()
        chunks.blas_controls.cache_clear()


@settings(max_examples=60, deadline=None)
@given(case=valid_cases(dtypes=(np.float64, np.float32)))
def test_accumulate_without_blas_equals_torch(case: Case) -> None:
    """Where no OpenBLAS is found (MKL, Accelerate), the engine's GEMMs fall back to np.matmul: same numbers."""
    x, w, b = case.arrays()
    expected = torch_conv_transpose(x, w, b, case)
    original = blas.loaded_blas
    blas.loaded_blas = lambda: None  # type: ignore[assignment]  (hypothesis and monkeypatch do not mix)
    try:
        actual = tconv.conv_transpose(x, w, b, **case.kwargs(), algorithm="accumulate")
    finally:
        blas.loaded_blas = original
    assert_close(actual, expected, case)


SHARED_AND_WIDE = [  # accumulate's paths that small random cases rarely reach, each against torch
    Case(2, 3, 1, 40, 36, (12, 12), (4, 4), (2, 2), (1, 1), (0, 0), (1, 1), True),  # DCGAN-like: phases share shifts
    Case(1, 2, 1, 34, 33, (40,), (16,), (8,), (4,), (0,), (1,), True),  # vocoder-like: 8 phases, 2 shifts each
    Case(2, 2, 2, 33, 32, (9, 11), (3, 5), (2, 3), (2, 0), (1, 2), (1, 1), False),  # uneven phases, groups
    Case(3, 2, 1, 32, 32, (5, 6, 4), (4, 2, 3), (2, 2, 1), (1, 0, 1), (1, 0, 0), (1, 1, 2), True),  # 3-D
    Case(2, 2, 1, 32, 40, (14, 14), (3, 3), (1, 1), (1, 1), (0, 0), (2, 2), False),  # stride 1, dilated
    Case(2, 2, 1, 36, 32, (6, 6), (4, 4), (2, 2), (5, 5), (1, 1), (1, 1), True),  # padding crops past the phases
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
@pytest.mark.parametrize("case", SHARED_AND_WIDE, ids=lambda c: f"{c.nd}d-k{c.kernel_size}-s{c.stride}")
def test_accumulate_on_wide_layers_equals_torch(case: Case, dtype: type) -> None:
    from dataclasses import replace

    case = replace(case, dtype=dtype)
    x, w, b = case.arrays(11)
    if dtype == np.complex128:  # Case.arrays draws real parts only: give the input and weight imaginary ones
        xi, wi, _ = replace(case, dtype=np.float64).arrays(12)
        x, w = x + 1j * xi, w + 1j * wi
    expected = torch_conv_transpose(x, w, b, case)
    for chunk in (1 << 22, 3000):  # one chunk, and several with a last partial one
        with tconv.options(chunk_bytes=chunk):
            actual = tconv.conv_transpose(x, w, b, **case.kwargs(), algorithm="accumulate")
        if dtype == np.complex128:
            np.testing.assert_allclose(actual, expected, rtol=1e-10, atol=1e-9)
        else:
            assert_close(actual, expected, case)


def test_auto_rule_with_and_without_blas(monkeypatch: pytest.MonkeyPatch) -> None:
    """accumulate where it runs at BLAS speed (a stride-1 layer, phases with several taps, wide groups); phase
    for one tap per phase, col2im for heads and tiny inputs, stacked and phase where no BLAS is found or the
    dtype is int64."""
    from tconv.algorithms import PHASE, choose
    from tconv.bench import LAYERS
    from tconv.params import plan_conv_transpose

    picks = {layer.name.split(" ")[0] + " " + layer.name.split(" ")[1]: choose(layer.plan()).NAME for layer in LAYERS}
    if blas.loaded_blas() is not None:
        assert picks == {"DCGAN 512→256": "col2im", "DCGAN 128→64": "accumulate", "DCGAN 64→3": "col2im",
                         "U-Net 256→128": PHASE, "stride-1 64→64": "accumulate", "3D 32→16": PHASE,
                         "1D vocoder": "accumulate", "grouped 128→128": PHASE, "dilated 64→64": "accumulate"}
    wide = plan_conv_transpose((2, 64, 32, 32), (64, 64, 3, 3), dtype="int64")
    assert choose(wide).NAME == "stacked"
    monkeypatch.setattr(blas, "loaded_blas", lambda: None)
    monkeypatch.setattr(tconv.algorithms, "loaded_blas", lambda: None)
    assert {layer.name: choose(layer.plan()).NAME for layer in LAYERS if "stride-1" in layer.name or "DCGAN 128" in
            layer.name} == {"DCGAN 128→64 32² k4 s2 p1 N16": PHASE, "stride-1 64→64 56² k3 s1 p1 N8": "stacked"}
