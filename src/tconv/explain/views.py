"""Build walkthroughs: the gather, scatter and matrix views of one transposed convolution, with every product,
and the backward view (:mod:`.backward`): the same transposed convolution as the gradient of a convolution.

The numbers come from the same plan as the computation; the final values are the sums of the listed products
plus the bias, and ``Walkthrough.output`` is ``conv_transpose``'s own result, so a test can check one against
the other.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from .._axes import Index, IntOrSeq, as_choice
from .._format import number
from ..algorithms.matrix import matrix_shape, sparse_matrix
from ..algorithms.zero_insert import cell_kinds, flipped_weight, insert_zeros, pad
from ..errors import TconvError
from ..functional import read_transposed
from ..padding_modes import folded_index
from ..params import ConvTransposePlan, compute_dtype
from ..recipe import execute
from ..report import layer_report
from .backward import backward, backward_sizes, check_backward, conv_input_array
from .i18n import LANGS
from .model import Cell, Grid, Message, SizeDerivation, Step, Term, Walkthrough, roles_of, stored

__all__ = ["MAX_GRID_CELLS", "MAX_MATRIX_CELLS", "MAX_STAMPS", "MAX_TERMS", "VIEWS", "check_view_size", "explain"]

#: Walkthroughs list every product; beyond these sizes they would be unreadable (and large), so they are refused.
MAX_TERMS = 20_000
MAX_STAMPS = 600
MAX_MATRIX_CELLS = 10_000
#: The grids a walkthrough prints (the zero-inserted, padded input; the summed stamps) have at most this many cells.
MAX_GRID_CELLS = 50_000


def _idx(plan: ConvTransposePlan, n: int, c: int) -> str:
    """The index label of a (sample, channel) grid: ``[c]`` unbatched, ``[n, c]`` batched."""
    return f"[{n}, {c}]" if plan.batched else f"[{c}]"


def _cell_name(plan: ConvTransposePlan, n: int, m: int, pos: tuple[int, ...]) -> str:
    return f"y{_idx(plan, n, m)}{pos}" if len(pos) > 1 else f"y{_idx(plan, n, m)}({pos[0]})"


def _group_channels(plan: ConvTransposePlan, m: int) -> tuple[int, range]:
    g = m // plan.out_per_group
    return g, range(g * plan.in_per_group, (g + 1) * plan.in_per_group)


def _channel_messages(plan: ConvTransposePlan) -> list[Message]:
    if plan.in_per_group == 1 and plan.groups == 1:
        return []
    out = []
    for m in range(plan.out_channels):
        g, chans = _group_channels(plan, m)
        listing = ", ".join(map(str, chans))
        out.append(Message("channels.text", {"m": m, "g": g, "channels": listing}))
    return out


def _size(plan: ConvTransposePlan, same: bool) -> SizeDerivation:
    if same:  # the crops follow the output size (TensorFlow's rule): the report takes the word and the size
        return SizeDerivation(layer_report(plan.input_size, plan.kernel_size, plan.stride, "same", 0, plan.dilation,
                                           output_size=plan.output_size, padding_mode=plan.padding_mode))
    return SizeDerivation(
        layer_report(plan.input_size, plan.kernel_size, plan.stride, plan.padding, plan.output_padding, plan.dilation,
                     padding_mode=plan.padding_mode)
    )


def _output_step(plan: ConvTransposePlan, values: np.ndarray, bias: np.ndarray | None) -> Step:
    """The last step of every view: the bias, added last, and the output grids."""
    text = []
    if bias is not None:
        text += [Message("output.bias", {"bias": number(bias[m]), "m": m}) for m in range(plan.out_channels)]
    # PyTorch's ConvTranspose has no padding mode: the mode's numbers are its adjoint's, which to_torch_code prints
    key = "output.text" if plan.padding_mode == "zeros" else "output.text_mode"
    text.append(Message(key, {"shape": list(plan.output_shape)}))
    roles = roles_of(plan.output_size, "output")
    grids = tuple(
        Grid(Message("label.output", {"idx": _idx(plan, n, m)}), values[n, m], roles)
        for n in range(values.shape[0])
        for m in range(plan.out_channels)
    )
    return Step("output", Message("output.title"), tuple(text), grids)


def _at(n: int, channel: int, window: tuple[slice, ...]) -> Index:
    """The index of one (batch, channel) grid's window."""
    return (n, channel, *window)


