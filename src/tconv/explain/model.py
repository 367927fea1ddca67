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

__all__ = ["Cell", "Grid", "Message", "SizeDerivation", "Step", "Term", "Walkthrough", "roles_of"]

def roles_of(shape: Any, role: str) -> np.ndarray:
    """A role array filled with ``role``; wide enough for every role name (NumPy would size it to the first).

    >>> roles_of(2, "zero").tolist(), roles_of((), "zero").dtype.itemsize >= 4 * len("matrix")
    (['zero', 'zero'], True)
    """
    return np.full(shape, role, dtype=f"<U{max(map(len, ROLES))}")


def nested(a: np.ndarray) -> Any:
    """An array as nested lists of plain numbers (complex as [re, im])."""
    if a.dtype.kind == "c":
        return np.stack([a.real, a.imag], axis=-1).tolist()
    return a.tolist()


@dataclass(frozen=True)
class Message:
    """A sentence: a key into the message catalogue and its arguments."""

    key: str
    args: dict[str, Any] = field(default_factory=dict)

    def render(self, lang: str) -> str:
        return render(self.key, lang, self.args)

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {"key": self.key, "args": self.args, "text": self.render(lang)}


@dataclass(frozen=True)
class Grid:
    """A labelled array of cells (1-3 spatial dims, or a 2-D matrix) with an optional role per cell.

    ``offset`` places the grid inside a larger one (a stamp in the full output); ``row_labels`` and
    ``col_labels`` name the rows and columns of a matrix.
    """

    label: Message
    values: np.ndarray
    roles: np.ndarray | None = None
    offset: tuple[int, ...] | None = None
    row_labels: tuple[str, ...] | None = None
    col_labels: tuple[str, ...] | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.values.shape)

    def to_dict(self, lang: str) -> dict[str, Any]:
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
    """

    channel: int
    at: tuple[int, ...]
    tap: tuple[int, ...]
    x: Any
    w: Any

    @property
    def product(self) -> Any:
        return self.x * self.w

    def to_dict(self) -> dict[str, Any]:
        return {"channel": self.channel, "at": list(self.at), "tap": list(self.tap), "x": _json_num(self.x),
                "w": _json_num(self.w), "product": _json_num(self.product)}


def _json_num(v: Any) -> Any:
    v = number(v)
    return [v.real, v.imag] if isinstance(v, complex) else v


@dataclass(frozen=True)
class Cell:
    """How one output value is computed: the sum of its terms, plus the bias."""

    batch: int | None
    channel: int
    position: tuple[int, ...]
    terms: tuple[Term, ...]
    bias: Any
    value: Any

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch": self.batch,
            "channel": self.channel,
            "position": list(self.position),
            "terms": [t.to_dict() for t in self.terms],
            "bias": _json_num(self.bias),
            "value": _json_num(self.value),
        }


@dataclass(frozen=True)
class Step:
    """One step of a view: a title, prose, grids and (for the computing steps) the cells' sums."""

    key: str
    title: Message
    text: tuple[Message, ...]
    grids: tuple[Grid, ...] = ()
    cells: tuple[Cell, ...] = ()

    def to_dict(self, lang: str) -> dict[str, Any]:
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
        return str(self.report["formula"])

    @property
    def substituted(self) -> tuple[str, ...]:
        return tuple(self.report["substituted"])

    @property
    def relations(self) -> tuple[dict[str, Any], ...]:
        """Per axis: ``{number, title, formula, substituted, note}``."""
        return tuple(self.report["relation"])

    @property
    def equivalent(self) -> tuple[dict[str, int], ...]:
        """Per axis: ``{zeros_between, stretched_size, pad_begin, pad_end, padded_size}``."""
        return tuple(self.report["equivalent"])

    @property
    def output_size(self) -> tuple[int, ...]:
        return tuple(self.report["output_size"])

    @property
    def output_size_range(self) -> tuple[tuple[int, int], ...] | None:
        ranges = self.report["output_size_range"]
        return None if ranges is None else tuple((lo, hi) for lo, hi in ranges)

    def to_dict(self) -> dict[str, Any]:
        """The layer report itself (a copy), as documented in docs/guide.md."""
        return dict(self.report)


@dataclass(frozen=True)
class Walkthrough:
    """A transposed convolution explained step by step with its real numbers; render it with a writer.

    ``output`` equals ``tconv.conv_transpose`` on the same arguments.
    """

    view: str
    lang: str
    params: dict[str, Any]
    size: SizeDerivation
    steps: tuple[Step, ...]
    output: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: ``params``, ``output_size`` (the layer report), ``steps`` (a list) and ``output`` (nested
        lists); see docs/explain.md."""
        return {
            "view": self.view,
            "lang": self.lang,
            "params": self.params,
            "output_size": self.size.to_dict(),
            "steps": [s.to_dict(self.lang) for s in self.steps],
            "output": nested(self.output),
        }

    def to_text(self, color: bool | None = None) -> str:
        """Aligned grids for a terminal; ``color=None`` colours only when stdout is a TTY."""
        from .._axes import as_bool
        from .writers import to_text

        return to_text(self, None if color is None else as_bool("color", color))

    def to_markdown(self) -> str:
        from .writers import to_markdown

        return to_markdown(self)

    def to_html(self) -> str:
        from .writers import to_html

        return to_html(self)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_text(color=False)
