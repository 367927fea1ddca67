"""Shape arithmetic for convolution, transposed convolution and pooling: pure integer code, per axis.

It passes 600 lines because it does one job, per-axis arithmetic, and each formula's examples sit beside it.

Every function takes an int or one int per axis for each size argument, broadcasts scalars, and returns a
tuple with one entry per axis. Every formula of tconv lives here once; the compute plan, the CLI and the
explanations all call these. The guide's relations (:mod:`tconv.relations`), the layer report
(:mod:`tconv.report`) and the inverse search (:mod:`tconv.solver`) are built on them.

>>> from tconv import shapes
>>> shapes.conv_transpose_output_size(3, 2)          # seed 001: 3x3 input, 2x2 kernel
(4,)
>>> shapes.conv_transpose_output_size((5, 5), 3, stride=2, padding=1, output_padding=1)
(10, 10)
>>> shapes.output_size_range(5, 3, stride=2, padding=1)
((9, 10),)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ._axes import MAX_AXES, IntOrSeq, as_bool, as_int, count_axes, per_axis, show
from .errors import TconvError

__all__ = [
    "CONV_FORMULA",
    "INTERPOLATE_FORMULA",
    "PADDING_MODES",
    "POOL_FORMULA",
    "TRANSPOSED_FORMULA",
    "ConvAxis",
    "EquivalentConv",
    "PoolAxis",
    "TransposedAxis",
    "check_output_padding",
    "check_padding_mode",
    "conv_output_size",
    "conv_transpose_equivalent",
    "conv_transpose_output_size",
    "effective_kernel_size",
    "full_output_size",
    "interpolate_output_size",
    "output_padding_for",
    "output_padding_limit",
    "output_size_range",
    "pool_axes",
    "pool_output_size",
    "same_padding",
]


# --------------------------------------------------------------------------------------------------
# The per-axis size formulas, each written once (every other module calls these)
# --------------------------------------------------------------------------------------------------


def effective_kernel_size(kernel_size: int, dilation: int = 1) -> int:
    """d·(k−1)+1: the span of a dilated kernel on one axis.

    >>> effective_kernel_size(3, dilation=2)
    5
    """
    return dilation * (kernel_size - 1) + 1


def output_padding_limit(stride: int, dilation: int = 1) -> int:
    """The largest ``output_padding`` PyTorch accepts on an axis: one less than ``max(stride, dilation)``.

    >>> output_padding_limit(2), output_padding_limit(1, dilation=3)
    (1, 2)
    """
    return max(stride, dilation) - 1


def check_output_padding(output_padding: int, stride: int, dilation: int, axis: int) -> None:
    """Refuse an ``output_padding`` past :func:`output_padding_limit`, as PyTorch does, naming the axis and range.

    >>> check_output_padding(2, stride=2, dilation=1, axis=0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tconv.errors.TconvError: output_padding 2 on axis 0 must be smaller than stride (2) or dilation (1): ...range 0..1
    """
    limit = output_padding_limit(stride, dilation)
    if output_padding > limit:
        raise TconvError(f"output_padding {output_padding} on axis {axis} must be smaller than stride ({stride}) or "
                         f"dilation ({dilation}): valid range 0..{limit}")


def full_output_size(input_size: int, kernel_size: int, stride: int = 1, dilation: int = 1) -> int:
    """F = (L−1)·s + d·(k−1) + 1 on one axis: every position some input cell reaches (no crop, no extension).

    Every framework's transposed convolution returns a window of this (docs/porting.md), so the converters use
    it too.

    >>> full_output_size(3, 3, stride=2)
    7
    """
    return (input_size - 1) * stride + effective_kernel_size(kernel_size, dilation)


# --------------------------------------------------------------------------------------------------
# One axis of a transposed convolution
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EquivalentConv:
    """The direct convolution equal to one axis of a transposed convolution (the seeds' and the guide's view).

    Insert ``zeros_between`` zeros between inputs (length becomes ``stretched_size``, the guide's ĩ′), pad
    ``pad_begin`` before and ``pad_end`` after (negative means crop), then correlate with the flipped kernel at
    stride 1 and the same dilation.

    >>> eq = TransposedAxis(input_size=3, kernel_size=3, stride=2, padding=1, output_padding=1, dilation=1).equivalent()
    >>> eq.zeros_between, eq.stretched_size, eq.pad_begin, eq.pad_end, eq.padded_size, eq.output_size
    (1, 5, 1, 2, 8, 6)
    """

    input_size: int
    zeros_between: int
    stretched_size: int
    pad_begin: int
    pad_end: int
    padded_size: int
    kernel_size: int
    dilation: int
    stride: int
    output_size: int

    @property
    def crops(self) -> bool:
        """True when padding > dilation·(kernel−1), so the "padding" of the equivalent conv is a crop.

        >>> TransposedAxis(4, kernel_size=2, stride=1, padding=1, output_padding=0, dilation=1).equivalent().crops
        False
        >>> TransposedAxis(4, kernel_size=2, stride=1, padding=2, output_padding=0, dilation=1).equivalent().crops
        True
        """
        return self.pad_begin < 0

    def to_dict(self) -> dict[str, int]:
        """The layer report's ``equivalent`` entry: the sizes a reader follows step by step.

        >>> TransposedAxis(3, kernel_size=3, stride=2, padding=1, output_padding=1, dilation=1).equivalent().to_dict()
        {'zeros_between': 1, 'stretched_size': 5, 'pad_begin': 1, 'pad_end': 2, 'padded_size': 8}
        """
        return {"zeros_between": self.zeros_between, "stretched_size": self.stretched_size,
                "pad_begin": self.pad_begin, "pad_end": self.pad_end, "padded_size": self.padded_size}


@dataclass(frozen=True)
class TransposedAxis:
    """One validated spatial axis of a transposed convolution, with every derived length.

    >>> ax = TransposedAxis(input_size=3, kernel_size=3, stride=2, padding=1, output_padding=1, dilation=1)
    >>> ax.full_size, ax.output_size, ax.crop_begin, ax.crop_end
    (7, 6, 1, 0)
    """

    input_size: int
    kernel_size: int
    stride: int
    padding: int
    output_padding: int
    dilation: int
    #: The crop at the end where it differs from ``padding`` (``padding="same"`` with an odd total: the odd cell is
    #: cropped at the end); None where both ends crop ``padding``, as every PyTorch layer does.
    padding_end: int | None = None

    def __post_init__(self) -> None:
        if self.padding_end == self.padding:  # one spelling per layer: equal axes are the same layer
            object.__setattr__(self, "padding_end", None)

    @property
    def end_padding(self) -> int:
        """The crop at the end before output_padding: ``padding``, or ``padding_end`` where "same" made it differ.

        >>> TransposedAxis(3, 3, stride=2, padding=0, output_padding=0, dilation=1, padding_end=1).end_padding
        1
        """
        return self.padding if self.padding_end is None else self.padding_end

    @property
    def effective_kernel(self) -> int:
        """d·(k−1)+1: the span of the dilated kernel.

        >>> TransposedAxis(3, kernel_size=3, stride=1, padding=0, output_padding=0, dilation=2).effective_kernel
        5
        """
        return effective_kernel_size(self.kernel_size, self.dilation)

    @property
    def full_size(self) -> int:
        """F = (L−1)·s + d·(k−1) + 1: every position some input cell reaches (padding 0, output_padding 0).

        >>> TransposedAxis(3, kernel_size=3, stride=2, padding=1, output_padding=1, dilation=1).full_size  # 2·2 + 3
        7
        """
        return full_output_size(self.input_size, self.kernel_size, self.stride, self.dilation)

    @property
    def buffer_size(self) -> int:
        """What a scatter needs to hold: F, or more when output_padding reaches past the last stamp.

        The kept window is [padding, padding + output_size); cells of it beyond F stay zero (before the bias).

        >>> ax = TransposedAxis(2, kernel_size=1, stride=3, padding=0, output_padding=2, dilation=1)
        >>> ax.full_size, ax.output_size, ax.buffer_size      # two stamps 3 apart, then 2 zeros
        (4, 6, 6)
        """
        return max(self.full_size, self.padding + self.output_size)

    @property
    def output_size(self) -> int:
        """PyTorch's L_out = (L_in−1)·s − 2p + d·(k−1) + output_padding + 1.

        >>> TransposedAxis(3, kernel_size=3, stride=2, padding=1, output_padding=1, dilation=1).output_size  # 7 − 2 + 1
        6
        """
        return self.full_size - self.padding - self.end_padding + self.output_padding

    @property
    def crop_begin(self) -> int:
        """How many positions of the full output are dropped at the start (= padding).

        >>> TransposedAxis(3, kernel_size=3, stride=2, padding=1, output_padding=0, dilation=1).crop_begin
        1
        """
        return self.padding

    @property
    def crop_end(self) -> int:
        """How many are dropped at the end (= padding − output_padding, or padding_end − output_padding where
        ``padding="same"`` made the ends differ; negative extends with zeros).

        >>> TransposedAxis(3, kernel_size=3, stride=2, padding=1, output_padding=1, dilation=1).crop_end
        0
        >>> TransposedAxis(3, kernel_size=3, stride=2, padding=0, output_padding=1, dilation=1).crop_end
        -1
        """
        return self.end_padding - self.output_padding

    @property
    def min_output_size(self) -> int:
        """The smallest size ``output_size=`` accepts (output_padding 0).

        >>> TransposedAxis(5, kernel_size=3, stride=2, padding=1, output_padding=0, dilation=1).min_output_size
        9
        """
        return self.full_size - self.padding - self.end_padding

    @property
    def max_output_size(self) -> int:
        """The largest size ``output_size=`` accepts: PyTorch allows min + stride − 1 (stride only, not dilation).

        >>> TransposedAxis(5, kernel_size=3, stride=2, padding=1, output_padding=0, dilation=3).max_output_size
        14
        """
        return self.min_output_size + self.stride - 1

    def substituted(self) -> str:
        """PyTorch's formula with this axis' numbers.

        >>> TransposedAxis(3, kernel_size=3, stride=2, padding=1, output_padding=1, dilation=1).substituted()
        '(3 − 1)·2 − 2·1 + 1·(3 − 1) + 1 + 1 = 6'
        """
        crops = f"2·{self.padding}" if self.padding_end is None else f"{self.padding} − {self.padding_end}"
        return (
            f"({self.input_size} − 1)·{self.stride} − {crops} + {self.dilation}·({self.kernel_size} − 1)"
            f" + {self.output_padding} + 1 = {self.output_size}"
        )

    def equivalent(self) -> EquivalentConv:
        """The zero-insertion + padding + flipped-kernel direct convolution of this axis.

        >>> TransposedAxis(3, kernel_size=3, stride=2, padding=1, output_padding=1, dilation=1).equivalent()
        EquivalentConv(input_size=3, zeros_between=1, stretched_size=5, pad_begin=1, pad_end=2, padded_size=8,
                       kernel_size=3, dilation=1, stride=1, output_size=6)
        """
        stretched = full_output_size(self.input_size, 1, self.stride)  # the kernel of one tap: zeros inserted only
        pad_begin = self.effective_kernel - 1 - self.padding
        pad_end = self.effective_kernel - 1 - self.crop_end
        padded = stretched + pad_begin + pad_end
        return EquivalentConv(
            input_size=self.input_size,
            zeros_between=self.stride - 1,
            stretched_size=stretched,
            pad_begin=pad_begin,
            pad_end=pad_end,
            padded_size=padded,
            kernel_size=self.kernel_size,
            dilation=self.dilation,
            stride=1,
            output_size=padded - (self.effective_kernel - 1),
        )


#: PyTorch's output-size formula, in symbols.
TRANSPOSED_FORMULA = "L_out = (L_in − 1)·stride − 2·padding + dilation·(kernel_size − 1) + output_padding + 1"
#: The direct convolution's output-size formula, in symbols.
CONV_FORMULA = "L_out = ⌊(L_in + pad_begin + pad_end − dilation·(kernel_size − 1) − 1) / stride⌋ + 1"


#: PyTorch's convolutions hold strides and dilations in 32-bit integers: larger ones wrap around there.
INT32_MAX = 2**31 - 1

#: The words ``padding`` takes besides integers, for transposed convolution as for convolution.
PADDING_WORDS = ("same", "valid")


def same_padding(input_size: int, kernel_size: int, stride: int = 1, dilation: int = 1,
                 output_size: int | None = None) -> tuple[int, int, int]:
    """``padding="same"`` on one axis of a transposed convolution: ``(padding, padding_end, output_padding)``.

    TensorFlow's, Keras's and JAX's rule (their ``'SAME'``; ONNX's ``SAME_UPPER``): the output is ``output_size``,
    by default input × stride, and it is the window of the full output F = (L−1)·s + d·(k−1) + 1 that the gradient
    of a SAME convolution of an input of that size gives. The surplus ``F − output_size`` is cropped, half of it
    (rounded down) at the begin and the rest, the odd cell included, at the end; a shortfall (a kernel shorter
    than the stride) is zeros at the end, output_padding's cells.

    >>> same_padding(3, 3, stride=2), same_padding(3, 4, stride=2), same_padding(3, 5, stride=2)   # F = 7, 8, 9
    ((0, 1, 0), (1, 1, 0), (1, 2, 0))
    >>> same_padding(3, 1, stride=2)           # F = 5 < 6: one zero at the end
    (0, 0, 1)
    >>> same_padding(3, 3, stride=2, output_size=5)    # TensorFlow's other sizes: the gradient of SAME on 5 cells
    (1, 1, 0)
    """
    full = full_output_size(input_size, kernel_size, stride, dilation)
    out = input_size * stride if output_size is None else output_size
    total = max(full - out, 0)
    return total // 2, total - total // 2, max(out - full, 0)


def same_output_range(input_size: int, stride: int) -> tuple[int, int]:
    """The sizes ``output_size=`` takes with ``padding="same"``: those whose SAME convolution at this stride gives
    ``input_size`` back, ⌈out/s⌉ = L, i.e. (L−1)·s+1 to L·s (TensorFlow's ``conv_transpose`` accepts exactly these).

    >>> same_output_range(5, 2)
    (9, 10)
    """
    return (input_size - 1) * stride + 1, input_size * stride


def _same_axes(sizes: tuple[int, ...], ks: tuple[int, ...], ss: tuple[int, ...], ops: tuple[int, ...],
               ds: tuple[int, ...], output_size: IntOrSeq | None) -> list[tuple[int, int, int]]:
    """Each axis' (padding, padding_end, output_padding) for ``padding="same"``, its output_size checked."""
    for a, op in enumerate(ops):
        if op:
            raise TconvError(f"output_padding {op} on axis {a} does not apply with padding='same', whose output is "
                             "input × stride: leave output_padding 0, and give output_size= for another size "
                             "(TensorFlow's rule)")
    wanted = None if output_size is None else per_axis("output_size", output_size, len(sizes))
    if wanted is not None:
        ranges = [same_output_range(L, s) for L, s in zip(sizes, ss)]
        for a, (w, (lo, hi)) in enumerate(zip(wanted, ranges)):
            if not lo <= w <= hi:
                raise TconvError(
                    f"output_size {w} on axis {a} is out of range for padding='same': requested {list(wanted)}, but "
                    f"valid sizes range from {[r[0] for r in ranges]} to {[r[1] for r in ranges]} (those whose SAME "
                    f"convolution at stride {list(ss)} gives the input size {list(sizes)} back)")
    return [same_padding(L, k, s, d, None if wanted is None else wanted[a])
            for a, (L, k, s, d) in enumerate(zip(sizes, ks, ss, ds))]


def check_padding_word(padding: str) -> str:
    """``padding`` given as a word: "same" or "valid", else refused naming both (and the integers it may be).

    >>> check_padding_word("valid")
    'valid'
    >>> check_padding_word("full")
    Traceback (most recent call last):
    tconv.errors.TconvError: padding 'full' is a string other than 'same' and 'valid': use 'same', 'valid' or integers
    """
    if padding not in PADDING_WORDS:
        raise TconvError(f"padding {show(padding)} is a string other than 'same' and 'valid': use 'same', 'valid' or "
                         "integers")
    return str(padding)  # a str subclass (NumPy's str_) becomes the plain str plans hold and caches key on


#: ``padding_mode``'s values, PyTorch's ``nn.Conv*d`` words. For a transposed convolution each is the adjoint of
#: the direct convolution that pads so (docs/guide.md, "Padding modes").
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def check_padding_mode(padding_mode: Any, margins: Sequence[tuple[int, int]] = (), sizes: Sequence[int] = (),
                       padded: str = "input") -> str:
    """Refuse an unknown ``padding_mode``, and margins the mode cannot pad onto ``sizes`` (as ``F.pad`` refuses
    them): reflect needs each margin smaller than the size (the edge cell is not repeated), circular at most the
    size (wrapping around once), replicate a cell to repeat. ``padded`` names what is padded in the message
    (a transposed convolution's output is its direct convolution's input).

    >>> import numpy as np
    >>> check_padding_mode("circular", [(2, 2)], [3]), type(check_padding_mode(np.str_("zeros")))
    ('circular', <class 'str'>)
    >>> check_padding_mode("reflect", [(1, 3)], [3], "output")
    Traceback (most recent call last):
    ...
    tconv.errors.TconvError: padding_mode 'reflect' needs padding smaller than the output it pads: padding 3 at the
    end of axis 0, whose output has 3 cells; valid range 0..2
    """
    if not isinstance(padding_mode, str) or padding_mode not in PADDING_MODES:
        raise TconvError(f"padding_mode {show(padding_mode)} is not known: use one of "
                         f"{', '.join(map(repr, PADDING_MODES))}")
    for a, (margin, n) in enumerate(zip(margins, sizes)):
        for side, p in zip(("begin", "end"), margin):
            if p == 0:
                continue
            limit = {"reflect": n - 1, "circular": n, "replicate": n and p, "zeros": p}[padding_mode]
            if p > limit:
                need = {"reflect": "smaller than", "circular": "at most", "replicate": "a cell of"}[padding_mode]
                raise TconvError(
                    f"padding_mode {padding_mode!r} needs padding {need} the {padded} it pads: padding {p} at the "
                    f"{side} of axis {a}, whose {padded} has {n} cells; valid range 0..{max(limit, 0)}")
    return str(padding_mode)  # NumPy's str_ too, as a plain str


def transposed_axes(
    input_size: IntOrSeq,
    kernel_size: IntOrSeq,
    stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0,
    output_padding: IntOrSeq = 0,
    dilation: IntOrSeq = 1,
    *,
    nd: int | None = None,
    empty_batch: bool = False,
    output_size: IntOrSeq | None = None,
) -> tuple[TransposedAxis, ...]:
    """Validate and normalise per-axis transposed-convolution sizes; the single validator for them.

    Refuses what PyTorch refuses: stride < 1, padding < 0, output_padding < 0, dilation < 1, kernel < 1,
    output_padding ≥ max(stride, dilation), and an output shorter than 1.
    ``padding`` is integers, or a word PyTorch refuses here but TensorFlow, Keras and JAX take: ``"valid"`` is
    padding 0; ``"same"`` gives input × stride, or ``output_size`` (:func:`same_padding`), and leaves
    output_padding 0. ``output_size`` goes with ``"same"`` only (with integers, :func:`output_padding_for` turns it
    into output_padding first).

    ``empty_batch``: the input has a batch of 0. PyTorch (2.13, CPU) then returns an empty tensor after only its
    first checks: input sizes and dilation may be 0, output_padding is not compared with stride and dilation,
    and an output size of 0 is accepted; a negative one is still refused.

    >>> [ax.output_size for ax in transposed_axes((3, 4), 3, stride=2)]
    [7, 9]
    >>> transposed_axes(2, 3, padding=2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tconv.errors.TconvError: padding 2 on axis 0 leaves no output: L_out = ... = 0, which must be at least 1; ...
    >>> transposed_axes(0, 3, empty_batch=True)[0].output_size
    2
    >>> [(ax.padding, ax.end_padding, ax.output_size) for ax in transposed_axes((3, 4), 3, stride=2, padding="same")]
    [(0, 1, 6), (0, 1, 8)]
    """
    if nd is None:
        nd = count_axes(input_size=input_size, kernel_size=kernel_size, stride=stride, padding=padding,
                        output_padding=output_padding, dilation=dilation, output_size=output_size)
    least = 0 if empty_batch else 1
    word = check_padding_word(padding) if isinstance(padding, str) else None
    sizes = per_axis("input_size", input_size, nd, minimum=least)
    ks = per_axis("kernel_size", kernel_size, nd, minimum=1)
    ss = per_axis("stride", stride, nd, minimum=1)
    ps = per_axis("padding", 0 if word == "valid" else padding, nd, minimum=0) if word != "same" else (0,) * nd
    ops = per_axis("output_padding", output_padding, nd, minimum=0)
    ds = per_axis("dilation", dilation, nd, minimum=least)
    if output_size is not None and word != "same":
        raise TconvError("output_size= goes to output_padding_for with integer padding (tconv.plan does so)")
    ends: list[int | None] = [None] * nd
    if word == "same":
        same = _same_axes(sizes, ks, ss, ops, ds, output_size)
        ps = tuple(b for b, _, _ in same)
        ends = [e for _, e, _ in same]
        ops = tuple(r for _, _, r in same)
    for name, values in (("stride", ss), ("dilation", ds)):
        for a, v in enumerate(values):
            if v > INT32_MAX:  # PyTorch keeps them in 32 bits: 2**31 would wrap to a negative, 2**32 + 1 to 1
                raise TconvError(f"{name} {v} on axis {a} is beyond what PyTorch accepts: valid range up to "
                                 f"{INT32_MAX:,} (2**31 − 1; it stores strides and dilations as 32-bit integers)")
    axes = []
    for a in range(nd):
        ax = TransposedAxis(sizes[a], ks[a], ss[a], ps[a], ops[a], ds[a], ends[a])
        if empty_batch:
            if ax.output_size < 0:
                raise TconvError(
                    f"padding {ax.padding} on axis {a} gives a negative output size: L_out = {ax.substituted()}, "
                    f"which must be at least 0 for an empty batch; padding can be at most "
                    f"{(ax.full_size + ax.output_padding) // 2} on this axis"
                )
        else:  # PyTorch checks output_padding only when there is something to compute
            check_output_padding(ax.output_padding, ax.stride, ax.dilation, a)
            if ax.output_size < 1:
                limit = (ax.full_size + ax.output_padding - 1) // 2
                raise TconvError(
                    f"padding {ax.padding} on axis {a} leaves no output: L_out = {ax.substituted()}, "
                    f"which must be at least 1; padding can be at most {limit} on this axis"
                )
        axes.append(ax)
    return tuple(axes)


def conv_transpose_output_size(
    input_size: IntOrSeq,
    kernel_size: IntOrSeq,
    stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0,
    output_padding: IntOrSeq = 0,
    dilation: IntOrSeq = 1,
) -> tuple[int, ...]:
    """Output size of ``ConvTranspose`` per axis: (L−1)·s − 2p + d·(k−1) + output_padding + 1 (input × stride
    for ``padding="same"``).

    >>> conv_transpose_output_size((2, 3), kernel_size=3, stride=(1, 2))
    (4, 7)
    >>> conv_transpose_output_size((2, 3), kernel_size=3, stride=(1, 2), padding="same")
    (2, 6)
    """
    axes = transposed_axes(input_size, kernel_size, stride, padding, output_padding, dilation)
    return tuple(ax.output_size for ax in axes)


def base_axes(
    input_size: IntOrSeq, kernel_size: IntOrSeq, stride: IntOrSeq, padding: IntOrSeq, dilation: IntOrSeq, nd: int
) -> list[TransposedAxis]:
    """Axes with output_padding 0 and only the per-parameter checks: the basis of ``output_size`` ranges.

    >>> [(ax.min_output_size, ax.max_output_size) for ax in base_axes(5, 3, stride=2, padding=1, dilation=1, nd=1)]
    [(9, 10)]
    """
    return [
        TransposedAxis(*args)
        for args in zip(
            per_axis("input_size", input_size, nd, minimum=1),
            per_axis("kernel_size", kernel_size, nd, minimum=1),
            per_axis("stride", stride, nd, minimum=1),
            per_axis("padding", padding, nd, minimum=0),
            (0,) * nd,
            per_axis("dilation", dilation, nd, minimum=1),
        )
    ]


def _accepted_range(ax: TransposedAxis, axis: int) -> tuple[int, int]:
    if ax.max_output_size < 1:
        raise TconvError(
            f"padding {ax.padding} on axis {axis} leaves no output for any output_size: the largest is "
            f"{ax.max_output_size}; padding can be at most {(ax.full_size + ax.stride - 2) // 2} on this axis"
        )
    return (max(1, ax.min_output_size), ax.max_output_size)


def output_size_range(
    input_size: IntOrSeq,
    kernel_size: IntOrSeq,
    stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0,
    dilation: IntOrSeq = 1,
) -> tuple[tuple[int, int], ...]:
    """The (min, max) per axis that ``output_size=`` accepts, exactly as ``nn.ConvTranspose*d.forward`` does.

    PyTorch's range is [min, min + stride − 1]: dilation does not widen it, even though output_padding may
    reach max(stride, dilation) − 1. Sizes below 1 are never valid, so min is at least 1. With
    ``padding="same"`` it is TensorFlow's, (L−1)·s + 1 to L·s (:func:`same_output_range`); ``"valid"`` is 0.

    >>> output_size_range(3, 3, stride=2, padding=1)      # 5 or 6
    ((5, 6),)
    >>> output_size_range(3, 3, stride=2, padding="same")
    ((5, 6),)
    """
    nd = count_axes(input_size=input_size, kernel_size=kernel_size, stride=stride, padding=padding,
                    dilation=dilation)
    if isinstance(padding, str):
        if check_padding_word(padding) == "same":
            same = transposed_axes(input_size, kernel_size, stride, "same", 0, dilation, nd=nd)
            return tuple(same_output_range(ax.input_size, ax.stride) for ax in same)
        padding = 0
    axes = base_axes(input_size, kernel_size, stride, padding, dilation, nd)
    return tuple(_accepted_range(ax, a) for a, ax in enumerate(axes))


def output_padding_for(
    input_size: IntOrSeq,
    output_size: IntOrSeq,
    kernel_size: IntOrSeq,
    stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0,
    dilation: IntOrSeq = 1,
    *,
    nd: int | None = None,
) -> tuple[int, ...]:
    """The output_padding that makes a transposed convolution produce ``output_size`` (PyTorch's rule).

    An ``output_size`` outside :func:`output_size_range` is refused with that range.

    >>> output_padding_for(5, 10, 3, stride=2, padding=1)
    (1,)
    """
    if isinstance(padding, str):
        if check_padding_word(padding) == "same":
            raise TconvError("output_size with padding='same' picks the crop, not output_padding: there is no "
                             "output_padding to find (tconv.plan takes output_size= with 'same' directly)")
        padding = 0
    if nd is not None:
        nd = as_int("nd", nd, minimum=1)
        if nd > MAX_AXES:
            raise TconvError(f"nd {nd} is more axes than a layer has: valid range 1..{MAX_AXES}")
    else:
        nd = count_axes(input_size=input_size, output_size=output_size, kernel_size=kernel_size, stride=stride,
                        padding=padding, dilation=dilation)
    axes = base_axes(input_size, kernel_size, stride, padding, dilation, nd)
    wanted = per_axis("output_size", output_size, nd)
    check_output_size_in_range(wanted, axes)
    return tuple(w - ax.min_output_size for w, ax in zip(wanted, axes))


def check_output_size_in_range(wanted: Sequence[int], axes: Sequence[TransposedAxis]) -> None:
    """Refuse an ``output_size`` outside PyTorch's accepted range, naming the axis and the whole range.

    >>> check_output_size_in_range([12], base_axes(5, 3, stride=2, padding=1, dilation=1, nd=1))
    Traceback (most recent call last):
    ...
    tconv.errors.TconvError: output_size 12 on axis 0 is out of range: requested [12], but valid sizes range from [9]
    to [10] for an input of size [5]
    """
    ranges = [_accepted_range(ax, a) for a, ax in enumerate(axes)]
    for a, (w, (lo, hi)) in enumerate(zip(wanted, ranges)):
        if not lo <= w <= hi:
            raise TconvError(
                f"output_size {w} on axis {a} is out of range: requested {list(wanted)}, but valid sizes range "
                f"from {[r[0] for r in ranges]} to {[r[1] for r in ranges]} for an input of size "
                f"{[ax.input_size for ax in axes]}"
            )


# --------------------------------------------------------------------------------------------------
# Direct convolution and pooling
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConvAxis:
    """One validated axis of a direct convolution (cross-correlation), padding possibly asymmetric ("same").

    >>> ax = ConvAxis(input_size=5, kernel_size=3, stride=2, pad_begin=1, pad_end=1, dilation=1)
    >>> ax.padded_size, ax.output_size
    (7, 3)
    """

    input_size: int
    kernel_size: int
    stride: int
    pad_begin: int
    pad_end: int
    dilation: int

    @property
    def effective_kernel(self) -> int:
        """d·(k−1)+1: the span of the dilated kernel.

        >>> ConvAxis(7, kernel_size=3, stride=1, pad_begin=0, pad_end=0, dilation=3).effective_kernel
        7
        """
        return effective_kernel_size(self.kernel_size, self.dilation)

    @property
    def padded_size(self) -> int:
        """The input with its padding on both ends: L + pad_begin + pad_end.

        >>> ConvAxis(5, kernel_size=4, stride=1, pad_begin=1, pad_end=2, dilation=1).padded_size  # "same", k=4
        8
        """
        return self.input_size + self.pad_begin + self.pad_end

    @property
    def output_size(self) -> int:
        """⌊(L + 2p − d·(k−1) − 1)/s⌋ + 1.

        >>> ConvAxis(5, kernel_size=3, stride=2, pad_begin=1, pad_end=1, dilation=1).output_size  # ⌊4/2⌋ + 1
        3
        """
        return (self.padded_size - self.effective_kernel) // self.stride + 1

    def substituted(self) -> str:
        """The formula with this axis' numbers.

        >>> ConvAxis(5, kernel_size=3, stride=2, pad_begin=1, pad_end=1, dilation=1).substituted()
        '⌊(5 + 1 + 1 − 1·(3 − 1) − 1) / 2⌋ + 1 = 3'
        """
        return (
            f"⌊({self.input_size} + {self.pad_begin} + {self.pad_end} − {self.dilation}·({self.kernel_size} − 1) − 1)"
            f" / {self.stride}⌋ + 1 = {self.output_size}"
        )


def conv_axes(
    input_size: IntOrSeq,
    kernel_size: IntOrSeq,
    stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0,
    dilation: IntOrSeq = 1,
    *,
    nd: int | None = None,
) -> tuple[ConvAxis, ...]:
    """Validate and normalise per-axis direct-convolution sizes; ``padding`` may be "same" or "valid".

    "same" puts the odd padding element at the end, as PyTorch does:

    >>> conv_axes(5, 4, padding="same")
    (ConvAxis(input_size=5, kernel_size=4, stride=1, pad_begin=1, pad_end=2, dilation=1),)
    >>> conv_axes(5, 4, stride=2, padding="same")
    Traceback (most recent call last):
    ...
    tconv.errors.TconvError: padding 'same' needs stride 1 on every axis (as in PyTorch), got stride [2]
    """
    if nd is None:
        nd = count_axes(input_size=input_size, kernel_size=kernel_size, stride=stride, padding=padding,
                        dilation=dilation)
    sizes = per_axis("input_size", input_size, nd, minimum=1)
    ks = per_axis("kernel_size", kernel_size, nd, minimum=1)
    ss = per_axis("stride", stride, nd, minimum=1)
    ds = per_axis("dilation", dilation, nd, minimum=1)
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise TconvError(f"padding {show(padding)} is not a valid string: use 'same', 'valid' or integers")
        if padding == "same" and any(s != 1 for s in ss):
            raise TconvError(f"padding 'same' needs stride 1 on every axis (as in PyTorch), got stride {list(ss)}")
        pads = []
        for k, d in zip(ks, ds):
            total = effective_kernel_size(k, d) - 1 if padding == "same" else 0
            pads.append((total // 2, total - total // 2))  # PyTorch puts the odd element at the end
    else:
        pads = [(p, p) for p in per_axis("padding", padding, nd, minimum=0)]
    axes = []
    for a in range(nd):
        ax = ConvAxis(sizes[a], ks[a], ss[a], pads[a][0], pads[a][1], ds[a])
        if ax.padded_size < ax.effective_kernel:
            raise TconvError(
                f"kernel_size {ax.kernel_size} on axis {a} (dilated span {ax.effective_kernel}) is larger than the "
                f"padded input ({ax.input_size} + {ax.pad_begin} + {ax.pad_end} = {ax.padded_size}); the kernel "
                f"can span at most {ax.padded_size} on this axis"
            )
        axes.append(ax)
    return tuple(axes)


def conv_output_size(
    input_size: IntOrSeq,
    kernel_size: IntOrSeq,
    stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0,
    dilation: IntOrSeq = 1,
) -> tuple[int, ...]:
    """Output size of a direct convolution per axis: ⌊(L + 2p − d·(k−1) − 1)/s⌋ + 1.

    >>> conv_output_size(5, 3, stride=2, padding=1)       # guide, relation 6
    (3,)
    >>> conv_output_size((7, 8), 3, padding="same")
    (7, 8)
    """
    return tuple(ax.output_size for ax in conv_axes(input_size, kernel_size, stride, padding, dilation))


@dataclass(frozen=True)
class PoolAxis:
    """One validated axis of max pooling, PyTorch's rule (``nn.MaxPool*d``): padding on both sides, dilation,
    and ``ceil_mode``, where the last window may start inside the input or its left padding, never in the right.

    >>> ax = PoolAxis(input_size=7, kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=True)
    >>> ax.output_size, ax.substituted()
    (4, '⌈(7 + 2·0 − 1·(2 − 1) − 1)/2⌉ + 1 = 4')
    """

    input_size: int
    kernel_size: int
    stride: int
    padding: int
    dilation: int
    ceil_mode: bool = False

    @property
    def effective_kernel(self) -> int:
        """d·(k−1)+1: the span of the dilated pooling window.

        >>> PoolAxis(7, kernel_size=3, stride=1, padding=0, dilation=2).effective_kernel
        5
        """
        return effective_kernel_size(self.kernel_size, self.dilation)

    @property
    def windows_rounded_up(self) -> int:
        """⌊…⌋ + 1, or ⌈…⌉ + 1 with ceil_mode, before PyTorch's rule about the last window.

        >>> PoolAxis(5, kernel_size=2, stride=2, padding=1, dilation=1, ceil_mode=True).windows_rounded_up  # ⌈5/2⌉ + 1
        4
        """
        room = self.input_size + 2 * self.padding - self.effective_kernel
        return (room + (self.stride - 1 if self.ceil_mode else 0)) // self.stride + 1

    @property
    def drops_last_window(self) -> bool:
        """ceil_mode's extra window would start in the right padding: PyTorch drops it.

        The fourth window of this axis would start at 6 = 5 + 1, the first cell of the right padding:

        >>> PoolAxis(5, kernel_size=2, stride=2, padding=1, dilation=1, ceil_mode=True).drops_last_window
        True
        """
        return self.ceil_mode and (self.windows_rounded_up - 1) * self.stride >= self.input_size + self.padding

    @property
    def output_size(self) -> int:
        """The number of windows: :attr:`windows_rounded_up`, less the one PyTorch drops.

        >>> PoolAxis(5, kernel_size=2, stride=2, padding=1, dilation=1, ceil_mode=True).output_size
        3
        """
        return self.windows_rounded_up - int(self.drops_last_window)

    def substituted(self) -> str:
        """The formula with this axis' numbers; with ceil_mode ⌈⌉, less one when the last window is dropped.

        >>> PoolAxis(5, kernel_size=2, stride=2, padding=1, dilation=1, ceil_mode=True).substituted()
        '⌈(5 + 2·1 − 1·(2 − 1) − 1)/2⌉ + 1 − 1 = 3'
        """
        lo, hi = ("⌈", "⌉") if self.ceil_mode else ("⌊", "⌋")
        text = (
            f"{lo}({self.input_size} + 2·{self.padding} − {self.dilation}·({self.kernel_size} − 1) − 1)"
            f"/{self.stride}{hi} + 1"
        )
        return f"{text} − 1 = {self.output_size}" if self.drops_last_window else f"{text} = {self.output_size}"


#: Max pooling's output-size formula, in symbols (PyTorch's; ⌈⌉ with ceil_mode).
POOL_FORMULA = "L_out = ⌊(L_in + 2·padding − dilation·(kernel_size − 1) − 1) / stride⌋ + 1"


def pool_axes(
    input_size: IntOrSeq,
    kernel_size: IntOrSeq,
    stride: IntOrSeq | None = None,
    padding: IntOrSeq | str = 0,
    dilation: IntOrSeq = 1,
    ceil_mode: bool = False,
    *,
    nd: int | None = None,
) -> tuple[PoolAxis, ...]:
    """Validate and normalise per-axis max-pooling sizes; ``stride`` None means the kernel size (PyTorch's default).

    Refuses what ``torch.nn.functional.max_pool*d`` refuses: padding above half the kernel size, and no window.
    ``padding`` is integers; a string (the direct convolution's ``"same"``/``"valid"``) is refused here, with the
    words every size check uses, so the report functions pass theirs through unchecked.

    >>> [(ax.stride, ax.output_size) for ax in pool_axes((7, 6), 2, ceil_mode=True)]
    [(2, 4), (2, 3)]
    >>> pool_axes(7, 2, padding=2)
    Traceback (most recent call last):
    ...
    tconv.errors.TconvError: padding 2 on axis 0 must be at most half of the kernel size 2: valid range 0..1
    """
    if nd is None:
        nd = count_axes(input_size=input_size, kernel_size=kernel_size, stride=stride, padding=padding,
                        dilation=dilation)
    sizes = per_axis("input_size", input_size, nd, minimum=1)
    ks = per_axis("kernel_size", kernel_size, nd, minimum=1)
    ss = ks if stride is None else per_axis("stride", stride, nd, minimum=1)
    ps = per_axis("padding", padding, nd, minimum=0)
    ds = per_axis("dilation", dilation, nd, minimum=1)
    ceil_mode = as_bool("ceil_mode", ceil_mode)
    axes = []
    for a in range(nd):
        ax = PoolAxis(sizes[a], ks[a], ss[a], ps[a], ds[a], ceil_mode)
        if 2 * ax.padding > ax.kernel_size:  # PyTorch compares with the kernel size itself, not the dilated span
            raise TconvError(
                f"padding {ax.padding} on axis {a} must be at most half of the kernel size {ax.kernel_size}: "
                f"valid range 0..{ax.kernel_size // 2}"
            )
        if ax.output_size < 1:
            raise TconvError(
                f"kernel_size {ax.kernel_size} on axis {a} (dilated span {ax.effective_kernel}) is larger than the "
                f"padded input {ax.input_size + 2 * ax.padding}: pooling output would be {ax.output_size}; the "
                f"kernel can span at most {ax.input_size + 2 * ax.padding} on this axis"
            )
        axes.append(ax)
    return tuple(axes)


def pool_output_size(
    input_size: IntOrSeq,
    kernel_size: IntOrSeq,
    stride: IntOrSeq | None = None,
    padding: IntOrSeq = 0,
    dilation: IntOrSeq = 1,
    ceil_mode: bool = False,
) -> tuple[int, ...]:
    """Output size of max pooling per axis, PyTorch's rule (stride defaults to the kernel size).

    With ``ceil_mode`` the last window may start inside the input or its left padding, never in the right one.

    >>> pool_output_size(7, 2)
    (3,)
    >>> pool_output_size(7, 2, ceil_mode=True)
    (4,)
    """
    return tuple(ax.output_size for ax in pool_axes(input_size, kernel_size, stride, padding, dilation, ceil_mode))


def interpolate_output_size(input_size: IntOrSeq, scale_factor: float | Sequence[float]) -> tuple[int, ...]:
    """Output size of ``F.interpolate``/``nn.Upsample``/ONNX ``Resize`` with a scale factor: ⌊L·scale⌋ per axis.

    PyTorch multiplies in double precision and rounds down, so a factor of 2 always doubles and 0.5 halves with
    the odd row dropped.

    >>> interpolate_output_size((43, 65), 2)
    (86, 130)
    >>> interpolate_output_size(7, 0.5)
    (3,)
    """
    nd = count_axes(input_size=input_size, scale_factor=scale_factor)  # its length, checked before it is read
    try:
        scales: list[Any] = [scale_factor] if isinstance(scale_factor, int | float) else list(scale_factor)
    except TypeError:  # not a number, nor a sequence of them: refused below by name
        scales = [None]
    sizes = per_axis("input_size", input_size, nd, minimum=1)
    if len(scales) == 1:
        scales = scales * nd
    if len(scales) != nd or not all(isinstance(f, int | float) and math.isfinite(f) and f > 0 for f in scales):
        raise TconvError(f"scale_factor {show(scale_factor)} must be one positive number or one per axis ({nd})")
    return tuple(math.floor(float(L) * float(f)) for L, f in zip(sizes, scales))


#: ``F.interpolate``'s output-size formula with a scale factor, in symbols.
INTERPOLATE_FORMULA = "L_out = ⌊L_in · scale_factor⌋"


# --------------------------------------------------------------------------------------------------
# The guide's view: the equivalent direct convolution
# --------------------------------------------------------------------------------------------------


def conv_transpose_equivalent(
    input_size: IntOrSeq,
    kernel_size: IntOrSeq,
    stride: IntOrSeq = 1,
    padding: IntOrSeq = 0,
    output_padding: IntOrSeq = 0,
    dilation: IntOrSeq = 1,
) -> tuple[EquivalentConv, ...]:
    """The equivalent direct convolution per axis: zeros inserted, padding d(k−1)−p (+ output_padding at the end).

    >>> eq, = conv_transpose_equivalent(3, 3, stride=2, padding=1)   # guide Figure 4.6
    >>> eq.zeros_between, eq.stretched_size, eq.pad_begin, eq.pad_end, eq.output_size
    (1, 5, 1, 1, 5)
    """
    axes = transposed_axes(input_size, kernel_size, stride, padding, output_padding, dilation)
    return tuple(ax.equivalent() for ax in axes)
