"""What a scene draws, planned once before anything is built: the single-channel layer (a
:class:`~tconv.params.ConvTransposePlan`, or a :class:`~tconv.params.ConvPlan` for the direct view), the arrays
it draws, and what the scene will cost (frames, cells, updates, bytes).

Every builder takes the plan made here; sizes are read in one place, where all-scalar sizes mean a square 2-D
layer (:func:`tconv._axes.drawn_axes`).

>>> plan = scene_plan(3, 3, stride=2, padding=1, output_padding=1)
>>> plan.input_size, plan.output_size
((3, 3), (6, 6))
>>> plan_cost(plan, "gather")
SceneCost(frames=36, cells=118, updates=36, nbytes=81360)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike

from .._axes import IntOrSeq, drawn_axes, per_axis, show
from ..dtypes import as_arrays
from ..errors import TconvError
from ..params import ConvPlan, ConvTransposePlan, plan_conv, plan_conv_transpose
from ..recipe import Recipe
from ..settings import check_memory

__all__ = ["MAX_CELLS", "MAX_FRAMES", "VIEWS", "VIEW_ALIASES", "SceneCost", "ScenePlan", "arrays_plan",
           "check_cells", "check_cost", "check_drawable", "check_plan_alone", "check_size_agrees", "compact",
           "drawn_sizes", "given_arrays", "layer_plan", "loose_sizes", "plan_cost", "random_arrays", "sample_arrays",
           "scene_cost", "scene_plan", "view_name"]

#: The views, named as everywhere else (``tconv.explain`` calls the zero-insertion view "gather" too).
VIEWS = ("gather", "scatter", "conv")
#: Other names a view is accepted under: "equivalent", conv_arithmetic's word for the gather view.
VIEW_ALIASES = {"equivalent": "gather"}
#: Animations are drawn cell by cell; beyond these sizes they would be unreadable.
MAX_FRAMES = 400
MAX_CELLS = 40 * 40

#: The plan of the layer a scene draws: transposed (views "gather" and "scatter") or direct (view "conv").
ScenePlan = ConvTransposePlan | ConvPlan


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
        raise TconvError(f"view {show(view)} is not known: choose one of {', '.join(map(repr, VIEWS))} ({aliases})")
    return view


def _check_rank(nd: int) -> None:
    if nd not in (1, 2):
        raise TconvError(
            f"animate draws 1-D and 2-D convolutions, got {nd} spatial dimensions: "
            f"use tconv.explain for 3-D (it lists every step)"
        )


def check_cells(input_shape: tuple[int, ...], kernel_shape: tuple[int, ...]) -> None:
    """Before any array is drawn: a panel holds at most MAX_CELLS.

    >>> check_cells((40, 40), (3, 3))        # returns nothing: 1,600 cells can be drawn
    >>> check_cells((50, 50), (3, 3))
    Traceback (most recent call last):
    tconv.errors.TconvError: the animation would draw 2,500 input cells; at most 1600 are drawn: use smaller sizes
    """
    for name, size in (("input", input_shape), ("kernel", kernel_shape)):
        if math.prod(size) > MAX_CELLS:
            raise TconvError(f"the animation would draw {math.prod(size):,} {name} cells; at most {MAX_CELLS} "
                             "are drawn: use smaller sizes")


def _plan(input_shape: tuple[int, ...], kernel_shape: tuple[int, ...], view: str, stride: IntOrSeq,
          padding: IntOrSeq, output_padding: IntOrSeq, dilation: IntOrSeq, output_size: IntOrSeq | None,
          padding_mode: str = "zeros") -> ScenePlan:
    nd = len(input_shape)
    if view == "conv":
        if output_size is not None:
            raise TconvError(f"output_size {show(output_size)} only applies to transposed convolution (view 'conv' "
                             "is direct): leave it out")
        # any spelling of zero (0, [0, 0], a NumPy array) is the direct convolution's own
        if any(per_axis("output_padding", output_padding, nd, minimum=0)):
            raise TconvError(f"output_padding {show(output_padding)} only applies to transposed convolution (view "
                             "'conv' is direct): use 0")
        return plan_conv((1, 1, *input_shape), (1, 1, *kernel_shape), None, stride, padding, dilation, 1, nd=nd,
                         padding_mode=padding_mode)
    return plan_conv_transpose((1, 1, *input_shape), (1, 1, *kernel_shape), None, stride, padding, output_padding,
                               1, dilation, output_size=output_size, nd=nd, padding_mode=padding_mode)


def scene_plan(
    input_size: IntOrSeq | None,
    kernel_size: IntOrSeq | None,
    stride: IntOrSeq = 1,
    padding: IntOrSeq = 0,
    output_padding: IntOrSeq = 0,
    dilation: IntOrSeq = 1,
    *,
    output_size: IntOrSeq | None = None,
    view: str = "gather",
    padding_mode: str = "zeros",
) -> ScenePlan:
    """The plan of the single-channel layer a scene draws, from PyTorch's parameters: all-scalar sizes are a
    square 2-D layer, a sequence sets the number of axes. View "conv" plans a direct convolution.

    >>> scene_plan(2, 3).output_size, scene_plan([5], 3, stride=2, view="conv").output_size
    ((4, 4), (2,))
    """
    view = view_name(view)
    input_shape, kernel_shape = drawn_sizes(input_size, kernel_size, stride=stride, padding=padding,
                                            output_padding=output_padding, dilation=dilation)
    return _plan(input_shape, kernel_shape, view, stride, padding, output_padding, dilation, output_size,
                 padding_mode)


def drawn_sizes(input_size: IntOrSeq | None, kernel_size: IntOrSeq | None, **others: object
                ) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The input and kernel sizes of a drawn layer, per axis: as many axes as the sequences among all its sizes
    (``others``, by name: stride, padding...), two when all are scalars.

    >>> drawn_sizes(3, 2), drawn_sizes(3, 2, stride=(2, 1, 1))
    (((3, 3), (2, 2)), ((3, 3, 3), (2, 2, 2)))
    """
    if input_size is None or kernel_size is None:
        raise TconvError("the layer needs input_size and kernel_size (or a plan)")
    nd = drawn_axes(input_size=input_size, kernel_size=kernel_size, **others)
    if nd > 3:
        raise TconvError(f"the sizes describe {nd} spatial axes (input_size {show(input_size)}, kernel_size "
                         f"{show(kernel_size)}); a drawn layer has 1 to 3, as PyTorch's ConvTranspose1d/2d/3d")
    return per_axis("input_size", input_size, nd, minimum=1), per_axis("kernel_size", kernel_size, nd, minimum=1)