def _stamped(plan: ConvTransposePlan) -> ConvTransposePlan:
    """The plan whose full output the stamps fill: the layer, or with a padding mode, the layer uncropped (its
    margins are folded back, not dropped)."""
    return plan if plan.padding_mode == "zeros" else plan.unfolded


def check_view_size(view: str, plan: ConvTransposePlan) -> None:
    """Refuse, from the plan alone and before anything is computed, a walkthrough with more products, stamps or
    matrix entries than it lists: what a walkthrough holds is then bounded by these limits.

    >>> from tconv.params import plan_conv_transpose
    >>> check_view_size("matrix", plan_conv_transpose((1, 1, 30, 30), (1, 1, 3, 3)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    tconv.errors.TconvError: explain shows every entry of the matrix C: this configuration has 921,600, more ...
    """
    if view == "backward":  # C's entries first: the products are counted only for a C already small
        _check_limit(math.prod(matrix_shape(plan)), MAX_MATRIX_CELLS, "entry of the matrix C")
        products, cells = backward_sizes(plan)
        _check_limit(products, MAX_TERMS, "product")
        _check_limit(cells, MAX_GRID_CELLS, "cell of the grids x, y, dy, dx and dw")
        return
    batch, taps = plan.batch, math.prod(plan.kernel_size)
    eqs = [ax.equivalent() for ax in plan.axes]
    limits = {
        "gather": [(batch * plan.out_channels * math.prod(plan.output_size) * plan.in_per_group * taps, MAX_TERMS,
                    "product"),
                   (batch * plan.in_channels * max(math.prod(e.stretched_size for e in eqs),
                                                   math.prod(max(e.padded_size, 0) for e in eqs)),
                    MAX_GRID_CELLS, "cell of the zero-inserted, padded input")],
        "scatter": [(batch * plan.out_channels * math.prod(ax.buffer_size for ax in _stamped(plan).axes),
                     MAX_GRID_CELLS, "cell of the summed stamps"),
                    (batch * plan.in_channels * math.prod(plan.input_size) * plan.out_per_group, MAX_STAMPS, "stamp"),
                    (batch * plan.in_channels * math.prod(plan.input_size) * plan.out_per_group * taps, MAX_TERMS,
                     "product")],
        "matrix": [(plan.in_channels * math.prod(plan.input_size) * plan.out_channels * math.prod(plan.output_size),
                    MAX_MATRIX_CELLS, "entry of the matrix C")],
    }[view]
    for count, limit, what in limits:
        _check_limit(count, limit, what)


def _check_limit(count: int, limit: int, what: str) -> None:
    if count > limit:
        raise TconvError(
            f"explain shows every {what}: this configuration has {count:,}, more than the {limit:,} a "
            f"walkthrough shows; use smaller sizes or fewer channels (tconv.conv_transpose computes any size)"
        )


# --------------------------------------------------------------------------------------------------
# gather: the seeds' view
# --------------------------------------------------------------------------------------------------


