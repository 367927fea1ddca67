"""The guide's relations: which of Dumoulin & Visin's relations 1–15 a layer instantiates, per axis, with titles.

Each relation is the guide's output-size formula for one kind of layer (convolution, pooling, transposed
convolution, each with or without padding and strides), with the layer's numbers substituted. The sizes
themselves come from :mod:`tconv.shapes`; this module only names them in the guide's symbols (i, k, s, p, a, i′).

>>> from tconv.relations import RELATION_TITLES, relation
>>> rel, = relation(5, 3, stride=2, padding=1, output_padding=1)
>>> rel.number, rel.title == RELATION_TITLES[14], rel.substituted
(14, True, '2·(5 − 1) + 1 + 3 − 2·1 = 10')
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ._axes import IntOrSeq, as_bool, count_axes, per_axis, show
from .errors import TconvError
from .shapes import ConvAxis, PoolAxis, TransposedAxis, conv_axes, pool_axes, transposed_axes

__all__ = ["GENERAL_TITLES", "RELATION_TITLES", "Relation", "relation", "transposed_relations"]


@dataclass(frozen=True)
class Relation:
    """One of the 15 relations of Dumoulin & Visin's guide, instantiated for one axis.

    ``number`` is None when the guide does not cover the configuration (then ``formula`` is the general one).
    Symbols are the guide's: i, k, s, p, d for the convolution, i′, o′, a for its transpose.

    >>> rel, = relation(4, 3)
    >>> rel.number, rel.formula, rel.substituted, rel.output_size
    (8, 'o′ = i′ + (k − 1)', '4 + (3 − 1) = 6', 6)
    >>> rel, = relation(4, 3, dilation=2)
    >>> rel.number, rel.title, rel.output_size
    (None, 'dilated transposed convolution', 8)
    """

    number: int | None
    title: str
    formula: str
    substituted: str
    output_size: int
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The layer report's ``relation`` entry (the output size is the report's own).

        >>> rel, = relation(4, 3)
        >>> rel.to_dict()
        {'number': 8, 'title': 'no padding, unit strides, transposed', 'formula': 'o′ = i′ + (k − 1)',
         'substituted': '4 + (3 − 1) = 6', 'note': ''}
        """
        return {"number": self.number, "title": self.title, "formula": self.formula,
                "substituted": self.substituted, "note": self.note}

    def __str__(self) -> str:
        head = f"relation {self.number}" if self.number is not None else "general formula"
        text = f"{head} ({self.title}): {self.formula} → {self.substituted}"
        return f"{text}; {self.note}" if self.note else text


#: The titles of the guide's relations 1–15 (Dumoulin & Visin), by number: the one source of these words
#: (tconv.explain.i18n translates them).
RELATION_TITLES: dict[int, str] = {
    1: "no zero padding, unit strides",
    2: "zero padding, unit strides",
    3: "half (same) padding",
    4: "full padding",
    5: "no zero padding, non-unit strides",
    6: "zero padding, non-unit strides",
    7: "pooling",
    8: "no padding, unit strides, transposed",
    9: "zero padding, unit strides, transposed",
    10: "half padding, unit strides, transposed",
    11: "full padding, unit strides, transposed",
    12: "no zero padding, non-unit strides, transposed",
    13: "zero padding, non-unit strides, transposed",
    14: "zero padding, non-unit strides, transposed, with a = output_padding",
    15: "dilated convolution",
}


#: The titles of the cases the guide has no relation for (``number`` None: the general formula), by kind: the one
#: source of these words too (tconv.explain.i18n translates them).
GENERAL_TITLES: dict[str, str] = {
    "transposed": "transposed convolution",
    "dilated": "dilated transposed convolution",
    "asymmetric": "asymmetric padding",
    "pooling": "pooling",
}


def _guide(number: int, formula: str, substituted: str, output_size: int) -> Relation:
    return Relation(number, RELATION_TITLES[number], formula, substituted, output_size)


