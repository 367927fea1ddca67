"""The explorer in a notebook: :class:`Explorer`, a Jupyter widget (anywidget) whose knobs are synced traits under
PyTorch's names. It draws in the browser with the page's own engine (no server, no network) and exposes in Python
what is on screen: the output size, the layer report, the SVG of the frame, the arrays.

Needs anywidget (tconv's ``notebook`` extra). ``import tconv`` does not import this module: ``tconv.Explorer``
does, the first time it is used.

Every knob set from Python (or sent by the view) goes through the web API's validator chain, with the whole state:
the request limits (:func:`tconv.web.jobs.check_limits`), then :func:`tconv.web.jobs.parse_config` (the page's
query, so that the number of axes is decided as the page decides it), then :func:`tconv.web.jobs.shape_info` (the
library's validation). A refused value raises :class:`~tconv.TconvError` and every knob keeps its value.

>>> ex = Explorer(input_size=3, kernel_size=3, stride=2)
>>> ex.output_size, ex.output_size_given
((7, 7), False)
>>> ex.padding = 1                                   # the size on screen follows the layer
>>> ex.output_size
(5, 5)
>>> ex.output_padding = 2
Traceback (most recent call last):
tconv.notebook.ExplorerError: output_padding 2 on axis 0 must be smaller than stride (2) or dilation (1): valid range \
0..1
>>> ex.output_padding
(0, 0)
"""

from __future__ import annotations

import inspect
import math
import os
import sys
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ._axes import as_bool, as_choice, as_int, parse_ints, per_axis, show
from ._extras import install_hint
from .errors import TconvError
from .web.jobs import (
    LIMITS,
    SIZES,
    Config,
    build_scene,
    check_limits,
    explain_info,
    overlap_map,
    parse_config,
    shape_info,
)

try:
    import anywidget
    import traitlets
except ImportError:  # the same pattern as the web app's _require_web: the hint names the extra to install
    raise TconvError(f"the notebook explorer needs anywidget: {install_hint('notebook')}") from None

__all__ = ["Explorer", "ExplorerError", "check_state", "explain_text"]

#: The knobs that are sizes, by PyTorch's name, in the order of the page's query (i, k, s, p, op, d).
SIZE_KNOBS = ("input_size", "kernel_size", "stride", "padding", "output_padding", "dilation")
MODES = ("transposed", "conv")
#: The page's views; "matrix" and "overlap" are drawn from the transposed state (conv mode draws the convolution).
VIEWS = ("gather", "scatter", "matrix", "overlap")
LANGS = ("en", "zh")  # tconv.explain.i18n.LANGS
EXPLAIN_VIEWS = ("gather", "scatter", "matrix")  # what /api/explain takes
# the query's defaults, as the web API's (tconv.web.app.create_app's Query defaults)
_QUERY_DEFAULTS = {"mode": "transposed", "i": "3", "k": "3", "s": "1", "p": "0", "op": "0", "d": "1", "os": "",
                   "seed": "0", "x": "", "w": "", "view": "gather", "lang": "en"}

Values = int | tuple[Any, Any]


class ExplorerError(TconvError, traitlets.TraitError):
    """A knob refused: a :class:`~tconv.TconvError` (``except tconv.TconvError`` catches it), and traitlets'
    TraitError too, because traitlets puts back every knob set in a ``hold_trait_notifications()`` block only when
    the refusal is a TraitError.

    >>> issubclass(ExplorerError, TconvError), issubclass(ExplorerError, ValueError)
    (True, True)
    """


def _widget_esm() -> str:
    """The widget's front end, one ES module shipped in the package (no CDN, no network at run time): the page's
    own engine and drawing with static/widget.js, joined by tconv.web.bundle."""
    from .web.bundle import widget_esm

    return widget_esm()


def _checked_ints(name: str, value: int | tuple[int, ...]) -> None:
    """One size as the page's schema takes it: one integer, or one or two (one per axis), within the limits."""
    if isinstance(value, tuple) and len(value) not in (1, 2):
        raise TconvError(f"{name} {show(value)} lists {len(value)} values: the explorer draws 1-D and 2-D layers "
                         "(one integer for every axis, or one or two)")
    check_limits(name, value)


