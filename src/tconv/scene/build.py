"""Build animation scenes from a plan: direct convolution (and pooling), transposed convolution as its
equivalent direct convolution (conv_arithmetic's view), and transposed convolution as scatter.

``animate`` plans the layer once (:mod:`tconv.scene.plan`); each builder takes that plan, the arrays it draws and
the :class:`Look` of the picture. Values come from the library's own computation (``conv_transpose``, ``conv``),
so a frame's highlighted output value is the computed one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._axes import IntOrSeq, as_bool, as_choice, as_int
from .._format import format_number
from ..algorithms.zero_insert import cell_kinds, insert_zeros, pad
from ..errors import TconvError
from ..explain.i18n import LANGS, render
from ..functional import conv
from ..padding_modes import folded_index
from ..padding_modes import pad as pad_mode
from ..params import ConvPlan, ConvTransposePlan
from ..recipe import Recipe, execute
from ..shapes import pool_output_size
from .model import AxisMap, Frame, Mark, Panel, Scene, Update, Window
from .plan import (
    MAX_CELLS,
    MAX_FRAMES,
    VIEW_ALIASES,
    VIEWS,
    SceneCost,
    ScenePlan,
    arrays_plan,
    check_cost,
    check_drawable,
    check_plan_alone,
    compact,
    plan_cost,
    random_arrays,
    sample_arrays,
    scene_cost,
    scene_plan,
    view_name,
)

__all__ = ["MAX_CELLS", "MAX_FRAMES", "VIEWS", "VIEW_ALIASES", "Look", "SceneCost", "animate", "draw",
           "sample_arrays", "scene_cost", "view_name"]

#: A frame's duration: GIF stores it as a 16-bit count of hundredths of a second.
MAX_DURATION_MS = 655_350
#: The milliseconds a frame may last (a GIF's delay is a 16-bit count of 10 ms) and the pixels a cell may take.
DURATIONS_MS = (10, MAX_DURATION_MS)
CELL_SIZES = (4, 200)


@dataclass(frozen=True)
class Look:
    """How a scene is drawn, whatever it draws: numbers in the cells or not, the cell size in pixels, a frame's
    duration and the language of every word.

    >>> Look()
    Look(values=False, cell_size=36, duration_ms=800, lang='en')
    """

    values: bool = False
    cell_size: int = 36
    duration_ms: int = 800
    lang: str = "en"

    @staticmethod
    def checked(values: object, cell_size: object, duration_ms: object, lang: object) -> Look:
        """The look from user arguments, each refused with its valid range.

        >>> Look.checked(True, 20, 500, "zh")
        Look(values=True, cell_size=20, duration_ms=500, lang='zh')
        >>> Look.checked(False, 36, 1_000_000, "en")
        Traceback (most recent call last):
        tconv.errors.TconvError: duration_ms 1000000 is too long: a GIF frame lasts at most 655350 ms (its delay is \
a 16-bit count of 10 ms): valid range 10..655350
        """
        lang = as_choice("lang", lang, LANGS)
        shown = as_bool("values", values)
        size = as_int("cell_size", cell_size, minimum=CELL_SIZES[0])
        duration = as_int("duration_ms", duration_ms, minimum=DURATIONS_MS[0])
        if duration > MAX_DURATION_MS:
            raise TconvError(f"duration_ms {duration} is too long: a GIF frame lasts at most {MAX_DURATION_MS} ms "
                             "(its delay is a 16-bit count of 10 ms): valid range {}..{}".format(*DURATIONS_MS))
        if size > CELL_SIZES[1]:
            raise TconvError(f"cell_size {size} is too large: at most {CELL_SIZES[1]} pixels")
        return Look(shown, size, duration, lang)


def _fmt_shape(shape: tuple[int, ...]) -> str:
    return " × ".join(map(str, shape))


def _as_2d(a: np.ndarray) -> np.ndarray:
    return a.reshape(1, -1) if a.ndim == 1 else a


def _roles2d(shape: tuple[int, ...], role: str) -> np.ndarray:
    return np.full(_as_2d(np.empty(shape)).shape, role, dtype="<U8")


def _cell(pos: tuple[int, ...]) -> tuple[int, int]:
    """(row, col) of a 1-D or 2-D position."""
    return (0, pos[0]) if len(pos) == 1 else (pos[0], pos[1])


def _step(dilation: tuple[int, ...]) -> tuple[int, int]:
    """A window's (row, col) step between taps: its dilation (a 1-D window is one row)."""
    return (dilation[0], dilation[1]) if len(dilation) == 2 else (1, dilation[0])


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