def _gather(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, plan: ConvTransposePlan) -> list[Step]:
    n_batch = x.shape[0]
    cin, cout = plan.in_channels, plan.out_channels
    eqs = [ax.equivalent() for ax in plan.axes]

    # 1. zeros between the inputs
    stretched = insert_zeros(x, plan)
    s_roles, p_roles = (roles.astype(roles_of((), "zero").dtype) for roles in cell_kinds(plan))
    text = [
        Message("gather.zeros.axis", {"axis": a, "stride": ax.stride, "zeros": ax.stride - 1, "size": ax.input_size,
                                      "stretched": e.stretched_size})
        for a, (ax, e) in enumerate(zip(plan.axes, eqs))
        if ax.stride > 1
    ] or [Message("gather.zeros.none")]
    grids = tuple(
        Grid(Message("label.stretched", {"idx": _idx(plan, n, c)}), stretched[n, c], s_roles)
        for n in range(n_batch) for c in range(cin)
    )
    steps = [Step("insert_zeros", Message("gather.zeros.title"), tuple(text), grids)]

    # 2. pad d(k−1)−p (+ output_padding at the end); negative amounts crop
    padded = pad(stretched, plan)
    text = []
    for a, (ax, e) in enumerate(zip(plan.axes, eqs)):
        common = {"axis": a, "dilation": ax.dilation, "kernel": ax.kernel_size, "padding": ax.padding,
                  "pad": e.pad_begin, "op": ax.output_padding, "stretched": e.stretched_size, "padded": e.padded_size}
        if ax.padding_end is not None and e.pad_begin >= 0 and e.pad_end >= 0:  # padding="same", odd total
            text.append(Message("gather.pad.same", common | {"before": e.pad_begin, "after": e.pad_end,
                                                             "end": ax.padding_end}))
        elif e.pad_begin >= 0 and e.pad_end >= 0:
            text.append(Message("gather.pad.axis", common | {"before": e.pad_begin, "after": e.pad_end}))
        else:
            text.append(Message("gather.pad.crop", common | {
                "dk": ax.effective_kernel - 1, "crop_before": max(0, -e.pad_begin),
                "crop_after": max(0, -e.pad_end)}))
    grids = tuple(
        Grid(Message("label.padded", {"idx": _idx(plan, n, c)}), padded[n, c], p_roles)
        for n in range(n_batch) for c in range(cin)
    )
    steps.append(Step("pad", Message("gather.pad.title"), tuple(text), grids))

    # 3. flip the kernel, swap in/out per group
    wf = flipped_weight(w, plan.groups)  # (Cout, Cg, *k)
    k_roles = roles_of(plan.kernel_size, "kernel")
    kernels: list[Grid] = []
    for m in range(cout):
        _, chans = _group_channels(plan, m)
        ml = m % plan.out_per_group
        for c in chans:
            kernels.append(Grid(Message("label.kernel", {"c": c, "ml": ml}), w[c, ml], k_roles))
            kernels.append(Grid(Message("label.flipped", {"c": c, "ml": ml, "m": m}), wf[m, c - chans.start],
                                k_roles))
    flip_text = (Message("gather.flip.text", {"per_group": plan.out_per_group}),)
    steps.append(Step("flip", Message("gather.flip.title"), flip_text, tuple(kernels)))

    # 4. slide at stride 1: every output cell lists its products
    values = np.zeros((n_batch, cout, *plan.output_size), dtype=x.dtype)
    cells = []
    taps = list(np.ndindex(*plan.kernel_size))
    for n in range(n_batch):
        for m in range(cout):
            _, chans = _group_channels(plan, m)
            for o in np.ndindex(*plan.output_size):
                terms = []
                for c in chans:
                    for tap in taps:
                        at = tuple(oi + t * ax.dilation for oi, t, ax in zip(o, tap, plan.axes))
                        xv, wv = padded[(n, c) + at], wf[(m, c - chans.start) + tap]
                        terms.append(Term(c, at, tap, number(xv), number(wv)))
                bias = number(b[m]) if b is not None else 0
                value = sum((t.product for t in terms), start=0) + bias
                values[(n, m) + o] = stored(value, values.dtype)
                cells.append(Cell(n if plan.batched else None, m, o, tuple(terms), bias, value))
    slide_text = (Message("gather.slide.text", {"dilation": list(plan.dilation)}), *_channel_messages(plan))
    steps.append(Step("slide", Message("gather.slide.title"), slide_text, (), tuple(cells)))
    steps.append(_output_step(plan, values, b))
    return steps


