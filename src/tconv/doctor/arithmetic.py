"""Each traced layer's size arithmetic, per spatial axis, in the words of tconv.shapes (no formula of its own).

>>> conv_layer((175,), (3,), (2,), (1,), (1,), (1,))
('⌊(175 + 1 + 1 − 1·(3 − 1) − 1) / 2⌋ + 1 = 88',)
>>> pool_layer((175,), (2,), (2,), (0,), (1,), False)
('⌊(175 + 2·0 − 1·(2 − 1) − 1)/2⌋ + 1 = 87',)
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import shapes
from ..errors import TconvError

__all__ = ["conv_layer", "down_note", "interpolate_layer", "pad_layer", "pool_layer", "transposed_layer"]


def conv_layer(size: Sequence[int], kernel: Sequence[int], stride: Sequence[int], pad_begin: Sequence[int],
               pad_end: Sequence[int], dilation: Sequence[int]) -> tuple[str, ...]:
    """A direct convolution's formula with numbers (asymmetric padding allowed).

    >>> conv_layer((64,), (3,), (1,), (1,), (1,), (1,))      # a 3×3 "same" convolution keeps 64
    ('⌊(64 + 1 + 1 − 1·(3 − 1) − 1) / 1⌋ + 1 = 64',)
    """
    return tuple(shapes.ConvAxis(*a).substituted() for a in zip(size, kernel, stride, pad_begin, pad_end, dilation))


def pool_layer(size: Sequence[int], kernel: Sequence[int], stride: Sequence[int], padding: Sequence[int],
               dilation: Sequence[int], ceil_mode: bool) -> tuple[str, ...]:
    """Pooling's formula with numbers, PyTorch's rule (ceil_mode included).

    >>> pool_layer((175,), (2,), (2,), (0,), (1,), True)     # ceil_mode rounds 87.5 up
    ('⌈(175 + 2·0 − 1·(2 − 1) − 1)/2⌉ + 1 = 88',)
    """
    return tuple(shapes.PoolAxis(L, k, s, p, d, ceil_mode).substituted()
                 for L, k, s, p, d in zip(size, kernel, stride, padding, dilation))


def transposed_layer(size: Sequence[int], kernel: Sequence[int], stride: Sequence[int], padding: Sequence[int],
                     output_padding: Sequence[int], dilation: Sequence[int]) -> tuple[str, ...]:
    """ConvTranspose's formula with numbers.

    >>> transposed_layer((87,), (2,), (2,), (0,), (0,), (1,))   # k2 s2 doubles: 174, not the 175 pooled from
    ('(87 − 1)·2 − 2·0 + 1·(2 − 1) + 0 + 1 = 174',)
    """
    return tuple(shapes.TransposedAxis(*a).substituted()
                 for a in zip(size, kernel, stride, padding, output_padding, dilation))


def interpolate_layer(size: Sequence[int], out: Sequence[int], scale: Sequence[float] | None) -> tuple[str, ...]:
    """``⌊43·2⌋ = 86`` with a scale factor (checked against tconv.shapes), or the size asked for.

    >>> interpolate_layer((43,), (86,), (2.0,)), interpolate_layer((43,), (87,), None)
    (('⌊43·2⌋ = 86',), ('size=87',))
    """
    if scale is None:
        return tuple(f"size={o}" for o in out)
    try:
        shapes.interpolate_output_size(tuple(size), tuple(scale))
    except TconvError:
        return ()
    return tuple(f"⌊{L}·{_number(f)}⌋ = {o}" for L, f, o in zip(size, scale, out))


def pad_layer(size: Sequence[int], begin: Sequence[int], end: Sequence[int]) -> tuple[str, ...]:
    """``43 + 0 + 1 = 44``: the size, the padding before and after, the padded size.

    >>> pad_layer((43, 65), (0, 1), (1, 1))
    ('43 + 0 + 1 = 44', '65 + 1 + 1 = 67')
    """
    return tuple(f"{L} + {b} + {e} = {L + b + e}" for L, b, e in zip(size, begin, end))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def down_note(kind: str, size: int, out: int, params: dict[str, object], axis: int) -> str:
    """Why a downsampling step does not invert: ``⌊175/2⌋ loses a row``, or the formula and what ×stride gives.

    Empty when ``out × stride`` gives ``size`` back (nothing lost).

    >>> down_note("pool", 175, 87, {"kernel_size": (2,), "stride": (2,), "padding": (0,), "dilation": (1,)}, 0)
    '⌊175/2⌋ loses a row'
    >>> down_note("conv", 175, 88, {"kernel_size": (3,), "stride": (2,), "padding": (1,), "dilation": (1,)}, 0)
    '88·2 = 176 ≠ 175: a row gained'
    """
    def at(name: str, default: int) -> int:
        value = params.get(name)
        if isinstance(value, tuple | list) and len(value) > axis:
            return int(value[axis])
        return default

    s = at("stride", 1)
    if s <= 1 or out * s == size:
        return ""
    k, p, d = at("kernel_size", s), at("padding", 0), at("dilation", 1)
    diff = size - out * s
    rows = "a row" if abs(diff) == 1 else f"{abs(diff)} rows"
    if k == s and p == 0 and d == 1 and diff > 0:
        bracket = ("⌈", "⌉") if params.get("ceil_mode") else ("⌊", "⌋")
        return f"{bracket[0]}{size}/{s}{bracket[1]} loses {rows}"
    return f"{out}·{s} = {out * s} ≠ {size}: {rows} {'lost' if diff > 0 else 'gained'}"
