"""The backward view: a convolution's gradient, y = C·x so dx = Cᵀ·dy, shown to be the transposed convolution.

Seed 002's point, with numbers. The arguments of ``tconv.explain`` still describe the transposed convolution: its
input is dy (the upstream gradient of the convolution y = conv(x, w) with the same weight, stride, padding,
dilation and groups), its output is dx. The matrix C is the one the matrix view prints (rows: y cells, columns: x
cells), so the steps are: y = C·x; the given dy; dx = Cᵀ·dy entry by entry; dw, the correlation of x with dy; and
conv_transpose(dy, w), equal to that dx.

:func:`gradients` is the one place dx and dw are computed by the library (a future ``tconv.grad`` replaces it);
the steps list every product beside it and say how far the two agree.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._format import number
from ..algorithms.matrix import dense_matrix, nonzeros, sparse_matrix
from ..dtypes import read_array
from ..errors import TconvError
from ..params import ConvTransposePlan
from .model import Cell, Grid, Message, Step, Term, roles_of, stored

__all__ = ["backward", "check_backward", "conv_input_array", "default_conv_input", "gradients"]


def gradients(x: np.ndarray, dy: np.ndarray, w: np.ndarray, plan: ConvTransposePlan) -> tuple[np.ndarray, np.ndarray]:
    """dx and dw of y = conv(x, w) for the upstream gradient dy (batched arrays, the convolution's stride, padding,
    dilation and groups from ``plan``, the transposed convolution that maps dy to dx).

    dx is the transposed convolution of dy (the plan itself, its crops and padding mode included); dw is
    :mod:`tconv.grad`'s weight gradient read from the other side: ⟨conv(x, w), dy⟩ = ⟨x, conv_transpose(dy, w)⟩, so
    the convolution's weight gradient is the transposed convolution's, with dy as its input and x as its upstream
    gradient (the correlation of x with dy).

    >>> from tconv.params import plan_conv_transpose
    >>> x, dy, w = np.arange(1, 5).reshape(1, 1, 4), np.array([[[1, 1, 0]]]), np.array([[[1, 2]]])
    >>> dx, dw = gradients(x, dy, w, plan_conv_transpose(dy.shape, w.shape))
    >>> dx.tolist(), dw.tolist()          # dw[0, 0, j] = Σ_o dy[o]·x[o + j]
    ([[[1, 3, 2, 0]]], [[[3, 5]]])
    """
    from ..grad import conv_transpose_weight_of  # the library's gradient: the walkthrough shows what it computes
    from ..recipe import execute

    batched = replace(plan, batched=True)  # the arrays here are batched, whatever the call was
    dx = execute(batched, dy, w, None, "auto")
    dw = conv_transpose_weight_of(batched, dy, x)
    return dx, dw


def default_conv_input(plan: ConvTransposePlan, dtype: np.dtype) -> np.ndarray:
    """The convolution's input x when none is given: 1, 2, 3, … in reading order, batched, in x's shape (the
    transposed convolution's output shape).

    >>> from tconv.params import plan_conv_transpose
    >>> default_conv_input(plan_conv_transpose((1, 3, 3), (1, 1, 2, 2)), np.dtype(np.int64))[0, 0].tolist()
    [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]
    """
    shape = (plan.batch, plan.out_channels, *plan.output_size)
    return np.arange(1, math.prod(shape) + 1).reshape(shape).astype(dtype)


def check_backward(plan: ConvTransposePlan, has_bias: bool) -> None:
    """Refuse, from the plan alone, what the backward view cannot explain: a bias (dx has none); complex numbers,
    whose gradient in PyTorch's autograd is Cᴴ·dy, not Cᵀ·dy; and an output_padding of at least the stride
    (allowed when dilation > stride), where x is larger than the convolution maps back onto dy.

    >>> from tconv.params import plan_conv_transpose
    >>> check_backward(plan_conv_transpose((1, 3), (1, 1, 3), stride=1, output_padding=1, dilation=2), False)
    Traceback (most recent call last):
    tconv.errors.TconvError: view 'backward' needs output_padding < stride on every axis: on axis 0 output_padding 1
    ≥ stride 1 makes x 8 long, and conv(x, w) would then have 4 cells where dy has 3 (this transposed convolution
    is the gradient of that convolution with its last output(s) dropped); use output_padding < stride
    """
    if has_bias:
        raise TconvError("bias: view 'backward' explains dx = Cᵀ·dy, which has no bias term (a bias of the "
                         "convolution gets db = Σ dy, which the walkthrough shows): leave bias out")
    if plan.dtype.startswith("complex"):
        raise TconvError(f"view 'backward' explains real gradients, dx = Cᵀ·dy: for dtype {plan.dtype} PyTorch's "
                         "autograd gives the conjugate transpose, dx = Cᴴ·dy = conv_transpose(dy, w.conj()); "
                         "use a real dtype")
    for a, ax in enumerate(plan.axes):
        if ax.output_padding >= ax.stride:
            longer = ax.input_size + ax.output_padding // ax.stride
            raise TconvError(
                f"view 'backward' needs output_padding < stride on every axis: on axis {a} output_padding "
                f"{ax.output_padding} ≥ stride {ax.stride} makes x {ax.output_size} long, and conv(x, w) would then "
                f"have {longer} cells where dy has {ax.input_size} (this transposed convolution is the gradient of "
                f"that convolution with its last output(s) dropped); use output_padding < stride"
            )


def conv_input_array(conv_input: ArrayLike, plan: ConvTransposePlan, dtype: np.dtype) -> np.ndarray:
    """``conv_input`` read as the convolution's input x: the transposed convolution's output shape, the
    walkthrough's dtype (plain data takes it; an array must have it, as PyTorch's autograd requires).

    >>> from tconv.params import plan_conv_transpose
    >>> plan = plan_conv_transpose((1, 2), (1, 1, 2))
    >>> conv_input_array([[1, 2, 3]], plan, np.dtype(np.float64))
    array([[1., 2., 3.]])
    >>> conv_input_array([[1, 2]], plan, np.dtype(np.float64))
    Traceback (most recent call last):
    tconv.errors.TconvError: conv_input must have the shape of the transposed convolution's output, x's shape
    [1, 3], got [1, 2]
    """
    arr, name = read_array("conv_input", conv_input)
    if list(arr.shape) != list(plan.output_shape):
        raise TconvError(f"conv_input must have the shape of the transposed convolution's output, x's shape "
                         f"{list(plan.output_shape)}, got {list(arr.shape)}")
    if hasattr(conv_input, "dtype") and arr.dtype != dtype:
        raise TconvError(f"conv_input dtype {name} differs from the input's and weight's {dtype.name}; PyTorch's "
                         f"autograd refuses mixed dtypes too: convert it, e.g. conv_input.astype(np.{dtype.name})")
    if not np.can_cast(arr.dtype, dtype, "same_kind"):
        raise TconvError(f"conv_input holds {arr.dtype.name} values, which do not fit the input's dtype "
                         f"{dtype.name}: give {dtype.name} values")
    return arr.astype(dtype)


def backward_sizes(plan: ConvTransposePlan) -> tuple[int, int]:
    """What a backward walkthrough lists beside C: its products (three per non-zero of C and sample, for y, dx and
    dw) and the cells of its grids x, y, dy, dx and dw. (Count C's entries first: this counts C's non-zeros.)

    >>> from tconv.params import plan_conv_transpose
    >>> backward_sizes(plan_conv_transpose((1, 3, 3), (1, 1, 2, 2)))
    (108, 54)
    """
    grids = 2 * plan.batch * (plan.in_channels * math.prod(plan.input_size)
                              + plan.out_channels * math.prod(plan.output_size))
    cells = grids + plan.in_channels * plan.out_per_group * math.prod(plan.kernel_size)
    return 3 * plan.batch * nonzeros(plan), cells


def _idx(plan: ConvTransposePlan, n: int, c: int) -> str:
    return f"[{n}, {c}]" if plan.batched else f"[{c}]"


def _positions(size: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Every position of a grid of ``size``, in reading order."""
    return list(itertools.product(*(range(n) for n in size)))