def loose_sizes(**given: object) -> list[str]:
    """The names of the layer's size arguments given beside a plan (neither None nor their defaults).

    >>> loose_sizes(input_size=None, stride=1, padding=(1, 1), dilation=2)
    ['padding', 'dilation']
    """
    defaults = {"stride": 1, "padding": 0, "output_padding": 0, "dilation": 1}
    return [name for name, v in given.items()
            if v is not None and not (type(v) is int and v == defaults.get(name))]


def check_plan_alone(**given: object) -> None:
    """Refuse the layer's size arguments given beside a plan (:func:`loose_sizes`): the plan sets them all.

    >>> check_plan_alone(input_size=None, stride=2)
    Traceback (most recent call last):
    tconv.errors.TconvError: give the layer as a plan or as sizes, not both: the plan sets stride
    """
    if loose := loose_sizes(**given):
        raise TconvError(f"give the layer as a plan or as sizes, not both: the plan sets {', '.join(loose)}")


def layer_plan(plan: object) -> object:
    """The plan inside a :class:`~tconv.recipe.Recipe` (what ``tconv.plan`` returns); any other value as it is.

    >>> import tconv
    >>> layer_plan(tconv.plan((1, 1, 3, 3), (1, 1, 2, 2))).output_size
    (4, 4)
    """
    return plan.plan if isinstance(plan, Recipe) else plan


def check_drawable(plan: object, view: str) -> ScenePlan:
    """The one-channel plan a scene of ``view`` draws for a ready plan (or a :class:`~tconv.recipe.Recipe`: its
    plan), refused unless it is transposed for "gather" and "scatter", direct for "conv", of 1 or 2 spatial axes.

    A scene draws the layer's per-axis geometry (sizes, stride, padding, output_padding, dilation) on one channel
    in and out and one sample, as :func:`scene_plan` plans it: a plan's batch, channels and groups are not drawn.

    >>> from tconv.params import plan_conv_transpose
    >>> drawn = check_drawable(plan_conv_transpose((8, 4, 3, 3), (4, 3, 3, 3), stride=2), "gather")
    >>> drawn == scene_plan(3, 3, stride=2), (drawn.batch, drawn.in_channels, drawn.out_channels)
    (True, (1, 1, 1))
    >>> check_drawable(plan_conv_transpose((1, 1, 3, 3), (1, 1, 3, 3)), "conv")
    Traceback (most recent call last):
    tconv.errors.TconvError: view 'conv' draws a ConvPlan (tconv.params.plan_conv), got a ConvTransposePlan
    """
    plan = layer_plan(plan)
    wanted = ConvPlan if view == "conv" else ConvTransposePlan
    if not isinstance(plan, wanted):
        source = "tconv.params.plan_conv" if view == "conv" else ("tconv.params.plan_conv_transpose, or "
                                                                  "tconv.plan's Recipe")
        raise TconvError(f"view {view!r} draws a {wanted.__name__} ({source}), got a {type(plan).__name__}")
    _check_rank(plan.nd)
    check_cells(plan.input_size, plan.kernel_size)
    # the axes hold every size; the rest is what scene_plan gives a drawn layer (its default dtype too)
    return replace(plan, batch=1, batched=True, in_channels=1, out_channels=1, groups=1, dtype="float64")


