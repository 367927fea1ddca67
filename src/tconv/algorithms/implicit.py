"""``implicit``: stride-1 transposed convolution as an implicit GEMM over shifted views, with no im2col copy.

With stride 1 the transposed convolution is a plain correlation of the input, padded by d·(k−1)−p (plus
output_padding at the end), with the flipped, I/O-swapped kernel. Flatten each padded image: the input needed by
kernel tap ``t`` is then a *contiguous slice* of the flat image, offset by ``t``'s position. So one GEMM with a
row block per tap, ``Z[t] = W[t] · X`` on the flat padded input itself (no copy), gives every tap's
contribution, and the output is ``Σ_t Z[t]`` shifted by ``t``'s offset, laid on a grid with the padded row pitch
whose junk columns are never read. One tall GEMM (prod(k)·Cout rows) runs nearer OpenBLAS's peak than one short
GEMM per tap (docs/benchmarks.md). Only stride 1 on every axis; other strides are refused (``auto`` never picks
it there).

The batch is processed in cache-sized chunks (:mod:`tconv.algorithms.chunks`); each
thread allocates its buffers once and reuses them for its next chunks.

The same machinery with ``stack=True`` is the ``stacked`` algorithm (:mod:`tconv.algorithms.stacked`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._axes import Index
from ..errors import TconvError
from ..params import ConvTransposePlan
from .base import weight_size
from .blas import matmul
from .chunks import chunk_size, for_chunks, threads_for
from .geometry import flipped_weight, placement
from .workspace import Workspace

NAME = "implicit"
SUMMARY = "stride 1 only: one GEMM, a row block per kernel tap, on the flat padded input (no im2col), shifted sums"


@dataclass(frozen=True)
class FlatPlan:
    """The flat geometry of both stride-1 engines for one layer; ``stack`` stacks the last axis's taps into the
    GEMM's inner dimension (``stacked``).

    ``implicit`` reads the padded image itself. ``stacked`` reads its stacked copy, whose last axis is already cut
    to the output's width (tap j of the last axis is the window starting at j·d): rows with the output's pitch,
    so that its GEMM computes no columns for the horizontal padding.

    >>> from tconv.params import plan_conv_transpose
    >>> flat = prepare(plan_conv_transpose((1, 1, 4), (1, 1, 3)))     # stride 1: x padded by 2 each side
    >>> flat.padded, flat.offsets, flat.span        # three taps summed at offsets 0, 1, 2 over 6 outputs
    ((8,), (0, 1, 2), 6)
    """

    layer: ConvTransposePlan
    stack: bool
    padded: tuple[int, ...]  # the padded image's shape
    grid: tuple[int, ...]  # the shape of the grid the GEMM reads flat
    pitch: tuple[int, ...]  # its pitches
    span: int  # the flat span covering every output position: Σ (O_a − 1)·pitch_a + 1
    cols: int  # the columns every GEMM computes
    row: int  # the row length of its product
    offsets: tuple[int, ...]  # the flat offset of each summed tap
    src: tuple[slice, ...]  # the part of x that lands in the padded image (stride 1: only padding or cropping)
    dst: tuple[slice, ...]  # and where
    zeroed_output: bool = False  # every output cell is written

    @property
    def stacked_taps(self) -> int:
        """Taps stacked into the GEMM's inner dimension: the last axis's kernel size for ``stacked``, else 1.

        >>> from tconv.params import plan_conv_transpose
        >>> from tconv.algorithms import stacked
        >>> layer = plan_conv_transpose((1, 2, 4, 4), (2, 3, 3, 3))
        >>> prepare(layer).stacked_taps, stacked.prepare(layer).stacked_taps
        (1, 3)
        """
        return self.layer.kernel_size[-1] if self.stack else 1

    def per_image(self) -> int:
        """Elements of one image's working set: the padded input, the stacked copy, the product of every tap.

        >>> from tconv.params import plan_conv_transpose
        >>> flat = prepare(plan_conv_transpose((1, 1, 4), (1, 1, 3)))     # stride 1: x padded by 2 each side
        >>> flat.per_image()          # 8 padded cells + 3 taps' products of 8
        32
        """
        plan, ktaps = self.layer, self.stacked_taps
        stacked = ktaps * math.prod(self.grid) if self.stack else 0
        return plan.in_channels * (math.prod(self.padded) + stacked) + plan.out_channels * len(self.offsets) * self.row

    def chunk(self, batch: int, itemsize: int) -> int:
        """Images per chunk: as many as :func:`~tconv.algorithms.chunks.chunk_size` lets fit.

        >>> from tconv.params import plan_conv_transpose
        >>> prepare(plan_conv_transpose((1, 64, 16, 16), (64, 64, 3, 3))).chunk(16, 4)   # 1 MB an image
        4
        """
        return chunk_size(batch, self.per_image() * itemsize)

    def workspace_bytes(self, batch: int, itemsize: int) -> int:
        """Bytes :meth:`run` allocates besides the output: each thread's chunk buffers, two copies of the weight.

        >>> from tconv.params import plan_conv_transpose
        >>> flat = prepare(plan_conv_transpose((1, 1, 4), (1, 1, 3)))     # stride 1: x padded by 2 each side
        >>> flat.workspace_bytes(1, 8)       # (32 + 2 · 3) float64
        304
        """
        chunk = self.chunk(batch, itemsize)
        # one set of buffers per thread (for_chunks); the weight is flipped, then laid out as one matrix
        return (threads_for(batch, chunk) * chunk * self.per_image() + 2 * weight_size(self.layer)) * itemsize

    def run(self, x: np.ndarray, weight: np.ndarray, out: np.ndarray) -> None:
        """The remaining taps go into the GEMM's outer dimension: one GEMM per chunk computes
        ``Z[t] = W[t] · S`` for every remaining tap ``t`` at once (``S``: the flat padded input, or its stacked
        copy), and the output is ``Σ_t Z[t]`` shifted by ``t``'s flat offset, summed in place into ``Z[0]``.
        One tall GEMM (taps × Cout rows) runs nearer OpenBLAS's peak than one short GEMM per tap.

        >>> from tconv.params import plan_conv_transpose
        >>> flat = prepare(plan_conv_transpose((1, 1, 4), (1, 1, 3)))     # stride 1: x padded by 2 each side
        >>> out = np.zeros((1, 1, 6))
        >>> flat.run(np.array([[[1.0, 2.0, 3.0, 4.0]]]), np.ones((1, 1, 3)), out)    # moving sums of 3
        >>> out
        array([[[1., 3., 6., 9., 7., 4.]]])
        """
        plan, stack = self.layer, self.stack
        n = x.shape[0]
        g, cg, mg = plan.groups, plan.in_per_group, plan.out_per_group
        padded, grid, pitch, span, cols, row, offsets = (
            self.padded, self.grid, self.pitch, self.span, self.cols, self.row, self.offsets)
        flat = math.prod(grid)
        ktaps, summed = self.stacked_taps, len(offsets)
        wf = flipped_weight(weight, g).reshape(g, mg, cg, *plan.kernel_size)
        # weight rows (summed tap, m), columns (stacked tap, c): (g, T·Mg, ktaps·Cg)
        wk = wf.reshape(g, mg, cg, summed, ktaps)
        big = np.ascontiguousarray(wk.transpose(0, 3, 1, 4, 2)).reshape(g, summed * mg, ktaps * cg)
        chunk = self.chunk(n, x.itemsize)
        src, dst = self.src, self.dst
        d = plan.axes[-1].dilation
        width = plan.axes[-1].output_size
        o0 = plan.axes[0].output_size

        def body(b0: int, b1: int, ws: Workspace) -> None:
            nb = b1 - b0
            # this thread's buffers, the same for its next chunks (the padding, zeroed once per call, stays zero)
            xp = ws.take("flat.padded", (chunk, g, cg, *padded), x.dtype, zero=True)
            stacked = ws.take("flat.stacked", (chunk, g, ktaps, cg, flat), x.dtype) if stack else None
            z = ws.take("flat.product", (chunk, g, summed, mg, row), x.dtype)
            part = x[(slice(b0, b1), slice(None), *src)]
            inside: Index = (slice(0, nb), Ellipsis, *dst)
            xp[inside] = part.reshape(nb, g, cg, *part.shape[2:])
            if stacked is not None:  # separate buffers: a copy within one array would make NumPy copy the source first
                for j in range(ktaps):  # tap j of the last axis: the window of the output's width starting at j·d
                    stacked[:nb, :, j].reshape(nb, g, cg, *grid)[...] = xp[:nb, ..., j * d:j * d + width]
                source = stacked[:nb].reshape(nb, g, ktaps * cg, flat)
            else:
                source = xp[:nb].reshape(nb, g, cg, flat)
            zb = z[:nb]
            matmul(big, source[..., :cols], out=zb.reshape(nb, g, summed * mg, row)[..., :cols])
            base = zb[:, :, 0, :, :span]  # the first summed tap is the all-zero one: offset 0
            for t in range(1, summed):
                base += zb[:, :, t, :, offsets[t]:offsets[t] + span]
            result = zb[:, :, 0, :, :o0 * pitch[0]].reshape(nb, g, mg, o0, *grid[1:])
            target = out[b0:b1].reshape(nb, g, mg, *plan.output_size)
            cut: Index = (Ellipsis, *(slice(0, ax.output_size) for ax in plan.axes[1:]))
            target[...] = result[cut]

        for_chunks(n, chunk, body)


def prepare_flat(layer: ConvTransposePlan, stack: bool, name: str) -> FlatPlan:
    """The flat layout of a stride-1 layer, or a TconvError for another stride.

    >>> from tconv.params import plan_conv_transpose
    >>> prepare_flat(plan_conv_transpose((1, 1, 4), (1, 1, 3)), False, NAME).grid
    (8,)
    >>> prepare_flat(plan_conv_transpose((1, 1, 4), (1, 1, 3), stride=2), False, NAME)
    Traceback (most recent call last):
    tconv.errors.TconvError: algorithm 'implicit' computes stride 1 only, got stride [2]: use 'phase' or 'auto'
    """
    if any(ax.stride != 1 for ax in layer.axes):
        raise TconvError(
            f"algorithm {name!r} computes stride 1 only, got stride {list(layer.stride)}: use 'phase' or 'auto'"
        )
    padded = tuple(ax.equivalent().padded_size for ax in layer.axes)
    grid = (*padded[:-1], layer.axes[-1].output_size) if stack else padded
    pitch = tuple(math.prod(grid[a + 1:]) for a in range(layer.nd))
    span = sum((ax.output_size - 1) * p for ax, p in zip(layer.axes, pitch)) + 1
    # the product must reach the largest offset of the taps summed afterwards (those not stacked into K)
    summed_axes = layer.nd - 1 if stack else layer.nd
    cols = span + sum((ax.kernel_size - 1) * ax.dilation * p for ax, p in zip(layer.axes[:summed_axes], pitch))
    # rows long enough to hold O_0 whole rows of the grid, so that the output is a view of the product
    row = max(cols, layer.axes[0].output_size * pitch[0])
    offsets = tuple(sum(t[a] * layer.axes[a].dilation * pitch[a] for a in range(summed_axes))
                    for t in np.ndindex(*layer.kernel_size[:summed_axes]))
    src, dst = placement(layer)
    return FlatPlan(layer, stack, padded, grid, pitch, span, cols, row, offsets, src, dst)


def prepare(layer: ConvTransposePlan) -> FlatPlan:
    """The flat plan without stacking (:func:`prepare_flat`): the registry's entry.

    >>> from tconv.params import plan_conv_transpose
    >>> flat = prepare(plan_conv_transpose((1, 1, 4, 4), (1, 1, 3, 3)))    # 8 × 8 padded, taps a row apart
    >>> flat.pitch, flat.offsets
    ((8, 1), (0, 1, 2, 8, 9, 10, 16, 17, 18))
    """
    return prepare_flat(layer, False, NAME)
