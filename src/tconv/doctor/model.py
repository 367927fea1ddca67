"""The doctor's data: a diagnosis is frozen data (layers, problems, fixes, valid sizes); writers print it.

>>> fix = Fix("output_size", "pass output_size to up3.up", "x = self.up(x, output_size=skip.shape[-2:])", True)
>>> d = Diagnosis((1, 3, 64, 64), (), (), {}, "torch")
>>> d.ok, d.to_dict()["problems"]
(True, [])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["AxisSizes", "Caution", "Diagnosis", "Fix", "Layer", "Problem"]

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Layer:
    """One traced layer: a conv, pooling, ConvTranspose, upsample/interpolate, pad, or a join (cat, add, mul).

    ``where`` is the module path (``up3.up``), or the module and the function called in its forward
    (``up3:cat``); ``arithmetic`` is the size formula with numbers, one entry per spatial axis (empty where the
    layer has none, as joins). ``inputs`` are the indices of the layers that made its operands (None for the
    model's input); ``up`` tells the joins' operand that came through an upsampling, when one did.

    >>> up = Layer("up3.up", "conv_transpose", (1, 64, 43, 65), (1, 32, 86, 130), arithmetic=("43·2 = 86",))
    >>> up.output_shape[2:]
    (86, 130)
    """

    where: str
    kind: str
    input_shape: Shape
    output_shape: Shape
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    arithmetic: tuple[str, ...] = ()
    inputs: tuple[int | None, ...] = ()
    names: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON entry: where, kind and the shapes.

        >>> Layer("up3.up", "conv_transpose", (1, 64, 43, 65), (1, 32, 86, 130)).to_dict()
        {'where': 'up3.up', 'kind': 'conv_transpose', 'input_shape': [1, 64, 43, 65],
         'output_shape': [1, 32, 86, 130]}
        """
        return {"where": self.where, "kind": self.kind, "input_shape": list(self.input_shape),
                "output_shape": list(self.output_shape)}


@dataclass(frozen=True)
class Fix:
    """One way out of a problem, with PyTorch code to paste; ``verified``: re-traced with it applied, the model ran.

    ``target`` is what it changes (a module path, a join, or ``input``); ``values`` its numbers at the diagnosed
    size (``{"output_size": [87, 131]}``, ``{"pad": [[1, 1], [1, 2]]}``...), so a test can apply it by hand.

    >>> fix = Fix("output_size", "pass output_size to up3.up", "x = self.up(x, output_size=skip.shape[-2:])", True,
    ...           target="up3.up", values={"output_size": [87, 131]})
    >>> fix.verified, fix.values["output_size"]
    (True, [87, 131])
    """

    kind: str
    title: str
    code: str
    verified: bool
    cost: str = ""
    target: str = ""
    values: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON entry of one fix.

        >>> Fix("output_padding", "output_padding=1", "nn.ConvTranspose2d(64, 32, 2, 2, output_padding=1)",
        ...     False).to_dict()
        {'kind': 'output_padding', 'code': 'nn.ConvTranspose2d(64, 32, 2, 2, output_padding=1)', 'verified': False,
         'title': 'output_padding=1', 'cost': '', 'target': '', 'values': {}}
        """
        return {"kind": self.kind, "code": self.code, "verified": self.verified, "title": self.title,
                "cost": self.cost, "target": self.target, "values": self.values}


@dataclass(frozen=True)
class Problem:
    """A failure point: a join whose operands differ in spatial size, or an error raised inside the model.

    ``where`` names the modules on both sides (the upsampled operand first, then the skip) and the join;
    ``sizes`` are the operands' shapes; ``chains`` explain each mismatched axis, from the input to the join.

    >>> problem = Problem(("up3.up", "down2", "up3:cat"), "cat", ((1, 32, 86, 130), (1, 32, 87, 131)),
    ...                   "86×130 against 87×131", axes=(2, 3))
    >>> problem.where[0], problem.axes          # the upsampled side first
    ('up3.up', (2, 3))
    """

    where: tuple[str, ...]
    op: str
    sizes: tuple[Shape, ...]
    message: str
    chains: tuple[str, ...] = ()
    fixes: tuple[Fix, ...] = ()
    axes: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON entry of one problem, its fixes included.

        >>> Problem(("up3.up", "down2", "up3:cat"), "cat", ((1, 32, 86, 130), (1, 32, 87, 131)), "sizes differ",
        ...         axes=(2, 3)).to_dict()
        {'where': ['up3.up', 'down2', 'up3:cat'], 'op': 'cat', 'sizes': [[1, 32, 86, 130], [1, 32, 87, 131]],
         'message': 'sizes differ', 'chains': [], 'fixes': []}
        """
        return {"where": list(self.where), "op": self.op, "sizes": [list(s) for s in self.sizes],
                "message": self.message, "chains": list(self.chains), "fixes": [f.to_dict() for f in self.fixes]}


@dataclass(frozen=True)
class AxisSizes:
    """The input sizes of one spatial axis that the model runs at: the rule (sizes n ≥ ``minimum`` with
    n mod ``period`` in ``residues``) and the valid sizes nearest the requested one, at any distance.

    ``source`` says where the rule comes from: ``"derived"`` from the size arithmetic of the traced layers (then
    ``checked`` lists the sizes traced to confirm it at its boundary), or ``"searched"`` (a trace per size of
    ``low..high``, for a model whose sizes the arithmetic cannot follow). ``low..high`` and ``valid`` are the
    window traced, when one was (``sizes=``): the derived rule is checked against every size in it.
    ``interactions`` say where this axis' rule needs the other axes (a 1×1 bottleneck under InstanceNorm fails
    only when every axis is at its minimum).

    >>> AxisSizes(2, 350, 300, 400, (304, 320, 336, 352, 368, 384, 400), "multiples of 16", 16, (0,), 16,
    ...           (336, 352)).accepts(352)
    True
    """

    axis: int
    requested: int
    low: int
    high: int
    valid: tuple[int, ...]
    rule: str
    period: int | None
    residues: tuple[int, ...]
    minimum: int | None
    nearest: tuple[int, ...]
    source: str = "searched"
    checked: tuple[int, ...] = ()
    interactions: tuple[str, ...] = ()

    def accepts(self, size: int) -> bool:
        """What the rule says of ``size`` (inside or outside the range searched).

        >>> sizes = AxisSizes(2, 350, 300, 400, (304, 320, 336, 352, 368, 384, 400), "multiples of 16", 16, (0,),
        ...                   16, (336, 352))
        >>> sizes.accepts(1600), sizes.accepts(350)
        (True, False)
        """
        if self.period is None:
            return size in self.valid
        return (self.minimum is not None and size >= self.minimum) and size % self.period in self.residues

    def to_dict(self) -> dict[str, Any]:
        """The JSON entry of one axis (``range`` None when no window was traced).

        >>> AxisSizes(2, 350, 300, 400, (304, 320, 336, 352, 368, 384, 400), "multiples of 16", 16, (0,), 16,
        ...           (336, 352)).to_dict()
        {'rule': 'multiples of 16', 'nearest': [336, 352], 'range': [300, 400],
         'valid': [304, 320, 336, 352, 368, 384, 400], 'period': 16, 'residues': [0], 'minimum': 16,
         'source': 'searched', 'checked': [], 'interactions': []}
        """
        return {"rule": self.rule, "nearest": list(self.nearest),
                "range": [self.low, self.high] if self.high else None, "valid": list(self.valid),
                "period": self.period, "residues": list(self.residues), "minimum": self.minimum,
                "source": self.source, "checked": list(self.checked), "interactions": list(self.interactions)}


@dataclass(frozen=True)
class Caution:
    """A warning: the model runs, but something is off (``kind`` ``"fit"``: the output's size is not the input's,
    or not the target's). ``details`` explain it per axis (the size chain, the sizes that fit); ``values`` hold
    the numbers (``{"output": [252, 132], "target": [250, 129], "fit": {"2": [248, 252]}}``).

    >>> Caution("fit", "the output is 252×132, not 250×129", ("dim 2: 250 → 125 → 63 → 126 → 252",)).to_dict()
    {'kind': 'fit', 'message': 'the output is 252×132, not 250×129', 'details': ['dim 2: 250 → 125 → 63 → 126 → 252'],
     'values': {}}
    """

    kind: str
    message: str
    details: tuple[str, ...] = ()
    values: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON entry of one warning.

        >>> Caution("fit", "the output is 10, not 9", values={"fit": {"2": [8, 10]}}).to_dict()["values"]
        {'fit': {'2': [8, 10]}}
        """
        return {"kind": self.kind, "message": self.message, "details": list(self.details), "values": self.values}


@dataclass(frozen=True)
class Diagnosis:
    """What :func:`tconv.doctor` found: the traced layers, the problems (each with verified fixes) and, per
    spatial axis, the input sizes the model accepts. ``ok`` is True when the model runs at ``input_shape``;
    ``warnings`` (:class:`Caution`) are apart: a model that runs but whose output is not the input's size is ok,
    with a warning.

    ``error`` is a failure that is not a size mismatch at a join (the model raised), with ``error_where``.

    >>> up = Layer("up", "conv_transpose", (1, 64, 43, 65), (1, 32, 86, 130))
    >>> diagnosis = Diagnosis((1, 64, 43, 65), (up,), (), {}, "torch", output_shape=(1, 32, 86, 130))
    >>> diagnosis.ok, diagnosis.output_shape
    (True, (1, 32, 86, 130))
    """

    input_shape: Shape
    layers: tuple[Layer, ...]
    problems: tuple[Problem, ...]
    valid_sizes: dict[int, AxisSizes] = field(hash=False)
    source: str
    output_shape: Shape | None = None
    notes: tuple[str, ...] = ()
    warnings: tuple[Caution, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the model runs at ``input_shape``: no problem found.

        >>> problem = Problem(("up", "skip", "cat"), "cat", ((1, 8, 86), (1, 8, 87)), "86 against 87", axes=(2,))
        >>> Diagnosis((1, 3, 175), (), (), {}, "torch").ok, Diagnosis((1, 3, 175), (), (problem,), {}, "torch").ok
        (True, False)
        """
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``tconv doctor --json``.

        >>> Diagnosis((1, 3, 64), (), (), {}, "onnx", output_shape=(1, 8, 128)).to_dict()
        {'ok': True, 'input_shape': [1, 3, 64], 'layers': [], 'problems': [], 'valid_sizes': {}, 'source': 'onnx',
         'output_shape': [1, 8, 128], 'notes': [], 'warnings': []}
        """
        from .writers import to_dict

        return to_dict(self)

    def to_text(self) -> str:
        """The short report ``tconv doctor`` prints.

        >>> up = Layer("up", "conv_transpose", (1, 64, 43, 65), (1, 32, 86, 130))
        >>> print(Diagnosis((1, 64, 43, 65), (up,), (), {}, "torch", output_shape=(1, 32, 86, 130)).to_text())
        torch model at [1, 64, 43, 65]: 1 layers traced (1 conv_transpose)
        ok: the model runs at 43×65, output [1, 32, 86, 130]
        """
        from .writers import to_text

        return to_text(self)

    def __str__(self) -> str:
        return self.to_text()


def _walk(layers: Sequence[Layer], index: int | None, dim: int) -> list[tuple[Layer, int, int]]:
    """The steps that changed the size on ``dim`` from the input to layer ``index``, along each join's skip."""
    steps: list[tuple[Layer, int, int]] = []
    seen = 0
    while index is not None and seen <= len(layers):
        layer = layers[index]
        before, after = layer.input_shape, layer.output_shape
        if len(before) == len(after) > dim and before[dim] != after[dim]:
            steps.append((layer, before[dim], after[dim]))
        index = layer.inputs[0] if layer.inputs else None
        seen += 1
    return steps[::-1]
