"""Writers of a :class:`Diagnosis`: JSON-ready data and a short text report (plain functions of the data)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model import Diagnosis

__all__ = ["dims", "to_dict", "to_text"]


def dims(shape: Sequence[int]) -> str:
    """A shape as every doctor message, fix and report writes it.

    >>> dims((350, 525))
    '350×525'
    """
    return "×".join(map(str, shape))


def to_dict(d: Diagnosis) -> dict[str, Any]:
    """``{"ok", "input_shape", "layers", "problems", "valid_sizes"}`` (and the source, output shape, notes).

    >>> from tconv.doctor.model import Diagnosis, Layer
    >>> up = Layer("up", "conv_transpose", (1, 2, 4), (1, 2, 8))
    >>> to_dict(Diagnosis((1, 2, 4), (up,), (), {}, "torch", output_shape=(1, 2, 8)))
    {'ok': True, 'input_shape': [1, 2, 4],
     'layers': [{'where': 'up', 'kind': 'conv_transpose', 'input_shape': [1, 2, 4], 'output_shape': [1, 2, 8]}],
     'problems': [], 'valid_sizes': {}, 'source': 'torch', 'output_shape': [1, 2, 8], 'notes': [], 'warnings': []}
    """
    return {
        "ok": d.ok,
        "input_shape": list(d.input_shape),
        "layers": [layer.to_dict() for layer in d.layers],
        "problems": [p.to_dict() for p in d.problems],
        "valid_sizes": {str(axis): s.to_dict() for axis, s in d.valid_sizes.items()},
        "source": d.source,
        "output_shape": None if d.output_shape is None else list(d.output_shape),
        "notes": list(d.notes),
        "warnings": [w.to_dict() for w in d.warnings],
    }


def _edit_order(code: str) -> tuple[str, int]:
    """A source edit's file and line (``# path:LINE, in ...``), for printing edits in order; others first.

    >>> _edit_order("# m.py:12, in Up.forward:"), _edit_order("x = 1")
    (('m.py', 12), ('', 0))
    """
    head = code.split("\n", 1)[0]
    if head.startswith("# ") and ", in " in head:
        path, _, line = head[2:].split(", in ", 1)[0].rpartition(":")
        if line.isdigit():
            return path, int(line)
    return "", 0


def to_text(d: Diagnosis) -> str:
    """What ``tconv doctor`` prints: the verdict, each problem with its chain of sizes, the fixes (each kind once,
    with the layers it applies to), the input sizes that work.

    The diagnosis of a 1-D model whose pooling floors 9 to 4, so that its upsampling gives 8 against a skip of 9:

    >>> from tconv.doctor.model import AxisSizes, Diagnosis, Fix, Layer, Problem
    >>> up = Layer("up", "conv_transpose", (1, 2, 4), (1, 2, 8))
    >>> fix = Fix("output_size", "pass output_size to up", "x = self.up(x, output_size=skip.shape[-1:])", True,
    ...           "none: right for every input size", "up")
    >>> problem = Problem(("up", "input", "cat"), "cat", ((1, 2, 8), (1, 2, 9)),
    ...                   "cat at cat joins up (8) with input (9): dim 2: 8 ≠ 9",
    ...                   ("dim 2: 9 → 4 (down: ⌊9/2⌋ loses a row); up: 4 → 8 ≠ 9 (input)",), (fix,), (2,))
    >>> sizes = AxisSizes(2, 9, 1, 24, tuple(range(2, 25, 2)), "multiples of 2", 2, (0,), 2, (8, 10))
    >>> print(to_text(Diagnosis((1, 2, 9), (up,), (problem,), {2: sizes}, "torch")))
    torch model at [1, 2, 9]: 1 layers traced (1 conv_transpose)
    1 problem(s) at 9:
    1. cat at cat joins up (8) with input (9): dim 2: 8 ≠ 9
       dim 2: 9 → 4 (down: ⌊9/2⌋ loses a row); up: 4 → 8 ≠ 9 (input)
    <BLANKLINE>
    fixes (each re-traced with it applied at every problem):
    - output_size at up [verified]: none: right for every input size
        x = self.up(x, output_size=skip.shape[-1:])
    <BLANKLINE>
    input sizes that work:
      dim 2: multiples of 2 (searched 1..24); nearest to 9: 8, 10
    """
    shape = dims(d.input_shape[2:])
    counts = {k: sum(1 for layer in d.layers if layer.kind == k) for k in ("conv", "pool", "conv_transpose",
                                                                          "upsample", "pad", "cat", "add", "mul")}
    summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    lines = [f"{d.source} model at {list(d.input_shape)}: {len(d.layers)} layers traced ({summary or 'none'})"]
    lines.extend(f"note: {n}" for n in d.notes)
    if d.ok:
        out = f", output {list(d.output_shape)}" if d.output_shape is not None else ""
        lines.append(f"ok: the model runs at {shape}{out}")
    else:
        lines.append(f"{len(d.problems)} problem(s) at {shape}:")
    for i, p in enumerate(d.problems, 1):
        lines.append(f"{i}. {p.message}")
        lines.extend(f"   {c}" for c in p.chains)
    kinds: dict[str, list[tuple[str, Any]]] = {}
    for p in d.problems:
        for f in p.fixes:
            kinds.setdefault(f.kind, []).append((p.where[-1], f))
    if kinds:
        lines.append("")
        lines.append("fixes (each re-traced with it applied at every problem):")
    for kind, found in kinds.items():
        fixes = [f for _, f in found]
        offered = [f for f in fixes if f.code]
        refused = list(dict.fromkeys(f.cost for f in fixes if not f.code))
        if not offered:
            lines.append(f"- {kind}: {'; '.join(refused)}")
            continue
        mark = "verified" if all(f.verified for f in fixes) else \
            "not verified: it does not fix every problem" if refused else \
            f"verified at {sum(f.verified for f in fixes)} of {len(fixes)}"
        targets = list(dict.fromkeys(f.target for f in offered))
        at = f" at {', '.join(targets)}" if kind != "pad_input" else ""
        lines.append(f"- {kind}{at} [{mark}]: {offered[0].cost}")
        lines.extend(f"    ({r})" for r in refused)
        codes = list(dict.fromkeys(f.code for f in offered))
        if kind == "output_padding" and all(len(c.splitlines()) == 2 for c in codes):
            lines.append(f"    {codes[0].splitlines()[0]}")
            lines.extend(f"    {c.splitlines()[-1]}" + ("" if " = nn." in c and c.startswith("# after") else
                                                         f"  # {f.target}") for c, f in zip(codes, offered))
        else:  # source edits in file and line order: applied from the bottom up, each line number holds
            lines.extend(f"    {line}" for c in sorted(codes, key=_edit_order) for line in c.splitlines())
    if d.valid_sizes:
        lines.append("")
        lines.append("input sizes that work:")
        for axis, s in d.valid_sizes.items():
            near = ", ".join(map(str, s.nearest)) or "none"
            lines.append(f"  dim {axis}: {s.rule} ({_source(s)}); nearest to {s.requested}: {near}")
            lines.extend(f"    interacts: {i}" for i in s.interactions)
    if d.warnings:
        lines.append("")
        lines.append(f"{len(d.warnings)} warning(s):")
        for w in d.warnings:
            lines.append(f"- {w.message}")
            lines.extend(f"    {x}" for x in w.details)
    return "\n".join(lines)


def _source(s: Any) -> str:
    """Where an axis' rule comes from: the arithmetic (checked at how many sizes, against which window), a search."""
    if s.source != "derived":
        return f"searched {s.low}..{s.high}"
    window = f"; every size of {s.low}..{s.high} traced agrees" if s.high else ""
    return f"derived from the size arithmetic, checked by tracing {len(s.checked)} sizes{window}"