def random_arrays(input_shape: tuple[int, ...], kernel_shape: tuple[int, ...], seed: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Small random integers from ``seed``: input 0–4, kernel 0–3 (int64 arrays), the very numbers ``tconv explain``
    and ``tconv compute`` draw from the same seed, and the explorer's page too (:func:`tconv.arrays.random_arrays`).

    >>> x, w = random_arrays((2, 3), (2, 2), 0)
    >>> x.tolist(), w.tolist()
    ([[4, 4, 1], [4, 3, 0]], [[3, 1], [0, 3]])
    """
    from ..arrays import random_arrays as draw

    return draw(tuple(input_shape), tuple(kernel_shape), seed=seed)


def given_arrays(input: ArrayLike, weight: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Plain spatial arrays of one rank (1-D or 2-D); single-channel arrays with their channel axes are squeezed.

    >>> given_arrays([[[1, 2, 3]]], [[[1, 1]]])          # PyTorch's (N, C, L) and (C_in, C_out, k): one channel
    (array([1, 2, 3]), array([1, 1]))
    >>> given_arrays([1, 2, 3], [[1, 1]])
    Traceback (most recent call last):
    tconv.errors.TconvError: animate draws one channel: give plain input and weight arrays of the same rank (1-D or \
2-D), got input shape [3] and weight shape [1, 2]
    """
    x, w, _ = as_arrays(input, weight)
    if w.ndim >= 3 and w.shape[:2] == (1, 1):
        w = w[0, 0]
        x = x.reshape(x.shape[x.ndim - w.ndim :]) if math.prod(x.shape[: x.ndim - w.ndim]) == 1 else x
    if x.ndim != w.ndim:
        raise TconvError(
            f"animate draws one channel: give plain input and weight arrays of the same rank (1-D or 2-D), "
            f"got input shape {list(x.shape)} and weight shape {list(w.shape)}"
        )
    _check_rank(x.ndim)
    return x, w


def sample_arrays(
    input: ArrayLike | None,
    weight: ArrayLike | None,
    input_size: IntOrSeq | None,
    kernel_size: IntOrSeq | None,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The arrays ``animate`` draws: given, or :func:`random_arrays` of the given sizes (all-scalar sizes: a square
    2-D layer). Sizes given beside arrays must say the same as the arrays' shapes, as the shells require.

    >>> x, w = sample_arrays(None, None, 3, 2, 0)
    >>> x.shape, w.shape
    ((3, 3), (2, 2))
    >>> sample_arrays([1, 2, 3], [1, 1], 4, None, 0)
    Traceback (most recent call last):
    tconv.errors.TconvError: input_size 4 conflicts with input, whose spatial shape is [3]: leave input_size out or \
make them agree
    """
    if (input is None) != (weight is None):
        raise TconvError("give both input and weight arrays, or neither (then random integers of the given sizes)")
    if input is not None and weight is not None:
        x, w = given_arrays(input, weight)
        check_size_agrees("input_size", input_size, x.shape, "input")
        check_size_agrees("kernel_size", kernel_size, w.shape, "weight")
        return x, w
    if input_size is None or kernel_size is None:
        raise TconvError("animate needs input_size and kernel_size (or input and weight arrays)")
    shapes = drawn_sizes(input_size, kernel_size)
    _check_rank(len(shapes[0]))
    check_cells(*shapes)
    return random_arrays(*shapes, seed)


def check_size_agrees(name: str, size: object, shape: tuple[int, ...], source: str) -> None:
    """A size given beside an array (None: not given) must be the array's spatial ``shape``: an int is every axis
    of it, a sequence one value per axis.

    >>> check_size_agrees("kernel_size", 2, (2, 2), "weight")        # returns nothing: 2 is 2 × 2
    >>> check_size_agrees("kernel_size", (2, 3), (2, 2), "weight")
    Traceback (most recent call last):
    tconv.errors.TconvError: kernel_size (2, 3) conflicts with weight, whose spatial shape is [2, 2]: leave \
kernel_size out or make them agree
    """
    if size is None:
        return
    try:
        agrees = per_axis(name, size, len(shape)) == tuple(shape)
    except TconvError:  # not one value per axis of the array: a conflict too
        agrees = False
    if not agrees:
        raise TconvError(f"{name} {show(size)} conflicts with {source}, whose spatial shape is {list(shape)}: leave "
                         f"{name} out or make them agree")


def arrays_plan(x: np.ndarray, w: np.ndarray, stride: IntOrSeq = 1, padding: IntOrSeq = 0,
                output_padding: IntOrSeq = 0, dilation: IntOrSeq = 1, *, output_size: IntOrSeq | None = None,
                view: str = "gather", padding_mode: str = "zeros") -> ScenePlan:
    """The plan of the layer that draws the plain arrays ``x`` and ``w`` (their shapes are its sizes).

    >>> import numpy as np
    >>> arrays_plan(np.ones((2, 2)), np.ones((3, 3))).output_size
    (4, 4)
    """
    return _plan(x.shape, w.shape, view_name(view), stride, padding, output_padding, dilation, output_size,
                 padding_mode)


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


def plan_cost(plan: ScenePlan, view: str, pool: str | None = None) -> SceneCost:
    """The frames, cells, value updates and bytes of the scene of ``view`` (and ``pool``) drawing ``plan``.

    >>> plan = scene_plan(2, 3)                        # 2 × 2 → 4 × 4
    >>> plan_cost(plan, "gather").frames, plan_cost(plan, "scatter").frames    # one per output cell, per input cell
    (16, 4)
    >>> plan_cost(plan, "scatter").updates             # each of the 4 stamps adds to 9 sums
    36
    """
    k = math.prod(plan.kernel_size)
    if isinstance(plan, ConvPlan):
        # one frame per output cell; panels: the padded input, the output, the kernel (none for pooling)
        frames = math.prod(plan.output_size)
        cells = math.prod(ax.padded_size for ax in plan.axes) + frames + (0 if pool else k)
        updates = frames
    elif view_name(view) == "scatter":
        # one frame per input cell, each adding a stamp to k sums (a padding mode adds each folded cell twice: to
        # its margin and where it lands); panels: input, sums (uncropped with a mode), kernel
        folds = plan.padding_mode != "zeros"
        frames = math.prod(plan.input_size)
        cells = frames + math.prod(ax.buffer_size for ax in (plan.unfolded if folds else plan).axes) + k
        updates = frames * k * (2 if folds else 1)
    else:
        # one frame per output cell, each setting it; panels: the padded grid, the output, the kernel and its flip
        frames = math.prod(plan.output_size)
        cells = math.prod(ax.equivalent().padded_size for ax in plan.axes) + frames + 2 * k
        updates = frames
    nbytes = BYTES_FIXED + cells * BYTES_PER_CELL + frames * BYTES_PER_FRAME + updates * BYTES_PER_UPDATE
    return SceneCost(frames, cells, updates, nbytes)


def check_cost(cost: SceneCost) -> SceneCost:
    """Refuse from the plan's sizes, before any frame or panel is built: a scene's memory is bounded by these.

    >>> check_cost(scene_cost(2, 3))
    SceneCost(frames=16, cells=70, updates=16, nbytes=55488)
    >>> check_cost(scene_cost(21, 3))
    Traceback (most recent call last):
    tconv.errors.TconvError: the animation would have 529 frames; at most 400 are drawn: use smaller sizes
    """
    if cost.frames > MAX_FRAMES:
        raise TconvError(
            f"the animation would have {cost.frames:,} frames; at most {MAX_FRAMES} are drawn: use smaller sizes"
        )
    if cost.cells > MAX_CELLS:
        raise TconvError(f"the animation would draw {cost.cells} cells; at most {MAX_CELLS} are drawn: use smaller "
                         "sizes")
    check_memory(cost.nbytes, f"an animation of {cost.frames} frames and {cost.cells} cells")
    return cost


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
    plan = scene_plan(input_size, kernel_size, stride, padding, output_padding, dilation, output_size=output_size,
                      view=view)
    return plan_cost(plan, view, pool)


def compact(values: tuple[int, ...]) -> str:
    """Per-axis values as a title writes them: one number when every axis has it.

    >>> compact((2, 2)), compact((2, 1))
    ('2', '(2,1)')
    """
    values = tuple(values)
    return str(values[0]) if len(set(values)) == 1 else "(" + ",".join(map(str, values)) + ")"
