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

from collections.abc import Sequence
from dataclasses import replace

from .. import shapes
from ..errors import TconvError
from .model import AxisSizes, Fix, Layer, Shape
from .trace import Join, Patch, Trace, Tracer, last_resize, spatial
from .writers import dims

__all__ = ["join_fixes", "pad_input_fix"]


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


def candidate_fixes(layers: Sequence[Layer], join: Join, input_shape: Shape) -> list[tuple[Fix, Patch]]:
    """The fixes for one mismatched join, unverified, each with the patch that applies it in a trace.

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
    if up_index is not None and up_layer.kind == "conv_transpose":
        p = up_layer.params
        size = spatial(up_layer.input_shape)
        try:
            ranges = shapes.output_size_range(size, p["kernel_size"], p["stride"], p["padding"], p["dilation"])
        except (TconvError, KeyError):
            ranges = ()
        if ranges and all(lo <= t <= hi for t, (lo, hi) in zip(target, ranges)):
            attr = _attribute(up_layer.where, jl.where)
            code = (f"# in {owner}'s forward: the upsampled size follows the skip at any input size\n"
                    f"x = {attr}(x, output_size=skip.shape{_shape_slice(nd)})")
            found.append((Fix("output_size", f"pass output_size to {up_layer.where}", code, False,
                              "none: right for every input size", up_layer.where, {"output_size": list(target)}),
                          Patch("output_size", up_layer.where, target)))
            op = shapes.output_padding_for(size, target, p["kernel_size"], p["stride"], p["padding"], p["dilation"])
            if all(o <= shapes.output_padding_limit(s, d) for o, s, d in zip(op, p["stride"], p["dilation"])):
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
    elif up_index is not None and up_layer.kind == "upsample":
        mode = up_layer.params.get("mode", "nearest")
        code = (f"# in {owner}'s forward, instead of a scale factor: the skip's size\n"
                f"x = F.interpolate(x, size=skip.shape{_shape_slice(nd)}, mode={mode!r})")
        found.append((Fix("output_size", f"interpolate {up_layer.where} to the skip's size", code, False,
                          "none: right for every input size", up_layer.where, {"size": list(target)}),
                       Patch("output_size", up_layer.where, target)))
    diffs = [s - u for s, u in zip(target, spatial(up_shape))]
    pads = ", ".join(f"d[{a}] // 2, d[{a}] - d[{a}] // 2" for a in reversed(range(nd)))
    code = (f"# in {owner}'s forward, before the {jl.kind}: zero-pad the upsampled features to the skip's size\n"
            f"d = [s - u for s, u in zip(skip.shape[2:], x.shape[2:])]\n"
            f"x = F.pad(x, [{pads}])")
    rows = ", ".join(f"{abs(v)} on axis {a + 2}" for a, v in enumerate(diffs) if v)
    found.append((Fix("pad_up", f"zero-pad {up_name} to {skip_name}'s size at {jl.where}", code, False,
                      f"zeros enter the features at the border ({rows} at this level)", jl.where,
                      {"pad": [[v // 2, v - v // 2] for v in diffs], "up": join.up, "skip": join.skip}),
                  Patch("pad_up", jl.where)))
    if all(v >= 0 for v in diffs):
        slices = ", ".join(f"d[{a}] // 2 : d[{a}] // 2 + x.shape[{a + 2}]" for a in range(nd))
        code = (f"# in {owner}'s forward, before the {jl.kind}: crop the skip to the upsampled size\n"
                f"d = [s - u for s, u in zip(skip.shape[2:], x.shape[2:])]\n"
                f"skip = skip[..., {slices}]")
        found.append((Fix("crop_skip", f"crop {skip_name} to {up_name}'s size at {jl.where}", code, False,
                          f"the skip's border is dropped ({rows} at this level)", jl.where,
                          {"crop": [[v // 2, v - v // 2] for v in diffs], "up": join.up, "skip": join.skip}),
                      Patch("crop_skip", jl.where)))
    return found


def _tuple(values: Sequence[int]) -> str:
    values = tuple(int(v) for v in values)
    return str(values[0]) if len(set(values)) == 1 else str(values)


def join_fixes(tracer: Tracer, trace: Trace, input_shape: Shape) -> list[list[Fix]]:
    """Fixes for each mismatched join of ``trace``, verified: with the same kind applied at every join that has one,
    the re-trace has no mismatch at this join and no error.

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
    "the skip's border is dropped (1 on axis 2 at this level); the output is 8 instead of 9"
    """
    candidates = [candidate_fixes(trace.layers, j, input_shape) for j in trace.joins]
    kinds = list(dict.fromkeys(f.kind for c in candidates for f, _ in c))
    outcome: dict[str, Trace] = {}
    for kind in kinds:
        # the join fixes go in the forward of the block that joins, so they act at every join ("*")
        patches = [Patch(kind, "*")] if kind in ("crop_skip", "pad_up") else \
            [p for c in candidates for f, p in c if f.kind == kind]
        outcome[kind] = tracer.trace(input_shape, patches)
    result = []
    for _j, c in zip(trace.joins, candidates):
        fixes = []
        for fix, _ in c:
            after = outcome[fix.kind]
            ok = after.runs  # the model runs with it: no mismatch left anywhere, no error
            cost = fix.cost
            if fix.kind == "crop_skip" and ok and after.output_shape is not None:
                cost += f"; the output is {dims(spatial(after.output_shape))} instead of " \
                        f"{dims(spatial(input_shape))}" if after.runs and \
                    spatial(after.output_shape) != spatial(input_shape) else ""
            fixes.append(replace(fix, verified=ok, cost=cost))
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