def _kernel_panel(w: np.ndarray, lang: str) -> PanelSpec:
    return ("kernel", render("scene.label.kernel", lang, {"shape": _fmt_shape(w.shape)}), _roles2d(w.shape, "kernel"),
            _as_2d(w), _identity(w.shape), False)


def _window_frames(
    out_values: np.ndarray,
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    kernel: np.ndarray,
    notes: bool,
    caption: Callable[[str, str], str],
) -> list[Frame]:
    """One frame per output cell: the (dilated) kernel window on the input, the output cell highlighted and set."""
    frames = []
    taps = _as_2d(kernel)  # one array, shared by every frame's window
    for o in np.ndindex(*out_values.shape):
        r0, c0 = _cell(tuple(oi * s for oi, s in zip(o, stride)))
        r, c = _cell(o)
        value = out_values[o].item()
        frames.append(
            Frame(
                caption(", ".join(map(str, o)), format_number(value)),
                Window("input", r0, c0, _step(dilation), taps, notes),
                Mark("output", r, c, "highlight"),
                (Update("output", r, c, value),),
                value,
            )
        )
    return frames


def _scene(plan: ScenePlan, view: str, title: str, panels: list[Panel], frames: list[Frame], look: Look,
           kernel: str | None, pool: str | None = None, window: tuple[slice, ...] | None = None) -> Scene:
    """The scene every builder returns; its parameters are the plan's, per axis, as JSON lists."""
    params: dict[str, Any] = {"view": view}
    if isinstance(plan, ConvTransposePlan):
        params |= {"input_size": plan.input_size, "kernel_size": plan.kernel_size, "stride": plan.stride,
                   "padding": plan.padding, "output_padding": plan.output_padding}
    else:
        params |= {"pool": pool, "input_size": plan.input_size, "kernel_size": plan.kernel_size,
                   "stride": plan.stride, "padding": tuple(ax.pad_begin for ax in plan.axes)}
    params |= {"dilation": plan.dilation, "output_size": plan.output_size}
    if window is not None:
        params["window"] = [[s.start, s.stop] for s in window]
    params = {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
    return Scene(title, tuple(panels), tuple(frames), look.values, look.cell_size, look.duration_ms, _legend(panels),
                 ("input", "output"), params, kernel=kernel, lang=look.lang)


def _title(plan: ConvTransposePlan, view: str, lang: str) -> str:
    ends = "" if all(ax.padding_end is None for ax in plan.axes) else f"/{compact(plan.padding_end)}"
    mode = "" if plan.padding_mode == "zeros" else f" {plan.padding_mode}"
    return render(f"scene.title.{view}", lang, {
        "kind": f"ConvTranspose{plan.nd}d",
        "params": f"k={compact(plan.kernel_size)} s={compact(plan.stride)} p={compact(plan.padding)}{ends} "
                  f"op={compact(plan.output_padding)} d={compact(plan.dilation)}{mode}",
        "src": _fmt_shape(plan.input_size), "dst": _fmt_shape(plan.output_size)})


def _transposed(plan: ConvTransposePlan, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The plan run on one sample and channel: the output every frame's value comes from."""
    lead = (None, None) if plan.batched else (None,)
    y: np.ndarray = execute(plan, x[lead], w[None, None], None, "auto")
    return y.reshape(plan.output_size)


def _gather(plan: ConvTransposePlan, x: np.ndarray, w: np.ndarray, look: Look) -> Scene:
    lang = look.lang
    y = _transposed(plan, x, w)
    _, kinds = cell_kinds(plan)
    padded = pad(insert_zeros(x, plan), plan)
    flipped = np.flip(w)
    eqs = [ax.equivalent() for ax in plan.axes]
    pads = ", ".join(f"{e.pad_begin}/{e.pad_end}" for e in eqs)
    stretched = tuple(AxisMap.stretched(ax.input_size, ax.stride, e.pad_begin, e.padded_size)
                      for ax, e in zip(plan.axes, eqs))
    label = render("scene.label.stretched", lang, {"shape": _fmt_shape(x.shape), "pads": pads,
                                                   "padded": _fmt_shape(padded.shape)})
    panels = _panels(
        [
            ("input", label, _as_2d(kinds).astype("<U8"), _as_2d(padded), stretched, False),
            ("output", render("scene.label.output", lang, {"shape": _fmt_shape(y.shape)}),
             _roles2d(y.shape, "output"), None, _identity(y.shape), False),
        ],
        [
            _kernel_panel(w, lang),
            ("flipped", render("scene.label.flipped", lang, {}), _roles2d(w.shape, "kernel"), _as_2d(flipped),
             tuple(AxisMap.reversed(n) for n in w.shape), True),
        ],
    )
    frames = _window_frames(y, (1,) * plan.nd, plan.dilation, flipped, look.values,
                            _caption("scene.caption.gather", lang, look.values))
    return _scene(plan, "gather", _title(plan, "gather", lang), panels, frames, look, "flipped")


def _scatter(plan: ConvTransposePlan, x: np.ndarray, w: np.ndarray, look: Look) -> Scene:
    lang, show = look.lang, look.values
    mode = plan.padding_mode
    # With a padding mode nothing is cropped: the sums span the uncropped output, and each stamp cell that falls in a
    # margin also adds onto the output cell it folds onto (circular: wrapped around; tconv.padding_modes).
    buffer = tuple(ax.buffer_size for ax in (plan if mode == "zeros" else plan.unfolded).axes)
    lands = [folded_index(np.arange(n), ax.padding, ax.output_size, mode) + ax.padding
             for n, ax in zip(buffer, plan.axes)]
    roles = np.full(buffer, "crop" if mode == "zeros" else "wrap", dtype="<U8")
    window = tuple(slice(ax.padding, ax.padding + ax.output_size) for ax in plan.axes)
    roles[window] = "output"
    for a, ax in enumerate(plan.axes):
        if ax.padding + ax.output_size > ax.full_size:
            sl = [slice(None)] * plan.nd
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
        [_kernel_panel(w, lang)],
    )
    acc = np.zeros(buffer, dtype=np.result_type(x, w))
    taps = _as_2d(w)  # one array, shared by every frame's window
    frames = []
    for i in np.ndindex(*x.shape):
        xi = x[i].item()
        updates = []
        for tap in np.ndindex(*w.shape):
            at = tuple(ii * ax.stride + t * ax.dilation for ii, t, ax in zip(i, tap, plan.axes))
            acc[at] += x[i] * w[tap]
            updates.append(Update("output", *_cell(at), acc[at].item()))
            if mode != "zeros" and (to := tuple(int(m[q]) for m, q in zip(lands, at))) != at:
                acc[to] += x[i] * w[tap]  # the margin's cell folds back: it adds in where it lands
                updates.append(Update("output", *_cell(to), acc[to].item()))
        caption = render("scene.caption.scatter", lang, {
            "pos": ", ".join(map(str, i)), "value": f" = {format_number(xi)}" if show else ""})
        corner = _cell(tuple(ii * ax.stride for ii, ax in zip(i, plan.axes)))
        frames.append(Frame(caption, Window("output", *corner, _step(plan.dilation), taps, show, xi),
                            Mark("input", *_cell(i), "highlight"), tuple(updates), xi))
    return _scene(plan, "scatter", _title(plan, "scatter", lang), panels, frames, look, "kernel", window=window)


def _direct(plan: ConvPlan, x: np.ndarray, w: np.ndarray, pool: str | None, look: Look) -> Scene:
    lang = look.lang
    pads = tuple(ax.pad_begin for ax in plan.axes)
    margins = [(ax.pad_begin, ax.pad_end) for ax in plan.axes]
    if pool is not None and plan.padding_mode != "zeros":
        raise TconvError(f"padding_mode {plan.padding_mode!r} does not apply to pooling: use 'zeros'")
    if pool is None:
        y = conv(x[None, None], w[None, None], None, plan.stride, pads, plan.dilation,
                 padding_mode=plan.padding_mode)[0, 0]
        kind = f"Conv{plan.nd}d"
    else:
        out = pool_output_size(plan.input_size, plan.kernel_size, plan.stride, pads, plan.dilation)
        if out != plan.output_size:  # pooling's own rules (padding ≤ k/2) already passed; sizes agree without ceil_mode
            raise TconvError(f"pooling output {out} differs from {plan.output_size}")
        y = _pool(x, plan, pool)
        kind = f"{pool.capitalize()}Pool{plan.nd}d"
    roles = np.full(tuple(ax.padded_size for ax in plan.axes), "pad", dtype="<U8")
    inner = tuple(slice(ax.pad_begin, ax.pad_begin + ax.input_size) for ax in plan.axes)
    roles[inner] = "input"
    padded = np.zeros(roles.shape, dtype=x.dtype)
    padded[inner] = x
    if plan.padding_mode != "zeros":  # nn.Conv*d's padding: copies of the input's cells (F.pad's reflect, ...)
        padded = pad_mode(x, margins, plan.padding_mode)
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
        [] if pool else [_kernel_panel(w, lang)],
    )
    kernel = w if pool is None else np.zeros(w.shape)  # a pooling window: its shape only, no notes
    frames = _window_frames(y, plan.stride, plan.dilation, kernel, look.values and pool is None,
                            _caption(f"scene.caption.{pool or 'conv'}", lang, look.values))
    title = render("scene.title.conv", lang, {
        "kind": kind,
        "params": f"k={compact(plan.kernel_size)} s={compact(plan.stride)} p={compact(pads)} "
                  f"d={compact(plan.dilation)}",
        "src": _fmt_shape(x.shape), "dst": _fmt_shape(y.shape)})
    return _scene(plan, "conv", title, panels, frames, look, None if pool else "kernel", pool=pool)