def _transposed_relation(ax: TransposedAxis) -> Relation:
    i, k, s, p, a, d = ax.input_size, ax.kernel_size, ax.stride, ax.padding, ax.output_padding, ax.dilation
    o = ax.output_size
    if ax.padding_end is not None:  # padding="same" with an odd total: the guide crops both ends alike
        return Relation(
            None,
            GENERAL_TITLES["asymmetric"],
            "o′ = s(i′ − 1) + a + d(k − 1) + 1 − p_begin − p_end",
            f"{s}·({i} − 1) + {a} + {d}·({k} − 1) + 1 − {p} − {ax.padding_end} = {o}",
            o,
            "the guide crops the same on both sides; padding='same' crops the odd cell at the end "
            "(TensorFlow's rule); this is the general formula",
        )
    if d != 1 or (s == 1 and a != 0):
        return Relation(
            None,
            GENERAL_TITLES["dilated" if d != 1 else "transposed"],
            "o′ = s(i′ − 1) + a + d(k − 1) + 1 − 2p",
            f"{s}·({i} − 1) + {a} + {d}·({k} − 1) + 1 − 2·{p} = {o}",
            o,
            "the guide has no relation for this case (it covers undilated transposed convolution); "
            "this is the general formula, PyTorch's",
        )
    if s == 1:
        if p == 0:
            return _guide(8, "o′ = i′ + (k − 1)", f"{i} + ({k} − 1) = {o}", o)
        if k % 2 == 1 and p == k // 2:
            return _guide(10, "o′ = i′", f"{i} = {o}", o)
        if p == k - 1:
            return _guide(11, "o′ = i′ − (k − 1)", f"{i} − ({k} − 1) = {o}", o)
        return _guide(9, "o′ = i′ + (k − 1) − 2p", f"{i} + ({k} − 1) − 2·{p} = {o}", o)
    if a == 0 and p == 0:
        return _guide(12, "o′ = s(i′ − 1) + k", f"{s}·({i} − 1) + {k} = {o}", o)
    if a == 0:
        return _guide(13, "o′ = s(i′ − 1) + k − 2p", f"{s}·({i} − 1) + {k} − 2·{p} = {o}", o)
    return _guide(14, "o′ = s(i′ − 1) + a + k − 2p", f"{s}·({i} − 1) + {a} + {k} − 2·{p} = {o}", o)


def _conv_relation(ax: ConvAxis) -> Relation:
    i, k, s, d = ax.input_size, ax.kernel_size, ax.stride, ax.dilation
    o = ax.output_size
    if ax.pad_begin != ax.pad_end:
        return Relation(
            None,
            GENERAL_TITLES["asymmetric"],
            "o = ⌊(i + p_begin + p_end − d(k − 1) − 1)/s⌋ + 1",
            f"⌊({i} + {ax.pad_begin} + {ax.pad_end} − {d}·({k} − 1) − 1)/{s}⌋ + 1 = {o}",
            o,
            "the guide assumes the same padding on both sides; this is the general formula",
        )
    p = ax.pad_begin
    if d != 1:
        substituted = f"⌊({i} + 2·{p} − {k} − ({k} − 1)·({d} − 1))/{s}⌋ + 1 = {o}"
        return _guide(15, "o = ⌊(i + 2p − k − (k − 1)(d − 1))/s⌋ + 1", substituted, o)
    if s == 1:
        if p == 0:
            return _guide(1, "o = (i − k) + 1", f"({i} − {k}) + 1 = {o}", o)
        if k % 2 == 1 and p == k // 2:
            return _guide(3, "o = i", f"{i} = {o}", o)
        if p == k - 1:
            return _guide(4, "o = i + (k − 1)", f"{i} + ({k} − 1) = {o}", o)
        return _guide(2, "o = (i − k) + 2p + 1", f"({i} − {k}) + 2·{p} + 1 = {o}", o)
    if p == 0:
        return _guide(5, "o = ⌊(i − k)/s⌋ + 1", f"⌊({i} − {k})/{s}⌋ + 1 = {o}", o)
    return _guide(6, "o = ⌊(i + 2p − k)/s⌋ + 1", f"⌊({i} + 2·{p} − {k})/{s}⌋ + 1 = {o}", o)


