"""Fixes for size mismatches at joins, each re-traced with the fix applied (``verified``) and given as PyTorch code.

Kinds, in the order they are offered:

- ``output_size``: the upsampling layer is told the skip's size (``self.up(x, output_size=skip.shape[-2:])``, or
  ``F.interpolate(x, size=skip.shape[-2:])``): right at every input size;
- ``output_padding``: a constant output_padding on the ConvTranspose, when one works at this size;
- ``pad_input``: the input zero-padded to the nearest size the model accepts, the output cropped back;
- ``pad_up``: the upsampled features zero-padded to the skip's size at the join (what milesial's U-Net does);
- ``crop_skip``: the skip cropped to the upsampled size at the join (what the original U-Net did).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import cast

from .. import shapes
from ..errors import TconvError
from . import fixcode
from .model import AxisSizes, Fix, Layer, Shape
from .rules import Derived
from .trace import Join, Patch, Trace, Tracer, last_resize, spatial
from .writers import dims

__all__ = ["checked_words", "join_fixes", "pad_input_fix", "rule_shapes"]


def _module(where: str) -> str:
    return where.split(":", 1)[0].split("#", 1)[0]


def _attribute(target: str, join_where: str) -> str:
    """``self.up`` for ``up3.up`` seen from ``up3``'s forward; ``self.<path>`` from the model's own forward."""
    owner = _module(join_where)
    path = _module(target)
    if owner and path.startswith(owner + "."):
        path = path[len(owner) + 1:]
    return "self." + ".".join(f"[{p}]" if p.isdigit() else p for p in path.split(".")).replace(".[", "[")


def _shape_slice(nd: int) -> str:
    return f"[-{nd}:]"


def _plans(layers: Sequence[Layer], join: Join) -> tuple[Layer, Layer, int | None]:
    jl = layers[join.layer]
    up = last_resize(layers, _source(jl, join.up))
    return jl, layers[up] if up is not None else jl, up


def _source(jl: Layer, operand: int) -> int | None:
    skip = int(jl.params.get("skip", 0))
    others = [i for i in range(len(jl.params.get("operands", ()))) if i != skip]
    ordered = [skip, *others]  # the join's inputs list the skip first
    return jl.inputs[ordered.index(operand)] if operand in ordered and ordered.index(operand) < len(jl.inputs) \
        else None


def _key(layer: Layer) -> str:
    """What a fix edits for a layer: its source line (every call made there gets the edit), else its where."""
    site = layer.params.get("site")
    return f"@{site.file}:{site.line}" if site is not None else layer.where


def _effect(diffs: Sequence[int]) -> str:
    """What padding the upsampled operand by ``diffs`` does: zeros where positive, a crop where negative."""
    grown = ", ".join(f"{v} on axis {a + 2}" for a, v in enumerate(diffs) if v > 0)
    cut = ", ".join(f"{-v} on axis {a + 2}" for a, v in enumerate(diffs) if v < 0)
    parts = []
    if grown:
        parts.append(f"zeros enter the features at the border ({grown} at this level)")
    if cut:
        parts.append(f"the upsampled features are cropped, their border dropped ({cut} at this level; F.pad's "
                     f"negative amounts crop)")
    return "; ".join(parts)


def candidate_fixes(layers: Sequence[Layer], join: Join, input_shape: Shape) -> list[tuple[Fix, Patch]]:
    """The fixes for one mismatched join, unverified, each with the patch that applies it in a trace.

    A fix kind that does not apply to this join (``output_size`` where the upsampling cannot be told the skip's
    size) is listed with no code, its ``cost`` saying why. Code is written against the model's source where the
    trace saw it (see :mod:`.fixcode`), else in general terms.

    A 1-D model at input size 9: ``up`` (kernel 2, stride 2) gives 8 from 4, and ``cat`` joins it with the input:

    >>> from tconv.doctor.model import Layer
    >>> from tconv.doctor.trace import Join, Trace
    >>> up = Layer("up", "conv_transpose", (1, 2, 4), (1, 2, 8), {"kernel_size": (2,), "stride": (2,), "padding": (0,),
    ...            "dilation": (1,), "in_channels": 2, "out_channels": 2}, inputs=(None,))
    >>> cat = Layer("cat", "cat", (1, 2, 9), (1, 4, 9), {"operands": [(1, 2, 9), (1, 2, 8)], "skip": 0},
    ...             inputs=(None, 0), names=("input", "up"))
    >>> join = Join(layer=1, up=1, skip=0, axes=(2,))          # cat's operand 1 (up, 8) differs from the skip (9)
    >>> found = candidate_fixes([up, cat], join, (1, 2, 9))
    >>> [(fix.kind, fix.values) for fix, patch in found]
    [('output_size', {'output_size': [9]}), ('output_padding', {'output_padding': [1]}),
     ('pad_up', {'pad': [[0, 1]], 'up': 1, 'skip': 0}), ('crop_skip', {'crop': [[0, 1]], 'up': 1, 'skip': 0})]
    >>> print(found[1][0].code)
    # in cat's __init__ (only for inputs of 9):
    self.up = nn.ConvTranspose1d(2, 2, kernel_size=2, stride=2, output_padding=1)
    >>> found[1][1]
    Patch(kind='output_padding', target='up', values=(1,))
    """
    jl, up_layer, up_index = _plans(layers, join)
    operands: Sequence[Shape] = jl.params["operands"]
    up_shape, skip_shape = operands[join.up], operands[join.skip]
    nd = len(skip_shape) - 2
    names = jl.names
    skip_name, up_name = names[join.skip], names[join.up]
    target = spatial(skip_shape)
    found: list[tuple[Fix, Patch]] = []
    owner = _module(jl.where) or "the model"
    site = jl.params.get("site")
    sourced = site is not None and site.readable  # else (ONNX, a model typed at a prompt): the code in general terms
    size_code, why = (None, None)
    if up_index is not None and sourced and up_layer.kind in ("conv_transpose", "upsample"):
        size_code, why = fixcode.size_edit(up_layer, jl, join.skip, nd)
    if up_index is not None and up_layer.kind == "conv_transpose":
        p = up_layer.params
        size = spatial(up_layer.input_shape)
        try:
            ranges = shapes.output_size_range(size, p["kernel_size"], p["stride"], p["padding"], p["dilation"])
        except (TconvError, KeyError):
            ranges = ()
        if ranges and all(lo <= t <= hi for t, (lo, hi) in zip(target, ranges)):
            attr = _attribute(up_layer.where, jl.where)
            code = size_code if sourced else (
                f"# in {owner}'s forward: the upsampled size follows the skip at any input size\n"
                f"x = {attr}(x, output_size=skip.shape{_shape_slice(nd)})")
            found.append((Fix("output_size", f"pass output_size to {up_layer.where}", code or "", False,
                              "none: the upsampled size follows the skip" if code else f"not offered: {why}",
                              up_layer.where, {"output_size": list(target)}),
                          Patch("output_size", up_layer.where, target)))
            op = shapes.output_padding_for(size, target, p["kernel_size"], p["stride"], p["padding"], p["dilation"])
            if all(o <= shapes.output_padding_limit(s, d) for o, s, d in zip(op, p["stride"], p["dilation"])):
                note = f"; only for inputs of {dims(spatial(input_shape))}"
                code, _ = fixcode.constructor(up_layer, op, note) if sourced else (None, None)
                if code is None:
                    cin, cout = p.get("in_channels", "in_channels"), p.get("out_channels", "out_channels")
                    args = [str(cin), str(cout), f"kernel_size={_tuple(p['kernel_size'])}",
                            f"stride={_tuple(p['stride'])}"]
                    if any(p["padding"]):
                        args.append(f"padding={_tuple(p['padding'])}")
                    args.append(f"output_padding={_tuple(op)}")
                    if any(d != 1 for d in p["dilation"]):
                        args.append(f"dilation={_tuple(p['dilation'])}")
                    code = (f"# in {owner}'s __init__ (only for inputs of {dims(spatial(input_shape))}):\n"
                            f"{attr} = nn.ConvTranspose{nd}d({', '.join(args)})")
                found.append((Fix("output_padding", f"set output_padding={_tuple(op)} on {up_layer.where}", code,
                                  False, "only for this input size: other sizes need other values",
                                  up_layer.where, {"output_padding": list(op)}),
                               Patch("output_padding", up_layer.where, op)))
        else:
            reach = " × ".join(f"{lo}..{hi}" for lo, hi in ranges) or "?"
            found.append((Fix("output_size", f"output_size cannot fix {jl.where}", "", False,
                              f"not offered at {jl.where}: {up_layer.where} can give {reach} from "
                              f"{dims(size)}, not the skip's {dims(target)}", jl.where, {}),
                          Patch("output_size", up_layer.where, target)))
    elif up_index is not None and up_layer.kind == "upsample":
        mode = up_layer.params.get("mode", "nearest")
        code = size_code if sourced else (
            f"# in {owner}'s forward, instead of a scale factor: the skip's size\n"
            f"x = F.interpolate(x, size=skip.shape{_shape_slice(nd)}, mode={mode!r})")
        found.append((Fix("output_size", f"interpolate {up_layer.where} to the skip's size", code or "", False,
                          "none: the upsampled size follows the skip" if code else f"not offered: {why}",
                          up_layer.where, {"size": list(target)}),
                      Patch("output_size", up_layer.where, target)))
    else:
        found.append((Fix("output_size", f"output_size cannot fix {jl.where}", "", False,
                          f"not offered at {jl.where}: no ConvTranspose or interpolate made {up_name}'s size",
                          jl.where, {}), Patch("output_size", "", ())))
    diffs = [s - u for s, u in zip(target, spatial(up_shape))]
    pads = ", ".join(f"d[{a}] // 2, d[{a}] - d[{a}] // 2" for a in reversed(range(nd)))
    code, why = fixcode.join_edit(jl, join.up, join.skip, nd, "pad_up") if sourced else (None, None)
    if code is None and not sourced:
        code = (f"# in {owner}'s forward, before the {jl.kind}: zero-pad the upsampled features to the skip's size\n"
                f"d = [s - u for s, u in zip(skip.shape[2:], x.shape[2:])]\n"
                f"x = F.pad(x, [{pads}])")
    rows = ", ".join(f"{abs(v)} on axis {a + 2}" for a, v in enumerate(diffs) if v)
    title = "zero-pad" if all(v >= 0 for v in diffs) else "crop" if all(v <= 0 for v in diffs) else "pad or crop"
    found.append((Fix("pad_up", f"{title} {up_name} to {skip_name}'s size at {jl.where}", code or "", False,
                      _effect(diffs) if code else f"not offered: {why}", jl.where,
                      {"pad": [[v // 2, v - v // 2] for v in diffs], "up": join.up, "skip": join.skip}),
                  Patch("pad_up", _key(jl) if sourced else "*")))
    if all(v >= 0 for v in diffs):
        code, why = fixcode.join_edit(jl, join.up, join.skip, nd, "crop_skip") if sourced else (None, None)
        if code is None and not sourced:
            slices = ", ".join(f"d[{a}] // 2 : d[{a}] // 2 + x.shape[{a + 2}]" for a in range(nd))
            code = (f"# in {owner}'s forward, before the {jl.kind}: crop the skip to the upsampled size\n"
                    f"d = [s - u for s, u in zip(skip.shape[2:], x.shape[2:])]\n"
                    f"skip = skip[..., {slices}]")
        found.append((Fix("crop_skip", f"crop {skip_name} to {up_name}'s size at {jl.where}", code or "", False,
                          f"the skip's border is dropped ({rows} at this level)" if code else f"not offered: {why}",
                          jl.where, {"crop": [[v // 2, v - v // 2] for v in diffs], "up": join.up,
                                     "skip": join.skip}),
                      Patch("crop_skip", _key(jl) if sourced else "*")))
    return found


def _tuple(values: Sequence[int]) -> str:
    values = tuple(int(v) for v in values)
    return str(values[0]) if len(set(values)) == 1 else str(values)


#: Fix kinds that follow the sizes (no number of the diagnosed size in their code): checked at other sizes too.
FOLLOWING = ("output_size", "pad_up", "crop_skip")


def sample_shapes(input_shape: Shape) -> list[Shape]:
    """Input shapes near ``input_shape`` a size-following fix is checked at: each spatial axis moved by -3..3
    alone (the others as asked, so non-square), and all of them moved together by 1 and by 2.

    >>> sample_shapes((1, 3, 5, 8))[:3], len(sample_shapes((1, 3, 5, 8)))
    ([(1, 3, 5, 8), (1, 3, 2, 8), (1, 3, 3, 8)], 15)
    """
    found = [tuple(input_shape)]
    nd = len(input_shape) - 2
    for axis in range(2, len(input_shape)):
        for delta in (-3, -2, -1, 1, 2, 3):
            shape = list(input_shape)
            shape[axis] += delta
            found.append(tuple(shape))
    if nd > 1:
        for delta in (1, 2):
            found.append((*input_shape[:2], *(v + delta for v in input_shape[2:])))
    return [s for s in dict.fromkeys(found) if min(s[2:]) >= 1]


def rule_shapes(input_shape: Shape, rules: Mapping[int, Derived]) -> list[Shape] | None:
    """Input shapes a size-following fix is checked at, chosen from each axis's derived rule (None unless every
    spatial axis has one): the rule's minimum and the sizes just past it, half a period and a period on, a few
    periods out, and around the request, each axis alone (the others as asked); then across axes: every axis at
    its smallest and at its next sizes, and each axis small while the others are large (non-square).

    >>> shapes_ = rule_shapes((1, 3, 50, 75), {2: Derived(16, (0,), 16, ""), 3: Derived(16, (0,), 16, "")})
    >>> len(shapes_), shapes_[:4], shapes_[-1]
    (26, [(1, 3, 50, 75), (1, 3, 16, 75), (1, 3, 17, 75), (1, 3, 18, 75)], (1, 3, 111, 17))
    """
    if any(rules.get(d) is None or rules[d].minimum is None for d in range(2, len(input_shape))):
        return None
    per: dict[int, list[int]] = {}
    for d in range(2, len(input_shape)):
        rule = rules[d]
        m, p, n = cast(int, rule.minimum), rule.period, input_shape[d]
        per[d] = sorted(s for s in {m, m + 1, m + 2, m + p // 2, m + p - 1, m + p, m + 3 * p + 1,
                                    m + 6 * p - 1, n - 1, n, n + 1} if s >= m)
    head = tuple(input_shape[:2])
    found = [tuple(input_shape)]
    for d, sizes in per.items():
        found += [tuple(s if a == d else v for a, v in enumerate(input_shape)) for s in sizes]
    if len(per) > 1:
        for pick in (0, 1, 2):
            found.append((*head, *(sizes[pick] for sizes in per.values())))
        for d in per:  # one axis at its smallest but one, the others at their largest: non-square
            found.append((*head, *(sizes[1] if a == d else sizes[-1] for a, sizes in per.items())))
    return list(dict.fromkeys(found))


def _listing(shapes_: Sequence[Shape]) -> str:
    nd = len(shapes_[0]) - 2
    axes = "; ".join(f"dim {a + 2}: {', '.join(map(str, sorted({s[2 + a] for s in shapes_})))}" for a in range(nd))
    return axes + ("; each axis alone and across axes" if nd > 1 else "")


def checked_words(good: Sequence[Shape], bad: Sequence[Shape], ruled: bool) -> str:
    """Where a size-following fix was checked, in words: every size of the rule's sample (``ruled``) or of the
    nearby one, or how many of them ran and which did not.

    >>> checked_words([(1, 1, 16), (1, 1, 17)], [], True)
    'verified at 2 input sizes sampled from the rule (dim 2: 16, 17)'
    >>> checked_words([(1, 1, 6), (1, 1, 7)], [(1, 1, 8)], False)
    'runs at 2 of 3 input sizes tried (6..8); not at 8'
    """
    if not bad:
        return f"verified at {len(good)} input sizes sampled from the rule ({_listing(good)})" if ruled else \
            f"verified at {len(good)} input sizes ({_span(good)})"
    tried = list(good) + list(bad)
    return (f"runs at {len(good)} of {len(tried)} input sizes tried ({_listing(tried) if ruled else _span(tried)}); "
            f"not at {', '.join(dims(spatial(s)) for s in bad[:4])}{', …' if len(bad) > 4 else ''}")


def _patches_at(kind: str, trace: Trace | None, keys: set[str]) -> list[Patch]:
    """The patches of ``kind`` at one size: the edited lines' (every join or upsampling the edit reaches); an
    ``output_size`` edit needs the plain ``trace`` at that size, for the skips' sizes."""
    if kind != "output_size" or trace is None:
        return [Patch(kind, k if k.startswith("@") else "*") for k in sorted(keys)] if kind != "output_size" else []
    found = []
    for j in trace.joins:
        _, up, index = _plans(trace.layers, j)
        if index is not None and _key(up) in keys:
            found.append(Patch("output_size", up.where, spatial(trace.layers[j.layer].params["operands"][j.skip])))
    return found


