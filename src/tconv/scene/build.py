"""Build animation scenes from a plan: direct convolution (and pooling), transposed convolution as its
equivalent direct convolution (conv_arithmetic's view), and transposed convolution as scatter.

Values come from the library's own computation (``conv_transpose``, ``conv``), so a frame's highlighted output
value is the computed one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._axes import IntOrSeq
from .._format import format_number
from ..algorithms.zero_insert import cell_kinds, insert_zeros, pad
from ..errors import TconvError
from ..explain.i18n import LANGS, render
from ..functional import as_arrays, conv, conv_transpose
from ..params import ConvPlan, ConvTransposePlan, plan_conv, plan_conv_transpose
from ..settings import check_memory
from ..shapes import pool_output_size
from .model import AxisMap, Frame, Mark, Panel, Scene, Update, Window

__all__ = ["MAX_CELLS", "MAX_FRAMES", "VIEWS", "VIEW_ALIASES", "SceneCost", "animate", "sample_arrays", "scene_cost",
           "view_name"]

#: The views, named as everywhere else (``tconv.explain`` calls the zero-insertion view "gather" too).
VIEWS = ("gather", "scatter", "conv")
#: Other names a view is accepted under: "equivalent" was the gather view's name before the vocabulary was one.
VIEW_ALIASES = {"equivalent": "gather"}


def view_name(view: object) -> str:
    """The view's name, aliases resolved; an unknown name is refused with the valid ones.

    >>> view_name("equivalent"), view_name("scatter")
    ('gather', 'scatter')
    >>> view_name("gathr")
    Traceback (most recent call last):
    tconv.errors.TconvError: view 'gathr' is not known: choose one of 'gather', 'scatter', 'conv' ('equivalent' is \
another name for 'gather')
    """
    if isinstance(view, str) and view in VIEW_ALIASES:
        return VIEW_ALIASES[view]
    if not isinstance(view, str) or view not in VIEWS:
        aliases = ", ".join(f"{a!r} is another name for {v!r}" for a, v in VIEW_ALIASES.items())
        from .._axes import show

        raise TconvError(f"view {show(view)} is not known: choose one of {', '.join(map(repr, VIEWS))} ({aliases})")
    return view
#: Animations are drawn cell by cell; beyond these sizes they would be unreadable.
MAX_FRAMES = 400
#: A frame's duration: GIF stores it as a 16-bit count of hundredths of a second.
MAX_DURATION_MS = 655_350
MAX_CELLS = 40 * 40

def _fmt_shape(shape: tuple[int, ...]) -> str:
    return " × ".join(map(str, shape))


def _as_2d(a: np.ndarray) -> np.ndarray:
    return a.reshape(1, -1) if a.ndim == 1 else a


def _roles2d(shape: tuple[int, ...], role: str) -> np.ndarray:
    return np.full(_as_2d(np.empty(shape)).shape, role, dtype="<U8")


def _cell(pos: tuple[int, ...]) -> tuple[int, int]:
    """(row, col) of a 1-D or 2-D position."""
    return (0, pos[0]) if len(pos) == 1 else (pos[0], pos[1])


def sample_arrays(
    input: ArrayLike | None,
    weight: ArrayLike | None,
    input_size: IntOrSeq | None,
    kernel_size: IntOrSeq | None,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Plain spatial arrays (1-D or 2-D): given, or small random non-zero integers (input 1–4, kernel 1–3).

    conv_arithmetic's numerical figures draw input 0–3 and kernel 0–2; with a quarter of the input and a third of
    the kernel zero, a 3 × 3 window is often mostly zeros and many products vanish. Without zeros every product
    in a window counts, and the numbers stay small enough to add up by heart.

    >>> x, w = sample_arrays(None, None, 3, 3, 0)
    >>> int(x.min()) >= 1 and int(x.max()) <= 4 and int(w.min()) >= 1 and int(w.max()) <= 3
    True
    """
    if (input is None) != (weight is None):
        raise TconvError("give both input and weight arrays, or neither (then random integers of the given sizes)")
    if input is None or weight is None:  # both None (checked above)
        if input_size is None or kernel_size is None:
            raise TconvError("animate needs input_size and kernel_size (or input and weight arrays)")
        from .._axes import as_int, count_axes, per_axis

        # All scalars: a square 2-D animation, as conv_arithmetic draws; a sequence fixes the number of axes.
        scalars = all(isinstance(v, int | np.integer) for v in (input_size, kernel_size))
        nd = 2 if scalars else count_axes(input_size, kernel_size)
        sizes = per_axis("input_size", input_size, nd, minimum=1), per_axis("kernel_size", kernel_size, nd, minimum=1)
        for name, size in zip(("input", "kernel"), sizes):  # before drawing them: a panel holds at most MAX_CELLS
            if math.prod(size) > MAX_CELLS:
                raise TconvError(f"the animation would draw {math.prod(size):,} {name} cells; at most {MAX_CELLS} "
                                 "are drawn: use smaller sizes")
        rng = np.random.default_rng(as_int("seed", seed, minimum=0))
        x = rng.integers(1, 5, size=sizes[0])
        w = rng.integers(1, 4, size=sizes[1])
    else:
        x, w, _ = as_arrays(input, weight)
        # single-channel arrays with their channel axes are accepted and squeezed
        if w.ndim >= 3 and w.shape[:2] == (1, 1):
            w = w[0, 0]
            x = x.reshape(x.shape[x.ndim - w.ndim :]) if math.prod(x.shape[: x.ndim - w.ndim]) == 1 else x
        if x.ndim != w.ndim:
            raise TconvError(
                f"animate draws one channel: give plain input and weight arrays of the same rank (1-D or 2-D), "
                f"got input shape {list(x.shape)} and weight shape {list(w.shape)}"
            )
    if x.ndim not in (1, 2):
        raise TconvError(
            f"animate draws 1-D and 2-D convolutions, got {x.ndim} spatial dimensions: "
            f"use tconv.explain for 3-D (it lists every step)"
        )
    return x, w