def _pool_relation(ax: PoolAxis) -> Relation:
    i, k, s, p, d = ax.input_size, ax.kernel_size, ax.stride, ax.padding, ax.dilation
    o = ax.output_size
    if p == 0 and d == 1 and not ax.ceil_mode:
        return _guide(7, "o = ⌊(i − k)/s⌋ + 1", f"⌊({i} − {k})/{s}⌋ + 1 = {o}", o)
    lo, hi = ("⌈", "⌉") if ax.ceil_mode else ("⌊", "⌋")
    note = "the guide's relation 7 has no padding, dilation or ceil_mode; this is the general formula, PyTorch's"
    if ax.drops_last_window:
        note += "; with ceil_mode the last window would start in the right padding, so PyTorch drops it (− 1)"
    formula = f"o = {lo}(i + 2p − d(k − 1) − 1)/s{hi} + 1"
    return Relation(None, GENERAL_TITLES["pooling"], formula, ax.substituted(), o, note)


def relation(
    input_size: IntOrSeq,
    kernel_size: IntOrSeq,
    stride: IntOrSeq | None = None,
    padding: IntOrSeq | str = 0,
    output_padding: IntOrSeq = 0,
    dilation: IntOrSeq = 1,
    *,
    transposed: bool = True,
    pool: bool = False,
    ceil_mode: bool = False,
) -> tuple[Relation, ...]:
    """Which of the guide's relations 1–15 each axis instantiates, with the numbers substituted.

    For a transposed convolution the arguments are PyTorch's (those of the paired convolution, as the guide
    notes) and ``input_size`` is i′. Non-square configurations get one relation per axis; dilated transposed
    convolutions, which the guide does not cover, get the general formula, said as such. ``stride`` defaults to
    1, or to the kernel size with ``pool=True`` (max pooling as PyTorch's ``MaxPool*d``, with padding, dilation
    and ``ceil_mode``; the guide's relation 7 when none of them is used).

    >>> print(relation(3, 2)[0])
    relation 8 (no padding, unit strides, transposed): o′ = i′ + (k − 1) → 3 + (2 − 1) = 4
    >>> relation(3, 3, stride=2, padding=1, output_padding=1)[0].number
    14
    >>> relation(5, 3, stride=2, padding=1, transposed=False)[0].number
    6
    >>> relation(7, 2, dilation=2, pool=True)[0].substituted
    '⌊(7 + 2·0 − 2·(2 − 1) − 1)/2⌋ + 1 = 3'
    """
    transposed, pool, ceil_mode = (as_bool(n, v) for n, v in
                                   (("transposed", transposed), ("pool", pool), ("ceil_mode", ceil_mode)))
    nd = count_axes(input_size=input_size, kernel_size=kernel_size, stride=stride, padding=padding,
                    output_padding=output_padding, dilation=dilation)
    if (pool or not transposed) and per_axis("output_padding", output_padding, nd) != (0,) * nd:
        raise TconvError(f"output_padding {show(output_padding)} only applies to transposed convolution; use 0")
    if ceil_mode and not pool:
        raise TconvError("ceil_mode only applies to pooling (pool=True); use False")
    rels: tuple[Relation, ...]
    if pool:
        rels = tuple(_pool_relation(ax) for ax in pool_axes(input_size, kernel_size, stride, padding, dilation,
                                                             ceil_mode, nd=nd))
    elif transposed:
        axes = transposed_axes(input_size, kernel_size, 1 if stride is None else stride, padding, output_padding,
                               dilation, nd=nd)
        return transposed_relations(axes)
    else:
        caxes = conv_axes(input_size, kernel_size, 1 if stride is None else stride, padding, dilation, nd=nd)
        rels = tuple(_conv_relation(ax) for ax in caxes)
    return _non_square(rels)


def _non_square(rels: tuple[Relation, ...]) -> tuple[Relation, ...]:
    if len(rels) > 1 and len({(r.number, r.title) for r in rels}) > 1:
        note = "non-square: the guide's relations are stated for square inputs; each axis follows its own"
        rels = tuple(replace(r, note="; ".join(filter(None, [r.note, note]))) for r in rels)
    return rels


def transposed_relations(axes: tuple[TransposedAxis, ...]) -> tuple[Relation, ...]:
    """The relation of each validated axis of a transposed convolution (:func:`relation` for axes already made,
    ``padding="same"`` with an output_size among them).

    >>> from tconv.shapes import transposed_axes
    >>> [r.number for r in transposed_relations(transposed_axes((5, 5), 4, stride=2, padding="same"))]
    [13, 13]
    """
    return _non_square(tuple(_transposed_relation(ax) for ax in axes))