# --------------------------------------------------------------------------------------------------
# scatter: the definition (d2l's view)
# --------------------------------------------------------------------------------------------------


def _scatter(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, plan: ConvTransposePlan) -> list[Step]:
    n_batch = x.shape[0]
    cin, cout, mg = plan.in_channels, plan.out_channels, plan.out_per_group
    span = tuple(ax.effective_kernel for ax in plan.axes)
    buffer = tuple(ax.buffer_size for ax in _stamped(plan).axes)
    full = np.zeros((n_batch, cout, *buffer), dtype=x.dtype)
    contributions: dict[tuple[int, ...], list[Term]] = {}

    # 1. stamps
    stamps_grids: list[Grid] = []
    tap_at = [tuple(t * ax.dilation for t, ax in zip(tap, plan.axes)) for tap in np.ndindex(*plan.kernel_size)]
    taps = list(np.ndindex(*plan.kernel_size))
    for n in range(n_batch):
        for c in range(cin):
            g = c // plan.in_per_group
            for i in np.ndindex(*plan.input_size):
                xv = x[(n, c) + i]
                offset = tuple(ii * ax.stride for ii, ax in zip(i, plan.axes))
                for ml in range(mg):
                    m = g * mg + ml
                    stamp = np.zeros(span, dtype=x.dtype)
                    roles = roles_of(span, "empty")
                    for tap, at in zip(taps, tap_at):
                        stamp[at] = xv * w[(c, ml) + tap]
                        roles[at] = "stamp"
                        pos = tuple(o + a for o, a in zip(offset, at))
                        full[(n, m) + pos] += stamp[at]
                        contributions.setdefault((n, m) + pos, []).append(
                            Term(c, i, tap, number(xv), number(w[(c, ml) + tap]))
                        )
                    label = Message("label.stamp", {"idx": _idx(plan, n, c), "at": list(i),
                                                    "x": number(xv), "c": c, "ml": ml, "m": m,
                                                    "offset": list(offset)})
                    stamps_grids.append(Grid(label, stamp, roles, offset=offset))
    text = (Message("scatter.stamp.text", {"stride": list(plan.stride), "dilation": list(plan.dilation),
                                           "full": list(plan.full_size)}),)
    steps = [Step("stamp", Message("scatter.stamp.title"), text, tuple(stamps_grids))]

    # 2. the sum of the stamps, over the full extent F
    f_window = tuple(slice(0, ax.full_size) for ax in plan.axes)
    f_roles = roles_of(plan.full_size, "output")
    sums = tuple(
        Grid(Message("label.full", {"idx": _idx(plan, n, m)}), full[_at(n, m, f_window)], f_roles)
        for n in range(n_batch) for m in range(cout)
    )
    sum_text = (Message("scatter.sum.text"), *_channel_messages(plan))
    steps.append(Step("accumulate", Message("scatter.sum.title"), sum_text, sums))

    if plan.padding_mode != "zeros":
        fold_step, values = _fold_step(plan, full, contributions, b)
        return [*steps, fold_step, _output_step(plan, values, b)]

    # 3. crop padding at both ends, keep output_padding at the end
    c_roles = roles_of(buffer, "crop")
    window = tuple(slice(ax.padding, ax.padding + ax.output_size) for ax in plan.axes)
    c_roles[window] = "output"
    for a, ax in enumerate(plan.axes):  # kept cells past the stamps (output_padding > padding)
        if ax.padding + ax.output_size > ax.full_size:
            sl = [slice(None)] * plan.nd
            sl[a] = slice(ax.full_size, ax.padding + ax.output_size)
            c_roles[tuple(sl)] = np.where(c_roles[tuple(sl)] == "output", "extend", c_roles[tuple(sl)])
    crop_text: list[Message] = []
    for a, ax in enumerate(plan.axes):
        if ax.padding_end is not None and ax.crop_end >= 0:  # padding="same": the odd cell cropped at the end
            crop_text.append(Message("scatter.crop.same", {"axis": a, "padding": ax.padding, "end": ax.crop_end,
                                                           "full": ax.full_size, "out": ax.output_size}))
        elif ax.crop_end >= 0:
            crop_text.append(Message("scatter.crop.axis", {"axis": a, "padding": ax.padding, "end": ax.crop_end,
                                                      "full": ax.full_size, "out": ax.output_size}))
        else:
            crop_text.append(Message("scatter.crop.extend", {"axis": a, "padding": ax.padding, "op": ax.output_padding,
                                                        "extend": -ax.crop_end, "full": ax.full_size,
                                                        "out": ax.output_size}))
    crops: list[Grid] = []
    values = np.zeros((n_batch, cout, *plan.output_size), dtype=x.dtype)
    cells = []
    for n in range(n_batch):
        for m in range(cout):
            crops.append(Grid(Message("label.full", {"idx": _idx(plan, n, m)}), full[n, m], c_roles))
            kept = full[_at(n, m, window)]
            crops.append(Grid(Message("label.cropped", {"idx": _idx(plan, n, m)}), kept, c_roles[window]))
            bias = number(b[m]) if b is not None else 0
            for o in np.ndindex(*plan.output_size):
                pos = tuple(oi + ax.padding for oi, ax in zip(o, plan.axes))
                terms = tuple(contributions.get((n, m) + pos, ()))
                value = sum((t.product for t in terms), start=0) + bias
                values[(n, m) + o] = stored(value, values.dtype)
                cells.append(Cell(n if plan.batched else None, m, o, terms, bias, value))
    steps.append(Step("crop", Message("scatter.crop.title"), tuple(crop_text), tuple(crops), tuple(cells)))
    steps.append(_output_step(plan, values, b))
    return steps