def check_sizes(tracer: Tracer, kind: str, keys: set[str], input_shape: Shape,
                shapes_: Sequence[Shape] | None = None) -> tuple[list[Shape], list[Shape]]:
    """The sample shapes (:func:`sample_shapes`) at which the model runs with the fix, and those where it does
    not, each traced with the fix's edits as they act at that size.

    A stand-in for a model that runs at even sizes, and at odd ones below 11 with the ``pad_up`` edit of its
    line 7:

    >>> from tconv.doctor.trace import Join, Patch, Trace
    >>> class Even:
    ...     source = "example"
    ...     def trace(self, input_shape, patches=()):
    ...         ok = input_shape[2] % 2 == 0 or (Patch("pad_up", "@net.py:7") in patches and input_shape[2] < 11)
    ...         return Trace((), () if ok else (Join(0, 0, 1, (2,)),), None, None, input_shape)
    >>> check_sizes(Even(), "pad_up", {"@net.py:7"}, (1, 2, 9))
    ([(1, 2, 9), (1, 2, 6), (1, 2, 7), (1, 2, 8), (1, 2, 10), (1, 2, 12)], [(1, 2, 11)])
    """
    good: list[Shape] = []
    bad: list[Shape] = []
    for shape in shapes_ if shapes_ is not None else sample_shapes(input_shape):
        if kind != "output_size":  # a join's edit acts only where it mismatches: one trace, with the edits
            (good if tracer.trace(shape, _patches_at(kind, None, keys)).runs else bad).append(shape)
            continue
        plain = tracer.trace(shape)
        if plain.runs:
            good.append(shape)
            continue
        after = tracer.trace(shape, _patches_at(kind, plain, keys))
        (good if after.runs else bad).append(shape)
    return good, bad


