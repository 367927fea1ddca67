"""The weight gradient of a convolution or a transposed convolution: one GEMM per block of kernel taps.

Both weight gradients are the same sum. A tap ``j`` of the kernel joins the cell ``i`` of one array to the cell
``i·s + j·d − p`` of the other, so its gradient is the sum, over the batch and every ``i``, of the products of those
two cells:

    R[g·A + α, β, j] = Σ_{n, i} a[n, g·A + α, i] · b[n, g·B + β, i·s + j·d − p]          (b is 0 outside its cells)

* the direct convolution's weight ``(C_out, C_in/g, *k)``: ``a`` is the output's gradient, ``b`` the input;
* the transposed convolution's weight ``(C_in, C_out/g, *k)``: ``a`` is the input, ``b`` the output's gradient.

For one tap, the cells ``b[i·s + j·d − p]`` over every ``i`` are a strided window of ``b`` padded with ``p`` zeros:
the phase of ``b`` that tap reaches, shifted. Copied into a patch whose rows are (channel, image) and columns the
cells, the tap's gradient is one GEMM whose long (inner) dimension is batch × cells, ``(A × N·S) · (N·S × B)``.
Taps are stacked into the GEMM's columns (``T·B`` of them) until it is wide enough for BLAS: one read of ``a`` serves
several taps. Nothing is scattered, and no product with an inserted zero is computed (the stride is in the window).

>>> a = np.array([[[1.0, 2.0]]])                  # (N, A, E): the gradient at two output cells
>>> b = np.array([[[10.0, 20.0, 30.0]]])          # (N, B, L): the input
>>> tap_products(a, b, 1, (1,), (1,), (0,), (2,))  # tap 0: 1·10 + 2·20, tap 1: 1·20 + 2·30
array([[[50., 80.]]])
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .._axes import Index
from ._strided import StridedLayout, strided_weight_grad, strided_workspace, use_flat
from .blas import matmul

__all__ = ["TARGET_COLUMNS", "tap_products", "tap_products_workspace", "taps_per_gemm"]

#: Taps are stacked until a GEMM has at least this many columns (``T·B``): narrower GEMMs read the whole of ``a``
#: for a few columns each (measured: the DCGAN 64→3 layer's 3 columns per tap ran 5× slower one tap at a time).
TARGET_COLUMNS = 64


def taps_per_gemm(taps: int, columns: int) -> int:
    """How many taps one GEMM takes: enough for :data:`TARGET_COLUMNS` columns of ``columns`` each, at most all.

    >>> taps_per_gemm(16, 3), taps_per_gemm(16, 64), taps_per_gemm(4, 8)
    (16, 1, 4)
    """
    return max(1, min(taps, TARGET_COLUMNS // max(columns, 1)))


def _padded_extent(extent: Sequence[int], kernel: Sequence[int], stride: Sequence[int],
                   dilation: Sequence[int]) -> tuple[int, ...]:
    """Per axis, the cells of padded ``b`` that some tap reaches: (E − 1)·s + (k − 1)·d + 1."""
    return tuple((e - 1) * s + (k - 1) * d + 1 for e, k, s, d in zip(extent, kernel, stride, dilation))


def _direct(b_size: Sequence[int], padded: Sequence[int], pad_begin: Sequence[int]) -> bool:
    """Whether the windows can be read from ``b`` itself: no padding, and every cell a tap reaches is in ``b``."""
    return not any(pad_begin) and all(size >= p for size, p in zip(b_size, padded))


def tap_products_workspace(a_shape: Sequence[int], b_shape: Sequence[int], groups: int, stride: Sequence[int],
                           dilation: Sequence[int], pad_begin: Sequence[int], kernel: Sequence[int],
                           itemsize: int) -> int:
    """Bytes :func:`tap_products` allocates, its result included: with the flat layout,
    :func:`~tconv.algorithms._strided.strided_workspace`; with patches, ``a`` laid out once, ``b`` padded (unless
    its windows can be read directly), one block of taps' patch, the GEMMs' results and the weight laid out.

    >>> tap_products_workspace((1, 1, 2), (1, 1, 3), 1, (1,), (1,), (0,), (2,), 8)   # 2 + 0 + 2·2 + 2 + 2 cells
    80
    """
    n, ca, *extent = a_shape
    cb = b_shape[1]
    layout = StridedLayout.of(extent, b_shape[2:], kernel, stride, dilation, pad_begin)
    if use_flat(layout, cb // groups):
        return strided_workspace(layout, n, ca, cb, groups, itemsize, gradient=True)
    cells = math.prod(extent)
    taps = math.prod(kernel)
    per_b = cb // groups
    padded = _padded_extent(extent, kernel, stride, dilation)
    b_padded = 0 if _direct(b_shape[2:], padded, pad_begin) else n * cb * math.prod(padded)
    block = taps_per_gemm(taps, per_b)
    result = taps * ca * per_b
    return (n * ca * cells + b_padded + groups * block * per_b * n * cells + 2 * result) * itemsize


def tap_products(
    a: np.ndarray,
    b: np.ndarray,
    groups: int,
    stride: Sequence[int],
    dilation: Sequence[int],
    pad_begin: Sequence[int],
    kernel: Sequence[int],
    *,
    dtype: np.dtype | None = None,
    conj_a: bool = False,
    conj_b: bool = False,
) -> np.ndarray:
    """``R`` of the module's docstring, ``(g·A, B, *kernel)``, from ``a`` ``(N, g·A, *E)`` and ``b`` ``(N, g·B, *L)``.

    Wide groups of ``b`` on a layout with few zeros go to :func:`tconv.algorithms._strided.strided_weight_grad`
    (a GEMM per tap straight on ``b``'s phases, nothing copied per tap); the rest are computed here, with patches.

    ``dtype`` is the compute dtype (the copies convert to it: a float16 array is read once, into float32);
    ``conj_a`` / ``conj_b`` conjugate ``a`` or ``b`` as they are copied (the complex gradients' conjugate, free).
    Cells of ``b`` no tap reaches are never read; taps reaching past ``b``'s end read zeros.

    >>> a = np.ones((2, 2, 3))                     # a batch of 2, groups of one channel each
    >>> b = np.arange(2 * 2 * 5, dtype=float).reshape(2, 2, 5)
    >>> tap_products(a, b, 2, (2,), (1,), (1,), (2,))[:, 0]    # tap 0 reads b at 2i − 1 (0 at −1), tap 1 at 2i
    array([[28., 42.],
           [48., 72.]])
    """
    dtype = np.dtype(dtype or np.result_type(a.dtype, b.dtype))
    layout = StridedLayout.of(a.shape[2:], b.shape[2:], kernel, stride, dilation, pad_begin)
    if use_flat(layout, b.shape[1] // groups):  # wide enough: one GEMM per tap on contiguous slices, no patch
        return strided_weight_grad(a, b, groups, layout, kernel, dtype, conj_a=conj_a, conj_b=conj_b)
    n, ca, *extent = a.shape
    cb = b.shape[1]
    g, per_a, per_b = groups, ca // groups, cb // groups
    cells = math.prod(extent)
    taps = list(np.ndindex(*kernel))
    # a laid out once as (g, A, N·S): the batch joins the GEMMs' inner dimension
    a_rows = np.empty((g, per_a, n, *extent), dtype=dtype)
    moved = np.moveaxis(a.reshape(n, g, per_a, *extent), 0, 2)
    if conj_a:
        np.conjugate(moved, out=a_rows)
    else:
        np.copyto(a_rows, moved)
    a_rows = a_rows.reshape(g, per_a, n * cells)
    padded_size = _padded_extent(extent, kernel, stride, dilation)
    if _direct(b.shape[2:], padded_size, pad_begin):
        source = b
    else:  # zeros around b, and b's cells no tap reaches left out
        source = np.zeros((n, cb, *padded_size), dtype=dtype)
        kept = tuple(max(0, min(size, p_total - p)) for size, p_total, p in zip(b.shape[2:], padded_size, pad_begin))
        inside: Index = (slice(None), slice(None), *(slice(p, p + k) for p, k in zip(pad_begin, kept)))
        source[inside] = b[(slice(None), slice(None), *(slice(0, k) for k in kept))]
    block = taps_per_gemm(len(taps), per_b)
    patch = np.empty((g, block, per_b, n, *extent), dtype=dtype)
    result = np.empty((g, per_a, len(taps), per_b), dtype=dtype)
    for first in range(0, len(taps), block):
        chosen = taps[first:first + block]
        for t, tap in enumerate(chosen):
            window: Index = (slice(None), slice(None), *(
                slice(j * d, j * d + (e - 1) * s + 1, s) for j, d, s, e in zip(tap, dilation, stride, extent)))
            part = np.moveaxis(source[window].reshape(n, g, per_b, *extent), 0, 2)  # (g, B, N, *E), a view
            if conj_b:
                np.conjugate(part, out=patch[:, t])
            else:
                np.copyto(patch[:, t], part)
        cols = patch[:, :len(chosen)].reshape(g, len(chosen) * per_b, n * cells)
        # (g, A, N·S) @ (g, N·S, T·B): the patch is read transposed by BLAS, no copy
        product = matmul(a_rows, cols.transpose(0, 2, 1))
        result[:, :, first:first + len(chosen)] = product.reshape(g, per_a, len(chosen), per_b)
        del product
    del patch, source, a_rows
    # (g, A, K, B) -> (g·A, B, *kernel)
    return np.ascontiguousarray(result.transpose(0, 1, 3, 2)).reshape(ca, per_b, *kernel)