def _pos(pos: tuple[int, ...]) -> str:
    return ", ".join(map(str, pos))


def _largest_difference(a: np.ndarray, b: np.ndarray) -> Any:
    """max |a − b|, 0 for empty arrays; exact for integers (a NaN or Inf in the data makes it NaN)."""
    if a.size == 0:
        return 0
    if a.dtype.kind in "iu":
        return int(np.max(np.abs(a.astype(object) - b.astype(object))))
    with np.errstate(invalid="ignore", over="ignore"):
        return number(np.max(np.abs(a - b)))


def backward(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, plan: ConvTransposePlan,
             conv_input: np.ndarray | None = None) -> list[Step]:
    """The backward view's steps for the batched upstream gradient ``x`` (dy, the transposed convolution's input)
    and the convolution's batched input ``conv_input`` (1, 2, 3, … when None). ``b`` is refused beforehand.

    >>> from tconv.params import plan_conv_transpose
    >>> dy, w = np.array([[[1, 2]]]), np.array([[[1, 1]]])
    >>> steps = backward(dy, w, None, plan_conv_transpose(dy.shape, w.shape))
    >>> [(cell.name, cell.value) for cell in steps[2].cells]      # dx = Cᵀ·dy = conv_transpose(dy, w)
    [('dx[0, 0](0)', 1), ('dx[0, 0](1)', 3), ('dx[0, 0](2)', 2)]
    """
    del b  # check_backward refused a bias
    dy = x
    n_batch = dy.shape[0]
    given = conv_input is not None
    xs = default_conv_input(plan, dy.dtype) if conv_input is None else conv_input.astype(dy.dtype)
    n_y, n_x = math.prod(plan.input_size), math.prod(plan.output_size)
    rows, cols, vals, shape = sparse_matrix(w, plan)
    dense = dense_matrix(w, plan)
    dx_lib, dw_lib = gradients(xs, dy, w, plan)

    # 1. y = conv(x, w) = C·x
    def name(prefix: str, flat: int, n_cells: int, size: tuple[int, ...]) -> str:
        pos = np.unravel_index(flat % n_cells, size)
        return f"{prefix}{flat // n_cells}({_pos(tuple(int(p) for p in pos))})"

    row_labels = tuple(name("y", r, n_y, plan.input_size) for r in range(shape[0]))
    col_labels = tuple(name("x", c, n_x, plan.output_size) for c in range(shape[1]))
    roles = roles_of(shape, "empty")
    roles[rows, cols] = "matrix"
    by_row: dict[int, list[int]] = {}
    by_col: dict[int, list[int]] = {}
    for k, (r, c) in enumerate(zip(rows.tolist(), cols.tolist())):
        by_row.setdefault(r, []).append(k)
        by_col.setdefault(c, []).append(k)
    x_flat, dy_flat = xs.reshape(n_batch, shape[1]), dy.reshape(n_batch, shape[0])
    y = np.zeros((n_batch, shape[0]), dtype=dy.dtype)
    y_cells = []
    for n in range(n_batch):
        for r in range(shape[0]):
            terms = tuple(Term(int(cols[k]) // n_x, (int(cols[k]),), (r, int(cols[k])), number(x_flat[n, cols[k]]),
                               number(vals[k])) for k in by_row.get(r, ()))
            value = sum((t.product for t in terms), start=0)
            y[n, r] = stored(value, y.dtype)
            m, o = divmod(r, n_y)
            pos = tuple(int(p) for p in np.unravel_index(o, plan.input_size))
            y_cells.append(Cell(n if plan.batched else None, m, pos, terms, 0, value,
                                name=f"y{_idx(plan, n, m)}({_pos(pos)})"))
    y = y.reshape(dy.shape)
    p = plan
    text = [Message("backward.forward.text", {
        "stride": list(p.stride), "padding": list(p.padding), "dilation": list(p.dilation), "groups": p.groups,
        "x_shape": list(p.output_shape), "y_shape": _y_shape(p),
        "rows": shape[0], "cols": shape[1], "nonzeros": len(rows)})]
    if not given:
        text.append(Message("backward.forward.default"))
    text.append(Message("backward.forward.matrix"))
    x_roles, k_roles = roles_of(plan.output_size, "input"), roles_of(plan.kernel_size, "kernel")
    grids = [Grid(Message("label.input", {"idx": _idx(plan, n, c)}), xs[n, c], x_roles)
             for n in range(n_batch) for c in range(plan.out_channels)]
    grids += [Grid(Message("label.kernel", {"c": m, "ml": ml}), w[m, ml], k_roles)
              for m in range(plan.in_channels) for ml in range(plan.out_per_group)]
    grids.append(Grid(Message("label.C"), dense, roles, row_labels=row_labels, col_labels=col_labels))
    y_roles = roles_of(plan.input_size, "output")
    grids += [Grid(Message("label.cx", {"idx": _idx(plan, n, m)}), y[n, m], y_roles)
              for n in range(n_batch) for m in range(plan.in_channels)]
    steps = [Step("forward", Message("backward.forward.title"), tuple(text), tuple(grids), tuple(y_cells))]

    # 2. the upstream gradient
    dy_roles = roles_of(plan.input_size, "input")
    grids = [Grid(Message("label.dy", {"idx": _idx(plan, n, m)}), dy[n, m], dy_roles)
             for n in range(n_batch) for m in range(plan.in_channels)]
    steps.append(Step("upstream", Message("backward.upstream.title"),
                      (Message("backward.upstream.text", {"shape": _y_shape(plan)}),), tuple(grids)))

    # 3. dx = Cᵀ·dy, entry by entry
    dx = np.zeros((n_batch, shape[1]), dtype=dy.dtype)
    dx_cells = []
    for n in range(n_batch):
        for c in range(shape[1]):
            terms = tuple(Term(int(rows[k]) // n_y, (int(rows[k]),), (int(rows[k]), c), number(dy_flat[n, rows[k]]),
                               number(vals[k])) for k in by_col.get(c, ()))
            value = sum((t.product for t in terms), start=0)
            dx[n, c] = stored(value, dx.dtype)
            ch, o = divmod(c, n_x)
            pos = tuple(int(q) for q in np.unravel_index(o, plan.output_size))
            dx_cells.append(Cell(n if plan.batched else None, ch, pos, terms, 0, value,
                                 name=f"dx{_idx(plan, n, ch)}({_pos(pos)})"))
    dx = dx.reshape(xs.shape)
    grids = [Grid(Message("label.dx", {"idx": _idx(plan, n, c)}), dx[n, c], roles_of(plan.output_size, "output"))
             for n in range(n_batch) for c in range(plan.out_channels)]
    steps.append(Step("input_grad", Message("backward.input.title"), (Message("backward.input.text"),),
                      tuple(grids), tuple(dx_cells)))

    # 4. dw: the correlation of x with dy (and db = Σ dy)
    dw = np.zeros_like(w)
    dw_cells = []
    for m in range(plan.in_channels):
        g = m // plan.in_per_group
        for ml in range(plan.out_per_group):
            c = g * plan.out_per_group + ml
            for tap in _positions(plan.kernel_size):
                terms_list = []
                for n in range(n_batch):
                    for yo in _positions(plan.input_size):
                        xi = tuple(oo * ax.stride + t * ax.dilation - ax.padding
                                   for oo, t, ax in zip(yo, tap, plan.axes))
                        if all(0 <= ii < ax.output_size for ii, ax in zip(xi, plan.axes)):
                            at, where = ((n, *xi), (n, *yo)) if plan.batched else (xi, yo)
                            terms_list.append(Term(c, at, where, number(xs[(n, c, *xi)]), number(dy[(n, m, *yo)])))
                value = sum((t.product for t in terms_list), start=0)
                dw[(m, ml, *tap)] = stored(value, dw.dtype)
                dw_cells.append(Cell(None, m, (ml, *tap), tuple(terms_list), 0, value,
                                     name=f"dw[{m}, {ml}]({_pos(tap)})"))
    text = [Message("backward.weight.text")]
    with np.errstate(over="ignore", invalid="ignore"):
        sums = dy.sum(axis=(0, *range(2, dy.ndim))) if dy.size else np.zeros(plan.in_channels, dy.dtype)
    text += [Message("backward.weight.bias", {"m": m, "sum": number(sums[m])}) for m in range(plan.in_channels)]
    text.append(Message("backward.weight.check", {"diff": _largest_difference(dw, dw_lib)}))
    grids = [Grid(Message("label.dw", {"c": m, "ml": ml}), dw[m, ml], roles_of(plan.kernel_size, "output"))
             for m in range(plan.in_channels) for ml in range(plan.out_per_group)]
    steps.append(Step("weight_grad", Message("backward.weight.title"), tuple(text), tuple(grids), tuple(dw_cells)))

    # 5. dx is conv_transpose(dy, w): the library's transposed convolution, beside step 3's sums
    text = [Message("backward.output.text", {
        "stride": list(p.stride), "padding": list(p.padding), "op": list(p.output_padding),
        "dilation": list(p.dilation), "groups": p.groups, "diff": _largest_difference(dx, dx_lib),
        "shape": list(p.output_shape)})]
    grids = [Grid(Message("label.transposed", {"idx": _idx(plan, n, c)}), dx_lib[n, c],
                  roles_of(plan.output_size, "output"))
             for n in range(n_batch) for c in range(plan.out_channels)]
    steps.append(Step("output", Message("backward.output.title"), tuple(text), tuple(grids)))
    return steps


def _y_shape(plan: ConvTransposePlan) -> list[int]:
    """y's (and dy's) shape: the transposed convolution's input shape."""
    lead = [plan.batch, plan.in_channels] if plan.batched else [plan.in_channels]
    return lead + list(plan.input_size)