@dataclass(frozen=True)
class SceneCost:
    """What a scene will hold, known from the plan before anything is built: its frames, its cells (every panel),
    its value updates (the cells whose value changes, summed over the frames) and the bytes of all that.

    >>> scene_cost(14, 7)          # the largest the explorer allows: 20 × 20 output cells, one frame each
    SceneCost(frames=400, cells=1174, updates=400, nbytes=563904)
    """

    frames: int
    cells: int
    updates: int
    nbytes: int


# Bytes a scene holds per cell (the role string, the value, NumPy's share), per frame (the frame, its window,
# highlight, caption and value) and per value update, with a fixed part (titles, labels, the arrays' headers).
# Measured with tracemalloc (peak while animate builds, which includes the computation) on nine scenes from
# 4 to 400 frames, 10 to 1,174 cells and 4 to 7,056 updates: a least-squares fit gave about 22 KB fixed, 700 B
# a frame, 10 B a cell and 110 B an update; these constants are rounded up so that every measured peak is at
# most 0.9 of the estimate (tests/test_scene_scale.py holds it there).
BYTES_PER_CELL = 64
BYTES_PER_FRAME = 1000
BYTES_PER_UPDATE = 140
BYTES_FIXED = 32_768


def _cost(n_frames: int, cells: int, updates: int) -> SceneCost:
    nbytes = BYTES_FIXED + cells * BYTES_PER_CELL + n_frames * BYTES_PER_FRAME + updates * BYTES_PER_UPDATE
    return SceneCost(n_frames, cells, updates, nbytes)


def _check_size(n_frames: int, cells: int, updates: int) -> SceneCost:
    """Refuse from the plan's sizes, before any frame or panel is built: a scene's memory is bounded by these."""
    if n_frames > MAX_FRAMES:
        raise TconvError(
            f"the animation would have {n_frames:,} frames; at most {MAX_FRAMES} are drawn: use smaller sizes"
        )
    if cells > MAX_CELLS:
        raise TconvError(f"the animation would draw {cells} cells; at most {MAX_CELLS} are drawn: use smaller sizes")
    cost = _cost(n_frames, cells, updates)
    check_memory(cost.nbytes, f"an animation of {n_frames} frames and {cells} cells")
    return cost


#: A panel to place: name, label, roles, values (None: the frames supply them), the axis maps (which element each
#: cell holds) and whether it shows the kernel flipped.
PanelSpec = tuple[str, str, np.ndarray, np.ndarray | None, tuple[AxisMap, ...], bool]