def _size_text(name: str, value: Any) -> str:
    """A size knob as the page's query writes it: "3" (every axis: the number of axes is decided by the others),
    "3," (one axis), "3,2" (one per axis). Lists come from the view (JSON has no tuples)."""
    if isinstance(value, list | tuple) or (isinstance(value, np.ndarray) and value.ndim == 1):
        if len(value) not in (1, 2):  # by its length first: its values are not read
            raise TconvError(f"{name} {show(value)} lists {len(value):,} values: the explorer draws 1-D and 2-D "
                             "layers (one integer for every axis, or one or two)")
        ints = tuple(as_int(name, v, axis=a) for a, v in enumerate(value))
        check_limits(name, ints)
        return ",".join(map(str, ints)) + ("," if len(ints) == 1 else "")
    if isinstance(value, str | bytes):  # as_int would say "must be an integer"; say the forms a knob takes
        raise TconvError(f"{name} must be an integer or a tuple of one or two integers, got {show(value)} "
                         f"({type(value).__name__})")
    number = as_int(name, value)
    _checked_ints(name, number)
    return str(number)


def _values_text(which: str, value: Any) -> str:
    """Typed values as the page's URL writes them ("1,2.5;3,4"): rows joined by ";", numbers by ",", each number
    written so that it reads back exactly. A string is taken as that form already."""
    what = {"x": "typed input values (x)", "w": "typed kernel values (w)"}[which]
    if isinstance(value, str):
        return value
    try:
        array = np.asarray(value)
    except (ValueError, TypeError, RecursionError):
        array = np.asarray(None)
    if array.dtype.kind not in "iuf" or array.ndim not in (1, 2) or array.size == 0:
        raise TconvError(f"{what} must be a 1-D or 2-D array (or nested lists) of numbers, shaped as "
                         f"{'input_size' if which == 'x' else 'kernel_size'}, got {show(value)}")
    rows = array.reshape(1, -1) if array.ndim == 1 else array
    return ";".join(",".join(_number_text(v) for v in row) for row in rows)


