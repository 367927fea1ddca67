"""``implicit``: stride-1 transposed convolution as an implicit GEMM over shifted views, with no im2col copy.

With stride 1 the transposed convolution is a plain correlation of the input, padded by d·(k−1)−p (plus
output_padding at the end), with the flipped, I/O-swapped kernel. Flatten each padded image: the input needed by
kernel tap ``t`` is then a *contiguous slice* of the flat image, offset by ``t``'s position. So one GEMM with a
row block per tap, ``Z[t] = W[t] · X`` on the flat padded input itself (no copy), gives every tap's
contribution, and the output is ``Σ_t Z[t]`` shifted by ``t``'s offset, laid on a grid with the padded row pitch
whose junk columns are never read. One tall GEMM (prod(k)·Cout rows) runs nearer OpenBLAS's peak than one short
GEMM per tap (measured 140 against 125 GFLOP/s for 64 channels). Only stride 1 on every axis; other strides are
refused (``auto`` never picks it there).

The batch is processed in cache-sized chunks (:mod:`tconv.algorithms._chunks`), shared among the cores; each
thread allocates its buffers once and reuses them for its next chunks.

The same machinery with ``stack=True`` is the ``stacked`` algorithm (:mod:`tconv.algorithms.stacked`).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import TconvError
from ..params import ConvTransposePlan
from ._chunks import chunk_size, for_chunks, threads_for
from .zero_insert import _placement, flipped_weight

NAME = "implicit"
SUMMARY = "stride 1 only: one GEMM, a row block per kernel tap, on the flat padded input (no im2col), shifted sums"


def _check(plan: ConvTransposePlan, name: str) -> None:
    if any(ax.stride != 1 for ax in plan.axes):
        raise TconvError(
            f"algorithm {name!r} computes stride 1 only, got stride {list(plan.stride)}: use 'phase' or 'auto'"
        )


def _layout(plan: ConvTransposePlan, stack: bool) -> tuple[tuple[int, ...], tuple[int, ...], list[int], int, int, int]:
    """Flat geometry: (the padded image's shape, the shape of the grid the GEMM reads flat, its pitches, the span
    of the outputs, the columns every GEMM computes, the row length of its product).

    ``implicit`` reads the padded image itself. ``stacked`` reads its stacked copy, whose last axis is already cut
    to the output's width (tap j of the last axis is the window starting at j·d): rows with the output's pitch,
    so that its GEMM computes no columns for the horizontal padding (3.4% of the work at 56², pitch 58).
    """
    padded = tuple(ax.equivalent().padded_size for ax in plan.axes)
    grid = (*padded[:-1], plan.axes[-1].output_size) if stack else padded
    pitch = [math.prod(grid[a + 1:]) for a in range(plan.nd)]
    # the flat span covering every output position: Σ (O_a − 1)·pitch_a + 1
    span = sum((ax.output_size - 1) * p for ax, p in zip(plan.axes, pitch)) + 1
    # the product must reach the largest offset of the taps summed afterwards (those not stacked into K)
    summed = plan.axes[:-1] if stack else plan.axes
    cols = span + sum((ax.kernel_size - 1) * ax.dilation * p for ax, p in zip(summed, pitch))
    # rows long enough to hold O_0 whole rows of the grid, so that the output is a view of the product
    return padded, grid, pitch, span, cols, max(cols, plan.axes[0].output_size * pitch[0])


def _per_image(plan: ConvTransposePlan, stack: bool) -> int:
    """Elements of one image's working set: the padded input, the stacked copy, the product of every tap."""
    padded, grid, _, _, _, row = _layout(plan, stack)
    ktaps = plan.kernel_size[-1] if stack else 1
    return plan.in_channels * (math.prod(padded) + (ktaps * math.prod(grid) if stack else 0)) + plan.out_channels * (
        math.prod(plan.kernel_size) // ktaps) * row


def _chunk(plan: ConvTransposePlan, stack: bool, itemsize: int) -> int:
    return chunk_size(plan.batch, _per_image(plan, stack) * itemsize)


def workspace(plan: ConvTransposePlan, itemsize: int, stack: bool, name: str) -> int:
    _check(plan, name)
    chunk = _chunk(plan, stack, itemsize)
    # one set of buffers per thread (for_chunks)
    return threads_for(plan.batch, chunk) * chunk * _per_image(plan, stack) * itemsize


def run(x: np.ndarray, weight: np.ndarray, plan: ConvTransposePlan, stack: bool, name: str) -> np.ndarray:
    """Both stride-1 engines; ``stack`` stacks the last axis's taps into the GEMM's inner dimension (K).

    The remaining taps go into the GEMM's outer dimension: one GEMM per chunk computes
    ``Z[t] = W[t] · S`` for every remaining tap ``t`` at once (``S``: the flat padded input, or its stacked
    copy), and the output is ``Σ_t Z[t]`` shifted by ``t``'s flat offset, summed in place into ``Z[0]``.
    One tall GEMM (taps × Cout rows) runs nearer OpenBLAS's peak than one short GEMM per tap.
    """
    _check(plan, name)
    n = x.shape[0]
    g, cg, mg = plan.groups, plan.in_per_group, plan.out_per_group
    padded, grid, pitch, span, cols, row = _layout(plan, stack)
    flat = math.prod(grid)
    wf = flipped_weight(weight, g).reshape(g, mg, cg, *plan.kernel_size)
    ktaps = plan.kernel_size[-1] if stack else 1
    summed_axes = plan.nd - 1 if stack else plan.nd
    summed = list(np.ndindex(*plan.kernel_size[:summed_axes]))
    offsets = [sum(t[a] * plan.axes[a].dilation * pitch[a] for a in range(summed_axes)) for t in summed]
    # weight rows (summed tap, m), columns (stacked tap, c): (g, T·Mg, ktaps·Cg)
    wk = wf.reshape(g, mg, cg, len(summed), ktaps)
    big = np.ascontiguousarray(wk.transpose(0, 3, 1, 4, 2)).reshape(g, len(summed) * mg, ktaps * cg)
    chunk = _chunk(plan, stack, x.itemsize)
    out = np.empty((n, plan.out_channels, *plan.output_size), dtype=x.dtype)
    src, dst = _placement(plan)  # stride 1: nothing to insert, only padding (or cropping)
    d = plan.axes[-1].dilation

    def body(b0: int, b1: int, scratch: dict) -> None:
        nb = b1 - b0
        if not scratch:  # this thread's buffers, reused by its next chunks (the padding stays zero)
            scratch["xp"] = np.zeros((chunk, g, cg, *padded), dtype=x.dtype)
            scratch["stacked"] = np.empty((chunk, g, ktaps, cg, flat), dtype=x.dtype) if stack else None
            scratch["z"] = np.empty((chunk, g, len(summed), mg, row), dtype=x.dtype)
        xp, stacked, z = scratch["xp"], scratch["stacked"], scratch["z"]
        part = x[(slice(b0, b1), slice(None), *src)]
        xp[(slice(0, nb), Ellipsis, *dst)] = part.reshape(nb, g, cg, *part.shape[2:])
        if stack:  # separate buffers: a copy within one array would make NumPy copy the source first
            width = plan.axes[-1].output_size
            for j in range(ktaps):  # tap j of the last axis: the window of the output's width starting at j·d
                stacked[:nb, :, j].reshape(nb, g, cg, *grid)[...] = xp[:nb, ..., j * d:j * d + width]
            source = stacked[:nb].reshape(nb, g, ktaps * cg, flat)
        else:
            source = xp[:nb].reshape(nb, g, cg, flat)
        zb = z[:nb]
        np.matmul(big, source[..., :cols], out=zb.reshape(nb, g, len(summed) * mg, row)[..., :cols])
        base = zb[:, :, 0, :, :span]  # the first summed tap is the all-zero one: offset 0
        for t in range(1, len(summed)):
            base += zb[:, :, t, :, offsets[t]:offsets[t] + span]
        o0 = plan.axes[0].output_size
        result = zb[:, :, 0, :, :o0 * pitch[0]].reshape(nb, g, mg, o0, *grid[1:])
        target = out[b0:b1].reshape(nb, g, mg, *plan.output_size)
        target[...] = result[(Ellipsis, *(slice(0, ax.output_size) for ax in plan.axes[1:]))]

    for_chunks(n, chunk, body)
    return out


def workspace_bytes(plan: ConvTransposePlan, itemsize: int) -> int:
    return workspace(plan, itemsize, False, NAME)


def compute(x: np.ndarray, weight: np.ndarray, plan: ConvTransposePlan) -> np.ndarray:
    return run(x, weight, plan, False, NAME)