def _panels(main: Sequence[PanelSpec], below: Sequence[PanelSpec]) -> list[Panel]:
    """The main panels on line 0 (input, output), the kernels on line 1; the renderer places the lines."""
    return [
        Panel(name, label, roles, values, line=line, axes=axes, flipped=flipped)
        for line, panels in ((0, main), (1, below))
        for name, label, roles, values, axes, flipped in panels
    ]


def _identity(shape: tuple[int, ...]) -> tuple[AxisMap, ...]:
    return tuple(AxisMap.identity(n) for n in shape)


def _window_frames(
    footprint_panel: str,
    out_panel: str,
    out_values: np.ndarray,
    out_size: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    kernel: np.ndarray,
    show_values: bool,
    caption: Callable[[str, str], str],
) -> list[Frame]:
    """One frame per output cell: the (dilated) kernel window on the input, the output cell highlighted and set."""
    frames = []
    taps = _as_2d(kernel)  # one array, shared by every frame's window
    step = (dilation[0], dilation[1]) if len(dilation) == 2 else (1, dilation[0])
    for o in np.ndindex(*out_size):
        r0, c0 = _cell(tuple(oi * s for oi, s in zip(o, stride)))
        r, c = _cell(o)
        value = out_values[o].item()
        frames.append(
            Frame(
                caption(", ".join(map(str, o)), format_number(value)),
                Window(footprint_panel, r0, c0, step, taps, show_values),
                Mark(out_panel, r, c, "highlight"),
                (Update(out_panel, r, c, value),),
                value,
            )
        )
    return frames


def animate(
    input_size: IntOrSeq | None = None,
    kernel_size: IntOrSeq | None = None,
    stride: IntOrSeq = 1,
    padding: IntOrSeq = 0,
    output_padding: IntOrSeq = 0,
    dilation: IntOrSeq = 1,
    *,
    output_size: IntOrSeq | None = None,
    view: str = "gather",
    pool: str | None = None,
    values: bool = False,
    input: ArrayLike | None = None,
    weight: ArrayLike | None = None,
    seed: int = 0,
    cell_size: int = 36,
    duration_ms: int = 800,
    lang: str = "en",
) -> Scene:
    """An animation scene of a (transposed) convolution, conv_arithmetic-style, for any parameters.

    Sizes are PyTorch's parameters; plain integers draw a square 2-D convolution, per-axis sequences set each
    axis (a one-element sequence, or 1-D arrays, draw 1-D). Views: ``"gather"`` (also accepted as
    ``"equivalent"``: transposed convolution as the direct convolution it equals: zeros inserted,
    padding d·(k−1)−p, the flipped kernel, stride 1), ``"scatter"`` (each input cell stamps the kernel onto the
    output, which accumulates; the cropped border is marked) and ``"conv"`` (a direct convolution, or a pooling
    window with ``pool="max"``/``"avg"``). Parameters are PyTorch's, per axis; 1-D and 2-D. ``values=True`` writes
    the numbers in the cells (random small non-zero integers from ``seed``: input 1–4, kernel 1–3; or
    ``input``/``weight`` arrays); they equal ``tconv.conv_transpose``. One frame per kernel position (per input cell
    for scatter). ``lang`` ("en" or "zh") is the language of every word drawn: title, labels, captions, legend.
    Every cell knows what it holds: ``scene.panel("input").index(row, col)`` is the true index of its element
    (None for padding and inserted zeros), ``between`` the elements an inserted zero sits between.

    >>> import tconv
    >>> scene = tconv.animate(2, 3)                       # no_padding_no_strides_transposed: 2×2 → 4×4
    >>> len(scene.frames), scene.panel("input").shape, scene.panel("output").shape
    (16, (6, 6), (4, 4))
    >>> scene.save("/tmp/tconv-doctest.svg").suffix
    '.svg'
    """
    from .._axes import as_bool, as_choice, as_int

    view = view_name(view)
    lang = as_choice("lang", lang, LANGS)
    values = as_bool("values", values)
    if pool is not None and (as_choice("pool", pool, ("max", "avg")) and view != "conv"):
        raise TconvError(f"pool {pool!r} needs view='conv'")

    cell_size = as_int("cell_size", cell_size, minimum=4)
    duration_ms = as_int("duration_ms", duration_ms, minimum=10)
    if duration_ms > MAX_DURATION_MS:
        raise TconvError(f"duration_ms {duration_ms} is too long: a GIF frame lasts at most {MAX_DURATION_MS} ms "
                         "(its delay is a 16-bit count of 10 ms): valid range 10..655350")
    x, w = sample_arrays(input, weight, input_size, kernel_size, seed)
    if cell_size > 200:
        raise TconvError(f"cell_size {cell_size} is too large: at most 200 pixels")
    build = {"gather": _equivalent, "scatter": _scatter, "conv": _direct}[view]
    return build(x, w, stride, padding, output_padding, dilation, output_size, pool, values, cell_size, duration_ms,
                 lang)


