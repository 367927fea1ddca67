"""``stacked``: stride-1 GEMMs with the last axis's kernel taps stacked into the inner dimension.

Like ``implicit`` (shifted views of the flat padded image, one GEMM per tap, no zero-inserted input), except that
the ``k_last`` taps of the last axis are stacked first: one ``k_last``-fold copy of a cache-sized chunk of the
padded input, after which every remaining tap is one GEMM with an inner dimension of ``k_last · Cin/g`` instead
of ``Cin/g``. OpenBLAS runs these fatter GEMMs much closer to its peak (for 64 channels and a 3×3 kernel, K = 192
instead of 64), and there are ``k_last`` times fewer accumulations; the copy stays in cache. In 1-D this is a
full im2col of one chunk and a single GEMM. Only stride 1 on every axis; other strides are refused.
"""

from __future__ import annotations

import numpy as np

from ..params import ConvTransposePlan
from .implicit import run, workspace

NAME = "stacked"
SUMMARY = "stride 1 only: the last axis's taps stacked into K (a cache-sized copy), one GEMM per other tap"


def workspace_bytes(plan: ConvTransposePlan, itemsize: int) -> int:
    return workspace(plan, itemsize, True, NAME)


def compute(x: np.ndarray, weight: np.ndarray, plan: ConvTransposePlan) -> np.ndarray:
    return run(x, weight, plan, True, NAME)
