"""``implicit``: stride-1 transposed convolution as an implicit GEMM over shifted views, with no im2col copy.

With stride 1 the transposed convolution is a plain correlation of the input, padded by d·(k−1)−p (plus
output_padding at the end), with the flipped, I/O-swapped kernel. Flatten each padded image: the input needed by
kernel tap ``t`` is then a *contiguous slice* of the flat image, offset by ``t``'s position, so each tap is one
GEMM on a view (no copy) accumulated on an output grid with the padded row pitch; the junk columns of that grid
are dropped at the end. Only stride 1 on every axis; other strides are refused (``auto`` never picks it there).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import TconvError
from ..params import ConvTransposePlan
from .zero_insert import flipped_weight, pad

NAME = "implicit"
SUMMARY = "stride 1 only: one GEMM per kernel tap on shifted views of the flat padded input (no im2col)"


def _check(plan: ConvTransposePlan) -> None:
    if any(ax.stride != 1 for ax in plan.axes):
        raise TconvError(f"algorithm 'implicit' computes stride 1 only, got stride {list(plan.stride)}: use 'phase' or 'auto'")


def _pitches(plan: ConvTransposePlan) -> tuple[list[int], int]:
    padded = [ax.equivalent().padded_size for ax in plan.axes]
    pitch = [math.prod(padded[a + 1:]) for a in range(plan.nd)]
    # the flat span covering every output position: Σ (O_a − 1)·pitch_a + 1
    span = sum((ax.output_size - 1) * p for ax, p in zip(plan.axes, pitch)) + 1
    return pitch, span


def workspace_bytes(plan: ConvTransposePlan, itemsize: int) -> int:
    _check(plan)
    padded = math.prod(ax.equivalent().padded_size for ax in plan.axes)
    _, span = _pitches(plan)
    # the padded input, the accumulator, one tap's product and the laid-out grid
    return (plan.batch * plan.in_channels * padded + 3 * plan.batch * plan.out_channels * padded) * itemsize


def compute(x: np.ndarray, weight: np.ndarray, plan: ConvTransposePlan) -> np.ndarray:
    _check(plan)
    n = x.shape[0]
    g, cg, mg = plan.groups, plan.in_per_group, plan.out_per_group
    xp = pad(x, plan)  # stride 1: nothing to insert, only padding (or cropping)
    flat = xp.reshape(n, g, cg, -1)
    wf = flipped_weight(weight, g).reshape(g, mg, cg, *plan.kernel_size)
    pitch, span = _pitches(plan)
    acc = None
    for tap in np.ndindex(*plan.kernel_size):
        off = sum(t * ax.dilation * p for t, ax, p in zip(tap, plan.axes, pitch))
        term = np.matmul(wf[(Ellipsis, *tap)], flat[..., off:off + span])  # (g, Mg, Cg) @ (N, g, Cg, span), a view
        if acc is None:
            acc = term
        else:
            acc += term
    # lay the flat result on the padded grid and keep the output positions
    padded = [ax.equivalent().padded_size for ax in plan.axes]
    full = np.zeros((n, g, mg, math.prod(padded)), dtype=acc.dtype)
    full[..., :span] = acc
    grid = full.reshape(n, plan.out_channels, *padded)
    return np.ascontiguousarray(grid[(slice(None), slice(None), *(slice(0, ax.output_size) for ax in plan.axes))])