def scene_cost(
    input_size: IntOrSeq,
    kernel_size: IntOrSeq,
    stride: IntOrSeq = 1,
    padding: IntOrSeq = 0,
    output_padding: IntOrSeq = 0,
    dilation: IntOrSeq = 1,
    *,
    output_size: IntOrSeq | None = None,
    view: str = "gather",
    pool: str | None = None,
) -> SceneCost:
    """The frames, cells, value updates and bytes of ``animate`` with these arguments, from the plan alone: no
    array, panel or frame is made. ``animate`` checks the same counts (limits, then the memory budget) first.

    >>> scene_cost(3, 3, stride=2, padding=1, output_padding=1)       # padding_strides_odd_transposed
    SceneCost(frames=36, cells=118, updates=36, nbytes=81360)
    >>> scene_cost(3, 3, stride=2, padding=1, output_padding=1, view="scatter").updates   # 9 stamps of 9 cells
    81
    """
    view = view_name(view)
    from .._axes import count_axes, per_axis

    scalars = all(isinstance(v, int | np.integer) for v in (input_size, kernel_size))
    nd = 2 if scalars else count_axes(input_size, kernel_size)
    x_shape = per_axis("input_size", input_size, nd, minimum=1)
    w_shape = per_axis("kernel_size", kernel_size, nd, minimum=1)
    k = math.prod(w_shape)
    if view == "conv":
        plan = plan_conv((1, 1, *x_shape), (1, 1, *w_shape), None, stride, padding, dilation, 1, nd=nd)
        return _cost(*_direct_counts(plan, k, pool))
    tplan = plan_conv_transpose((1, 1, *x_shape), (1, 1, *w_shape), None, stride, padding, output_padding, 1,
                                dilation, output_size=output_size, nd=nd)
    return _cost(*(_equivalent_counts if view == "gather" else _scatter_counts)(tplan, k))


def _equivalent_counts(plan: ConvTransposePlan, kernel_cells: int) -> tuple[int, int, int]:
    """One frame per output cell, each setting it; panels: the padded grid, the output, the kernel and its flip."""
    frames = math.prod(plan.output_size)
    return frames, math.prod(ax.equivalent().padded_size for ax in plan.axes) + frames + 2 * kernel_cells, frames


def _scatter_counts(plan: ConvTransposePlan, kernel_cells: int) -> tuple[int, int, int]:
    """One frame per input cell, each adding a stamp to kernel_cells sums; panels: input, sums, kernel."""
    frames = math.prod(plan.input_size)
    buffer = math.prod(ax.buffer_size for ax in plan.axes)
    return frames, frames + buffer + kernel_cells, frames * kernel_cells


def _direct_counts(plan: ConvPlan, kernel_cells: int, pool: str | None) -> tuple[int, int, int]:
    """One frame per output cell; panels: the padded input, the output, the kernel (none for pooling)."""
    frames = math.prod(plan.output_size)
    return frames, math.prod(ax.padded_size for ax in plan.axes) + frames + (0 if pool else kernel_cells), frames


def _common(plan_params: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in plan_params.items()}