def _span(shapes_: Sequence[Shape]) -> str:
    nd = len(shapes_[0]) - 2
    span = " × ".join(f"{min(s[2 + a] for s in shapes_)}..{max(s[2 + a] for s in shapes_)}" for a in range(nd))
    return span + (": each axis alone and all together" if nd > 1 else "")


def _follow(tracer: Tracer, kind: str, input_shape: Shape, patches: list[Patch], after: Trace,
            extra: dict[str, list[Fix]]) -> Trace:
    """Cropping or padding at a join changes the sizes after it, so a join further on may mismatch in turn (an
    attention gate's ``x * psi``): its line is edited too, until the model runs or a join cannot take the edit."""
    keys = {p.target for p in patches}
    for _ in range(16):
        if after.runs or after.error is not None:
            break
        new = []
        for j in after.joins:
            found = [f for f, _ in candidate_fixes(after.layers, j, input_shape) if f.kind == kind and f.code]
            key = _key(after.layers[j.layer])
            if not found or key in keys:
                return after
            new.append(replace(found[0], values={**found[0].values, "key": key}))
        keys |= {f.values["key"] for f in new}
        extra.setdefault(kind, []).extend(new)
        after = tracer.trace(input_shape, [Patch(kind, k) for k in sorted(keys)])
    return after