def _fold_step(plan: ConvTransposePlan, full: np.ndarray, contributions: dict[tuple[int, ...], list[Term]],
               b: np.ndarray | None) -> tuple[Step, np.ndarray]:
    """Step 3 with a padding mode: nothing is cropped; each cell of the summed stamps adds onto the output cell it
    lands on (Pᵀ, :func:`tconv.padding_modes.folded_index`): circular stamps past the border wrap around and add
    in, reflect ones add onto their mirror image, replicate ones onto the edge cell. Returns the step and the
    output values."""
    n_batch, cout, buffer = full.shape[0], full.shape[1], full.shape[2:]
    mode = plan.padding_mode
    maps = [folded_index(np.arange(size), ax.padding, ax.output_size, mode) for size, ax in zip(buffer, plan.axes)]
    window = tuple(slice(ax.padding, ax.padding + ax.output_size) for ax in plan.axes)
    roles = roles_of(buffer, "wrap")
    roles[window] = "output"
    for a, ax in enumerate(plan.axes):  # kept cells past the stamps (output_padding): zeros before the bias
        if buffer[a] > ax.full_size:
            sl: list[slice] = [slice(None)] * plan.nd
            sl[a] = slice(ax.full_size, buffer[a])
            roles[tuple(sl)] = np.where(roles[tuple(sl)] == "output", "extend", roles[tuple(sl)])
    text = [Message(f"scatter.fold.{mode}", {"axis": a, "begin": ax.padding, "end": ax.end_padding,
                                             "full": size, "out": ax.output_size, "last": ax.output_size - 1})
            for a, (ax, size) in enumerate(zip(plan.axes, buffer))]
    sources: dict[tuple[int, ...], list[tuple[int, ...]]] = {}
    for pos in np.ndindex(*buffer):
        sources.setdefault(tuple(int(m[p]) for m, p in zip(maps, pos)), []).append(pos)
    grids: list[Grid] = []
    values = np.zeros((n_batch, cout, *plan.output_size), dtype=full.dtype)
    cells = []
    for n in range(n_batch):
        for m in range(cout):
            folded = np.zeros(plan.output_size, dtype=full.dtype)
            bias = number(b[m]) if b is not None else 0
            for o in np.ndindex(*plan.output_size):
                terms = tuple(t for pos in sources.get(o, ()) for t in contributions.get((n, m) + pos, ()))
                product_sum = sum((t.product for t in terms), start=0)
                folded[o] = stored(product_sum, folded.dtype)
                value = product_sum + bias
                values[(n, m) + o] = stored(value, values.dtype)
                cells.append(Cell(n if plan.batched else None, m, o, terms, bias, value))
            grids.append(Grid(Message("label.full", {"idx": _idx(plan, n, m)}), full[n, m], roles))
            grids.append(Grid(Message("label.cropped", {"idx": _idx(plan, n, m)}), folded,
                              roles_of(plan.output_size, "output")))
    title = Message("scatter.fold.title", {"mode": mode})
    return Step("fold", title, tuple(text), tuple(grids), tuple(cells)), values