def _equivalent(
    x: np.ndarray,
    w: np.ndarray,
    stride: IntOrSeq,
    padding: IntOrSeq,
    output_padding: IntOrSeq,
    dilation: IntOrSeq,
    output_size: IntOrSeq | None,
    pool: str | None,
    show: bool,
    cell: int,
    dur: int,
    lang: str,
) -> Scene:
    nd = x.ndim
    plan = plan_conv_transpose(
        (1, 1, *x.shape),
        (1, 1, *w.shape),
        None,
        stride,
        padding,
        output_padding,
        1,
        dilation,
        output_size=output_size,
        nd=nd,
    )
    _check_size(*_equivalent_counts(plan, w.size))
    y = conv_transpose(
        x[None, None], w[None, None], None, plan.stride, plan.padding, plan.output_padding, 1, plan.dilation
    )[0, 0]
    _, kinds = cell_kinds(plan)
    padded = pad(insert_zeros(x, plan), plan)
    flipped = np.flip(w)
    eqs = [ax.equivalent() for ax in plan.axes]
    pads = ", ".join(f"{e.pad_begin}/{e.pad_end}" for e in eqs)
    stretched = tuple(AxisMap.stretched(n, ax.stride, e.pad_begin, e.padded_size)
                      for n, ax, e in zip(x.shape, plan.axes, eqs))
    panels = _panels(
        [
            (
                "input",
                render("scene.label.stretched", lang, {"shape": _fmt_shape(x.shape), "pads": pads,
                                                       "padded": _fmt_shape(padded.shape)}),
                _as_2d(kinds).astype("<U8"),
                _as_2d(padded),
                stretched,
                False,
            ),
            ("output", render("scene.label.output", lang, {"shape": _fmt_shape(y.shape)}),
             _roles2d(y.shape, "output"), None, _identity(y.shape), False),
        ],
        [
            ("kernel", render("scene.label.kernel", lang, {"shape": _fmt_shape(w.shape)}),
             _roles2d(w.shape, "kernel"), _as_2d(w), _identity(w.shape), False),
            ("flipped", render("scene.label.flipped", lang, {}), _roles2d(w.shape, "kernel"), _as_2d(flipped),
             tuple(AxisMap.reversed(n) for n in w.shape), True),
        ],
    )
    frames = _window_frames(
        "input",
        "output",
        y,
        plan.output_size,
        (1,) * nd,
        plan.dilation,
        flipped,
        show,
        _caption("scene.caption.gather", lang, show),
    )
    title = render("scene.title.gather", lang, {
        "kind": f"ConvTranspose{nd}d", "params": _transposed_params(plan),
        "src": _fmt_shape(x.shape), "dst": _fmt_shape(y.shape)})
    params = _common(
        {
            "view": "gather",
            "input_size": plan.input_size,
            "kernel_size": plan.kernel_size,
            "stride": plan.stride,
            "padding": plan.padding,
            "output_padding": plan.output_padding,
            "dilation": plan.dilation,
            "output_size": plan.output_size,
        }
    )
    return Scene(
        title,
        tuple(panels),
        tuple(frames),
        show,
        cell,
        dur,
        _legend(panels),
        ("input", "output"),
        params,
        kernel="flipped",
        lang=lang,
    )