def join_fixes(tracer: Tracer, trace: Trace, input_shape: Shape,
               rules: Mapping[int, Derived] | None = None) -> list[list[Fix]]:
    """Fixes for each mismatched join of ``trace``, verified: with the same kind applied at every join that has one,
    the re-trace has no error and no mismatch anywhere. A kind that some join cannot take is verified nowhere
    (it does not make the model run alone); its entry at that join says why. A kind whose code follows the sizes
    (:data:`FOLLOWING`) is then checked at the sizes of :func:`sample_shapes`, and its cost says where it ran.

    The model of :func:`candidate_fixes`, traced by a stand-in that any patch repairs, where cropping the skip
    also shortens the model's output:

    >>> from tconv.doctor.model import Layer
    >>> from tconv.doctor.trace import Join, Trace
    >>> up = Layer("up", "conv_transpose", (1, 2, 4), (1, 2, 8), {"kernel_size": (2,), "stride": (2,), "padding": (0,),
    ...            "dilation": (1,), "in_channels": 2, "out_channels": 2}, inputs=(None,))
    >>> cat = Layer("cat", "cat", (1, 2, 9), (1, 4, 9), {"operands": [(1, 2, 9), (1, 2, 8)], "skip": 0},
    ...             inputs=(None, 0), names=("input", "up"))
    >>> join = Join(layer=1, up=1, skip=0, axes=(2,))          # cat's operand 1 (up, 8) differs from the skip (9)
    >>> class StandIn:
    ...     source = "example"
    ...     def trace(self, input_shape, patches=()):
    ...         if not patches:
    ...             return Trace((up, cat), (join,), None, None, (1, 4, 9))
    ...         return Trace((up, cat), (), None, None, (1, 4, 8) if patches[0].kind == "crop_skip" else (1, 4, 9))
    >>> fixes, = join_fixes(StandIn(), StandIn().trace((1, 2, 9)), (1, 2, 9))
    >>> [(fix.kind, fix.verified) for fix in fixes]
    [('output_size', True), ('output_padding', True), ('pad_up', True), ('crop_skip', True)]
    >>> fixes[-1].cost
    "the skip's border is dropped (1 on axis 2 at this level); the output is 8 instead of 9; verified at 7 input sizes \
(6..12)"
    """
    candidates = [candidate_fixes(trace.layers, j, input_shape) for j in trace.joins]
    kinds = list(dict.fromkeys(f.kind for c in candidates for f, _ in c))
    outcome: dict[str, Trace] = {}
    complete: dict[str, bool] = {}
    extra: dict[str, list[Fix]] = {}  # joins the fix's edits make mismatch in turn: edited too
    for kind in kinds:
        offered = [(f, p) for c in candidates for f, p in c if f.kind == kind]
        complete[kind] = all(f.code for f, _ in offered) and len(offered) == len(candidates)
        patches = list(dict.fromkeys(p for f, p in offered if f.code))
        outcome[kind] = tracer.trace(input_shape, patches)
        if kind in ("pad_up", "crop_skip") and complete[kind]:
            outcome[kind] = _follow(tracer, kind, input_shape, patches, outcome[kind], extra)
    sampled: dict[str, str] = {}
    checked: dict[str, list[list[int]]] = {}
    ruled = rule_shapes(input_shape, rules or {})
    for kind in kinds:
        if kind in FOLLOWING and complete[kind] and outcome[kind].runs:
            keys = {_key(_plans(trace.layers, j)[1]) if kind == "output_size" else _key(trace.layers[j.layer])
                    for j in trace.joins}
            keys |= {f.values["key"] for f in extra.get(kind, ())}
            good, bad = check_sizes(tracer, kind, keys, input_shape, ruled)
            sampled[kind] = checked_words(good, bad, ruled is not None)
            checked[kind] = [list(spatial(s)) for s in good]
    result = []
    for n, (_j, c) in enumerate(zip(trace.joins, candidates)):
        fixes = []
        listed = [f for f, _ in c]
        if n == len(candidates) - 1:
            listed += [f for k in kinds for f in extra.get(k, ())]
        for fix in listed:
            after = outcome[fix.kind]
            ok = bool(fix.code) and complete[fix.kind] and after.runs
            cost = fix.cost
            values = dict(fix.values)
            if ok and after.output_shape is not None:
                values["output"] = list(spatial(after.output_shape))
                out, want = spatial(after.output_shape), spatial(input_shape)
                cost += f"; the output is {dims(out)} instead of {dims(want)}" if out != want else \
                    f"; the output is {dims(out)}"
            if ok and fix.kind in sampled:
                cost += f"; {sampled[fix.kind]}"
                values["checked"] = checked[fix.kind]  # the input sizes it ran at, fix applied
            fixes.append(replace(fix, verified=ok, cost=cost, values=values))
        result.append(fixes)
    return result