# --------------------------------------------------------------------------------------------------
# matrix: y = Cᵀx
# --------------------------------------------------------------------------------------------------


def _matrix_entries(w: np.ndarray, plan: ConvTransposePlan) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                                       tuple[int, int]]:
    """C's entries (rows, cols, values, shape). With a padding mode, those of the uncropped layer, each column moved
    to the output cell it folds onto (:func:`tconv.padding_modes.folded_index`): C of the direct convolution with
    that padding, whose entries several taps may share."""
    if plan.padding_mode == "zeros":
        return sparse_matrix(w, plan)
    full = plan.unfolded
    rows, cols, vals, _ = sparse_matrix(w, full)
    n_full, n_out = math.prod(full.output_size), math.prod(plan.output_size)
    m, flat = np.divmod(cols, n_full)
    pos = np.unravel_index(flat, full.output_size)
    moved = [folded_index(p, ax.padding, ax.output_size, plan.padding_mode) for p, ax in zip(pos, plan.axes)]
    cols = m * n_out + np.ravel_multi_index(tuple(moved), plan.output_size)
    return rows, cols, vals, (plan.in_channels * math.prod(plan.input_size), plan.out_channels * n_out)


def _matrix(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, plan: ConvTransposePlan) -> list[Step]:
    n_batch = x.shape[0]
    n_in, n_out = math.prod(plan.input_size), math.prod(plan.output_size)
    rows_total, cols_total = plan.in_channels * n_in, plan.out_channels * n_out
    rows, cols, vals, shape = _matrix_entries(w, plan)  # the non-zeros: each one is a term of some output cell
    dense = np.zeros(shape, dtype=vals.dtype)
    np.add.at(dense, (rows, cols), vals)  # a padding mode folds several entries onto one
    roles = roles_of(shape, "empty")
    roles[rows, cols] = "matrix"

    def name(prefix: str, channel: int, flat: int, size: tuple[int, ...]) -> str:
        pos = np.unravel_index(flat, size)
        return f"{prefix}{channel}({', '.join(str(int(p)) for p in pos)})"

    row_labels = tuple(name("x", r // n_in, r % n_in, plan.input_size) for r in range(rows_total))
    col_labels = tuple(name("y", c // n_out, c % n_out, plan.output_size) for c in range(cols_total))
    text = (Message("matrix.C.text", {"rows": rows_total, "cols": cols_total, "nonzeros": len(rows)}),)
    steps = [Step("matrix", Message("matrix.C.title"), text,
                  (Grid(Message("label.C"), dense, roles, row_labels=row_labels, col_labels=col_labels),))]

    flat = x.reshape(n_batch, rows_total)
    grids = tuple(
        Grid(Message("label.xflat", {"idx": f"[{n}]" if plan.batched else ""}), flat[n], roles_of(rows_total, "input"))
        for n in range(n_batch)
    )
    flat_text = (Message("matrix.flatten.text", {"count": rows_total}),)
    steps.append(Step("flatten", Message("matrix.flatten.title"), flat_text, grids))

    by_col: dict[int, list[int]] = {}
    for k, col in enumerate(cols):
        by_col.setdefault(int(col), []).append(k)
    values = np.zeros((n_batch, plan.out_channels, *plan.output_size), dtype=x.dtype)
    cells: list[Cell] = []
    products: list[Grid] = []
    for n in range(n_batch):
        yflat = np.zeros(cols_total, dtype=x.dtype)
        for col in range(cols_total):
            m, o = divmod(col, n_out)
            pos = tuple(int(p) for p in np.unravel_index(o, plan.output_size))
            terms = tuple(
                Term(int(rows[k]) // n_in, (int(rows[k]),), (col,), number(flat[n, rows[k]]), number(vals[k]))
                for k in by_col.get(col, ())
            )
            bias = number(b[m]) if b is not None else 0
            product_sum = sum((t.product for t in terms), start=0)
            yflat[col] = stored(product_sum, yflat.dtype)
            value = product_sum + bias
            values[(n, m) + pos] = stored(value, values.dtype)
            cells.append(Cell(n if plan.batched else None, m, pos, terms, bias, value))
        products.append(Grid(Message("label.yflat", {"idx": f"[{n}]" if plan.batched else ""}), yflat,
                          roles_of(cols_total, "output")))
    mul_text = (Message("matrix.multiply.text"),)
    steps.append(Step("multiply", Message("matrix.multiply.title"), mul_text, tuple(products), tuple(cells)))
    steps.append(_output_step(plan, values, b))
    return steps


VIEWS: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray | None, ConvTransposePlan], list[Step]]] = {
    "gather": _gather,
    "scatter": _scatter,
    "matrix": _matrix,
    "backward": backward,
}


def explain(
    input: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0,
    output_padding: IntOrSeq = 0,
    groups: int = 1,
    dilation: IntOrSeq = 1,
    *,
    output_size: IntOrSeq | None = None,
    view: str = "gather",
    lang: str = "en",
    conv_input: ArrayLike | None = None,
    padding_mode: str = "zeros",
) -> Walkthrough:
    """Explain a transposed convolution step by step, with its real numbers.

    Takes the arguments of :func:`tconv.conv_transpose` (arrays with channels, PyTorch's layout) plus ``view``
    (``"gather"``: zero insertion, padding, flipped kernel, sliding window; ``"scatter"``: stamps, sum, crop;
    ``"matrix"``: y = Cᵀx; ``"backward"``: the same transposed convolution as the gradient of a convolution) and
    ``lang`` (``"en"`` or ``"zh"``). Returns a :class:`Walkthrough` (data) that renders with ``to_text()``,
    ``to_markdown()``, ``_repr_html_()`` and ``to_dict()``. A ``padding_mode`` other than zeros shows in the scatter
    view (the stamps past the border wrap around, or fold onto their mirror image or the edge cell) and the matrix
    view (C of the direct convolution with that padding), not in gather's or backward's.

    >>> import tconv
    >>> wt = tconv.explain([[[4, 4, 3], [0, 3, 4], [2, 3, 2]]], [[[[1, 2], [0, 1]]]], padding=1)
    >>> wt.output.tolist()
    [[[7, 14], [7, 11]]]
    >>> [step.key for step in wt.steps]
    ['insert_zeros', 'pad', 'flip', 'slide', 'output']
    >>> print(wt.steps[1].text[0].render("en"))
    axis 0: d·(k − 1) − p = 1·(2 − 1) − 1 = 0; pad 0 before and 0 after (0 + output_padding 0); size 3 → 3.

    ``view="backward"`` reads the arguments as the backward pass of the convolution y = conv(x, w) with the same
    weight, stride, padding, dilation and groups: ``input`` is the upstream gradient dy, the output is dx (so
    ``output_padding`` or ``output_size`` set x's size, and must keep output_padding < stride), and
    ``conv_input`` is x (the output's shape; 1, 2, 3, … when left out), which y and dw need. It refuses a bias.
    The steps: y = C·x with C's entries, dy, dx = Cᵀ·dy entry by entry, dw (the correlation of x with dy), and
    conv_transpose(dy, w), equal to dx:

    >>> wt = tconv.explain([[[4, 4, 3], [0, 3, 4], [2, 3, 2]]], [[[[1, 2], [0, 1]]]], view="backward")
    >>> [step.key for step in wt.steps]
    ['forward', 'upstream', 'input_grad', 'weight_grad', 'output']
    >>> wt.output.tolist()                        # dx: seed 001's output, the tutorials' worked example
    [[[4, 12, 11, 6], [0, 7, 14, 11], [2, 7, 11, 8], [0, 2, 3, 2]]]
    >>> from tconv.explain.writers import cell_equation
    >>> cell = wt.steps[2].cells[1]               # dx = Cᵀ·dy, entry by entry: dy·C
    >>> cell_equation(cell, cell.name)
    'dx[0](0, 1) = 4·2 + 4·1 = 12'
    """
    view = as_choice("view", view, tuple(VIEWS))
    lang = as_choice("lang", lang, LANGS)
    plan, x, w, b = read_transposed(input, weight, bias, stride, padding, output_padding, groups, dilation,
                                    output_size, None, padding_mode)
    if view == "backward":
        check_backward(plan, b is not None)
    elif conv_input is not None:
        raise TconvError(f"conv_input is the convolution's input x of view 'backward'; view {view!r} takes none")
    if view == "gather" and plan.padding_mode != "zeros":
        raise TconvError(f"view 'gather' pads the zero-inserted input with zeros; padding_mode {plan.padding_mode!r} "
                         "folds the cropped margins back instead: use view 'scatter' (the stamps fold back) or "
                         "'matrix'")
    if view == "backward" and plan.padding_mode != "zeros":
        raise TconvError(f"view 'backward' shows the gradient of a convolution padded with zeros; padding_mode "
                         f"{plan.padding_mode!r} is shown by view 'scatter' (the stamps fold back) or 'matrix'")
    check_view_size(view, plan)
    cx = None if conv_input is None else conv_input_array(conv_input, plan, x.dtype)
    output = execute(plan, x, w, b, "auto")
    ctype = compute_dtype(x.dtype)
    xb = (x if plan.batched else x[None]).astype(ctype, copy=False)
    wc, bc = w.astype(ctype, copy=False), None if b is None else b.astype(ctype)
    with np.errstate(over="ignore", invalid="ignore"):  # integers wrap, NaN and Inf propagate: as in PyTorch
        if view == "backward":
            steps = backward(xb, wc, bc, plan, None if cx is None else (cx if plan.batched else cx[None]))
        else:
            steps = VIEWS[view](xb, wc, bc, plan)
    params = {
        "input_shape": list(x.shape),
        "weight_shape": list(w.shape),
        "bias": None if b is None else [number(v) for v in b.tolist()],
        "in_channels": plan.in_channels,
        "out_channels": plan.out_channels,
        "kernel_size": list(plan.kernel_size),
        "stride": list(plan.stride),
        "padding": padding if isinstance(padding, str) else list(plan.padding),
        "output_padding": list(plan.output_padding),
        "dilation": list(plan.dilation),
        "groups": plan.groups,
        "output_size": None if output_size is None else list(np.atleast_1d(output_size).tolist()),
        "dtype": x.dtype.name,
    }
    if plan.padding_mode != "zeros":
        params["padding_mode"] = plan.padding_mode
    same = isinstance(padding, str) and padding == "same"  # an array's == would compare element by element
    return Walkthrough(view, lang, params, _size(plan, same), tuple(steps), output)