def _scatter(
    x: np.ndarray,
    w: np.ndarray,
    stride: IntOrSeq,
    padding: IntOrSeq,
    output_padding: IntOrSeq,
    dilation: IntOrSeq,
    output_size: IntOrSeq | None,
    pool: str | None,
    show: bool,
    cell: int,
    dur: int,
    lang: str,
) -> Scene:
    nd = x.ndim
    plan = plan_conv_transpose(
        (1, 1, *x.shape),
        (1, 1, *w.shape),
        None,
        stride,
        padding,
        output_padding,
        1,
        dilation,
        output_size=output_size,
        nd=nd,
    )
    buffer = tuple(ax.buffer_size for ax in plan.axes)
    _check_size(*_scatter_counts(plan, w.size))
    roles = np.full(buffer, "crop", dtype="<U8")
    window = tuple(slice(ax.padding, ax.padding + ax.output_size) for ax in plan.axes)
    roles[window] = "output"
    for a, ax in enumerate(plan.axes):
        if ax.padding + ax.output_size > ax.full_size:
            sl = [slice(None)] * nd
            sl[a] = slice(ax.full_size, None)
            roles[tuple(sl)] = np.where(roles[tuple(sl)] == "output", "extend", roles[tuple(sl)])
    panels = _panels(
        [
            ("input", render("scene.label.input", lang, {"shape": _fmt_shape(x.shape)}), _roles2d(x.shape, "input"),
             _as_2d(x), _identity(x.shape), False),
            (
                "output",
                render("scene.label.sums", lang, {"buffer": _fmt_shape(buffer),
                                                  "shape": _fmt_shape(plan.output_size)}),
                _as_2d(roles),
                np.zeros(_as_2d(roles).shape, dtype=np.result_type(x, w)),  # the sums start at zero
                # a sum's cell holds output element (position − padding) when kept; a cropped one holds none
                tuple(AxisMap.shifted(ax.output_size, ax.padding, n) for ax, n in zip(plan.axes, buffer)),
                False,
            ),
        ],
        [("kernel", render("scene.label.kernel", lang, {"shape": _fmt_shape(w.shape)}), _roles2d(w.shape, "kernel"),
          _as_2d(w), _identity(w.shape), False)],
    )
    acc = np.zeros(buffer, dtype=np.result_type(x, w))
    taps = _as_2d(w)  # one array, shared by every frame's window
    step = (plan.dilation[0], plan.dilation[1]) if nd == 2 else (1, plan.dilation[0])
    frames = []
    for i in np.ndindex(*x.shape):
        xi = x[i].item()
        updates = []
        for tap in np.ndindex(*w.shape):
            at = tuple(ii * ax.stride + t * ax.dilation for ii, t, ax in zip(i, tap, plan.axes))
            acc[at] += x[i] * w[tap]
            updates.append(Update("output", *_cell(at), acc[at].item()))
        caption = render("scene.caption.scatter", lang, {
            "pos": ", ".join(map(str, i)), "value": f" = {format_number(xi)}" if show else ""})
        corner = _cell(tuple(ii * ax.stride for ii, ax in zip(i, plan.axes)))
        frames.append(Frame(caption, Window("output", *corner, step, taps, show, xi),
                            Mark("input", *_cell(i), "highlight"), tuple(updates), xi))
    title = render("scene.title.scatter", lang, {
        "kind": f"ConvTranspose{nd}d", "params": _transposed_params(plan),
        "src": _fmt_shape(x.shape), "dst": _fmt_shape(plan.output_size)})
    params = _common(
        {
            "view": "scatter",
            "input_size": plan.input_size,
            "kernel_size": plan.kernel_size,
            "stride": plan.stride,
            "padding": plan.padding,
            "output_padding": plan.output_padding,
            "dilation": plan.dilation,
            "output_size": plan.output_size,
            "window": [[s.start, s.stop] for s in window],
        }
    )
    return Scene(
        title,
        tuple(panels),
        tuple(frames),
        show,
        cell,
        dur,
        _legend(panels),
        ("input", "output"),
        params,
        kernel="kernel",
        lang=lang,
    )


