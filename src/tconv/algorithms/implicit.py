"""``implicit``: stride-1 transposed convolution as an implicit GEMM over shifted views, with no im2col copy.

With stride 1 the transposed convolution is a plain correlation of the input, padded by d·(k−1)−p (plus
output_padding at the end), with the flipped, I/O-swapped kernel. Flatten each padded image: the input needed by
kernel tap ``t`` is then a *contiguous slice* of the flat image, offset by ``t``'s position, so each tap is one
GEMM on a view (no copy) accumulated on an output grid with the padded row pitch; the junk columns of that grid
are never read. Only stride 1 on every axis; other strides are refused (``auto`` never picks it there).

The batch is processed in chunks small enough for the padded input, the accumulator and one tap's product to
stay in the CPU caches (:mod:`tconv.algorithms._chunks`): the accumulations are then cache-bound, not memory-bound
(about 1.5× faster than one pass over the whole batch on the stride-1 benchmark layer). The buffers are allocated
once and reused by every chunk.

The same machinery with ``stack=True`` is the ``stacked`` algorithm (:mod:`tconv.algorithms.stacked`).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import TconvError
from ..params import ConvTransposePlan
from ._chunks import chunk_size
from .zero_insert import _placement, flipped_weight

NAME = "implicit"
SUMMARY = "stride 1 only: one GEMM per kernel tap on shifted views of the flat padded input (no im2col)"


def _check(plan: ConvTransposePlan, name: str) -> None:
    if any(ax.stride != 1 for ax in plan.axes):
        raise TconvError(
            f"algorithm {name!r} computes stride 1 only, got stride {list(plan.stride)}: use 'phase' or 'auto'"
        )


def _layout(plan: ConvTransposePlan, stack: bool) -> tuple[list[int], int, int, int]:
    """(pitches of the flat padded image, its length, the flat span of the outputs, stacked length or 0)."""
    padded = [ax.equivalent().padded_size for ax in plan.axes]
    pitch = [math.prod(padded[a + 1:]) for a in range(plan.nd)]
    # the flat span covering every output position: Σ (O_a − 1)·pitch_a + 1
    span = sum((ax.output_size - 1) * p for ax, p in zip(plan.axes, pitch)) + 1
    rows = 0
    if stack:  # the stacked copy must reach the largest offset of the other axes' taps
        rows = span + sum((ax.kernel_size - 1) * ax.dilation * p for ax, p in zip(plan.axes[:-1], pitch[:-1]))
    return pitch, math.prod(padded), span, rows


def _per_image(plan: ConvTransposePlan, stack: bool) -> int:
    """Elements of one image's working set: padded input, stacked copy, accumulator and one product."""
    pitch, flat, span, rows = _layout(plan, stack)
    last = plan.kernel_size[-1] if stack else 0
    # the accumulator covers whole rows of the first axis (O_0·pitch_0) so that the output is a view of it
    return plan.in_channels * (flat + last * rows) + plan.out_channels * (plan.axes[0].output_size * pitch[0] + span)


def _chunk(plan: ConvTransposePlan, stack: bool, itemsize: int) -> int:
    return chunk_size(plan.batch, _per_image(plan, stack) * itemsize)


def workspace(plan: ConvTransposePlan, itemsize: int, stack: bool, name: str) -> int:
    _check(plan, name)
    return _chunk(plan, stack, itemsize) * _per_image(plan, stack) * itemsize


def run(x: np.ndarray, weight: np.ndarray, plan: ConvTransposePlan, stack: bool, name: str) -> np.ndarray:
    """Both stride-1 engines; ``stack`` stacks the last axis's taps into the GEMM's inner dimension."""
    _check(plan, name)
    n = x.shape[0]
    g, cg, mg = plan.groups, plan.in_per_group, plan.out_per_group
    pitch, flat, span, rows = _layout(plan, stack)
    padded = tuple(ax.equivalent().padded_size for ax in plan.axes)
    wf = flipped_weight(weight, g).reshape(g, mg, cg, *plan.kernel_size)
    if stack:
        # outer taps (every axis but the last); per outer tap the weight (g, Mg, k_last·Cg), rows ordered (j, c)
        outer = list(np.ndindex(*plan.kernel_size[:-1]))
        last = plan.kernel_size[-1]
        mats = [np.ascontiguousarray(np.moveaxis(wf[(Ellipsis, *t, slice(None))], -1, 2).reshape(g, mg, last * cg))
                for t in outer]
        offsets = [sum(t[a] * plan.axes[a].dilation * pitch[a] for a in range(plan.nd - 1)) for t in outer]
    else:
        taps = list(np.ndindex(*plan.kernel_size))
        mats = [np.ascontiguousarray(wf[(Ellipsis, *t)]) for t in taps]
        offsets = [sum(t[a] * plan.axes[a].dilation * pitch[a] for a in range(plan.nd)) for t in taps]
    chunk = _chunk(plan, stack, x.itemsize)
    out = np.empty((n, plan.out_channels, *plan.output_size), dtype=x.dtype)
    src, dst = _placement(plan)  # stride 1: nothing to insert, only padding (or cropping)
    xp = np.zeros((chunk, g, cg, *padded), dtype=x.dtype)
    rows0 = plan.axes[0].output_size * pitch[0]
    acc = np.empty((chunk, g, mg, rows0), dtype=x.dtype)
    term = np.empty((chunk, g, mg, span), dtype=x.dtype) if len(mats) > 1 else None
    stacked = np.empty((chunk, g, last, cg, rows), dtype=x.dtype) if stack else None
    for b0 in range(0, n, chunk):
        nb = min(n, b0 + chunk) - b0
        part = x[(slice(b0, b0 + nb), slice(None), *src)]
        xp[(slice(0, nb), Ellipsis, *dst)] = part.reshape(nb, g, cg, *part.shape[2:])
        source = xp[:nb].reshape(nb, g, cg, flat)
        if stack:
            d = plan.axes[-1].dilation
            for j in range(last):
                stacked[:nb, :, j] = source[..., j * d:j * d + rows]
            source = stacked[:nb].reshape(nb, g, last * cg, rows)
        for i, (mat, off) in enumerate(zip(mats, offsets)):
            view = source[..., off:off + span]
            if i == 0:
                np.matmul(mat, view, out=acc[:nb, ..., :span])
            else:
                np.matmul(mat, view, out=term[:nb])
                acc[:nb, ..., :span] += term[:nb]
        grid = acc[:nb].reshape(nb, plan.out_channels, plan.axes[0].output_size, *padded[1:])
        out[b0:b0 + nb] = grid[(Ellipsis, *(slice(0, ax.output_size) for ax in plan.axes[1:]))]
    return out


def workspace_bytes(plan: ConvTransposePlan, itemsize: int) -> int:
    return workspace(plan, itemsize, False, NAME)


def compute(x: np.ndarray, weight: np.ndarray, plan: ConvTransposePlan) -> np.ndarray:
    return run(x, weight, plan, False, NAME)