def _pool(x: np.ndarray, plan: ConvPlan, mode: str) -> np.ndarray:
    """Max or average pooling (PyTorch: padding is −∞ for max, counted as zeros for avg)."""
    fill = -np.inf if mode == "max" else 0.0
    padded = np.full(tuple(ax.padded_size for ax in plan.axes), fill)
    padded[tuple(slice(ax.pad_begin, ax.pad_begin + ax.input_size) for ax in plan.axes)] = x
    out = np.zeros(plan.output_size)
    for o in np.ndindex(*plan.output_size):
        taps = [
            padded[tuple(oi * ax.stride + t * ax.dilation for oi, t, ax in zip(o, tap, plan.axes))]
            for tap in np.ndindex(*plan.kernel_size)
        ]
        out[o] = max(taps) if mode == "max" else sum(taps) / len(taps)
    return out


def _caption(key: str, lang: str, show: bool) -> Callable[[str, str], str]:
    """A frame's caption from the output cell's position and value (the value only when numbers are shown)."""
    return lambda pos, value: render(key, lang, {"pos": pos, "value": f" = {value}" if show else ""})


def _legend(panels: list[Panel]) -> tuple[str, ...]:
    seen: list[str] = []
    for p in panels:
        for role in dict.fromkeys(p.roles.ravel().tolist()):
            if role and role not in seen:
                seen.append(role)
    return tuple(seen)


