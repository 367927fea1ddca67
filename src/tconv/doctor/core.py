"""``doctor(model, input_shape)``: trace, locate each failure point, explain it, fix it, list the sizes that work."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

from .._axes import as_int, as_shape, show
from ..errors import TconvError
from . import arithmetic
from .fit import fit_warning
from .fixes import join_fixes, pad_input_fix
from .limits import DEFAULT_TIMEOUT, check_timeout
from .model import Diagnosis, Layer, Problem, Shape, _walk
from .sizes import MAX_SWEEP, valid_sizes
from .trace import Join, Trace, Tracer, spatial
from .writers import dims

__all__ = ["doctor"]

#: The largest input size doctor traces on an axis (a meta tensor has no memory, but sizes stay int64-safe).
MAX_SIZE = 1 << 24


def _chain(layers: Sequence[Layer], join: Join, dim: int, input_size: int) -> str:
    """``350 → 175 → 87 (down2.pool: ⌊175/2⌋ loses a row) → 43; up2.up: 43 → 86 ≠ 87 (down2)``."""
    jl = layers[join.layer]
    skip_pos = int(jl.params.get("skip", 0))
    order = [skip_pos, *(i for i in range(len(jl.params["operands"])) if i != skip_pos)]
    source = jl.inputs[order.index(join.up)] if join.up in order else None
    steps = _walk(layers, source, dim)
    want = jl.params["operands"][join.skip][dim]
    last = steps.pop() if steps and steps[-1][0].kind in ("conv_transpose", "upsample") else None
    parts = [str(input_size)]
    for layer, before, after in steps:
        note = arithmetic.down_note(layer.kind, before, after, layer.params, dim - 2)
        parts.append(f"{after} ({layer.where}: {note})" if note else str(after))
    text = " → ".join(parts)
    if last is not None:
        layer, before, after = last
        return f"{text}; {layer.where}: {before} → {after} ≠ {want} ({jl.names[join.skip]})"
    got = jl.params["operands"][join.up][dim]
    return f"{text} ≠ {want} ({jl.names[join.skip]})" if got != want else text


def _join_problem(trace: Trace, join: Join, input_shape: Shape) -> Problem:
    jl = trace.layers[join.layer]
    operands: Sequence[Shape] = jl.params["operands"]
    up, skip = operands[join.up], operands[join.skip]
    up_name, skip_name = jl.names[join.up], jl.names[join.skip]
    axes = ", ".join(f"dim {d}: {up[d]} ≠ {skip[d]}" for d in join.axes)
    message = (f"{jl.kind} at {jl.where} joins {up_name} ({dims(spatial(up))}) with {skip_name} "
               f"({dims(spatial(skip))}): {axes}")
    chains = tuple(f"dim {d}: {_chain(trace.layers, join, d, input_shape[d])}" for d in join.axes)
    return Problem((up_name, skip_name, jl.where), jl.kind, (up, skip), message, chains, (), join.axes)


def _tracer(model: Any, timeout: float) -> Tracer:
    if isinstance(model, str | os.PathLike):
        from .onnx_trace import OnnxTracer

        return OnnxTracer(model)
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(model, torch.nn.Module):
        from .torch_trace import TorchTracer

        return TorchTracer(model, timeout)
    onnx = sys.modules.get("onnx")
    if onnx is not None and isinstance(model, onnx.ModelProto):
        from .onnx_trace import OnnxTracer

        return OnnxTracer(model)
    raise TconvError(f"model must be a torch.nn.Module, an onnx.ModelProto or a path to an .onnx file, got "
                     f"{show(model)} ({type(model).__name__})")


def _sizes(sizes: Any) -> tuple[int, int] | None:
    if sizes is None:
        return None
    if not isinstance(sizes, list | tuple) or len(sizes) != 2:
        raise TconvError(f"sizes must be a pair (low, high) of input sizes to search, got {show(sizes)}")
    low, high = (as_int("sizes", v, minimum=1, axis=a) for a, v in enumerate(sizes))
    if high < low or high - low + 1 > MAX_SWEEP or high > MAX_SIZE:
        raise TconvError(f"sizes {low}..{high} must be a range low ≤ high of at most {MAX_SWEEP} sizes, up to "
                         f"{MAX_SIZE}: valid range e.g. {max(1, low)}..{max(1, low) + 63}")
    return (low, high)


def _target(target_shape: Any, input_shape: Shape) -> Shape | None:
    if target_shape is None:
        return None
    target = as_shape("target_shape", target_shape, minimum=1)
    if len(target) != len(input_shape):
        raise TconvError(f"target_shape {list(target)} must have the input's {len(input_shape)} axes (N, C, "
                         f"*spatial), like {list(input_shape)}")
    return target


def doctor(model: Any, input_shape: Sequence[int], *, sizes: tuple[int, int] | None = None,
           timeout: float = DEFAULT_TIMEOUT, target_shape: Sequence[int] | None = None) -> Diagnosis:
    """Why a model fails at an input size, where, and how to fix it; and which input sizes it accepts.

    ``model`` is a ``torch.nn.Module`` (traced on the meta device: no memory, no arithmetic), an
    ``onnx.ModelProto`` or the path of an ``.onnx`` file (ONNX shape inference; the batch may be dynamic).
    ``input_shape`` is ``(N, C, *spatial)``. The valid sizes of each axis are derived from the traced size
    arithmetic and checked with traces at the rule's boundary sizes (:func:`.sizes.valid_sizes`); ``sizes``, a
    ``(low, high)`` range, is traced in full on each axis as a check of the rule (the source of the rule only where
    the arithmetic cannot follow the model, with a window of 48 each side by default). A model that runs but whose
    output's spatial size is not the input's (or ``target_shape``'s, an ``(N, C, *spatial)`` shape whose spatial
    sizes are compared) gets a warning in ``warnings``, with the input sizes at which it fits; ``ok`` stays True.
    Each forward of a torch model must finish within ``timeout`` seconds; a model that exits or is interrupted
    (``SystemExit``, ``KeyboardInterrupt``, ``GeneratorExit``) is refused with a TconvError, as is one past the
    limit (see :func:`.limits.bounded`).

    >>> import torch
    >>> from torch import nn
    >>> class Net(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.down, self.up = nn.MaxPool1d(2), nn.ConvTranspose1d(2, 2, 2, stride=2)
    ...     def forward(self, x):
    ...         return torch.cat([x, self.up(self.down(x))], dim=1)
    >>> d = doctor(Net(), (1, 2, 9), sizes=(1, 24))
    >>> d.ok, d.problems[0].chains[0]
    (False, 'dim 2: 9 → 4 (down: ⌊9/2⌋ loses a row); up: 4 → 8 ≠ 9 (input)')
    >>> d.valid_sizes[2].rule, [f.kind for f in d.problems[0].fixes if f.verified]
    ('multiples of 2', ['output_size', 'output_padding', 'pad_input', 'pad_up', 'crop_skip'])
    """
    input_shape = as_shape("input_shape", input_shape, minimum=1)
    if len(input_shape) < 3:
        raise TconvError(f"input_shape must be (N, C, *spatial) with 1 to 6 spatial sizes, got {list(input_shape)}")
    if any(v > MAX_SIZE for v in input_shape):
        raise TconvError(f"input_shape {list(input_shape)} has a size above {MAX_SIZE}: valid range 1..{MAX_SIZE}")
    window = _sizes(sizes)
    target = _target(target_shape, input_shape)
    timeout = check_timeout(timeout)
    tracer = _tracer(model, timeout)
    trace = tracer.trace(input_shape)
    derivation = valid_sizes(tracer, input_shape, trace, window)
    valid = derivation.sizes
    problems = []
    fixes = join_fixes(tracer, trace, input_shape, derivation.rules) if trace.joins else []
    pad_fix = pad_input_fix(tracer, input_shape, valid) if not trace.runs else None
    for join, found in zip(trace.joins, fixes):
        problem = _join_problem(trace, join, input_shape)
        kinds = [f for f in found if f.kind in ("output_size", "output_padding")]
        rest = [f for f in found if f.kind not in ("output_size", "output_padding")]
        ordered = (*kinds, *([pad_fix] if pad_fix else []), *rest)
        problems.append(Problem(problem.where, problem.op, problem.sizes, problem.message, problem.chains, ordered,
                                problem.axes))
    if trace.error is not None:
        where = trace.error_where or "model"
        from .raised import explain

        explained = explain(tracer, trace, input_shape, derivation.rules)
        if explained is not None:  # a ConvTranspose's output_size out of its range: the arithmetic, a fix
            problems.append(Problem(explained.where, "error", explained.sizes, explained.message,
                                    (*explained.chains, f"PyTorch: {trace.error}"),
                                    (*explained.fixes, *((pad_fix,) if pad_fix else ()))))
        else:
            problems.append(Problem((where,), "error", (), f"{where} raised: {trace.error}", (),
                                    (pad_fix,) if pad_fix else ()))
    notes = (*getattr(tracer, "notes", ()), *trace.notes, *derivation.notes)
    misfit = fit_warning(input_shape, trace.output_shape, target, trace.layers, derivation.programs,
                         derivation.rules) if trace.runs else None
    return Diagnosis(input_shape, trace.layers, tuple(problems), valid, tracer.source, trace.output_shape,
                     tuple(notes), (misfit,) if misfit else ())