def _number_text(value: Any) -> str:
    """A number as the page's box shows it: exact (repr), and an integer without ".0" (4, not 4.0), so that values
    the view sent come back to it as it wrote them."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _values_query(value: Any) -> tuple[int, str | None, str | None]:
    """The ``values`` knob as the query's seed, x and w: an integer seed, a pair (x, w) of typed arrays, or the
    JSON form the view sends ({"seed": n} or {"x": "1,2;3,4", "w": "1"})."""
    if isinstance(value, Mapping):
        if set(value) == {"seed"}:
            value = value["seed"]
        elif set(value) == {"x", "w"}:
            value = (value["x"], value["w"])
    if isinstance(value, tuple | list) and len(value) == 2:
        return 0, _values_text("x", value[0]), _values_text("w", value[1])
    if isinstance(value, bool) or not (isinstance(value, int | np.integer) or getattr(value, "ndim", None) == 0):
        raise TconvError(f"values must be a seed (an integer from 0 to {LIMITS['seed']}) or a pair (x, w) of typed "
                         f"arrays shaped as input_size and kernel_size, got {show(value)}")
    seed = as_int("seed", value)
    check_limits("seed", seed)
    return seed, None, None


@lru_cache(maxsize=1024)
def _validated(mode: str, sizes: tuple[str, ...], output_size: str | None, seed: int, x: str | None, w: str | None
               ) -> tuple[Config, tuple[int, ...]]:
    # The web API's chain from parse_config on, cached: a hold_trait_notifications() block validates the same
    # state once per knob it changed.
    i, k, s, p, op, d = sizes
    cfg = parse_config(mode, i, k, s, p, op, d, output_size, seed, x, w)
    return cfg, tuple(shape_info(cfg)["output_size"])


def check_state(state: Mapping[str, Any]) -> tuple[Config, tuple[int, ...], Values]:
    """An explorer state checked as the web API checks a query: the parsed state (:class:`tconv.web.jobs.Config`),
    the output size on screen, and ``values`` as the knob reads back (a seed, or a pair of nested tuples).

    ``state`` holds the size knobs (an int for every axis, or one or two per axis), ``mode``, ``values`` and
    ``output_size`` (None: derived). In conv mode output_padding and output_size are ignored, as the page ignores
    them (it sends output_padding 0 and no output_size).

    >>> state = dict(input_size=(5,), kernel_size=3, stride=2, padding=1, output_padding=1, dilation=1,
    ...              output_size=None, mode="transposed", values=0)
    >>> cfg, out, values = check_state(state)
    >>> cfg.input_size, cfg.kernel_size, out, values                 # "5,": one axis, so every knob is 1-D
    ((5,), (3,), (10,), 0)
    >>> check_state(state | {"stride": 7})
    Traceback (most recent call last):
    tconv.errors.TconvError: stride 7 is outside the explorer's limits: valid range: 1 to 6
    """
    mode = as_choice("mode", state["mode"], MODES)
    sizes = [_size_text(name, state[name]) for name in SIZE_KNOBS]
    output_size = None if state["output_size"] is None else _size_text("output_size", state["output_size"])
    if mode == "conv":  # the direct convolution has neither: the page sends op 0 and no os in conv mode
        sizes[SIZE_KNOBS.index("output_padding")], output_size = "0", None
    seed, x, w = _values_query(state["values"])
    cfg, out = _validated(mode, tuple(sizes), output_size, seed, x, w)
    return cfg, out, (seed if cfg.x is None else (cfg.x, cfg.w))


def explain_text(query: Any) -> str:
    """What ``GET /api/explain`` answers as its body's ``text`` for the page's query (strings: mode, i, k, s, p,
    op, d, os, seed, x, w, view, lang; the others are ignored, as the API ignores them): the widget's walkthrough,
    asked of the kernel instead of a server. A refusal is a TconvError.

    >>> print(explain_text({"i": "2", "k": "1", "s": "2", "view": "scatter"}).splitlines()[0])
    tconv.explain · view: scatter (stamp the kernel, add, crop)
    >>> explain_text({"s": "9"})
    Traceback (most recent call last):
    tconv.errors.TconvError: stride 9 is outside the explorer's limits: valid range: 1 to 6
    """
    if not isinstance(query, Mapping):
        raise TconvError(f"the query must be an object of strings, got {show(query)}")
    q = _QUERY_DEFAULTS | {k: v for k, v in query.items() if k in _QUERY_DEFAULTS}
    for key, text in q.items():
        if not isinstance(text, str):
            raise TconvError(f"{key} {show(text)}: the query's values are strings, as in the page's URL")
    for name, (torch_name, _, _) in SIZES.items():
        if not (name == "os" and q[name] == ""):  # an empty output_size is not given
            _checked_ints(torch_name, parse_ints(torch_name, q[name]))
    seed = parse_ints("seed", q["seed"])
    if isinstance(seed, tuple):
        raise TconvError(f"seed {show(q['seed'])} must be one integer")
    check_limits("seed", seed)
    view = as_choice("view", q["view"], EXPLAIN_VIEWS)
    lang = as_choice("lang", q["lang"], LANGS)
    cfg = parse_config(as_choice("mode", q["mode"], MODES), q["i"], q["k"], q["s"], q["p"], q["op"], q["d"],
                       q["os"] or None, seed, q["x"] or None, q["w"] or None)
    return str(explain_info(cfg, view, lang)["text"])


def _values_json(value: Any, widget: Any) -> Any:
    """The ``values`` knob as the view reads it: {"seed": n}, or the typed arrays in the page's URL form."""
    if isinstance(value, tuple) and len(value) == 2:
        return {"x": _values_text("x", value[0]), "w": _values_text("w", value[1])}
    return dict(value) if isinstance(value, Mapping) else {"seed": value}


class _Knob(traitlets.Any):
    """A synced knob whose every value, None included, reaches the explorer's validators (traitlets' Any lets None
    through unvalidated, and its typed traits would refuse an int for a tuple with a TraitError of their own)."""

    allow_none = False


def _refusing(check: Any, *args: Any) -> Any:
    """``check(*args)``, its TconvError raised as an :class:`ExplorerError` (so that traitlets rolls back)."""
    try:
        return check(*args)
    except ExplorerError:
        raise
    except TconvError as e:
        raise ExplorerError(str(e)) from None