def draw(plan: ScenePlan | Recipe, input: ArrayLike | None = None, weight: ArrayLike | None = None, *,
         view: str | None = None, pool: str | None = None, look: Look | None = None, seed: int = 0) -> Scene:
    """The scene of a ready plan: ``plan_conv_transpose`` or the :class:`~tconv.recipe.Recipe` of ``tconv.plan``
    (views "gather", the default, and "scatter"), or ``plan_conv`` (view "conv", the default for it; ``pool`` "max"
    or "avg" draws a pooling window), 1-D or 2-D. The scene draws the layer's per-axis geometry on one channel in
    and out and one sample: a plan's batch, channels and groups are not drawn
    (:func:`~tconv.scene.plan.check_drawable`). ``input`` and ``weight`` are plain arrays of the plan's input and
    kernel sizes (default: random small integers from ``seed``, as :func:`animate` draws). Refused first when the
    scene would hold more than an animation shows (:func:`~tconv.scene.plan.check_cost`).

    >>> import tconv
    >>> from tconv.params import plan_conv_transpose
    >>> scene = draw(plan_conv_transpose((1, 1, 2, 2), (1, 1, 3, 3)), view="scatter")
    >>> len(scene.frames), scene.panel("output").shape
    (4, (4, 4))
    >>> draw(tconv.plan((8, 16, 2, 2), (16, 4, 3, 3))).svg() == tconv.animate(2, 3).svg()   # one channel of it
    True
    """
    view = view_name(view if view is not None else "conv" if isinstance(plan, ConvPlan) else "gather")
    if pool is not None and (as_choice("pool", pool, ("max", "avg")) and view != "conv"):
        raise TconvError(f"pool {pool!r} needs view='conv'")
    drawn = check_drawable(plan, view)
    _check_gather(drawn, view)
    check_cost(plan_cost(drawn, view, pool))  # before any array, panel or frame is made
    if input is None and weight is None:
        x, w = random_arrays(drawn.input_size, drawn.kernel_size, seed)
    else:
        x, w = sample_arrays(input, weight, None, None, seed)
        if x.shape != drawn.input_size or w.shape != drawn.kernel_size:
            raise TconvError(f"input shape {list(x.shape)} and weight shape {list(w.shape)} are not the plan's input "
                             f"and kernel sizes {list(drawn.input_size)} and {list(drawn.kernel_size)}")
    look = Look() if look is None else look
    if isinstance(drawn, ConvPlan):
        return _direct(drawn, x, w, pool, look)
    return (_gather if view == "gather" else _scatter)(drawn, x, w, look)


