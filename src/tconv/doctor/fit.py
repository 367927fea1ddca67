"""Fit, not only run: a warning when a model runs but its output's spatial size is not its input's (or not the
target's), with the size chain that changes it and the input sizes at which it fits (:func:`.rules.fit`)."""

from __future__ import annotations

from collections.abc import Sequence

from . import arithmetic
from .model import Caution, Layer, Shape
from .program import Program
from .rules import Derived, fit, nearest
from .writers import dims

__all__ = ["fit_warning", "size_chain"]

#: Steps whose size change is the point of the layer: a stride, an upsampling. Others (same-size convs, pads,
#: valid convs) are summed up between them.
_RESIZES = ("conv", "pool", "conv_transpose", "conv_transpose_to", "upsample")


def _path(program: Program, step: int | None) -> list[int]:
    """The steps that set the size of ``step``, from the input: through each join's skip, each link's source."""
    path: list[int] = []
    while step is not None and len(path) <= len(program.steps):
        path.append(step)
        s = program.steps[step]
        if s.kind == "join":
            step = s.inputs[int(s.args[0])]
        elif s.kind in ("link", "conv_transpose_to"):
            step = s.inputs[1]
        elif s.inputs:
            step = s.inputs[0]
        else:
            step = None
    return path[::-1]


def size_chain(program: Program, layers: Sequence[Layer], n: int) -> str:
    """``129 → 65 (model.4: 65·2 = 130 ≠ 129: a row gained) → 33 (…) → 66 (model.12) → 132 (model.15)``: the
    sizes along the path to the output at input size ``n``; each stride or upsampling is a step of its own,
    the steps between them (same-size convs, paddings, crops) are summed up by their net change.

    >>> from tconv.doctor.program import Program, Step
    >>> p = Program(2, (Step("pad", "pad", (None,), (1, 1), None), Step("conv", "c", (0,), (3, 1, 0, 0, 1), None),
    ...                 Step("pool", "down", (1,), (2, 2, 0, 1, False), None)), 2)
    >>> size_chain(p, [], 9)                  # the pad and the valid conv cancel out; no layers: no formula
    '9 → 4 (down)'
    """
    if program.output is None:
        return str(n)
    sizes = program.run(n)[0]
    parts = [str(n)]
    shown = n
    pending: list[str] = []
    for j in _path(program, program.output):
        step = program.steps[j]
        before = n if not step.inputs or step.inputs[0] is None else sizes[step.inputs[0]]
        after = sizes[j]
        strided = step.kind in _RESIZES and not (step.kind in ("conv", "pool") and step.args[1] == 1)
        if not strided:
            if after != before:
                pending.append(step.where)
            continue
        if pending and before != shown:
            parts.append(f"{before} ({_span(pending)})")
        pending = []
        params = layers[step.layer].params if step.layer is not None and step.layer < len(layers) else {}
        note = arithmetic.down_note(step.kind, before, after, params, program.axis - 2) \
            if params and step.kind in ("conv", "pool") else ""
        parts.append(f"{after} ({step.where}: {note})" if note else f"{after} ({step.where})")
        shown = after
    if sizes[program.output] != shown:
        parts.append(f"{sizes[program.output]} ({_span(pending)})")
    return " → ".join(parts)


def _span(wheres: Sequence[str]) -> str:
    return wheres[0] if len(wheres) == 1 else f"{wheres[0]} … {wheres[-1]}"


def fit_warning(input_shape: Shape, output_shape: Shape | None, target: Shape | None, layers: Sequence[Layer],
                programs: dict[int, Program], rules: dict[int, Derived]) -> Caution | None:
    """The warning for a model that runs at ``input_shape`` with an output whose spatial size is not the input's
    (or ``target``'s spatial size): per axis that differs, the size chain and the input sizes at which the output
    has the size wanted (from the rule of that axis; "could not be derived" where the arithmetic did not follow).
    None when it fits, or when the output has no spatial axes to compare.

    A 1-D model whose pooling rounds up and whose ConvTranspose doubles: 9 comes out 10, even sizes fit:

    >>> from tconv.doctor.program import Program, Step
    >>> grow = Program(2, (Step("pool", "down", (None,), (2, 2, 0, 1, True), None),
    ...                    Step("conv_transpose", "up", (0,), (2, 2, 0, 0, 1), None)), 1)
    >>> every = Derived(1, (0,), 1, "every size")
    >>> warning = fit_warning((1, 2, 9), (1, 2, 10), None, [], {2: grow}, {2: every})
    >>> warning.message
    "the output is 10, not 9 (the input's size): the model runs but does not fit"
    >>> print(warning.details[0])
    dim 2: 9 → 5 (down) → 10 (up) ≠ 9; an output of its own size at input sizes multiples of 2 (nearest to 9: 8, 10)
    >>> fit_warning((1, 2, 9), (1, 2, 10), (1, 2, 10), [], {2: grow}, {2: every}) is None    # the target fits
    True
    """
    if output_shape is None or len(output_shape) != len(input_shape):
        return None
    want = tuple(target[2:]) if target is not None else tuple(input_shape[2:])
    got = tuple(output_shape[2:])
    if got == want:
        return None
    whose = "the target's" if target is not None else "the input's"
    message = f"the output is {dims(got)}, not {dims(want)} ({whose} size): the model runs but does not fit"
    details = []
    fits: dict[str, list[int]] = {}
    for d in range(2, len(input_shape)):
        if got[d - 2] == want[d - 2]:
            continue
        program, rule = programs.get(d), rules.get(d)
        if program is None or rule is None or program.output is None:
            details.append(f"dim {d}: {input_shape[d]} → {got[d - 2]} ≠ {want[d - 2]}; the sizes that fit could not "
                           "be derived (the size arithmetic does not follow this model)")
            continue
        chain = size_chain(program, layers, input_shape[d])
        found = fit(program, rule, None if target is None else want[d - 2])
        goal = "its own size" if target is None else f"{want[d - 2]}"
        if found is None:
            words = f"the input sizes that give an output of {goal} could not be derived"
        else:
            sizes = nearest(found.rule, input_shape[d]) if found.rule is not None else found.sizes
            fits[str(d)] = list(sizes)
            words = f"an output of {goal} at input {found.describe(input_shape[d])}" if sizes else \
                f"no input size gives an output of {goal}" + (f" ({found.describe(input_shape[d])[6:]})"
                                                             if found.offset else "")
        details.append(f"dim {d}: {chain} ≠ {want[d - 2]}; {words}")
    values = {"output": list(got), "target": list(want), "fit": fits}
    return Caution("fit", message, tuple(details), values)
