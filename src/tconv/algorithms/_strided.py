"""A strided correlation and its weight gradient as GEMMs on contiguous slices: no im2col, no per-tap copy.

Both gradients that read ``b[i·s + j·d − p]`` (the input gradient of a transposed convolution, a strided
convolution of ``grad_output``; and both weight gradients) split ``b`` into its phases, as ``accumulate`` splits a
transposed convolution's output (:mod:`tconv.algorithms.accumulate`): with ``r = (j·d − p) mod s`` and
``q = (j·d − p − r) / s`` per axis, ``b[i·s + j·d − p] = b_r[i + q]``, where ``b_r[m] = b[s·m + r]`` (0 outside ``b``).
Lay the batch out flat, channels first, every image followed by zeros along each axis (``rows = E + max q − min q``
cells per axis, ``E`` the cells of ``i``), ``a`` with its cells at the start of each row and each phase of ``b``
shifted by ``min q``: then ``b_r[i + q]`` over every ``i`` of every image is one *contiguous slice* of ``b_r``'s
buffer, at an offset fixed by ``q``. Each tap is one GEMM on that slice:

* the weight gradient of tap ``j``: ``a_flat @ b_r[offset_j : offset_j + span]ᵀ``, the cells of ``a``'s zeros
  adding nothing;
* the strided correlation, ``out[i] = Σ_j W_jᵀ b[i·s + j·d − p]``: ``out_flat += W_jᵀ @ b_r[offset_j : ...]``, BLAS
  adding in place (β = 1, :func:`tconv.algorithms.blas.gemm`); the cells of ``out``'s zeros are left out at the end.

What is copied: ``b`` once into its phases, ``a`` once (or ``out`` once, at the end). A zero in the layout meets
the other array's values only in products that are dropped or add 0 (with finite values; NaN and Inf propagate, not
cell by cell as PyTorch's im2col places them).

>>> layout = StridedLayout.of((3,), (5,), (2,), (2,), (1,), (1,))
>>> layout.rows, [(t.residues, t.offset) for t in layout.taps]     # tap 0 reads b[2i − 1], tap 1 b[2i]
((4,), [((1,), 0), ((0,), 1)])
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import blas

__all__ = ["MAX_ZEROS", "MIN_CHANNELS", "StridedLayout", "Tap", "strided_correlate", "strided_weight_grad",
           "strided_workspace", "use_flat"]

#: The flat layout is used where the channels each tap's GEMM sums over (the weight gradient's columns, the
#: correlation's inner dimension) are at least this many: with 3 (DCGAN's 64→3 layer) a GEMM per tap is a thin,
#: memory-bound product 16 times over, and stacking the taps' patches (:mod:`tconv.algorithms._weight_grad`,
#: :mod:`tconv.algorithms._correlate`) measured 2-3× faster.
MIN_CHANNELS = 32
#: ... and where the zeros of the layout add at most this share to every GEMM's long dimension (rows / extent):
#: 8×8 images with k4 s2 p1 have 10×10 rows, 1.56× the products, which measured slower than the patches.
MAX_ZEROS = 1.25


def use_flat(layout: StridedLayout, channels: int) -> bool:
    """Whether the flat layout computes this layout's taps (:data:`MIN_CHANNELS`, :data:`MAX_ZEROS`).

    >>> use_flat(StridedLayout.of((32, 32), (64, 64), (4, 4), (2, 2), (1, 1), (1, 1)), 64)    # 34² / 32²: 1.13
    True
    >>> use_flat(StridedLayout.of((8, 8), (16, 16), (4, 4), (2, 2), (1, 1), (1, 1)), 64)      # 10² / 8²: 1.56
    False
    """
    return channels >= MIN_CHANNELS and layout.image <= MAX_ZEROS * math.prod(layout.extent)


@dataclass(frozen=True)
class Tap:
    """One kernel tap: its index in the flattened kernel, the phase of ``b`` it reads and where its slice starts.

    >>> Tap(0, (1,), 0)
    Tap(index=0, residues=(1,), offset=0)
    """

    index: int
    residues: tuple[int, ...]
    offset: int


@dataclass(frozen=True)
class StridedLayout:
    """The flat layout of one strided correlation: ``extent`` cells of ``a`` per axis (``E``), ``rows`` per axis
    with their zeros, ``b``'s size, and per axis each tap's ``(r, q)``. The taps and the phases they read are
    worked out when first asked for: the memory estimate needs only the sizes, so a kernel of 10⁸ taps is refused
    without listing them.

    >>> layout = StridedLayout.of((2, 2), (4, 4), (2, 2), (2, 2), (1, 1), (0, 0))     # k2 s2: one tap per phase
    >>> layout.rows, len(layout.phases), layout.image
    ((2, 2), 4, 4)
    """

    extent: tuple[int, ...]
    b_size: tuple[int, ...]
    stride: tuple[int, ...]
    rows: tuple[int, ...]
    qmin: tuple[int, ...]
    per_axis: tuple[tuple[tuple[int, int], ...], ...]

    @classmethod
    def of(cls, extent: Sequence[int], b_size: Sequence[int], kernel: Sequence[int], stride: Sequence[int],
           dilation: Sequence[int], pad_begin: Sequence[int]) -> StridedLayout:
        """The layout for ``a`` of ``extent`` cells, ``b`` of ``b_size``, and the kernel's taps.

        >>> StridedLayout.of((3,), (7,), (3,), (2,), (1,), (0,)).phases     # taps 0, 2 on even cells, 1 on odd
        ((0,), (1,))
        """
        per_axis = []
        for a in range(len(extent)):
            t = [j * dilation[a] - pad_begin[a] for j in range(kernel[a])]
            per_axis.append(tuple((v % stride[a], v // stride[a]) for v in t))  # (r, q): v = s·q + r
        qmin = tuple(min(q for _, q in axis) for axis in per_axis)
        qmax = tuple(max(q for _, q in axis) for axis in per_axis)
        rows = tuple(e + hi - lo for e, hi, lo in zip(extent, qmax, qmin))
        return cls(tuple(extent), tuple(b_size), tuple(stride), rows, qmin, tuple(per_axis))

    @property
    def phase_count(self) -> int:
        """How many phases of ``b`` the taps read: every combination of each axis's residues.

        >>> StridedLayout.of((8, 8), (16, 16), (3, 3), (2, 2), (1, 1), (1, 1)).phase_count
        4
        """
        return math.prod(len({r for r, _ in axis}) for axis in self.per_axis)

    @cached_property
    def phases(self) -> tuple[tuple[int, ...], ...]:
        """The residues of every phase the taps read, in order.

        >>> StridedLayout.of((3,), (5,), (2,), (2,), (1,), (1,)).phases
        ((0,), (1,))
        """
        return tuple(itertools.product(*(sorted({r for r, _ in axis}) for axis in self.per_axis)))

    @cached_property
    def taps(self) -> tuple[Tap, ...]:
        """Every tap, in the flattened kernel's order, with its phase and its slice's offset.

        >>> [(t.index, t.residues, t.offset) for t in StridedLayout.of((3,), (5,), (2,), (2,), (1,), (1,)).taps]
        [(0, (1,), 0), (1, (0,), 1)]
        """
        pitch = tuple(math.prod(self.rows[a + 1:]) for a in range(len(self.rows)))
        taps = []
        for index, parts in enumerate(itertools.product(*self.per_axis)):
            offset = sum((q - lo) * p for (_, q), lo, p in zip(parts, self.qmin, pitch))
            taps.append(Tap(index, tuple(r for r, _ in parts), offset))
        return tuple(taps)

    @property
    def tap_count(self) -> int:
        """The kernel's taps, counted without listing them.

        >>> StridedLayout.of((3, 3), (5, 5), (2, 3), (2, 2), (1, 1), (1, 1)).tap_count
        6
        """
        return math.prod(len(axis) for axis in self.per_axis)

    @property
    def image(self) -> int:
        """Cells of one image's block in the flat layout (per channel).

        >>> StridedLayout.of((3,), (5,), (2,), (2,), (1,), (1,)).image      # 3 cells and a zero
        4
        """
        return math.prod(self.rows)

    def span(self, batch: int) -> int:
        """Flat cells from ``a``'s first cell to its last one (of the last image): every GEMM's long dimension.

        >>> StridedLayout.of((3,), (5,), (2,), (2,), (1,), (1,)).span(2)     # 4 + 2 + 1
        7
        """
        pitch = [math.prod(self.rows[a + 1:]) for a in range(len(self.rows))]
        return (batch - 1) * self.image + sum((e - 1) * p for e, p in zip(self.extent, pitch)) + 1

    def split(self, b: np.ndarray, dtype: np.dtype, conj: bool = False) -> dict[tuple[int, ...], np.ndarray]:
        """``b`` ``(N, C, *b_size)`` as its phases, each ``(C, N·image)`` in the flat layout (conjugated where
        ``conj``): ``b_r[m]`` at row coordinate ``m − min q``, zeros where ``s·m + r`` falls outside ``b``.

        >>> layout = StridedLayout.of((3,), (5,), (2,), (2,), (1,), (1,))
        >>> {r: v.tolist() for r, v in layout.split(np.array([[[1.0, 2.0, 3.0, 4.0, 5.0]]]), np.dtype(float)).items()}
        {(0,): [[0.0, 1.0, 3.0, 5.0]], (1,): [[0.0, 2.0, 4.0, 0.0]]}
        """
        n, c = b.shape[:2]
        out = {}
        for residues in self.phases:
            buffer = np.zeros((c, n, *self.rows), dtype=dtype)
            dst: list[slice] = []
            src: list[slice] = []
            for r, lo, s, rows, size in zip(residues, self.qmin, self.stride, self.rows, self.b_size):
                first = max(0, -lo)  # m = coordinate + lo ≥ 0
                last = min(rows - 1, (size - 1 - r) // s - lo)  # s·m + r ≤ size − 1
                if last < first:
                    dst.append(slice(0, 0))
                    src.append(slice(0, 0))
                    continue
                dst.append(slice(first, last + 1))
                src.append(slice(s * (first + lo) + r, s * (last + lo) + r + 1, s))
            part = np.moveaxis(b[(slice(None), slice(None), *src)], 0, 1)
            target = buffer[(slice(None), slice(None), *dst)]
            if conj:
                np.conjugate(part, out=target)
            else:
                np.copyto(target, part)
            out[residues] = buffer.reshape(c, n * self.image)
        return out

    def flat(self, a: np.ndarray, dtype: np.dtype, conj: bool = False) -> np.ndarray:
        """``a`` ``(N, C, *extent)`` in the flat layout ``(C, N·image)``, its cells at the start of each row.

        >>> StridedLayout.of((3,), (5,), (2,), (2,), (1,), (1,)).flat(np.array([[[1.0, 2.0, 3.0]]]), np.dtype(float))
        array([[1., 2., 3., 0.]])
        """
        n, c = a.shape[:2]
        buffer = np.zeros((c, n, *self.rows), dtype=dtype)
        target = buffer[(slice(None), slice(None), *(slice(0, e) for e in self.extent))]
        if conj:
            np.conjugate(np.moveaxis(a, 0, 1), out=target)
        else:
            np.copyto(target, np.moveaxis(a, 0, 1))
        return buffer.reshape(c, n * self.image)


def strided_workspace(layout: StridedLayout, batch: int, a_channels: int, b_channels: int, groups: int,
                      itemsize: int, *, gradient: bool) -> int:
    """Bytes :func:`strided_weight_grad` (``gradient``) or :func:`strided_correlate` allocates, its result included.

    >>> layout = StridedLayout.of((3,), (5,), (2,), (2,), (1,), (1,))
    >>> strided_workspace(layout, 1, 1, 1, 1, 8, gradient=True)   # a 4, b's phases 2 · 4, result 2 · 2 (·2)
    128
    """
    taps = layout.tap_count
    flat = batch * layout.image
    phases = layout.phase_count * b_channels * flat
    if gradient:  # a laid out, the phases, the per-tap products and the weight laid out again
        result = taps * a_channels * (b_channels // groups)
        return (a_channels * flat + phases + 2 * result) * itemsize
    # the phases, the sums (and a product beside them for narrow groups), the weight laid out, the cut result
    narrow = groups > 1
    weights = taps * a_channels * (b_channels // groups)
    cells = batch * a_channels * math.prod(layout.extent)
    return (phases + (2 if narrow else 1) * a_channels * flat + weights + cells) * itemsize


def strided_weight_grad(a: np.ndarray, b: np.ndarray, groups: int, layout: StridedLayout, kernel: Sequence[int],
                        dtype: np.dtype, *, conj_a: bool = False, conj_b: bool = False) -> np.ndarray:
    """``R[g·A + α, β, j] = Σ_{n, i} a[n, g·A + α, i] · b[n, g·B + β, i·s + j·d − p]``, ``(g·A, B, *kernel)``: one
    GEMM per tap on a contiguous slice of ``b``'s phase.

    >>> layout = StridedLayout.of((3,), (5,), (2,), (2,), (1,), (1,))
    >>> a, b = np.array([[[1.0, 1.0, 1.0]]]), np.array([[[1.0, 2.0, 3.0, 4.0, 5.0]]])
    >>> strided_weight_grad(a, b, 1, layout, (2,), np.dtype(float))    # tap 0: b[−1] + b[1] + b[3]; tap 1: b[0, 2, 4]
    array([[[6., 9.]]])
    """
    n, ca = a.shape[:2]
    cb = b.shape[1]
    g, per_a, per_b = groups, ca // groups, cb // groups
    a_flat = layout.flat(a, dtype, conj_a).reshape(g, per_a, n * layout.image)
    phases = {r: v.reshape(g, per_b, n * layout.image) for r, v in layout.split(b, dtype, conj_b).items()}
    span = layout.span(n)
    result = np.empty((len(layout.taps), g, per_a, per_b), dtype=dtype)
    left = a_flat[:, :, :span]
    for tap in layout.taps:
        right = phases[tap.residues][:, :, tap.offset:tap.offset + span].transpose(0, 2, 1)
        blas.matmul(left, right, out=result[tap.index])
    del a_flat, phases, left
    # (K, g, A, B) -> (g·A, B, *kernel)
    return np.ascontiguousarray(result.transpose(1, 2, 3, 0)).reshape(ca, per_b, *kernel)


def strided_correlate(b: np.ndarray, weight: np.ndarray, groups: int, layout: StridedLayout, dtype: np.dtype, *,
                      conj_weight: bool = False) -> np.ndarray:
    """``out[n, g·A + α, i] = Σ_{β, j} weight[g·A + α, β, j] · b[n, g·B + β, i·s + j·d − p]``, ``(N, g·A, *E)``:
    ``weight`` is ``(g·A, B, *kernel)`` (a transposed convolution's weight for its input gradient; a direct
    convolution's for its forward), one GEMM per tap adding in place.

    >>> layout = StridedLayout.of((3,), (5,), (2,), (2,), (1,), (1,))
    >>> strided_correlate(np.array([[[1.0, 2.0, 3.0, 4.0, 5.0]]]), np.array([[[1.0, 10.0]]]), 1, layout,
    ...                   np.dtype(float))     # out[i] = b[2i − 1] + 10·b[2i]
    array([[[10., 32., 54.]]])
    """
    n = b.shape[0]
    ca, per_b = weight.shape[:2]
    g, per_a = groups, ca // groups
    taps = len(layout.taps)
    phases = {r: v.reshape(g, per_b, n * layout.image) for r, v in layout.split(b, dtype).items()}
    # tap j of group g as a contiguous (A, B) matrix
    w = weight.reshape(g, per_a, per_b, taps)
    wl = np.empty((taps, g, per_a, per_b), dtype=dtype)
    if conj_weight:
        np.conjugate(w.transpose(3, 0, 1, 2), out=wl)
    else:
        np.copyto(wl, w.transpose(3, 0, 1, 2))
    span = layout.span(n)
    sums = np.empty((g, per_a, n * layout.image), dtype=dtype)
    product = np.empty((g, per_a, span), dtype=dtype) if g > 1 else None
    for k, tap in enumerate(layout.taps):
        right = phases[tap.residues][:, :, tap.offset:tap.offset + span]
        if product is None:  # one group: BLAS adds into the sums in place
            blas.gemm(wl[tap.index, 0], right[0], sums[0, :, :span], accumulate=k > 0)
        elif k == 0:
            blas.matmul(wl[tap.index], right, out=sums[:, :, :span])
        else:  # several groups: one batched product and an add, not one BLAS call per group
            blas.matmul(wl[tap.index], right, out=product)
            sums[:, :, :span] += product
    del phases, product
    cells = sums.reshape(ca, n, *layout.rows)[(slice(None), slice(None), *(slice(0, e) for e in layout.extent))]
    return np.ascontiguousarray(np.moveaxis(cells, 1, 0))