def _check_gather(plan: ScenePlan, view: str) -> None:
    """The gather view pads the zero-inserted input with zeros: a padding mode folds the margins back instead,
    which the scatter view draws."""
    if view == "gather" and isinstance(plan, ConvTransposePlan) and plan.padding_mode != "zeros":
        raise TconvError(f"view 'gather' pads the zero-inserted input with zeros; padding_mode {plan.padding_mode!r} "
                         "folds the cropped margins back instead: use view 'scatter' (the stamps fold back)")


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
    plan: ConvTransposePlan | Recipe | None = None,
    padding_mode: str = "zeros",
) -> Scene:
    """An animation scene of a (transposed) convolution, conv_arithmetic-style, for any parameters.

    Sizes are PyTorch's parameters; plain integers draw a square 2-D convolution, per-axis sequences set each
    axis (a one-element sequence, or 1-D arrays, draw 1-D). Views: ``"gather"`` (also accepted as
    ``"equivalent"``: transposed convolution as the direct convolution it equals: zeros inserted,
    padding d·(k−1)−p, the flipped kernel, stride 1), ``"scatter"`` (each input cell stamps the kernel onto the
    output, which accumulates; the cropped border is marked) and ``"conv"`` (a direct convolution, or a pooling
    window with ``pool="max"``/``"avg"``). Parameters are PyTorch's, per axis; 1-D and 2-D. ``values=True`` writes
    the numbers in the cells (random small integers from ``seed``: input 0–4, kernel 0–3; or
    ``input``/``weight`` arrays, whose shapes are the sizes: ``input_size``/``kernel_size`` given beside them must
    agree); they equal ``tconv.conv_transpose``. One frame per kernel position (per input cell for scatter).
    ``lang`` ("en" or "zh") is the language of every word drawn: title, labels, captions, legend. Every cell knows
    what it holds: ``scene.panel("input").index(row, col)`` is the true index of its element (None for padding
    and inserted zeros), ``between`` the elements an inserted zero sits between.

    ``plan`` gives the layer instead of sizes: a ``ConvTransposePlan`` or the :class:`~tconv.recipe.Recipe` of
    ``tconv.plan``, drawn on one channel and one sample as :func:`draw` draws it (sizes given beside it are
    refused). Otherwise the layer is planned once (:func:`~tconv.scene.plan.scene_plan`) and drawn by
    :func:`draw`.

    >>> import tconv
    >>> scene = tconv.animate(2, 3)                       # no_padding_no_strides_transposed: 2×2 → 4×4
    >>> len(scene.frames), scene.panel("input").shape, scene.panel("output").shape
    (16, (6, 6), (4, 4))
    >>> scene.save("/tmp/tconv-doctest.svg").suffix
    '.svg'
    >>> len(tconv.animate(plan=tconv.plan((1, 8, 3, 3), (8, 4, 3, 3), stride=2), view="scatter").frames)
    9

    ``padding_mode`` (or a plan's) other than zeros draws in the scatter view: nothing is cropped, and each stamp
    cell in a margin adds in again where it folds back (circular: wrapped around to the other side).

    >>> circular = tconv.animate([3], [3], stride=2, padding=1, view="scatter", padding_mode="circular", values=True)
    >>> circular.panel("output").roles.tolist()
    [['wrap', 'output', 'output', 'output', 'output', 'output', 'wrap']]
    """
    view = view_name(view)
    look = Look.checked(values, cell_size, duration_ms, lang)
    if plan is not None:
        check_plan_alone(input_size=input_size, kernel_size=kernel_size, stride=stride, padding=padding,
                         output_padding=output_padding, dilation=dilation, output_size=output_size,
                         padding_mode=None if padding_mode == "zeros" else padding_mode)
        return draw(plan, input, weight, view=view, pool=pool, look=look, seed=seed)
    if input is not None or weight is not None:
        x, w = sample_arrays(input, weight, input_size, kernel_size, seed)
        return draw(arrays_plan(x, w, stride, padding, output_padding, dilation, output_size=output_size, view=view,
                                padding_mode=padding_mode), x, w, view=view, pool=pool, look=look)
    if input_size is None or kernel_size is None:
        raise TconvError("animate needs input_size and kernel_size (or input and weight arrays, or a plan)")
    layer = scene_plan(input_size, kernel_size, stride, padding, output_padding, dilation, output_size=output_size,
                       view=view, padding_mode=padding_mode)
    return draw(layer, view=view, pool=pool, look=look, seed=seed)
