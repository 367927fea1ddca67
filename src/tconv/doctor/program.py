"""A model's size arithmetic on one spatial axis, read from a few traces: each layer's size map (tconv.shapes'
formulas) and each join's equality, so that any input size is evaluated with integers, without tracing.

A :class:`Program` is a list of steps in call order. A step computes one size from earlier ones:

- ``conv``, ``pool``, ``conv_transpose``, ``upsample`` (a scale factor), ``pad``: the layer's formula;
- ``join``: cat/add/mul, which need their operands equal on this axis (add and mul broadcast a size of 1);
- ``concat``: a cat along this axis (the sizes add up);
- ``conv_transpose_to``: a ConvTranspose given ``output_size`` from another tensor (valid when that size is in
  ``[L_min, L_min + stride − 1]``);
- ``link``: a size taken from another tensor (``F.interpolate(size=skip.shape[-2:])``, a pad computed from the
  skip, a crop by slicing: ``crop`` adds "not larger than its source");
- ``offset``, ``const``: a size the program cannot name otherwise (a fixed crop, an adaptive pooling).

The steps are found by matching the traces: every size a trace recorded is reproduced by the program at that
trace's input size, or the program is not built (:func:`build` returns None and the caller searches instead).

>>> from tconv.doctor.model import Layer
>>> from tconv.doctor.trace import Trace
>>> def traced(n):        # a pooling that floors, a ConvTranspose that doubles, a cat with the input
...     pool = Layer("down", "pool", (1, 2, n), (1, 2, n // 2), {"kernel_size": (2,), "stride": (2,),
...                  "padding": (0,), "dilation": (1,), "ceil_mode": False}, inputs=(None,))
...     up = Layer("up", "conv_transpose", (1, 2, n // 2), (1, 2, n // 2 * 2), {"kernel_size": (2,), "stride": (2,),
...                "padding": (0,), "output_padding": (0,), "dilation": (1,)}, inputs=(0,))
...     cat = Layer("cat", "cat", (1, 2, n), (1, 4, n), {"operands": [(1, 2, n), (1, 2, n // 2 * 2)], "skip": 0,
...                 "up": 1}, inputs=(None, 1))
...     return (1, 2, n), Trace((pool, up, cat), (), None, None, (1, 4, n))
>>> program = build([traced(9), traced(10), traced(25)], 2)
>>> [step.kind for step in program.steps]
['pool', 'conv_transpose', 'join']
>>> program.run(9)[1], program.run(10)[1]
(Failure(step=2, where='cat', kind='match', message='cat joins 8 with 9'), None)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .. import shapes
from ..errors import TconvError
from .model import Layer, Shape
from .trace import Trace

__all__ = ["Failure", "Program", "Step", "build"]

#: Step kinds whose size is a formula of their first input's size.
FORMULAS = ("conv", "pool", "conv_transpose", "upsample", "pad")


@dataclass(frozen=True)
class Step:
    """One size in the program: ``kind`` (see the module), the steps it reads (None: the model's input), its
    numbers on this axis, the layer's ``where`` and the index of the traced layer it stands for (None for a step
    the program added between layers: a slice, an adaptive pooling).

    >>> Step("conv", "enc.0", (None,), (3, 2, 1, 1, 1), 0)       # k3 s2 p1 d1 on the input
    Step(kind='conv', where='enc.0', inputs=(None,), args=(3, 2, 1, 1, 1), layer=0)
    """

    kind: str
    where: str
    inputs: tuple[int | None, ...]
    args: tuple[Any, ...] = ()
    layer: int | None = None


@dataclass(frozen=True)
class Failure:
    """Why a size does not run: the step, its ``where``, ``kind`` ``"size"`` (a size below 1: fails for every
    smaller input too) or ``"match"`` (a join, a crop or an ``output_size`` out of range: periodic), and the words.

    >>> Failure(3, "ups.0:cat", "match", "cat joins 8 with 9").kind
    'match'
    """

    step: int
    where: str
    kind: str
    message: str


@dataclass(frozen=True)
class Program:
    """The size arithmetic of one spatial axis (``axis``: 2, 3...): ``steps`` and the step whose size is the model's
    output on this axis (``output``, None where no step reproduces it).

    >>> p = Program(2, (Step("pool", "down", (None,), (2, 2, 0, 1, False), 0),), 0)
    >>> p.run(9)
    ([4], None)
    """

    axis: int
    steps: tuple[Step, ...]
    output: int | None

    def run(self, n: int) -> tuple[list[int], Failure | None]:
        """Every step's size at input size ``n`` and the first failure (None: the axis runs at ``n``).

        After a failure the sizes go on as the tracer's repair does (a join takes its skip's size), so that the
        output and every later step still have a size.

        >>> Program(2, (Step("pool", "down", (None,), (2, 2, 0, 1, False), 0),), 0).run(1)
        ([0], Failure(step=0, where='down', kind='size', message='down gives 0 from 1'))
        """
        sizes: list[int] = []
        failure: Failure | None = None
        for i, step in enumerate(self.steps):
            ins = [n if j is None else sizes[j] for j in step.inputs]
            out, why = _apply(step, ins)
            sizes.append(out)
            if why is not None and failure is None:
                failure = Failure(i, step.where, why[0], why[1])
        return sizes, failure

    def size(self, n: int, step: int | None) -> int:
        """One step's size at input size ``n`` (the input's own with None).

        >>> Program(2, (Step("pool", "down", (None,), (2, 2, 0, 1, False), 0),), 0).size(9, 0)
        4
        """
        return n if step is None else self.run(n)[0][step]

    def periods(self) -> list[tuple[int, Fraction]]:
        """Per step (P, c): its size grows by c·P when the input grows by P, for every input size (c·P an
        integer). A stride-2 conv has (2, 1/2); after it a ConvTranspose of stride 2 has (2, 1).

        >>> Program(2, (Step("pool", "down", (None,), (2, 2, 0, 1, False), 0),), 0).periods()
        [(2, Fraction(1, 2))]
        """
        found: list[tuple[int, Fraction]] = []

        def of(j: int | None) -> tuple[int, Fraction]:
            return (1, Fraction(1)) if j is None else found[j]

        for step in self.steps:
            ins = [of(j) for j in step.inputs]
            if step.kind in FORMULAS:
                (period, slope), ratio, needs = ins[0], _ratio(step), _own_period(step)
                delta = slope * period  # an integer: the input's growth over its period
                k = needs // math.gcd(int(delta), needs) if delta else 1
                found.append((period * k, slope * ratio))
            elif step.kind in ("join", "concat"):
                period = math.lcm(*(p for p, _ in ins))
                slope = sum((c for _, c in ins), Fraction(0)) if step.kind == "concat" else \
                    ins[int(step.args[0])][1]
                found.append((period, slope))
            elif step.kind in ("link", "conv_transpose_to"):
                found.append((math.lcm(ins[0][0], ins[1][0]), ins[1][1]))
            elif step.kind == "offset":
                found.append(ins[0])
            else:  # const
                found.append((1, Fraction(0)))
        return found


def _ratio(step: Step) -> Fraction:
    if step.kind in ("conv", "pool"):
        return Fraction(1, step.args[1])
    if step.kind == "conv_transpose":
        return Fraction(step.args[1])
    if step.kind == "upsample":
        return Fraction(step.args[0]).limit_denominator(1 << 16)
    return Fraction(1)


def _own_period(step: Step) -> int:
    """How much the input must grow for the formula to grow by a whole number: the stride, a scale's denominator."""
    if step.kind in ("conv", "pool"):
        return int(step.args[1])
    if step.kind == "upsample":
        return _ratio(step).denominator
    return 1


