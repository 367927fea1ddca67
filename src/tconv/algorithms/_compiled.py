"""The compiled kernels of the ``numba`` extra: imported only by the engines that
run them, when they run, never by ``import tconv``.

Each kernel is compiled by numba (``njit`` with ``cache=True, nogil=True``) on its first call for each dtype and
memory layout (about a second each, docs/algorithms.md) and cached on disk, so a later process loads it in
milliseconds. numba picks the cache's folder: ``NUMBA_CACHE_DIR`` where set, else ``__pycache__`` beside this file,
else (a read-only install) a folder in the user's cache (``~/.cache/numba``). They release the GIL, so tconv's chunk
threads (the ``threads`` option) run them side by side. No kernel changes an arithmetic result: they move values
that BLAS computed, so an engine built on them is as exact as the NumPy engine it replaces.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, uint64  # type: ignore[import-untyped, import-not-found, unused-ignore]

__all__ = ["interleave"]


@njit(cache=True, nogil=True)  # type: ignore[misc, unused-ignore]
def _interleave(y, ys, yshape, out, os, oshape, pidx, res0, m0, res1, m1, first2, start2, count2, step2):  # type: ignore[no-untyped-def]
    # y and out flat, with element strides ys (b, g, p, c, e0, e1, e2) and os (b, g, c, o0, o1, o2): flat offsets,
    # not array views, in the loops (a numba view costs a reference count per row); the inner loops index with
    # unsigned integers, which numba does not check for negative (wrap-around) indices, so LLVM vectorizes them
    # (measured: 0.10 against 0.54 ns per element for the stride-2 zip)
    n2 = first2.shape[0]
    # stride 2 on the last axis with both residues filling the row alternately: the row is their two sources zipped
    lo = 0 if n2 == 2 and first2[0] < first2[1] else 1
    hi = 1 - lo
    pair = (n2 == 2 and step2 == 2 and os[5] == 1 and ys[6] == 1 and first2[hi] == first2[lo] + 1
            and 0 <= count2[lo] - count2[hi] <= 1)
    for b in range(yshape[0]):
        for g in range(yshape[1]):
            for c in range(yshape[3]):
                for o0 in range(oshape[3]):
                    a0 = res0[o0]
                    if a0 < 0:
                        continue
                    for o1 in range(oshape[4]):
                        a1 = res1[o1]
                        if a1 < 0:
                            continue
                        orow = b * os[0] + g * os[1] + c * os[2] + o0 * os[3] + o1 * os[4]
                        yrow = b * ys[0] + g * ys[1] + c * ys[3] + m0[o0] * ys[4] + m1[o1] * ys[5]
                        if pair and pidx[a0, a1, lo] >= 0 and pidx[a0, a1, hi] >= 0:
                            dst = uint64(orow + first2[lo])
                            src0 = uint64(yrow + pidx[a0, a1, lo] * ys[2] + start2[lo])
                            src1 = uint64(yrow + pidx[a0, a1, hi] * ys[2] + start2[hi])
                            n = uint64(count2[hi])
                            for k in range(n):
                                out[dst + uint64(2) * k] = y[src0 + k]
                                out[dst + uint64(2) * k + uint64(1)] = y[src1 + k]
                            if count2[lo] > count2[hi]:
                                out[dst + uint64(2) * n] = y[src0 + n]
                            continue
                        for a2 in range(n2):
                            p = pidx[a0, a1, a2]
                            if p < 0:
                                continue
                            dst = uint64(orow + first2[a2] * os[5])
                            src = uint64(yrow + p * ys[2] + start2[a2] * ys[6])
                            dstep, sstep = uint64(step2 * os[5]), uint64(ys[6])
                            for k in range(uint64(count2[a2])):
                                out[dst + k * dstep] = y[src + k * sstep]


def _flat(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A 1-D view of the memory ``a`` spans (from its first element) and its strides in elements."""
    if a.flags.c_contiguous:
        return a.reshape(-1), np.array(a.strides, dtype=np.int64) // a.itemsize
    assert all(s >= 0 for s in a.strides) and all(s % a.itemsize == 0 for s in a.strides)
    span = 1 + sum((n - 1) * s for n, s in zip(a.shape, a.strides)) // a.itemsize if a.size else 0
    flat = np.lib.stride_tricks.as_strided(a, shape=(span,), strides=(a.itemsize,))
    return flat, np.array([s // a.itemsize for s in a.strides], dtype=np.int64)


def interleave(y: np.ndarray, out: np.ndarray, tables: tuple[np.ndarray, ...], step: int) -> None:
    """Write the phases of ``y`` ``(B, g, P, Mg, E0, E1, E2)`` into ``out`` ``(B, g, Mg, O0, O1, O2)`` in one pass,
    output row by output row: each output row is finished (every phase of its last axis written) while it is in
    the cache, where one strided NumPy assignment per phase sweeps the whole output once per phase.

    ``tables`` are, from :mod:`tconv.algorithms.fused`: the phase index of each residue combination (−1: not this
    GEMM's), for axes 0 and 1 each output cell's residue (−1: not written) and low-resolution cell, and for the
    last axis per residue its first output cell, first low-resolution cell and count (``step`` apart).

    >>> y = np.arange(4.0).reshape(1, 1, 2, 1, 1, 1, 2)          # phases 0 and 1 of a k2 s2 row, 2 cells each
    >>> out = np.zeros((1, 1, 1, 1, 1, 4))
    >>> one, zero = np.ones((1, 1, 2), np.int64), np.zeros(1, np.int64)
    >>> one[0, 0] = [0, 1]
    >>> interleave(y, out, (one, zero, zero, zero, zero, np.array([0, 1]), np.array([0, 0]), np.array([2, 2])), 2)
    >>> out.ravel()
    array([0., 2., 1., 3.])
    """
    if y.size == 0 or out.size == 0:
        return
    yflat, ys = _flat(y)
    oflat, os_ = _flat(out)
    kernel: Any = _interleave  # numba's Dispatcher, typed by numba as taking no arguments
    kernel(yflat, ys, np.array(y.shape, dtype=np.int64), oflat, os_, np.array(out.shape, dtype=np.int64), *tables,
           step)
