"""The walkthrough data model: plain frozen data that every writer (text, Markdown, HTML, JSON) renders.

Prose is stored as a message key with its arguments (numbers and small lists), so the same walkthrough renders
in English or Chinese and a test can check the numbers without parsing sentences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._format import number
from ..roles import ROLES
from .i18n import render

__all__ = ["Cell", "Grid", "Message", "SizeDerivation", "Step", "Term", "Walkthrough", "roles_of", "stored"]

def roles_of(shape: Any, role: str) -> np.ndarray:
    """A role array filled with ``role``; wide enough for every role name (NumPy would size it to the first).

    >>> roles_of(2, "zero").tolist(), roles_of((), "zero").dtype.itemsize >= 4 * len("matrix")
    (['zero', 'zero'], True)
    """
    return np.full(shape, role, dtype=f"<U{max(map(len, ROLES))}")


def stored(value: Any, dtype: np.dtype) -> Any:
    """A sum as an array of ``dtype`` holds it: the terms are exact Python numbers, but an int64 array wraps around
    on overflow, as PyTorch's and NumPy's integer arithmetic do (a walkthrough's grids equal the computation's).

    >>> stored(2**63 + 5, np.dtype(np.int64)), stored(1.5, np.dtype(np.float64))
    (-9223372036854775803, 1.5)
    """
    if dtype.kind in "iu":
        return (int(value) + 2**63) % 2**64 - 2**63
    return value


def nested(a: np.ndarray) -> Any:
    """An array as nested lists of plain numbers (complex as [re, im]).

    >>> nested(np.array([[1, 2]])), nested(np.array([1 + 2j, 3]))
    ([[1, 2]], [[1.0, 2.0], [3.0, 0.0]])
    """
    if a.dtype.kind == "c":
        return np.stack([a.real, a.imag], axis=-1).tolist()
    return a.tolist()


@dataclass(frozen=True)
class Message:
    """A sentence: a key into the message catalogue and its arguments.

    >>> label = Message("label.stretched", {"idx": "[0]"})
    >>> label.render("en"), label.render("zh")
    ('x[0] with zeros inserted', '插零后的 x[0]')
    """

    key: str
    args: dict[str, Any] = field(default_factory=dict)

    def render(self, lang: str) -> str:
        """The sentence in ``lang`` (``"en"`` or ``"zh"``), its arguments filled in.

        >>> Message("gather.zeros.axis", {"axis": 0, "stride": 2, "zeros": 1, "size": 2, "stretched": 3}).render("en")
        "axis 0: stride 2, so 1 zero(s) between neighbours; size 2 → (L − 1)·s + 1 = 3 (the guide's ĩ′)."
        """
        return render(self.key, lang, self.args)

    def to_dict(self, lang: str) -> dict[str, Any]:
        """JSON-able: the key and arguments (for a program) beside the rendered text (for a reader).

        >>> Message("label.output", {"idx": "[0]"}).to_dict("en")
        {'key': 'label.output', 'args': {'idx': '[0]'}, 'text': 'y[0]'}
        """
        return {"key": self.key, "args": self.args, "text": self.render(lang)}


@dataclass(frozen=True)
class Grid:
    """A labelled array of cells (1-3 spatial dims, or a 2-D matrix) with an optional role per cell.

    ``offset`` places the grid inside a larger one (a stamp in the full output); ``row_labels`` and
    ``col_labels`` name the rows and columns of a matrix.

    >>> import tconv
    >>> grid = tconv.explain([[1, 2]], [[[1, 1, 1]]], stride=2).steps[0].grids[0]   # stride 2: one zero between
    >>> grid.label.render("en"), grid.values.tolist(), grid.roles.tolist()
    ('x[0] with zeros inserted', [1, 0, 2], ['input', 'zero', 'input'])
    """

    label: Message
    values: np.ndarray
    roles: np.ndarray | None = None
    offset: tuple[int, ...] | None = None
    row_labels: tuple[str, ...] | None = None
    col_labels: tuple[str, ...] | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of ``values``, as plain ints.

        >>> Grid(Message("label.C"), np.zeros((2, 5))).shape
        (2, 5)
        """
        return tuple(self.values.shape)

    def to_dict(self, lang: str) -> dict[str, Any]:
        """JSON-able: label (rendered in ``lang``), shape, values, roles; offset and labels only when set.

        >>> Grid(Message("label.output", {"idx": "[0]"}), np.array([1, 1, 3, 2, 2]), offset=(2,)).to_dict("en")
        {'label': 'y[0]', 'shape': [5], 'values': [1, 1, 3, 2, 2], 'roles': None, 'offset': [2]}
        """
        d: dict[str, Any] = {
            "label": self.label.render(lang),
            "shape": list(self.shape),
            "values": nested(self.values),
            "roles": None if self.roles is None else self.roles.tolist(),
        }
        if self.offset is not None:
            d["offset"] = list(self.offset)
        if self.row_labels is not None:
            d["row_labels"] = list(self.row_labels)
            d["col_labels"] = list(self.col_labels or ())
        return d


