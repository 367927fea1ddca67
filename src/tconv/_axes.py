"""Normalisation of scalar and per-axis integer arguments, shared by every entry point.

Everything that accepts "an int or one int per axis" goes through here, so the CLI, the library and the
shape functions refuse the same things with the same words.
"""

from __future__ import annotations

import math
import numbers
import re
import reprlib
from collections.abc import Sequence
from types import EllipsisType
from typing import Any

import numpy as np

from .errors import TconvError

IntOrSeq = int | Sequence[int]
#: An index of an array built from parts, ``(..., *slices)``: annotated so, NumPy's stubs accept it (mypy infers
#: a tuple of ``object`` for the unannotated expression).
Index = tuple[slice | EllipsisType | int, ...]


def _type_name(value: Any) -> str:
    return type(value).__name__


_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxtuple, _SHORT.maxstring, _SHORT.maxother = 3, 6, 6, 40, 60


def quote(text: str, most: int = 80) -> str:
    """A path or typed value for a message: quoted whole, or shortened in the middle when longer than ``most``.

    >>> quote("out/a.svg"), quote("d/" * 50 + "a.svg", most=20)
    ("'out/a.svg'", "'d/d/d/d/d/…/d/d/a.svg'")
    """
    return repr(text) if len(text) <= most else repr(text[: most // 2] + "…" + text[-most // 2:])


#: The most axes any size argument may list: PyTorch's layers have 1 to 3, tconv's shapes up to 8. Lengths are
#: checked against it before a value's elements are read, so a list of 10⁷ paddings costs no more than one.
MAX_AXES = 8
#: Arrays (and tensors) of more elements than this are shown by their shape and dtype alone: the repr of a
#: broadcast array of 10⁸ elements takes seconds, and its values say nothing the shape does not.
_SHOWN_ELEMENTS = 6


def _array_summary(value: Any) -> str | None:
    """``an array of shape (…) and dtype …`` for a large array or tensor, read from its shape alone; None for
    anything else (a small array is shown by its repr)."""
    shape = getattr(value, "shape", None)
    if not hasattr(value, "dtype") or not isinstance(shape, tuple):  # torch.Size is a tuple
        return None
    dims = tuple(int(n) for n in shape)
    if len(dims) <= 2 and math.prod(dims) <= _SHOWN_ELEMENTS:
        return None
    kind = "array" if isinstance(value, np.ndarray) else _type_name(value)
    article = "an" if kind[0] in "aeiouAEIOU" else "a"
    return f"{article} {kind} of shape {dims} and dtype {str(value.dtype).removeprefix('torch.')}"


def show(value: Any) -> str:
    """A short repr for messages: nested and long values are abbreviated (a list nested 10,000 deep, a
    broadcast array of 10¹² elements), on one line (an array's repr spans several), and no repr can fail.

    >>> show([[[[[1]]]]]), show("x" * 100)[:12], show(list(range(100)))
    ('[[[[...]]]]', "'xxxxxxxxxxx", '[0, 1, 2, 3, 4, 5, ...]')
    >>> import numpy as np
    >>> show(np.zeros((2, 2))), show(np.broadcast_to(1, 10**12))
    ('array([[0., 0.], [0., 0.]])', 'an array of shape (1000000000000,) and dtype int64')
    """
    try:
        summary = _array_summary(value)
        return summary if summary is not None else re.sub(r"\s*\n\s*", " ", _SHORT.repr(value))
    except Exception:  # a repr that raises (or recurses) is still a value the user gave: name its type
        return f"<{_type_name(value)}>"


def length(value: Any) -> int | None:
    """``len(value)``, or None for a value without one; a range past ``sys.maxsize`` (whose ``len`` raises
    OverflowError) is counted from its bounds, so that every size check can read it.

    >>> length([1, 2]), length(range(10**20)), length(3)
    (2, 100000000000000000000, None)
    """
    try:
        return len(value)
    except TypeError:
        return None
    except OverflowError:
        if isinstance(value, range):
            return max(0, (value.stop - value.start + value.step - (1 if value.step > 0 else -1)) // value.step)
        raise TconvError(f"{_type_name(value)} has more elements than Python can count: valid range: at most "
                         f"{MAX_AXES} values per size argument") from None


def _too_many_axes(name: str | None, value: Any, n: int) -> TconvError:
    named = "a size argument" if name is None else name
    return TconvError(f"{named} lists {n:,} values ({show(value)}): valid range: 1 to {MAX_AXES} values, one "
                      "per axis (or a single integer for every axis)")


def as_shape(name: str, value: Any, *, minimum: int = 0, max_len: int = 8) -> tuple[int, ...]:
    """An array shape: a list, tuple or 1-D integer array of at most ``max_len`` integers ≥ ``minimum``.

    >>> as_shape("input_shape", [1, 3, 5, 5])
    (1, 3, 5, 5)
    >>> as_shape("input_shape", 5)
    Traceback (most recent call last):
    tconv.errors.TconvError: input_shape must be a sequence of at most 8 integers (a shape), got 5 (int)
    """
    ok = isinstance(value, list | tuple) or (hasattr(value, "ndim") and getattr(value, "ndim", None) == 1
                                              and getattr(getattr(value, "dtype", None), "kind", "") in "iu")
    if not ok or len(value) > max_len:
        raise TconvError(f"{name} must be a sequence of at most {max_len} integers (a shape), got {show(value)} "
                         f"({_type_name(value)})")
    return tuple(as_int(name, v, minimum=minimum, axis=a) for a, v in enumerate(value))


def as_bool(name: str, value: Any) -> bool:
    """A flag: True or False (NumPy's bools too); anything else is refused rather than read by its truth value.

    >>> as_bool("ceil_mode", True)
    True
    >>> as_bool("ceil_mode", np.bool_(False)), as_bool("ceil_mode", np.array(True))
    (False, True)
    >>> as_bool("ceil_mode", "no")
    Traceback (most recent call last):
    tconv.errors.TconvError: ceil_mode must be True or False, got 'no' (str)
    """
    if isinstance(value, bool):
        return value
    if hasattr(value, "dtype") and getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        item = value.item()  # a NumPy bool, a 0-d array or tensor holding one (a tensor's dtype has no .kind)
        if isinstance(item, bool):
            return item
    raise TconvError(f"{name} must be True or False, got {show(value)} ({_type_name(value)})")


def as_choice(name: str, value: Any, choices: Sequence[str]) -> str:
    """One of ``choices``, compared only once it is known to be a string (an array compared with ``==`` would
    be compared element by element, allocating as much as it holds).

    >>> as_choice("view", "gather", ("gather", "scatter"))
    'gather'
    >>> as_choice("view", ["gather"], ("gather", "scatter"))
    Traceback (most recent call last):
    tconv.errors.TconvError: view ['gather'] is not known: choose one of 'gather', 'scatter'
    """
    if not isinstance(value, str) or value not in choices:
        raise TconvError(f"{name} {show(value)} is not known: choose one of {', '.join(map(repr, choices))}")
    return str(value)  # NumPy's str_ (a str subclass) as a plain str


def as_int(name: str, value: Any, *, minimum: int | None = None, axis: int | None = None) -> int:
    """One integer, refusing bools, floats and strings (as PyTorch does), checked against ``minimum``.

    >>> as_int("groups", np.int64(4))            # a NumPy integer (or a 0-d array of one) is an integer
    4
    >>> as_int("groups", 2.0)
    Traceback (most recent call last):
    tconv.errors.TconvError: groups must be an integer, got 2.0 (float)
    >>> as_int("stride", 0, minimum=1, axis=1)
    Traceback (most recent call last):
    tconv.errors.TconvError: stride 0 on axis 1 must be at least 1
    """
    # bool is an int subclass, but torch refuses it ("must be tuple of ints, not bool"), and so do we.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if hasattr(value, "ndim") and value.ndim == 0 and hasattr(value, "item"):
            item = value.item()  # 0-d NumPy arrays and tensors holding an int are ints
            if isinstance(item, numbers.Integral) and not isinstance(item, bool):
                return as_int(name, int(item), minimum=minimum, axis=axis)
        where = f" on axis {axis}" if axis is not None else ""
        raise TconvError(f"{name}{where} must be an integer, got {show(value)} ({_type_name(value)})")
    number = int(value)
    if minimum is not None and number < minimum:
        where = f" on axis {axis}" if axis is not None else ""
        raise TconvError(f"{name} {number}{where} must be at least {minimum}")
    return number


def per_axis(name: str, value: Any, nd: int, *, minimum: int | None = None) -> tuple[int, ...]:
    """An int, or a sequence of ``nd`` ints (a one-element sequence is broadcast, as in PyTorch's C++ side).

    >>> per_axis("stride", 2, 3), per_axis("padding", [1], 2), per_axis("dilation", (1, 2), 2)
    ((2, 2, 2), (1, 1), (1, 2))
    >>> per_axis("stride", (1, 2), 3)
    Traceback (most recent call last):
    tconv.errors.TconvError: stride must be a single integer or a sequence of 3 integers to match the 3 spatial
    dimension(s), got (1, 2) (2 values)
    """
    if isinstance(value, str | bytes):
        raise TconvError(f"{name} must be an integer or a sequence of {nd} integers, got the string {value!r}")
    if hasattr(value, "ndim") and value.ndim == 0:
        value = as_int(name, value, minimum=minimum)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        v = as_int(name, value)
        if minimum is not None:
            as_int(name, v, minimum=minimum, axis=0)  # the first axis it fails on is axis 0
        return (v,) * nd
    if not isinstance(value, list | tuple) and not (isinstance(value, np.ndarray) and value.ndim == 1):
        # As PyTorch's functional forms: no dicts, sets, ranges, strings or tensors, which iterate but are not
        # "one int per axis" (a dict's keys would be taken for its values). A 1-D NumPy array of ints is the one
        # extension.
        raise TconvError(
            f"{name} must be an integer or a list or tuple of {nd} integers, got {show(value)} ({_type_name(value)})"
        )
    # the length first: a list of 10⁷ values (or a broadcast array of 10⁸) is refused without reading them
    if len(value) not in (1, nd):
        raise TconvError(
            f"{name} must be a single integer or a sequence of {nd} integers to match the {nd} spatial "
            f"dimension(s), got {show(value)} ({len(value):,} values)"
        )
    items = list(value) * (nd if len(value) == 1 else 1)
    return tuple(as_int(name, v, minimum=minimum, axis=axis) for axis, v in enumerate(items))


def count_axes(*values: Any, **named: Any) -> int:
    """How many axes a set of size arguments describes: the longest sequence among them, else 1. A sequence
    longer than :data:`MAX_AXES` is refused by its length, by name when given as a keyword, before any of its
    values is read.

    >>> count_axes(3, (1, 2)), count_axes(4, 2), count_axes(None, [5, 5, 5])    # a scalar alone is one axis
    (2, 1, 3)
    >>> count_axes(input_size=5, padding=list(range(10**7)))
    Traceback (most recent call last):
    tconv.errors.TconvError: padding lists 10,000,000 values ([0, 1, 2, 3, 4, 5, ...]): valid range: 1 to 8 values,
    one per axis (or a single integer for every axis)
    """
    nd = 1
    for name, v in [(None, v) for v in values] + list(named.items()):
        n = length(v) if _is_sequence(v) else None
        if n is None:
            continue
        if n > MAX_AXES:
            raise _too_many_axes(name, v, n)
        nd = max(nd, n)
    return nd


#: What an all-scalar size means wherever a layer is described for a picture or typed at a shell (scenes, overlap
#: maps, snippets, the CLI, the web API): a square 2-D layer, as the tutorials, conv_arithmetic and the explorer
#: draw. The library's arithmetic reads a scalar as one axis instead (:func:`count_axes`), as PyTorch's int does.
DRAWN_RANK = 2


def drawn_axes(*values: Any, **named: Any) -> int:
    """How many axes a layer described for a picture or a shell has: the length of the sequences among the
    values (a one-element sequence is one axis), or :data:`DRAWN_RANK` when every value is a scalar (or None).
    Sequences of different lengths are refused, by name for the keyword ones: ``[5]`` with ``(2, 2)`` is no layer
    (a scalar is the size of every axis; a sequence lists each axis).

    >>> drawn_axes(3, 2), drawn_axes((3, 3, 3), 2), drawn_axes(input_size=[5], kernel_size=3)
    (2, 3, 1)
    >>> drawn_axes(input_size=[5], kernel_size=3, stride=(2, 2))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    tconv.errors.TconvError: the sizes disagree on the number of axes: input_size [5] has 1, stride (2, 2) has 2; ...
    """
    # an empty sequence has no axes to count: per_axis refuses it by name
    sequences: list[tuple[str | None, Any]] = [(None, v) for v in values if _is_sequence(v) and length(v)]
    sequences += [(name, v) for name, v in named.items() if _is_sequence(v) and length(v)]
    lengths = {length(v) or 0 for _, v in sequences}
    if len(lengths) > 1:
        (first_name, first), *rest = sequences
        other_name, other = next((n, v) for n, v in rest if length(v) != length(first))
        shown = [f"{'' if n is None else n + ' '}{show(v)} has {length(v)}" for n, v in ((first_name, first),
                                                                                       (other_name, other))]
        raise TconvError(f"the sizes disagree on the number of axes: {', '.join(shown)}; give one number for every "
                         "axis, or one value per axis everywhere (a trailing comma, 5, is one axis)")
    return lengths.pop() if lengths else DRAWN_RANK


def _is_sequence(value: Any) -> bool:
    if isinstance(value, str | bytes) or value is None or isinstance(value, numbers.Integral):
        return False
    if hasattr(value, "ndim"):
        return bool(value.ndim > 0)
    return length(value) is not None


def layer_axes(kernel_size: IntOrSeq, stride: IntOrSeq, padding: IntOrSeq, output_padding: IntOrSeq, dilation: IntOrSeq
               ) -> tuple[int, tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """A transposed-convolution layer's parameters per axis, without an input size (the converters' case):
    ``(nd, kernel_size, stride, padding, output_padding, dilation)``, each checked for its minimum.

    >>> layer_axes((3, 3), 2, 1, 0, 1)
    (2, (3, 3), (2, 2), (1, 1), (0, 0), (1, 1))
    """
    nd = count_axes(kernel_size=kernel_size, stride=stride, padding=padding, output_padding=output_padding,
                    dilation=dilation)
    if nd > 3:
        raise TconvError(f"a layer has 1 to 3 spatial axes; these arguments list {nd} (kernel_size "
                         f"{show(kernel_size)}, stride {show(stride)}, padding {show(padding)}, output_padding "
                         f"{show(output_padding)}, dilation {show(dilation)})")
    return (nd, per_axis("kernel_size", kernel_size, nd, minimum=1), per_axis("stride", stride, nd, minimum=1),
            per_axis("padding", padding, nd, minimum=0), per_axis("output_padding", output_padding, nd, minimum=0),
            per_axis("dilation", dilation, nd, minimum=1))


# An integer as the shells read it: ASCII digits, a leading minus, spaces around ("5, 4")
_ASCII_INT = re.compile(r"[ \t]*-?[0-9]+[ \t]*")


def parse_ints(name: str, text: str) -> int | tuple[int, ...]:
    """``"5"`` → 5, ``"5,4"`` → (5, 4), ``"5,"`` → (5,): the size syntax of the CLI and the web API.

    A trailing comma makes a sequence, as in Python: ``5,`` is one axis, where a bare ``5`` lets the shells pick
    the number of axes (:func:`drawn_axes`: a square 2-D layer when every size is a bare number).
    Digits are ASCII (``int()`` also reads other scripts' digits, ``'٣'``, and underscores, ``'1_000'``); a
    leading minus is read, so that the validators refuse a negative size with its range.

    >>> parse_ints("input_size", "5"), parse_ints("input_size", "5,4"), parse_ints("input_size", "5,")
    (5, (5, 4), (5,))
    >>> parse_ints("input_size", "5x4")
    Traceback (most recent call last):
    tconv.errors.TconvError: input_size expects an integer or comma-separated integers like 5,4, got '5x4'
    >>> parse_ints("input_size", "٣")
    Traceback (most recent call last):
    tconv.errors.TconvError: input_size expects an integer or comma-separated integers like 5,4, got '٣'
    """
    parts = str(text).split(",")
    sequence = len(parts) > 1
    if sequence and parts[-1] == "":
        parts.pop()
    if not all(_ASCII_INT.fullmatch(v) for v in parts):
        raise TconvError(f"{name} expects an integer or comma-separated integers like 5,4, got {quote(str(text))}")
    values = tuple(int(v) for v in parts)
    return values if sequence else values[0]
