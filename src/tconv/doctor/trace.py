"""What a tracer returns, whatever it traced (a torch module or an ONNX graph), and the patches it can apply.

A trace runs the model's shapes only. At a join (cat, add, mul) whose operands differ in spatial size it records
the mismatch, then makes the upsampled operand match the skip (extended with zeros or cropped at the end, as
``output_size`` would) and goes on, so one trace finds every failure point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from .model import Layer, Shape

__all__ = ["Join", "Patch", "Trace", "Tracer", "mismatched_axes", "pick_up_operand", "spatial"]

#: Layer kinds that make a tensor larger on purpose: the operand of a join they feed is the "upsampled" side.
UP_KINDS = frozenset({"conv_transpose", "upsample"})
#: Patches a tracer applies: a layer's output size (output_size=, interpolate's size=), its output_padding, or
#: at a join the skip cropped / padded to the upsampled operand, or the upsampled one padded to the skip.
PATCH_KINDS = ("output_size", "output_padding", "crop_skip", "pad_up")


@dataclass(frozen=True)
class Patch:
    """A change applied while tracing: ``kind`` one of PATCH_KINDS, at ``target`` (a layer's or a join's where).

    >>> Patch("output_size", "up3.up", (87, 131))        # trace up3.up as if called with output_size=(87, 131)
    Patch(kind='output_size', target='up3.up', values=(87, 131))
    """

    kind: str
    target: str
    values: tuple[int, ...] = ()


@dataclass(frozen=True)
class Join:
    """A join whose operands differ in spatial size: the index of its layer, which operand was upsampled (and so
    adjusted to go on), which one is the skip, and the dims (2, 3, ...) that differ.

    >>> Join(layer=7, up=0, skip=1, axes=(2,))           # layer 7's first operand is 1 row short of the skip
    Join(layer=7, up=0, skip=1, axes=(2,))
    """

    layer: int
    up: int
    skip: int
    axes: tuple[int, ...]


@dataclass(frozen=True)
class Trace:
    """Layers in call order, the mismatched joins, and the error that stopped the trace (None: it ran).

    >>> trace = Trace((), (Join(7, 0, 1, (2,)),), None, None, (1, 8, 86, 130))
    >>> trace.runs, trace.fails_on(2), trace.fails_on(3)      # a mismatch on the rows only
    (False, True, False)
    """

    layers: tuple[Layer, ...]
    joins: tuple[Join, ...]
    error: str | None
    error_where: str | None
    output_shape: Shape | None
    #: the call that raised, as far as it got (a ConvTranspose with the output_size it was asked for...)
    attempt: Layer | None = None
    notes: tuple[str, ...] = ()  # what the caller should know though the model runs (an ONNX graph's empty tensors)

    @property
    def runs(self) -> bool:
        """True when the model ran through: no mismatched join, no error.

        >>> Trace((), (), None, None, (1, 8, 64)).runs, Trace((), (), "boom", "head", None).runs
        (True, False)
        """
        return not self.joins and self.error is None

    def fails_on(self, dim: int) -> bool:
        """True when this trace says an input size on ``dim`` does not work (an error counts on every dim).

        >>> failed = Trace((), (), "shape mismatch in head", "head", None)
        >>> failed.fails_on(2), failed.fails_on(3)
        (True, True)
        """
        return self.error is not None or any(dim in j.axes for j in self.joins)


class Tracer(Protocol):
    """A model's shape tracer: trace at an input shape, with patches applied."""

    source: str

    def trace(self, input_shape: Shape, patches: Sequence[Patch] = ()) -> Trace: ...


def spatial(shape: Shape) -> Shape:
    """The spatial sizes of an (N, C, *spatial) shape.

    >>> spatial((1, 3, 64, 48))
    (64, 48)
    """
    return tuple(shape[2:])


def mismatched_axes(shapes: Sequence[Shape], broadcast: bool, skip_dim: int | None = None) -> tuple[int, ...]:
    """The dims ≥ 2 on which operands of equal rank disagree (sizes of 1 broadcast when ``broadcast``).

    >>> mismatched_axes([(1, 8, 86, 130), (1, 8, 87, 130)], broadcast=False)
    (2,)
    >>> mismatched_axes([(1, 8, 86, 130), (1, 8, 1, 1)], broadcast=True), mismatched_axes(
    ...     [(1, 8, 86, 130), (1, 8, 1, 1)], broadcast=False)                # add broadcasts, cat does not
    ((), (2, 3))
    """
    if len({len(s) for s in shapes}) != 1 or len(shapes[0]) < 3:
        return ()
    found = []
    for dim in range(2, len(shapes[0])):
        if dim == skip_dim:
            continue
        sizes = {s[dim] for s in shapes}
        if broadcast:
            sizes.discard(1)
        if len(sizes) > 1:
            found.append(dim)
    return tuple(found)


def _grows(layer: Layer) -> bool | None:
    """True for a layer that enlarges its input, False for one that shrinks it, None when it keeps the sizes."""
    before, after = spatial(layer.input_shape), spatial(layer.output_shape)
    if len(before) != len(after) or before == after:
        return None
    return layer.kind in UP_KINDS or all(b >= a for a, b in zip(before, after))


def last_resize(layers: Sequence[Layer], index: int | None) -> int | None:
    """The nearest layer at or above ``index`` that changed the spatial sizes (through joins, along their skip).

    >>> from .model import Layer
    >>> layers = [Layer("down", "pool", (1, 8, 175), (1, 8, 87), inputs=(None,)),
    ...           Layer("act", "relu", (1, 8, 87), (1, 8, 87), inputs=(0,))]
    >>> last_resize(layers, 1), last_resize(layers, None)       # the relu keeps sizes: the pool resized
    (0, None)
    """
    seen = 0
    while index is not None and seen < len(layers):
        layer = layers[index]
        if layer.kind in UP_KINDS or _grows(layer) is not None:
            return index
        index = layer.inputs[0] if layer.inputs else None
        seen += 1
    return None


def pick_up_operand(layers: Sequence[Layer], sources: Sequence[int | None]) -> tuple[int, int]:
    """(up, skip): the operand that came through an upsampling, and the one to match; else the latest computed.

    >>> from .model import Layer
    >>> layers = [Layer("down", "pool", (1, 8, 175), (1, 8, 87), inputs=(None,)),
    ...           Layer("up", "conv_transpose", (1, 8, 87), (1, 8, 174), inputs=(0,))]
    >>> pick_up_operand(layers, [None, 1])       # cat(x, up(x)): operand 1 was upsampled, operand 0 is the skip
    (1, 0)
    """
    ups = []
    for i, src in enumerate(sources):
        r = last_resize(layers, src)
        if r is not None and (layers[r].kind in UP_KINDS or _grows(layers[r])):
            ups.append(i)

    def age(i: int) -> int:
        source = sources[i]
        return -1 if source is None else source

    order = sorted(range(len(sources)), key=age)
    up = ups[0] if len(ups) == 1 else max(ups, key=age) if ups else order[-1]
    skip = next(i for i in reversed(order) if i != up) if len(sources) > 1 else up
    return up, skip