def _apply(step: Step, ins: Sequence[int]) -> tuple[int, tuple[str, str] | None]:
    """A step's size from its inputs' sizes, and why it fails there (kind, words), or None."""
    kind, a = step.kind, step.args
    if kind in FORMULAS:
        n = ins[0]
        if n < 1:
            return 0, ("size", f"{step.where} gets {n}")
        if kind == "conv":
            out = shapes.ConvAxis(n, a[0], a[1], a[2], a[3], a[4]).output_size
        elif kind == "pool":
            out = shapes.PoolAxis(n, a[0], a[1], a[2], a[3], bool(a[4])).output_size
        elif kind == "conv_transpose":
            out = shapes.TransposedAxis(n, a[0], a[1], a[2], a[3], a[4]).output_size
        elif kind == "upsample":
            out = shapes.interpolate_output_size((n,), a[0])[0]
        else:
            out = n + a[0] + a[1]
        return out, None if out >= 1 else ("size", f"{step.where} gives {out} from {n}")
    if kind == "join":
        skip, broadcast, what = int(a[0]), bool(a[1]), a[2]
        sizes = {s for s in ins if not (broadcast and s == 1)}
        out = max(sizes) if broadcast and ins[skip] == 1 and sizes else ins[skip]
        if len(sizes) > 1:
            ordered = [s for i, s in enumerate(ins) if i != skip] + [ins[skip]]
            return out, ("match", f"{what} joins {' with '.join(map(str, ordered))}")
        return out, None
    if kind == "concat":
        return sum(ins), None
    if kind == "link":
        out = ins[1]
        if a and a[0] and out > ins[0]:
            return out, ("match", f"{step.where} crops {ins[0]} to {out}")
        return out, None if out >= 1 else ("size", f"{step.where} gives {out}")
    if kind == "conv_transpose_to":
        n, want = ins
        if n < 1:
            return want, ("size", f"{step.where} gets {n}")
        low = shapes.TransposedAxis(n, a[0], a[1], a[2], 0, a[3]).output_size
        if not low <= want <= low + a[1] - 1:
            return want, ("match", f"{step.where}: output_size {want} is outside {low}..{low + a[1] - 1} "
                                   f"for an input of {n}")
        return want, None
    if kind == "offset":
        out = ins[0] + a[0]
        return out, None if out >= 1 else ("size", f"{step.where} gives {out}")
    return int(a[0]), None