def _direct(
    x: np.ndarray,
    w: np.ndarray,
    stride: IntOrSeq,
    padding: IntOrSeq,
    output_padding: IntOrSeq,
    dilation: IntOrSeq,
    output_size: IntOrSeq | None,
    pool: str | None,
    show: bool,
    cell: int,
    dur: int,
    lang: str,
) -> Scene:
    nd = x.ndim
    if output_size is not None or (output_padding not in (0, None) and np.any(np.asarray(output_padding) != 0)):
        raise TconvError("output_padding and output_size only apply to transposed convolution (view 'conv' is direct)")
    plan = plan_conv((1, 1, *x.shape), (1, 1, *w.shape), None, stride, padding, dilation, 1, nd=nd)
    _check_size(*_direct_counts(plan, w.size, pool))
    if pool is None:
        y = conv(x[None, None], w[None, None], None, stride, padding, dilation)[0, 0]
        kind = f"Conv{nd}d"
    else:
        out = pool_output_size(x.shape, w.shape, stride, padding, dilation)
        if out != plan.output_size:  # pooling's own rules (padding ≤ k/2) already passed; sizes agree without ceil_mode
            raise TconvError(f"pooling output {out} differs from {plan.output_size}")
        y = _pool(x, w.shape, plan, pool)
        kind = f"{pool.capitalize()}Pool{nd}d"
    roles = np.full(tuple(ax.padded_size for ax in plan.axes), "pad", dtype="<U8")
    inner = tuple(slice(ax.pad_begin, ax.pad_begin + ax.input_size) for ax in plan.axes)
    roles[inner] = "input"
    padded = np.zeros(roles.shape, dtype=x.dtype)
    padded[inner] = x
    below: list[PanelSpec] = [] if pool else [
        ("kernel", render("scene.label.kernel", lang, {"shape": _fmt_shape(w.shape)}), _roles2d(w.shape, "kernel"),
         _as_2d(w), _identity(w.shape), False)]
    shape_args = {"shape": _fmt_shape(x.shape), "padded": _fmt_shape(padded.shape)}
    panels = _panels(
        [
            (
                "input",
                render("scene.label.padded" if padded.shape != x.shape else "scene.label.input", lang, shape_args),
                _as_2d(roles),
                _as_2d(padded),
                tuple(AxisMap.shifted(ax.input_size, ax.pad_begin, ax.padded_size) for ax in plan.axes),
                False,
            ),
            ("output", render("scene.label.output", lang, {"shape": _fmt_shape(y.shape)}),
             _roles2d(y.shape, "output"), None, _identity(y.shape), False),
        ],
        below,
    )
    kernel = w if pool is None else np.zeros(w.shape)  # a pooling window: its shape only, no notes
    frames = _window_frames(
        "input",
        "output",
        y,
        plan.output_size,
        plan.stride,
        plan.dilation,
        kernel,
        show and pool is None,
        _caption(f"scene.caption.{pool or 'conv'}", lang, show),
    )
    title = render("scene.title.conv", lang, {
        "kind": kind,
        "params": f"k={_p(w.shape)} s={_p(plan.stride)} p={_p(tuple(ax.pad_begin for ax in plan.axes))} "
                  f"d={_p(plan.dilation)}",
        "src": _fmt_shape(x.shape), "dst": _fmt_shape(y.shape)})
    params = _common(
        {
            "view": "conv",
            "pool": pool,
            "input_size": x.shape,
            "kernel_size": w.shape,
            "stride": plan.stride,
            "padding": tuple(ax.pad_begin for ax in plan.axes),
            "dilation": plan.dilation,
            "output_size": plan.output_size,
        }
    )
    return Scene(
        title,
        tuple(panels),
        tuple(frames),
        show,
        cell,
        dur,
        _legend(panels),
        ("input", "output"),
        params,
        kernel=None if pool else "kernel",
        lang=lang,
    )


def _pool(x: np.ndarray, window: tuple[int, ...], plan: ConvPlan, mode: str) -> np.ndarray:
    """Max or average pooling (PyTorch: padding is −∞ for max, counted as zeros for avg)."""
    fill = -np.inf if mode == "max" else 0.0
    padded = np.full(tuple(ax.padded_size for ax in plan.axes), fill)
    padded[tuple(slice(ax.pad_begin, ax.pad_begin + ax.input_size) for ax in plan.axes)] = x
    out = np.zeros(plan.output_size)
    for o in np.ndindex(*plan.output_size):
        taps = [
            padded[tuple(oi * ax.stride + t * ax.dilation for oi, t, ax in zip(o, tap, plan.axes))]
            for tap in np.ndindex(*window)
        ]
        out[o] = max(taps) if mode == "max" else sum(taps) / len(taps)
    return out


def _transposed_params(plan: ConvTransposePlan) -> str:
    return (f"k={_p(plan.kernel_size)} s={_p(plan.stride)} p={_p(plan.padding)} op={_p(plan.output_padding)} "
            f"d={_p(plan.dilation)}")


def _caption(key: str, lang: str, show: bool) -> Callable[[str, str], str]:
    """A frame's caption from the output cell's position and value (the value only when numbers are shown)."""
    return lambda pos, value: render(key, lang, {"pos": pos, "value": f" = {value}" if show else ""})


def _p(values: tuple[int, ...]) -> str:
    values = tuple(values)
    return str(values[0]) if len(set(values)) == 1 else "(" + ",".join(map(str, values)) + ")"


def _legend(panels: list[Panel]) -> tuple[str, ...]:
    seen: list[str] = []
    for p in panels:
        for role in dict.fromkeys(p.roles.ravel().tolist()):
            if role and role not in seen:
                seen.append(role)
    return tuple(seen)