class Explorer(anywidget.AnyWidget):
    """The explorer as a notebook widget (Jupyter, VS Code, Colab, marimo): the page's picture, drawn in the
    browser by the page's own engine, with its knobs as synced traits under PyTorch's names. One channel in and
    one out is drawn.

    Size knobs (``input_size``, ``kernel_size``, ``stride``, ``padding``, ``output_padding``, ``dilation``) take an
    int (every axis, as in PyTorch) or one or two per axis, and read back as tuples. As in the page, all scalars
    mean a square 2-D layer and a 1-tuple (``(5,)``) a 1-D one. ``output_size`` always reads the output size on
    screen; setting it asks for that size (PyTorch's ``output_size`` argument, ``output_size_given`` becomes True),
    setting None goes back to the size derived from the knobs. ``mode`` is "transposed" or "conv" (output_padding
    and output_size are then ignored, and a requested output_size is dropped); ``view`` "gather", "scatter",
    "matrix" or "overlap"; ``lang`` "en" or "zh"; ``values`` a seed (the small random integers the page draws) or a
    pair (x, w) of typed arrays shaped as input_size and kernel_size; ``numbers`` writes them in the cells;
    ``layers`` (1 to 4) stacks layers in the overlap view; ``frame`` is the frame on screen (the view sets it).

    Every set is checked against the whole state; a refused value raises :class:`~tconv.TconvError` (an
    :class:`ExplorerError`) and nothing changes. To change knobs that only make sense together, set them in one
    ``with ex.hold_trait_notifications():`` block: they are checked together when it ends (and all put back if the
    state is refused).

    >>> ex = Explorer(3, 3, stride=2, output_padding=1)
    >>> ex.output_size
    (8, 8)
    >>> with ex.hold_trait_notifications():          # stride 1 alone would refuse output_padding 1
    ...     ex.stride = 1
    ...     ex.output_padding = 0
    >>> ex.stride, ex.output_padding, ex.output_size
    ((1, 1), (0, 0), (5, 5))
    >>> ex.output_size = 6
    Traceback (most recent call last):
    tconv.notebook.ExplorerError: output_size 6 on axis 0 is out of range: requested [6, 6], but valid sizes range \
from [5, 5] to [5, 5] for an input of size [3, 3]
    """

    _esm = _widget_esm()

    input_size = _Knob((3, 3), help="input size per axis").tag(sync=True)
    kernel_size = _Knob((3, 3), help="kernel size per axis").tag(sync=True)
    stride = _Knob((1, 1), help="stride per axis").tag(sync=True)
    padding = _Knob((0, 0), help="padding per axis").tag(sync=True)
    output_padding = _Knob((0, 0), help="output_padding per axis (transposed only)").tag(sync=True)
    dilation = _Knob((1, 1), help="dilation per axis").tag(sync=True)
    output_size = _Knob((5, 5), help="the output size on screen; set it to ask for one, None to derive it").tag(
        sync=True)
    output_size_given = _Knob(False, help="whether output_size is asked for (PyTorch's output_size)").tag(sync=True)
    mode = _Knob("transposed", help="transposed or conv").tag(sync=True)
    view = _Knob("gather", help="gather, scatter, matrix or overlap").tag(sync=True)
    lang = _Knob("en", help="en or zh").tag(sync=True)
    values = _Knob(0, help="a seed, or a pair (x, w) of typed arrays").tag(sync=True, to_json=_values_json)
    numbers = _Knob(True, help="numbers written in the cells").tag(sync=True)
    layers = _Knob(1, help="stacked layers in the overlap view, 1 to 4").tag(sync=True)
    frame = _Knob(0, help="the frame on screen").tag(sync=True)

    def __init__(
        self,
        input_size: int | Sequence[int] | None = None,
        kernel_size: int | Sequence[int] | None = None,
        stride: int | Sequence[int] = 1,
        padding: int | Sequence[int] = 0,
        output_padding: int | Sequence[int] = 0,
        dilation: int | Sequence[int] = 1,
        output_size: int | Sequence[int] | None = None,
        *,
        mode: str = "transposed",
        view: str = "gather",
        lang: str = "en",
        values: Any = 0,
        numbers: bool = True,
        layers: int = 1,
    ) -> None:
        # set while output_size's validator marks the size asked for or derived: the flag's own validator and the
        # observer that derives the size then stand aside (the validator returns the size itself)
        self._marking = False
        # sizes not given: the typed values' shapes, else 3 × 3 (a notebook user gives arrays, not box sizes)
        input_size = _typed_shape(values, 0) if input_size is None else input_size
        kernel_size = _typed_shape(values, 1) if kernel_size is None else kernel_size
        super().__init__(input_size=input_size, kernel_size=kernel_size, stride=stride, padding=padding,
                         output_padding=output_padding, dilation=dilation, output_size=output_size, mode=mode,
                         view=view, lang=lang, values=values, numbers=numbers, layers=layers, frame=0)
        self.on_msg(self._answer)

    def __repr__(self) -> str:
        """What a notebook saved without the widget's state shows (and the console): the call that opens this
        explorer's layer, and the sizes on screen.

        >>> Explorer(3, 3, stride=2, view="scatter")
        tconv.Explorer(input_size=(3, 3), kernel_size=(3, 3), stride=(2, 2), view='scatter')  # 3 × 3 → 7 × 7
        """
        try:
            cfg = self.config()
        except TconvError:  # inside a hold block, half set: the knobs as they are
            return f"<tconv.Explorer {self.input_size} → {self.output_size}>"
        given = {"input_size": cfg.input_size, "kernel_size": cfg.kernel_size}
        ones = (1,) * len(cfg.input_size)
        for name, default in (("stride", ones), ("padding", (0,) * len(ones)), ("output_padding", (0,) * len(ones)),
                              ("dilation", ones)):
            value = getattr(cfg, name)
            if value != default and (cfg.transposed or name != "output_padding"):
                given[name] = value
        if cfg.output_size is not None:
            given["output_size"] = cfg.output_size
        words = [f"{k}={v}" for k, v in given.items()]
        words += [f"{k}={getattr(self, k)!r}" for k, d in (("mode", "transposed"), ("view", "gather"), ("lang", "en"))
                  if getattr(self, k) != d]
        if self.values != 0:
            words.append("values=..." if cfg.x is not None else f"values={self.values}")
        sizes = f"{' × '.join(map(str, cfg.input_size))} → {' × '.join(map(str, self.output_size))}"
        return f"tconv.Explorer({', '.join(words)})  # {sizes}"

    @classmethod
    def from_layer(cls, layer: Any, input_size: int | Sequence[int]) -> Explorer:
        """The explorer opened on a layer's geometry (kernel_size, stride, padding, output_padding, dilation): a
        ``torch.nn.ConvTranspose1d/2d``, a ``torch.nn.Conv1d/2d`` (mode conv) or a ``tconv.ConvTranspose1d/2d``,
        for an input of ``input_size`` (spatial, an int for every axis).

        One channel in and one out is drawn: channels, groups, the weights and the bias are not (the values come
        from the seed). Refused: 3-D layers, padding "same", a padding_mode other than "zeros", and sizes beyond
        what the explorer draws (a smaller input_size shows the same geometry).

        >>> import tconv
        >>> ex = Explorer.from_layer(tconv.ConvTranspose2d(64, 32, 4, stride=2, padding=1, rng=0), 5)
        >>> ex.kernel_size, ex.stride, ex.padding, ex.output_size
        ((4, 4), (2, 2), (1, 1), (10, 10))
        >>> Explorer.from_layer(tconv.ConvTranspose2d(1, 1, 3, stride=2, rng=0), 32)
        Traceback (most recent call last):
        tconv.errors.TconvError: input_size 32 is more than the explorer draws (at most 16 per axis): try a smaller \
input_size, the layer's geometry is the same
        """
        name, transposed, geometry = _layer_geometry(layer)
        nd = len(geometry["kernel_size"])
        size = per_axis("input_size", input_size, nd, minimum=1)
        if max(size) > LIMITS["input_size"]:
            raise TconvError(f"input_size {show(input_size)} is more than the explorer draws (at most "
                             f"{LIMITS['input_size']} per axis): try a smaller input_size, the layer's geometry is the "
                             "same")
        for key, value in geometry.items():
            try:
                check_limits(key, value)
            except TconvError as e:
                raise TconvError(f"{name}'s {e}") from None
        return cls(size, geometry["kernel_size"], geometry["stride"], geometry["padding"],
                   geometry.get("output_padding", 0), geometry["dilation"], mode="transposed" if transposed else "conv")

    # ---- what is on screen, in Python

    def config(self) -> Config:
        """The state as the web API parses a query (:class:`tconv.web.jobs.Config`): sizes per axis, the requested
        output_size (None when derived, and in conv mode), the seed or the typed values.

        >>> cfg = Explorer(input_size=(5,), kernel_size=3, stride=2).config()
        >>> cfg.input_size, cfg.stride, cfg.output_size
        ((5,), (2,), None)
        """
        return check_state(self._state())[0]

    def report(self) -> dict[str, Any]:
        """The layer report of the state: the same dictionary as :func:`tconv.report.layer_report` (and ``tconv
        shape --json``): output size, formulas with the numbers, the guide's relations, the output_size range.

        >>> report = Explorer(3, 3, stride=2, padding=1).report()
        >>> report["output_size"], report["output_size_range"], report["relation"][0]["number"]
        ([5, 5], [[5, 6], [5, 6]], 13)
        """
        from .report import layer_report

        cfg = self.config()
        return layer_report(cfg.input_size, cfg.kernel_size, **cfg.sizes(), output_size=cfg.output_size,
                            transposed=cfg.transposed)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """The input and kernel drawn, as float64 arrays: the typed values, or the small random integers of the
        seed (:func:`tconv.arrays.random_arrays`: the numbers the picture shows).

        >>> x, w = Explorer(input_size=(2, 3), kernel_size=2, values=0).arrays()
        >>> x.tolist(), w.tolist()
        ([[4.0, 4.0, 1.0], [4.0, 3.0, 0.0]], [[3.0, 1.0], [0.0, 3.0]])
        """
        from .scene.build import sample_arrays

        cfg = self.config()
        x, w = sample_arrays(cfg.x, cfg.w, cfg.input_size, cfg.kernel_size, cfg.seed)  # the scene's own numbers
        return x.astype(np.float64), w.astype(np.float64)

    def to_svg(self, path: str | os.PathLike[str] | None = None) -> str:
        """The SVG of the frame on screen (Python's scene of the state), also written to ``path`` when given.

        The gather and scatter views (and conv mode) draw the scene's frame ``frame``; the matrix view, which has
        no picture in Python, draws the gather view's; the overlap view draws the overlap map of ``layers``.

        >>> svg = Explorer(2, 2, view="scatter").to_svg()
        >>> svg.startswith("<svg"), "<title>ConvTranspose2d  k=2 s=1 p=0 op=0 d=1:  2 × 2 → 3 × 3" in svg
        (True, True)
        """
        scene = self._scene()
        svg = str(scene.svg(frame=min(self.frame, max(len(scene.frames) - 1, 0))))
        if path is not None:
            Path(path).write_text(svg, encoding="utf-8")
        return svg

    def to_gif(self, path: str | os.PathLike[str]) -> Path:
        """The animation on screen as a GIF, every frame (the overlap view: its map), written to ``path`` (needs
        Pillow, tconv's ``show`` extra). What the page's "download GIF" gives under ``tconv serve``.

        >>> import tempfile, pathlib
        >>> out = Explorer(2, 2).to_gif(pathlib.Path(tempfile.mkdtemp()) / "tconv.gif")
        >>> out.read_bytes()[:6]
        b'GIF89a'
        """
        scene = self._scene()
        return Path(scene.save(path, "gif"))

    def _scene(self) -> Any:
        cfg = self.config()
        if not cfg.transposed:
            return build_scene(cfg, "conv", self.numbers, lang=self.lang)
        if self.view == "overlap":
            return overlap_map(cfg, self.layers).scene(values=self.numbers, lang=self.lang)
        return build_scene(cfg, "gather" if self.view == "matrix" else self.view, self.numbers, lang=self.lang)

    # ---- validation: every knob against the whole state

    def _state(self) -> dict[str, Any]:
        """The knobs the chain checks together, as stored (inside a hold block: as set, not yet checked)."""
        state = {name: getattr(self, name) for name in (*SIZE_KNOBS, "mode", "values")}
        state["output_size"] = self.output_size if self.output_size_given is True else None
        return state

    @traitlets.validate(*SIZE_KNOBS, "mode", "values")
    def _check_layer(self, proposal: Any) -> Any:
        name = proposal["trait"].name
        cfg, _, values = _refusing(check_state, self._state() | {name: proposal["value"]})
        if name == "values":
            return values
        if name == "mode":
            return cfg.mode
        # per axis as parse_config reads it
        value = parse_ints(name, _size_text(name, proposal["value"]))
        if isinstance(value, tuple) and len(value) not in (1, len(cfg.input_size)):
            return value  # conv mode's output_padding, which the page does not send: kept as it is, unchecked
        return per_axis(name, value, len(cfg.input_size))

    @traitlets.validate("output_size")
    def _check_output_size(self, proposal: Any) -> Any:
        asked = proposal["value"]
        cfg, out, _ = _refusing(check_state, self._state() | {"output_size": asked})
        if asked is not None and not cfg.transposed:
            raise ExplorerError(f"output_size {show(asked)} only applies to transposed convolution (conv mode draws "
                                "the direct convolution, whose output size follows from the other knobs): set "
                                "mode='transposed' first")
        self._mark_given(asked is not None)
        return out

    def _mark_given(self, given: bool) -> None:
        if self.output_size_given is not given:
            self._marking = True
            try:
                self.set_trait("output_size_given", given)
            finally:
                self._marking = False

    @traitlets.validate("output_size_given")
    def _check_given(self, proposal: Any) -> Any:
        given = _refusing(as_bool, "output_size_given", proposal["value"])
        if self._marking or not given:
            return given  # False: the observer derives the size
        # True: the size on screen becomes the size asked for
        asked = self.output_size
        cfg, _, _ = _refusing(check_state, self._state() | {"output_size": asked})
        if asked is None or not cfg.transposed:
            raise ExplorerError("output_size_given applies to a transposed convolution's output_size: set "
                                "output_size itself to ask for a size")
        return True

    @traitlets.observe(*SIZE_KNOBS, "mode", "output_size_given")
    def _derive_output_size(self, change: Any) -> None:
        # the size on screen follows the layer unless it is asked for; a conv has no output_size to ask for
        if not self._marking and (self.mode == "conv" or not self.output_size_given):
            self.output_size = None
        self._keep_frame()

    @traitlets.observe("view")
    def _view_changed(self, change: Any) -> None:
        self._keep_frame()

    def _frames(self) -> int:
        """How many frames the view's scene has (as the page counts them): one per output cell (gather, conv, the
        matrix view's gather), one per input cell (scatter's stamps), one (overlap's map)."""
        try:  # the state as checked (inside a hold block, or while the constructor validates, knobs are as given)
            cfg, out, _ = check_state(self._state())
        except TconvError:  # the state is refused: its own knob says so, a frame cannot matter
            return 1
        if cfg.transposed and self.view == "overlap":
            return 1
        return math.prod(cfg.input_size if cfg.transposed and self.view == "scatter" else out)

    def _keep_frame(self) -> None:
        # a scene with fewer frames shows its last one, as the view does: the frame on screen stays true in Python
        if self.frame > self._frames() - 1:
            self.frame = self._frames() - 1

    @traitlets.validate("view")
    def _check_view(self, proposal: Any) -> Any:
        return _refusing(as_choice, "view", proposal["value"], VIEWS)

    @traitlets.validate("lang")
    def _check_lang(self, proposal: Any) -> Any:
        return _refusing(as_choice, "lang", proposal["value"], LANGS)

    @traitlets.validate("numbers")
    def _check_numbers(self, proposal: Any) -> Any:
        return _refusing(as_bool, "numbers", proposal["value"])

    @traitlets.validate("layers")
    def _check_layers(self, proposal: Any) -> Any:
        layers = _refusing(as_int, "layers", proposal["value"])
        _refusing(check_limits, "layers", layers)
        return layers

    @traitlets.validate("frame")
    def _check_frame(self, proposal: Any) -> Any:
        frame = _refusing(lambda v: as_int("frame", v, minimum=0), proposal["value"])
        if frame > self._frames() - 1:
            raise ExplorerError(f"frame {frame} is beyond the scene's {self._frames()} frames: valid range 0 to "
                                f"{self._frames() - 1}")
        return frame

    # ---- the view's side of the comm

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """Knobs sent by the view (JSON: lists, not tuples), checked together as a ``hold_trait_notifications()``
        block is. The view's output_size counts as asked for only with output_size_given true (in the message, or
        already); otherwise it is the view's copy of the derived size, and Python derives it. A refused message
        sends the state back to the view, then raises.

        >>> ex = Explorer(3, 3)
        >>> ex.set_state({"stride": [2, 2], "output_padding": [1, 1]})
        >>> ex.output_size
        (8, 8)
        """
        data = dict(sync_data)
        if "output_size" in data or "output_size_given" in data:
            given = data.get("output_size_given", self.output_size_given)
            if given is not True or data.get("mode", self.mode) == "conv":
                data["output_size"] = None
        try:
            super().set_state(data)
        except TconvError:
            # the view has already shown its value (ipywidgets echoes it): put the view back on Python's state
            self.send_state([name for name in sync_data if name in self.keys])
            raise

    def _answer(self, widget: Any, content: Any, buffers: Any) -> None:
        """The walkthrough the view asks for ({"type": "explain", "id": n, "query": {...}}), answered as
        /api/explain would answer it: {"type": "explain", "id": n, "text": ...} or {..., "error": message}."""
        if not isinstance(content, dict) or content.get("type") != "explain":
            return
        answer: dict[str, Any] = {"type": "explain", "id": content.get("id")}
        try:
            answer["text"] = explain_text(content.get("query"))
        except TconvError as e:
            answer["error"] = str(e)
        except Exception:
            # a bug: the view still gets an answer (it waits for one), and the kernel logs the traceback
            answer["error"] = "internal error: the walkthrough failed (a bug; the details are in the kernel's log)"
            self.send(answer)
            raise
        self.send(answer)