# --------------------------------------------------------------------------------------------------
# building a program from traces
# --------------------------------------------------------------------------------------------------


def _static(layer: Layer, dim: int, traces: Sequence[Trace], index: int) -> tuple[str, tuple[Any, ...]] | None:
    """The step of a layer whose numbers are the same in every trace, or None (numbers that depend on sizes)."""
    axis = dim - 2
    p = layer.params
    if layer.kind in ("conv", "pool", "conv_transpose") and not p:
        return None
    try:
        if layer.kind == "conv":
            k, s, pad, d = p["kernel_size"][axis], p["stride"][axis], p["padding"][axis], p["dilation"][axis]
            return "conv", (int(k), int(s), int(pad), int(pad), int(d))
        if layer.kind == "pool":
            return "pool", (int(p["kernel_size"][axis]), int(p["stride"][axis]), int(p["padding"][axis]),
                            int(p["dilation"][axis]), bool(p.get("ceil_mode", False)))
        if layer.kind == "conv_transpose":
            if any(t.layers[index].params.get("output_padding") != p.get("output_padding") for t in traces):
                return None
            return "conv_transpose", (int(p["kernel_size"][axis]), int(p["stride"][axis]), int(p["padding"][axis]),
                                      int(p["output_padding"][axis]), int(p["dilation"][axis]))
        if layer.kind == "upsample":
            scale = p.get("scale_factor")
            if scale is None or any(t.layers[index].params.get("scale_factor") != scale for t in traces):
                return None
            return "upsample", (float(scale[axis]),)
        if layer.kind == "pad":
            begins = [t.layers[index].params.get("pad_begin") for t in traces]
            ends = [t.layers[index].params.get("pad_end") for t in traces]
            begin, end = begins[0], ends[0]
            if begin is None or end is None or len(set(begins)) > 1 or len(set(ends)) > 1:
                return None
            return "pad", (int(begin[axis]), int(end[axis]))
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return None


class _Builder:
    """Grows the steps and their sizes at each trace's input size together; every step reproduces the traces."""

    def __init__(self, probes: Sequence[tuple[Shape, Trace]], dim: int) -> None:
        self.dim = dim
        self.inputs = [shape[dim] for shape, _ in probes]
        self.traces = [t for _, t in probes]
        self.steps: list[Step] = []
        self.sizes: list[tuple[int, ...]] = []  # per step, its size at each probe

    def at(self, j: int | None) -> tuple[int, ...]:
        return tuple(self.inputs) if j is None else self.sizes[j]

    def add(self, step: Step) -> int | None:
        """Append ``step`` if it reproduces ``want`` at every probe; its index, or None."""
        outs = []
        for p in range(len(self.inputs)):
            ins = [self.inputs[p] if j is None else self.sizes[j][p] for j in step.inputs]
            try:
                outs.append(_apply(step, ins)[0])
            except (TconvError, ValueError, ZeroDivisionError):
                return None
        self.steps.append(step)
        self.sizes.append(tuple(outs))
        return len(self.steps) - 1

    def named(self, want: tuple[int, ...], source: int | None, where: str, layer: int | None,
              crop: bool) -> int | None:
        """A step giving ``want`` at every probe from ``source``: the latest size equal to it everywhere (a link),
        a constant, or the source plus a constant."""
        if self.at(source) == want:
            return source
        candidates = [None, *range(len(self.steps))]
        for j in reversed(candidates):
            if j != source and self.at(j) == want:
                is_crop = crop and all(w <= s for w, s in zip(want, self.at(source)))
                return self.add(Step("link", where, (source, j), (is_crop,), layer))
        if len(set(want)) == 1 and len(set(self.at(source))) > 1:
            return self.add(Step("const", where, (), (want[0],), layer))
        diffs = {w - s for w, s in zip(want, self.at(source))}
        if len(diffs) == 1:
            return self.add(Step("offset", where, (source,), (diffs.pop(),), layer))
        return None

    def operand(self, source: int | None, want: tuple[int, ...], where: str) -> int | None:
        return self.named(want, source, f"before {where}", None, crop=True)


