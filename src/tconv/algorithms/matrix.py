"""``matrix``: transposed convolution as the transpose of the paired convolution's matrix, y = Cᵀx.

The paired (forward) convolution maps a tensor of the transposed convolution's *output* shape to one of its
*input* shape; flattened, it is a sparse matrix C with C[(c, i), (m, o)] = w[c, m, j] wherever o + p = i·s + j·d
(c and m in the same group). The transposed convolution is its transpose: y = Cᵀ·x. This module builds C in
coordinate form and multiplies; :func:`dense_matrix` gives C itself for small sizes (the matrix view of
``tconv.explain`` prints it).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import TconvError
from ..params import ConvTransposePlan
from ..settings import format_bytes
from .base import Reference

NAME = "matrix"
SUMMARY = "the matrix view: build the paired convolution's sparse matrix C, compute y = Cᵀx"

#: The largest number of non-zeros this algorithm builds; beyond it the matrix is refused.
MAX_NONZEROS = 20_000_000
#: The largest dense matrix (elements) :func:`dense_matrix` builds.
MAX_DENSE = 4_000_000


def _pattern(plan: ConvTransposePlan) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat (input cell i, output cell o, kernel tap j) triples for one channel pair: C's sparsity pattern."""
    per_axis = []
    for ax in plan.axes:
        i, j = np.meshgrid(np.arange(ax.input_size), np.arange(ax.kernel_size), indexing="ij")
        o = i * ax.stride + j * ax.dilation - ax.padding
        keep = (o >= 0) & (o < ax.output_size)
        per_axis.append((i[keep], o[keep], j[keep]))
    # Combine the axes: the cartesian product of per-axis triples, flattened row-major.
    idx_i = np.zeros(1, dtype=np.int64)
    idx_o = np.zeros(1, dtype=np.int64)
    idx_j = np.zeros(1, dtype=np.int64)
    for ax, (i, o, j) in zip(plan.axes, per_axis):
        idx_i = (idx_i[:, None] * ax.input_size + i[None, :]).ravel()
        idx_o = (idx_o[:, None] * ax.output_size + o[None, :]).ravel()
        idx_j = (idx_j[:, None] * ax.kernel_size + j[None, :]).ravel()
    return idx_i, idx_o, idx_j


def nonzeros(plan: ConvTransposePlan) -> int:
    """How many non-zeros C has: in_channels · out_channels/groups · (cell, tap) pairs that land in the output.

    >>> from tconv.params import plan_conv_transpose
    >>> nonzeros(plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2))             # 3 cells × 3 taps
    9
    >>> nonzeros(plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2, padding=1))  # 2 stamps cropped
    7
    """
    pairs = 1
    for ax in plan.axes:
        j = np.arange(ax.kernel_size)
        i = np.arange(ax.input_size)
        o = i[:, None] * ax.stride + j[None, :] * ax.dilation - ax.padding
        pairs *= int(((o >= 0) & (o < ax.output_size)).sum())
    return plan.in_channels * plan.out_per_group * pairs


def matrix_shape(plan: ConvTransposePlan) -> tuple[int, int]:
    """(rows, cols) of C: rows index the transposed conv's input (c, i), cols its output (m, o).

    >>> from tconv.params import plan_conv_transpose
    >>> matrix_shape(plan_conv_transpose((1, 2, 3), (2, 4, 3), stride=2))    # 2·3 input cells, 4·7 outputs
    (6, 28)
    """
    return plan.in_channels * math.prod(plan.input_size), plan.out_channels * math.prod(plan.output_size)


def _check_size(plan: ConvTransposePlan) -> int:
    nnz = nonzeros(plan) if math.prod(plan.input_size) * math.prod(plan.kernel_size) <= 10 * MAX_NONZEROS else None
    if nnz is None or nnz > MAX_NONZEROS:
        rows, cols = matrix_shape(plan)
        count = f"{nnz:,} non-zeros" if nnz is not None else f"more than {MAX_NONZEROS:,} non-zeros"
        raise TconvError(
            f"the matrix algorithm would build C of shape {rows:,} × {cols:,} with {count}; it builds at most "
            f"{MAX_NONZEROS:,}: use algorithm='scatter' (or 'auto') for a problem this large"
        )
    return nnz


