"""An error raised inside the model, explained with the same size arithmetic as a mismatched join.

A ConvTranspose called with an ``output_size`` it cannot give raises PyTorch's ``ValueError`` ("requested an
output size of ..., but valid sizes range from ..."). The trace keeps the call as it started (its input, the size
asked for, the module's settings), so the problem gives the chain of sizes up to the module, the range the module
can give (``(L − 1)·s − 2p + d·(k − 1) + 1`` up to ``s − 1`` more), where the size asked for comes from, and a
ConvTranspose fix where one exists: calling it without ``output_size`` and cropping to that size (``crop_up``,
when the plain output is at least as large on every axis), re-traced and checked at sizes from the derived rule.

An interpolate whose output has an empty axis (a scale below 1, or a size computed from a smaller tensor, rounds
to 0; PyTorch's kernels raise "Input and output sizes should be greater than 0", which the meta trace raises too)
gets the chain to the call, the size it computes and the input sizes at which the model runs (the derived rule);
one whose size or scale names another number of axes than its input is said so.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping, Sequence

from .. import shapes
from ..errors import TconvError
from . import arithmetic, fixcode
from .fixes import checked_words, rule_shapes, sample_shapes
from .model import Fix, Layer, Problem, Shape
from .rules import Derived, nearest
from .sites import Site, diff, node_at, replace, segment
from .trace import Patch, Trace, Tracer, spatial
from .writers import dims

__all__ = ["explain"]


def _walk_text(layers: Sequence[Layer], index: int | None, dim: int, start: int) -> str:
    from .model import _walk

    parts = [str(start)]
    for layer, before, after in _walk(layers, index, dim):
        note = arithmetic.down_note(layer.kind, before, after, layer.params, dim - 2)
        parts.append(f"{after} ({layer.where}: {note})" if note else str(after))
    return " → ".join(parts)


def _crop_edit(attempt: Layer) -> tuple[str | None, str | None]:
    """``self.up(x, output_size=E)`` → ``self.up(x)[(..., *(slice(n) for n in E))]``: the plain output, cut."""
    site: Site | None = attempt.params.get("site")
    if site is None or not site.readable or site.via:
        return None, "the call's source line could not be rewritten"
    expr, _, _ = node_at(site)
    if not isinstance(expr, ast.Call):
        return None, f"the call at {site.label} could not be read"
    old = fixcode._lines(site, site.line, site.end_line)
    size = next((k.value for k in expr.keywords if k.arg == "output_size"), expr.args[1] if len(expr.args) > 1
                else None)
    if size is None:
        return None, f"the call at {site.label} passes output_size in a form this fix cannot rewrite"
    kws = [f"{k.arg}={segment(old, k.value, site.line)}" if k.arg else f"**{segment(old, k.value, site.line)}"
           for k in expr.keywords if k.arg != "output_size"]
    args = [segment(old, a, site.line) for a in expr.args[:1]]
    call = f"{segment(old, expr.func, site.line)}({', '.join([*args, *kws])})" \
        f"[(..., *(slice(n) for n in {segment(old, size, site.line)}))]"
    return diff(site, site.line, old, replace(old, site.line, [(expr, call)])), None


def _per_axis(value: object, nd: int) -> tuple[float, ...] | None:
    """A size or scale argument, one per spatial axis (a single number repeated); None when it cannot be read."""
    try:
        values = tuple(float(v) for v in value) if isinstance(value, Sequence) else (float(value),)  # type: ignore
    except (TypeError, ValueError):
        return None
    return values * nd if len(values) == 1 else values


def _works_at(rules: Mapping[int, Derived] | None, dim: int, n: int) -> str:
    rule = (rules or {}).get(dim)
    if rule is None or rule.minimum is None:
        return ""
    return f"; the model runs at input sizes: {rule.text} (nearest to {n}: {', '.join(map(str, nearest(rule, n)))})"


def _resize(trace: Trace, input_shape: Shape, rules: Mapping[int, Derived] | None) -> Problem | None:
    """An interpolate that raised: its size or scale names another number of axes than its input has, or its
    output has an empty axis (a scale below 1, or a size computed from a smaller tensor, rounds to 0)."""
    a = trace.attempt
    assert a is not None
    call = a.params.get("call", {})
    size = spatial(a.input_shape)
    nd = len(size)
    site = a.params.get("site")
    at = f" ({site.label})" if site is not None else ""
    name = "size" if call.get("size") is not None else "scale_factor"
    given = _per_axis(call.get(name), nd) if call.get(name) is not None else None
    if given is None:
        return None
    if len(given) != nd:
        values = ", ".join(f"{v:g}" for v in given)
        message = (f"{a.where}{at} raised: its {name} names {len(given)} axes ({values}), its input "
                   f"{dims(size)} has {nd} spatial axes")
        return Problem((a.where,), "error", (a.input_shape,), message, (), (), ())
    if name == "size":
        want = tuple(int(v) for v in given)
        words = [f"size={w}" for w in want]
    else:
        want = tuple(math.floor(L * f) for L, f in zip(size, given))
        words = [f"⌊{L}·{f:g}⌋ = {w}" for L, f, w in zip(size, given, want)]
    if min(want) >= 1:
        return None
    chains = []
    for i, w in enumerate(want):
        if w >= 1:
            continue
        dim = i + 2
        chain = _walk_text(trace.layers, a.inputs[0] if a.inputs else None, dim, input_shape[dim])
        chains.append(f"dim {dim}: {chain}; {a.where}: {words[i]} < 1{_works_at(rules, dim, input_shape[dim])}")
    how = f"scale_factor {', '.join(f'{f:g}' for f in dict.fromkeys(given))}" if name == "scale_factor" else \
        f"size {dims(want)} asked"
    message = (f"{a.where}{at} raised: its output {dims(want)} from {dims(size)} ({how}) has an empty axis: the "
               "input is too small for it")
    return Problem((a.where,), "error", (a.input_shape,), message, tuple(chains), (), ())


def explain(tracer: Tracer, trace: Trace, input_shape: Shape,
            rules: Mapping[int, Derived] | None = None) -> Problem | None:
    """The problem for a ConvTranspose that raised on its ``output_size``, or an interpolate whose output has an
    empty axis or whose size names another number of axes (None for any other error).

    ``up`` (kernel 2, stride 2) asked for 10 from 4, where it can give 8 or 9 (no fix to verify: no tracer needed):

    >>> from tconv.doctor.model import Layer
    >>> up = Layer("up", "conv_transpose", (1, 2, 4), (), {"kernel_size": (2,), "stride": (2,), "padding": (0,),
    ...            "dilation": (1,), "output_size": (10,)}, inputs=(None,))
    >>> problem = explain(None, Trace((), (), "requested an output size of [10]", "up", None, up), (1, 2, 4))
    >>> problem.message
    'up raised: output_size 10 is outside what it can give from 4: 8..9'
    >>> print(problem.chains[0])
    dim 2: 4; up: (4 − 1)·2 − 2·0 + 1·(2 − 1) + 0 + 1 = 8, up to 9 (stride 2); output_size asks 10
    (the size passed)
    >>> explain(None, Trace((), (), "shape mismatch", "head", None), (1, 2, 4)) is None      # another error
    True
    """
    a = trace.attempt
    if a is not None and a.kind == "upsample":
        return _resize(trace, input_shape, rules)
    if a is None or a.kind != "conv_transpose" or a.params.get("output_size") is None:
        return None
    p = a.params
    size, want = spatial(a.input_shape), tuple(p["output_size"])
    try:
        ranges = shapes.output_size_range(size, p["kernel_size"], p["stride"], p["padding"], p["dilation"])
    except TconvError:
        return None
    if len(ranges) != len(want):
        return None
    source = next((layer for layer in reversed(trace.layers) if spatial(layer.output_shape) == want), None)
    origin = f"the size of {source.where}" if source is not None else "the size passed"
    formulas = arithmetic.transposed_layer(size, p["kernel_size"], p["stride"], p["padding"],
                                           (0,) * len(size), p["dilation"])
    chains = []
    for i, (w, (lo, hi)) in enumerate(zip(want, ranges)):
        if lo <= w <= hi:
            continue
        dim = i + 2
        chain = _walk_text(trace.layers, a.inputs[0] if a.inputs else None, dim, input_shape[dim])
        asked = ""
        if source is not None:
            index = trace.layers.index(source)
            asked = f": {_walk_text(trace.layers, index, dim, input_shape[dim])}"
        chains.append(f"dim {dim}: {chain}; {a.where}: {formulas[i].rsplit(' = ', 1)[0]} = {lo}, up to {hi} "
                      f"(stride {p['stride'][i]}); output_size asks {w} ({origin}{asked})")
    reach = " × ".join(f"{lo}..{hi}" for lo, hi in ranges)
    message = (f"{a.where} raised: output_size {dims(want)} is outside what it can give from {dims(size)}: "
               f"{reach}")
    fixes = []
    plain = tuple(lo + o for (lo, _), o in zip(ranges, p.get("output_padding", (0,) * len(size))))
    if all(w <= g for w, g in zip(want, plain)):
        code, why = _crop_edit(a)
        if code is not None:
            site = a.params["site"]
            patch = [Patch("crop_up", f"@{site.file}:{site.line}")]  # the edited line: every module called there
            after = tracer.trace(input_shape, patch)
            ruled = rule_shapes(input_shape, rules or {})
            tried = ruled if ruled is not None else sample_shapes(input_shape)
            good = [s for s in tried if tracer.trace(s, patch).runs]
            cost = f"the last rows of the upsampled features are dropped ({dims(plain)} cut to {dims(want)} here)"
            checked: list[list[int]] = []
            if after.runs and after.output_shape is not None:
                cost += f"; the output is {dims(spatial(after.output_shape))}"
                cost += f"; {checked_words(good, [s for s in tried if s not in good], ruled is not None)}"
                checked = [list(spatial(s)) for s in good]
            fixes.append(Fix("crop_up", f"call {a.where} without output_size and crop", code, after.runs, cost,
                             a.where, {"output": list(spatial(after.output_shape)) if after.output_shape else [],
                                       "checked": checked}))
        else:
            fixes.append(Fix("crop_up", "", "", False, f"not offered: {why}", a.where, {}))
    return Problem((a.where,), "error", (a.input_shape,), message, tuple(chains), tuple(fixes), ())