def _order(layer: Layer) -> list[int]:
    """The operand index of each entry of a join's ``inputs`` (the skip first, then the others in order)."""
    skip = int(layer.params.get("skip", 0))
    return [skip, *(i for i in range(len(layer.params.get("operands", ()))) if i != skip)]


def build(probes: Sequence[tuple[Shape, Trace]], dim: int) -> Program | None:
    """The program of spatial axis ``dim`` from traces at different input sizes (the same layers in each), or None
    where some size cannot be explained by the steps above.

    >>> build([], 2) is None
    True
    """
    if len(probes) < 2:
        return None
    first = probes[0][1]
    if any(len(t.layers) != len(first.layers) or t.error is not None or
           any((a.where, a.kind) != (b.where, b.kind) for a, b in zip(t.layers, first.layers)) for _, t in probes):
        return None
    b = _Builder(probes, dim)
    main: list[int | None] = []  # the step of each layer

    def source(j: int | None) -> int | None:
        return None if j is None else main[j]

    for index, layer in enumerate(first.layers):
        per = [t.layers[index] for t in b.traces]
        if any(len(x.output_shape) <= dim or len(x.input_shape) <= dim for x in per):
            main.append(None)  # not a feature map (ONNX's arithmetic on shapes): a reader of it is matched by size
            continue
        out_want = tuple(x.output_shape[dim] for x in per)
        if layer.kind in ("cat", "add", "mul"):
            order = _order(layer)
            operands: list[int | None] = [None] * len(order)
            for pos, op in enumerate(order):
                src = source(layer.inputs[pos]) if pos < len(layer.inputs) else None
                want = tuple(x.params["operands"][op][dim] for x in per)
                operands[op] = b.operand(src, want, layer.where)
                if operands[op] is None and want != b.at(None):
                    return None
            sums = tuple(sum(x.params["operands"][i][dim] for i in range(len(order))) for x in per)
            skip = int(layer.params.get("skip", 0))
            skip_size = tuple(x.params["operands"][skip][dim] for x in per)
            if layer.kind == "cat" and out_want == sums and out_want != skip_size:
                step = b.add(Step("concat", layer.where, tuple(operands), (), index))
            else:
                step = b.add(Step("join", layer.where, tuple(operands), (skip, layer.kind != "cat", layer.kind),
                                  index))
        else:
            src = b.operand(source(layer.inputs[0] if layer.inputs else None),
                            tuple(x.input_shape[dim] for x in per), layer.where)
            if src is None and tuple(x.input_shape[dim] for x in per) != b.at(None):
                return None
            step = _layer_step(b, layer, index, src, out_want)
        if step is None or b.sizes[step] != out_want:
            return None
        main.append(step)
    output = None
    if first.output_shape is not None and len(first.output_shape) > dim:
        want = tuple(t.output_shape[dim] if t.output_shape else -1 for t in b.traces)
        output = next((j for j in reversed(range(len(b.steps))) if b.sizes[j] == want), None)
    return Program(dim, tuple(b.steps), output)


def _layer_step(b: _Builder, layer: Layer, index: int, src: int | None, want: tuple[int, ...]) -> int | None:
    static = _static(layer, b.dim, b.traces, index)
    if static is not None:
        kind, args = static
        step = b.add(Step(kind, layer.where, (src,), args, index))
        if step is not None and b.sizes[step] == want:
            return step
        if step is not None:
            b.steps.pop()
            b.sizes.pop()
        if kind == "conv":  # a padding the layer's numbers do not tell (an ONNX pads list, "same"): the end's
            k, s, pb, _, d = args
            for pe in range(0, k * d + s):
                step = b.add(Step(kind, layer.where, (src,), (k, s, pb, pe, d), index))
                if step is not None and b.sizes[step] == want:
                    return step
                if step is not None:
                    b.steps.pop()
                    b.sizes.pop()
        if kind != "upsample":
            return None
    if layer.kind == "conv_transpose" and layer.params.get("kernel_size"):
        axis = b.dim - 2
        p = layer.params
        for j in reversed([None, *range(len(b.steps))]):
            if b.at(j) == want:
                return b.add(Step("conv_transpose_to", layer.where, (src, j),
                                  (int(p["kernel_size"][axis]), int(p["stride"][axis]), int(p["padding"][axis]),
                                   int(p["dilation"][axis])), index))
        return None
    return b.named(want, src, layer.where, index, crop=False)