def pad_input_fix(tracer: Tracer, input_shape: Shape, valid: dict[int, AxisSizes]) -> Fix | None:
    """Zero-pad the input to the nearest accepted size at or above it on each axis, run, crop the output back.

    A stand-in tracer for a model that needs the rows to be a multiple of 8 and keeps the input's size:

    >>> from tconv.doctor.sizes import sweep
    >>> from tconv.doctor.trace import Join, Trace
    >>> class Rows8:
    ...     source = "example"
    ...     def trace(self, input_shape, patches=()):
    ...         ok = input_shape[2] % 8 == 0
    ...         return Trace((), () if ok else (Join(1, 0, 1, (2,)),), None, None, input_shape if ok else None)
    >>> fix = pad_input_fix(Rows8(), (1, 3, 30, 30), sweep(Rows8(), (1, 3, 30, 30), (20, 40)))
    >>> fix.title, fix.verified, fix.values
    ('pad the input to 32×30', True, {'pad': [[1, 1], [0, 0]], 'size': [32, 30]})
    >>> print(fix.code)
    # zero-pad 30×30 to 32×30 (F.pad lists the last axis first)
    x = F.pad(x, (0, 0, 1, 1))
    y = model(x)
    y = y[..., 1:31, 0:30]  # back to 30×30
    """
    target = []
    for d in range(2, len(input_shape)):
        sizes = valid.get(d)
        above = [v for v in (sizes.nearest if sizes else ()) if v >= input_shape[d]]
        if not above:
            return None
        target.append(above[0])
    if tuple(target) == spatial(input_shape):
        return None
    padded = (*input_shape[:2], *target)
    after = tracer.trace(padded)
    pads = [(t - n) // 2 for t, n in zip(target, spatial(input_shape))]
    ends = [t - n - b for t, n, b in zip(target, spatial(input_shape), pads)]
    flat = ", ".join(f"{b}, {e}" for b, e in reversed(list(zip(pads, ends))))
    lines = [f"# zero-pad {dims(spatial(input_shape))} to {dims(target)} (F.pad lists the last axis first)",
             f"x = F.pad(x, ({flat}))", "y = model(x)"]
    cost = "the border sees zeros; costs the extra rows of compute"
    if after.output_shape is not None and spatial(after.output_shape) == tuple(target):
        crop = ", ".join(f"{b}:{t - e}" for b, t, e in zip(pads, target, ends))
        lines.append(f"y = y[..., {crop}]  # back to {dims(spatial(input_shape))}")
    elif after.output_shape is not None:
        cost += f"; the output is {dims(spatial(after.output_shape))} (crop it to your needs)"
    return Fix("pad_input", f"pad the input to {dims(target)}", "\n".join(lines), after.runs, cost, "input",
               {"pad": [[b, e] for b, e in zip(pads, ends)], "size": list(target)})