# traitlets' HasTraits.__new__(cls, *args, **kwargs) comes first for inspect.signature, so help() and the API page
# showed Explorer(*args, **kwargs): the class states __init__'s parameters as its own signature
_init_signature = inspect.signature(Explorer.__init__)
Explorer.__signature__ = _init_signature.replace(
    parameters=list(_init_signature.parameters.values())[1:], return_annotation=inspect.Signature.empty)


def _typed_shape(values: Any, which: int) -> Any:
    """The shape of typed values' x (which=0) or w (1), as a size knob takes it; 3 when values are a seed (or not
    readable: the validator then says what is wrong with them)."""
    if isinstance(values, Mapping) and set(values) == {"x", "w"}:
        values = (values["x"], values["w"])
    if not (isinstance(values, tuple | list) and len(values) == 2) or isinstance(values[which], str):
        return 3
    try:
        shape = np.shape(values[which])
    except (ValueError, TypeError, RecursionError):
        return 3
    return tuple(shape) if len(shape) in (1, 2) and all(shape) else 3


def _layer_geometry(layer: Any) -> tuple[str, bool, dict[str, tuple[int, ...]]]:
    """A layer's name, whether it is transposed, and its geometry per axis; refusals name what is not drawn."""
    from .layers import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

    name = type(layer).__name__
    torch = sys.modules.get("torch")  # a torch layer exists only once torch is imported: never import it here
    nn = getattr(torch, "nn", None)
    torch_transposed = () if nn is None else (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
    if isinstance(layer, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, *torch_transposed)):
        transposed = True
    elif nn is not None and isinstance(layer, nn.Conv1d | nn.Conv2d | nn.Conv3d):
        transposed = False
    else:
        raise TconvError(f"from_layer opens a torch.nn.ConvTranspose1d/2d, a torch.nn.Conv1d/2d or a "
                         f"tconv.ConvTranspose1d/2d, got {name}")
    kernel = tuple(int(k) for k in layer.kernel_size)
    if len(kernel) > 2:
        raise TconvError(f"{name} has {len(kernel)} spatial axes: the explorer draws 1-D and 2-D layers "
                         "(tconv.explain walks through a 3-D one)")
    padding = layer.padding
    if isinstance(padding, str):
        if padding != "valid":  # 'valid' is no padding; 'same' may pad one side more, which is not drawn
            raise TconvError(f"{name}'s padding={padding!r} is not drawn: the explorer draws integer padding, the "
                             "same on both sides; give the layer integer padding")
        padding = (0,) * len(kernel)
    padding_mode = getattr(layer, "padding_mode", "zeros")
    if padding_mode != "zeros":
        raise TconvError(f"{name}'s padding_mode={padding_mode!r} is not drawn: the explorer pads with zeros")
    geometry = {"kernel_size": kernel, "stride": tuple(int(s) for s in layer.stride),
                "padding": tuple(int(p) for p in padding), "dilation": tuple(int(d) for d in layer.dilation)}
    if transposed:
        geometry["output_padding"] = tuple(int(a) for a in layer.output_padding)
    return name, transposed, geometry
