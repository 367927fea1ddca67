"""``stacked``: stride-1 GEMMs with the last axis's kernel taps stacked into the inner dimension.

Like ``implicit`` (the flat padded image, one GEMM with a row block per tap, the blocks summed with shifts),
except that the ``k_last`` taps of the last axis are stacked first into the GEMM's inner dimension: one
``k_last``-fold copy of a cache-sized chunk of the padded input, after which the GEMM has ``k_last · Cin/g``
columns of weights instead of ``Cin/g`` and ``k_last`` times fewer row blocks to sum. Each tap's copy is the
window of the output's width (starting at ``j·d``), so the copy's rows have the output's pitch and the GEMM
computes no junk columns for the horizontal padding. For 64 channels and a 3×3 kernel that is a 192 × 192
weight matrix, which BLAS runs nearer its peak than 64 × 64 ones (docs/benchmarks.md); the copy stays in cache.
In 1-D this is a full im2col of one chunk and a single GEMM with nothing to sum. Only stride 1 on every axis;
other strides are refused.
"""

from __future__ import annotations

from ..params import ConvTransposePlan
from .implicit import FlatPlan, prepare_flat

NAME = "stacked"
SUMMARY = "stride 1 only: the last axis's taps stacked into K (a cache-sized copy), one GEMM per other tap"


def prepare(layer: ConvTransposePlan) -> FlatPlan:
    """The flat plan with the last axis's taps stacked (:func:`tconv.algorithms.implicit.prepare_flat`).

    >>> from tconv.params import plan_conv_transpose
    >>> flat = prepare(plan_conv_transpose((1, 2, 4, 4), (2, 3, 3, 3)))
    >>> flat.stacked_taps, flat.cols                # 3 taps × 2 channels: GEMMs 6 deep; 8 rows × 6 columns
    (3, 48)
    """
    return prepare_flat(layer, True, NAME)