@dataclass(frozen=True)
class Term:
    """One product x·w that contributes to an output cell.

    ``channel`` is the input channel; ``at`` is where x is read in that view's grid (the padded input for
    gather, the input for scatter, the flat index for matrix); ``tap`` the kernel index used (flipped kernel
    for gather, original kernel otherwise).

    >>> import tconv
    >>> cell = tconv.explain([[1, 2]], [[[1, 1, 1]]], stride=2).steps[3].cells[2]   # gather: y[2]
    >>> [(t.at, t.tap, t.x, t.w) for t in cell.terms]
    [((2,), (0,), 1, 1), ((3,), (1,), 0, 1), ((4,), (2,), 2, 1)]
    """

    channel: int
    at: tuple[int, ...]
    tap: tuple[int, ...]
    x: Any
    w: Any

    @property
    def product(self) -> Any:
        """x·w, this term's share of the output cell.

        >>> Term(channel=0, at=(1,), tap=(2,), x=3, w=-2).product
        -6
        """
        return self.x * self.w

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, with the product; complex numbers as ``[re, im]``.

        >>> Term(channel=0, at=(1,), tap=(2,), x=1.5, w=2j).to_dict()
        {'channel': 0, 'at': [1], 'tap': [2], 'x': 1.5, 'w': [0.0, 2.0], 'product': [0.0, 3.0]}
        """
        return {"channel": self.channel, "at": list(self.at), "tap": list(self.tap), "x": _json_num(self.x),
                "w": _json_num(self.w), "product": _json_num(self.product)}


def _json_num(v: Any) -> Any:
    v = number(v)
    return [v.real, v.imag] if isinstance(v, complex) else v


@dataclass(frozen=True)
class Cell:
    """How one output value is computed: the sum of its terms, plus the bias.

    ``name`` is how the writers call the cell where it is not an output cell ``y[c](position)`` (the backward
    view's ``dx[0](1, 2)``, ``dw[0, 0](1, 0)``).

    >>> import tconv
    >>> cell = tconv.explain([[1, 2]], [[[1, 1, 1]]], bias=[10], stride=2).steps[3].cells[2]
    >>> cell.position, [t.product for t in cell.terms], cell.bias, cell.value
    ((2,), [1, 0, 2], 10, 13)
    """

    batch: int | None
    channel: int
    position: tuple[int, ...]
    terms: tuple[Term, ...]
    bias: Any
    value: Any
    name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, each term with its product; ``name`` only when set.

        >>> cell = Cell(batch=None, channel=0, position=(1,), terms=(Term(0, (0,), (1,), 2, 3),), bias=1, value=7)
        >>> cell.to_dict()
        {'batch': None, 'channel': 0, 'position': [1],
         'terms': [{'channel': 0, 'at': [0], 'tap': [1], 'x': 2, 'w': 3, 'product': 6}], 'bias': 1, 'value': 7}
        """
        d = {
            "batch": self.batch,
            "channel": self.channel,
            "position": list(self.position),
            "terms": [t.to_dict() for t in self.terms],
            "bias": _json_num(self.bias),
            "value": _json_num(self.value),
        }
        if self.name is not None:
            d["name"] = self.name
        return d


@dataclass(frozen=True)
class Step:
    """One step of a view: a title, prose, grids and (for the computing steps) the cells' sums.

    >>> import tconv
    >>> step = tconv.explain([[1, 2]], [[[1, 1, 1]]], stride=2).steps[0]
    >>> step.key, step.title.render("en"), [g.values.tolist() for g in step.grids], step.cells
    ('insert_zeros', '1. Insert stride − 1 zeros between the inputs', [[1, 0, 2]], ())
    """

    key: str
    title: Message
    text: tuple[Message, ...]
    grids: tuple[Grid, ...] = ()
    cells: tuple[Cell, ...] = ()

    def to_dict(self, lang: str) -> dict[str, Any]:
        """JSON-able, its prose rendered in ``lang``.

        >>> import tconv
        >>> d = tconv.explain([[1, 2]], [[[1, 1, 1]]], stride=2).steps[-1].to_dict("en")
        >>> d["key"], d["title"], d["grids"][0]["values"], d["cells"]
        ('output', 'Output', [1, 1, 3, 2, 2], [])
        """
        return {
            "key": self.key,
            "title": self.title.render(lang),
            "text": [m.to_dict(lang) for m in self.text],
            "grids": [g.to_dict(lang) for g in self.grids],
            "cells": [c.to_dict() for c in self.cells],
        }


@dataclass(frozen=True)
class SizeDerivation:
    """Why the output has its size: the library's layer report (:func:`tconv.report.layer_report`), the same data
    ``tconv shape --json`` prints and the explorer's ``/api/shape`` returns, with typed views of its parts.

    >>> from tconv.report import layer_report
    >>> size = SizeDerivation(layer_report(3, 3, stride=2, padding=1, output_padding=1))
    >>> size.output_size, size.relations[0]["number"], size.equivalent[0]["padded_size"]
    ((6,), 14, 8)
    """

    report: dict[str, Any]

    @property
    def formula(self) -> str:
        """PyTorch's output-size formula in the input's rank.

        >>> from tconv.report import layer_report
        >>> SizeDerivation(layer_report(2, 3, stride=2)).formula
        'L_out = (L_in − 1)·stride − 2·padding + dilation·(kernel_size − 1) + output_padding + 1'
        """
        return str(self.report["formula"])

    @property
    def substituted(self) -> tuple[str, ...]:
        """Per axis: the formula with this layer's numbers.

        >>> from tconv.report import layer_report
        >>> SizeDerivation(layer_report(2, 3, stride=2)).substituted
        ('(2 − 1)·2 − 2·0 + 1·(3 − 1) + 0 + 1 = 5',)
        """
        return tuple(self.report["substituted"])

    @property
    def relations(self) -> tuple[dict[str, Any], ...]:
        """Per axis: ``{number, title, formula, substituted, note}``.

        >>> from tconv.report import layer_report
        >>> relation = SizeDerivation(layer_report(2, 3, stride=2)).relations[0]
        >>> relation["number"], relation["formula"]
        (12, 'o′ = s(i′ − 1) + k')
        """
        return tuple(self.report["relation"])

    @property
    def equivalent(self) -> tuple[dict[str, int], ...]:
        """Per axis: ``{zeros_between, stretched_size, pad_begin, pad_end, padded_size}``.

        >>> from tconv.report import layer_report
        >>> SizeDerivation(layer_report(2, 3, stride=2)).equivalent
        ({'zeros_between': 1, 'stretched_size': 3, 'pad_begin': 2, 'pad_end': 2, 'padded_size': 7},)
        """
        return tuple(self.report["equivalent"])

    @property
    def output_size(self) -> tuple[int, ...]:
        """The output's spatial size.

        >>> from tconv.report import layer_report
        >>> SizeDerivation(layer_report(2, 3, stride=2)).output_size
        (5,)
        """
        return tuple(self.report["output_size"])

    @property
    def output_size_range(self) -> tuple[tuple[int, int], ...] | None:
        """Per axis, the sizes ``output_size=`` accepts (lowest, highest); ``None`` where the report has none.

        >>> from tconv.report import layer_report
        >>> SizeDerivation(layer_report(2, 3, stride=2)).output_size_range
        ((5, 6),)
        """
        ranges = self.report["output_size_range"]
        return None if ranges is None else tuple((lo, hi) for lo, hi in ranges)

    def to_dict(self) -> dict[str, Any]:
        """The layer report itself (a copy), as documented in docs/guide.md.

        >>> from tconv.report import layer_report
        >>> size = SizeDerivation(layer_report(2, 3, stride=2))
        >>> size.to_dict() == size.report, size.to_dict() is size.report
        (True, False)
        """
        return dict(self.report)


@dataclass(frozen=True)
class Walkthrough:
    """A transposed convolution explained step by step with its real numbers; render it with a writer.

    ``output`` equals ``tconv.conv_transpose`` on the same arguments.

    >>> import tconv
    >>> wt = tconv.explain([[1, 2]], [[[1, 1, 1]]], stride=2)
    >>> wt.view, wt.size.output_size, [step.key for step in wt.steps], wt.output.tolist()
    ('gather', (5,), ['insert_zeros', 'pad', 'flip', 'slide', 'output'], [[1, 1, 3, 2, 2]])
    """

    view: str
    lang: str
    params: dict[str, Any]
    size: SizeDerivation
    steps: tuple[Step, ...]
    output: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: ``params``, ``output_size`` (the layer report), ``steps`` (a list) and ``output`` (nested
        lists); see docs/explain.md.

        >>> import tconv
        >>> d = tconv.explain([[1, 2]], [[[1, 1, 1]]], stride=2).to_dict()
        >>> d["params"]["stride"], d["output_size"]["output_size"], len(d["steps"]), d["output"]
        ([2], [5], 5, [[1, 1, 3, 2, 2]])
        """
        return {
            "view": self.view,
            "lang": self.lang,
            "params": self.params,
            "output_size": self.size.to_dict(),
            "steps": [s.to_dict(self.lang) for s in self.steps],
            "output": nested(self.output),
        }

    def to_text(self, color: bool | None = None) -> str:
        """Aligned grids for a terminal; ``color=None`` colours only when stdout is a TTY.

        >>> import tconv
        >>> text = tconv.explain([[1, 2]], [[[1, 1, 1]]], stride=2).to_text(color=False)
        >>> print(text.splitlines()[0])
        tconv.explain · view: gather (zero insertion, padding, flipped kernel)
        >>> print(text[text.index("x[0] with zeros"):].splitlines()[1])
            1  0  2
        """
        from .._axes import as_bool
        from .writers import to_text

        return to_text(self, None if color is None else as_bool("color", color))

    def to_markdown(self) -> str:
        """Markdown: a heading per step, grids as tables.

        >>> import tconv
        >>> print(tconv.explain([[1, 2]], [[[1, 1, 1]]], stride=2).to_markdown().splitlines()[0])
        ## gather (zero insertion, padding, flipped kernel)
        """
        from .writers import to_markdown

        return to_markdown(self)

    def to_html(self) -> str:
        """One self-contained HTML fragment (inline styles), as a notebook shows it.

        >>> import tconv
        >>> print(tconv.explain([[1, 2]], [[[1, 1, 1]]], stride=2).to_html().splitlines()[0])
        <div class="tconv-walkthrough" lang="en" style="font-family:sans-serif">
        """
        from .writers import to_html

        return to_html(self)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_text(color=False)