def workspace_bytes(plan: ConvTransposePlan, itemsize: int) -> int:
    """Bytes :func:`compute` allocates: per non-zero three indices and two values, and the result.

    >>> from tconv.params import plan_conv_transpose
    >>> workspace_bytes(plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2), 8)   # 9 · (24 + 16) + 7 · 8
    416
    """
    nnz = _check_size(plan)
    return nnz * (3 * 8 + 2 * itemsize) + plan.out_channels * math.prod(plan.output_size) * itemsize


def sparse_matrix(
    weight: np.ndarray, plan: ConvTransposePlan
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int]]:
    """C in coordinate form: (rows, cols, values, shape), rows = c·prod(input) + i, cols = m·prod(output) + o.

    >>> from tconv.params import plan_conv_transpose
    >>> rows, cols, values, shape = sparse_matrix(np.array([[[1.0, 2.0]]]), plan_conv_transpose((1, 2), (1, 1, 2),
    ...                                                                                       stride=2))
    >>> rows, cols, values, shape       # input cell 0 feeds outputs 0 and 1, cell 1 outputs 2 and 3
    (array([0, 0, 1, 1]), array([0, 1, 2, 3]), array([1., 2., 1., 2.]), (2, 4))
    """
    _check_size(plan)
    i, o, j = _pattern(plan)
    cg, mg = plan.in_per_group, plan.out_per_group
    n_in, n_out = math.prod(plan.input_size), math.prod(plan.output_size)
    c = np.arange(plan.in_channels)
    m = np.arange(mg)
    # global output channel of (c, m): the group of c times Mg plus m
    m_global = (c[:, None] // cg) * mg + m[None, :]  # (Cin, Mg)
    rows = (c[:, None, None] * n_in + i[None, None, :]) + 0 * m[None, :, None]
    cols = m_global[:, :, None] * n_out + o[None, None, :]
    w = weight.reshape(plan.in_channels, mg, -1)
    values = w[:, :, j]  # (Cin, Mg, E)
    shape = (plan.in_channels * n_in, plan.out_channels * n_out)
    return rows.ravel(), cols.ravel(), values.ravel(), shape


def dense_matrix(weight: np.ndarray, plan: ConvTransposePlan) -> np.ndarray:
    """C as a dense array, for small problems (the matrix walkthrough prints it); Cᵀ @ x.ravel() is the output.

    >>> import numpy as np
    >>> from tconv.params import plan_conv_transpose
    >>> plan = plan_conv_transpose((1, 2), (1, 1, 2), stride=2)
    >>> dense_matrix(np.array([[[1.0, 2.0]]]), plan)
    array([[1., 2., 0., 0.],
           [0., 0., 1., 2.]])
    """
    rows, cols, values, shape = sparse_matrix(weight, plan)
    if shape[0] * shape[1] > MAX_DENSE:
        raise TconvError(
            f"the dense matrix C would have shape {shape[0]:,} × {shape[1]:,} "
            f"({format_bytes(shape[0] * shape[1] * weight.itemsize)}); dense_matrix builds at most "
            f"{MAX_DENSE:,} elements"
        )
    dense = np.zeros(shape, dtype=weight.dtype)
    dense[rows, cols] = values  # each (row, col) pair occurs once
    return dense


def compute(x: np.ndarray, weight: np.ndarray, plan: ConvTransposePlan) -> np.ndarray:
    """The transposed convolution of batched ``x`` as y = Cᵀx (no bias).

    >>> from tconv.params import plan_conv_transpose
    >>> plan = plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2)
    >>> compute(np.array([[[1.0, 2.0, 3.0]]]), np.ones((1, 1, 3)), plan)     # scatter's answer
    array([[[1., 1., 3., 2., 5., 3., 3.]]])
    """
    rows, cols, values, shape = sparse_matrix(weight, plan)
    n = x.shape[0]
    flat = x.reshape(n, shape[0])
    y = np.zeros((n, shape[1]), dtype=x.dtype)
    for b in range(n):  # y = Cᵀx: every non-zero C[r, c] adds C[r, c]·x[r] to y[c]
        np.add.at(y[b], cols, values * flat[b, rows])
    return y.reshape(n, plan.out_channels, *plan.output_size)


def prepare(layer: ConvTransposePlan) -> Reference:
    """Nothing to prepare: :func:`compute` wrapped for the registry (too large a C is refused when it runs).

    >>> from tconv.params import plan_conv_transpose
    >>> prepare(plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2)).workspace_bytes(1, 8)   # + the result
    472
    """
    return Reference(layer, compute, workspace_bytes)
