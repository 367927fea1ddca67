"""Tracing an ONNX model's shapes with ONNX shape inference, at any input shape (a dynamic batch included).

The model's input is given the requested shape and shape inference fills in every tensor. A join (Concat, Add,
Mul...) whose operands differ in spatial size stops inference there; the trace records it, inserts a ``Pad``
(negative pads crop) that makes the upsampled operand match the skip, and infers again, so one trace finds every
failure point. Weights are dropped first (inference only needs their shapes), so a trace is quick at any model
size. Layers are named by their PyTorch module path when the exporter kept it (node metadata or the legacy
exporter's node names).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._extras import install_hint
from ..errors import TconvError
from ..frameworks.onnx import load_model, node_scopes
from . import arithmetic
from .model import Layer, Shape
from .trace import Join, Patch, Trace, mismatched_axes, pick_up_operand

__all__ = ["OnnxTracer"]

KINDS = {"Conv": "conv", "ConvTranspose": "conv_transpose", "MaxPool": "pool", "AveragePool": "pool",
         "Resize": "upsample", "Upsample": "upsample", "Pad": "pad", "Concat": "cat", "Add": "add", "Sub": "add",
         "Mul": "mul", "Div": "mul", "Sum": "add"}
JOINS = frozenset({"cat", "add", "mul"})
#: Initializers up to this many elements keep their values (shape arithmetic, Resize scales, Pad amounts).
SMALL = 64
PREFIX = "tconv_doctor/"
#: The function a torch trace names a layer by when a module's forward calls it (``blocks.0:interpolate``).
FUNCTIONS = {"Conv": "conv{}d", "ConvTranspose": "conv_transpose{}d", "MaxPool": "max_pool{}d",
             "AveragePool": "avg_pool{}d", "Resize": "interpolate", "Upsample": "interpolate", "Pad": "pad"}


def _attrs(node: Any) -> dict[str, Any]:
    from onnx import helper

    out = {}
    for a in node.attribute:
        value = helper.get_attribute_value(a)
        out[a.name] = value.decode() if isinstance(value, bytes) else value
    return out


class OnnxTracer:
    """Traces an ONNX model (``ModelProto`` or path) by shape inference; ``trace(shape, patches)`` → Trace.

    A model whose pooling floors 9 to 4, so that the upsampled 8 cannot join the input's 9:

    >>> from onnx import TensorProto, helper
    >>> nodes = [helper.make_node("MaxPool", ["X"], ["p"], name="down", kernel_shape=[2], strides=[2]),
    ...          helper.make_node("ConvTranspose", ["p", "W"], ["u"], name="up", strides=[2]),
    ...          helper.make_node("Concat", ["X", "u"], ["Y"], name="cat", axis=1)]
    >>> x = helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 2, "L"])          # L: any length
    >>> graph = helper.make_graph(nodes, "net", [x], [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
    ...                           [helper.make_tensor("W", TensorProto.FLOAT, [2, 2, 2], [0.0] * 8)])
    >>> tracer = OnnxTracer(helper.make_model(graph))
    >>> [(layer.where, layer.kind, layer.output_shape) for layer in tracer.trace((1, 2, 9)).layers]
    [('down', 'pool', (1, 2, 4)), ('up', 'conv_transpose', (1, 2, 8)), ('cat', 'cat', (1, 4, 9))]
    """

    source = "onnx"

    def __init__(self, model: Any) -> None:
        try:
            import onnx
        except ImportError:
            raise TconvError(f"tracing ONNX models needs the onnx package: {install_hint('onnx')}") from None
        self._onnx = onnx
        model = load_model(model)  # the one loader: `tconv onnx` and the doctor refuse the same files alike
        base = onnx.ModelProto()
        base.CopyFrom(model)
        graph = base.graph
        inits = {i.name for i in graph.initializer}
        inputs = [i for i in graph.input if i.name not in inits]
        if not inputs:
            raise TconvError("model has no input to trace: its graph lists no input other than its weights")
        self.input_name = inputs[0].name
        self.declared = tuple(d.dim_value if d.HasField("dim_value") else d.dim_param for d in
                              inputs[0].type.tensor_type.shape.dim)
        kept = []
        for init in graph.initializer:  # weights become inputs of their shape: inference needs no values
            count = 1
            for d in init.dims:
                count *= d
            if count <= SMALL:
                kept.append(init)
            else:
                graph.input.append(onnx.helper.make_tensor_value_info(init.name, init.data_type, list(init.dims)))
        del graph.initializer[:]
        graph.initializer.extend(kept)
        del graph.value_info[:]
        for out in graph.output:
            for d in out.type.tensor_type.shape.dim:
                d.Clear()
        self.base = base
        self.opset = max((o.version for o in base.opset_import if o.domain in ("", "ai.onnx")), default=11)
        self.derived = self._derived()
        self.scopes = _repeated_calls(graph, {self._key(node, i): node_scopes(node)
                                              for i, node in enumerate(graph.node)})
        # whose output each node's output is (a folded BatchNorm's, for the ConvTranspose it was folded into)
        self.producers = _repeated_calls(graph, {self._key(node, i): node_scopes(node, producer=True)
                                                 for i, node in enumerate(graph.node)})
        self.names = self._names()
        self.consumers: dict[str, list[str]] = {}  # tensor → the module paths of the nodes that read it
        for i, node in enumerate(graph.node):
            scopes = self.scopes[self._key(node, i)]
            for name in node.input:
                if scopes is not None:
                    self.consumers.setdefault(name, []).append(scopes[-1] if scopes else "")
        self.notes: tuple[str, ...] = ()

    def _derived(self) -> set[str]:
        """The tensors computed from the model's input: the others (weights, constants, what a weight norm computes
        from its parameters) are no layer's data and no join's operand."""
        derived = {self.input_name}
        for node in self.base.graph.node:
            if any(i in derived for i in node.input):
                derived.update(node.output)
        return derived

    def _names(self) -> dict[str, str]:
        """Node name (or index) → where, as the torch trace names it: the module path of a layer (``up3.up``), the
        module and the function for a layer its forward calls (``blocks.0:interpolate``) and for a join
        (``up3:cat``); the n-th of a name gets ``#n``."""
        nd = max(len(self.declared) - 2, 1)
        paths = {tuple(s) for s in self.scopes.values() if s}
        inner = {p[i] for p in paths for i in range(len(p) - 1)}  # modules that hold other modules' nodes
        count: dict[str, int] = {}
        names = {}
        for i, node in enumerate(self.base.graph.node):
            key = self._key(node, i)
            kind = KINDS.get(node.op_type)
            scopes = self.scopes[key]
            path = None if scopes is None else scopes[-1] if scopes else ""
            data = sum(1 for x in node.input if x in self.derived)
            if kind is None or data == 0 or (kind in JOINS and data < 2):  # not a layer: named, never counted
                names[key] = node.name or f"{node.op_type}_{i}"
                continue
            function = kind if kind in JOINS else FUNCTIONS.get(node.op_type, kind).format(nd)
            if path is None:
                base = node.name or f"{node.op_type}_{i}"
            elif kind in JOINS or not path or path in inner:
                base = f"{path}:{function}" if path else function
            else:
                base = path
            n = count.get(base, 0) + 1
            count[base] = n
            names[key] = base if n == 1 else f"{base}#{n}"
        return names

    @staticmethod
    def _key(node: Any, index: int) -> str:
        return node.name or f"#{index}"

    # ------------------------------------------------------------------------------------------------ trace

    def _model_at(self, input_shape: Shape) -> Any:
        onnx = self._onnx
        m = onnx.ModelProto()
        m.CopyFrom(self.base)
        for vi in m.graph.input:
            if vi.name == self.input_name:
                dims = vi.type.tensor_type.shape.dim
                if len(dims) != len(input_shape):
                    raise TconvError(f"input_shape {list(input_shape)} has {len(input_shape)} dimensions but the "
                                     f"model's input {vi.name!r} has {len(dims)}: {list(self.declared)}")
                for d, v in zip(dims, input_shape):
                    d.Clear()
                    d.dim_value = int(v)
        for i, node in enumerate(m.graph.node):  # the original key survives the nodes the trace inserts
            if not node.name:
                node.name = f"{PREFIX}node/{i}"
        return m

    def _infer(self, m: Any) -> dict[str, Shape | None]:
        from onnx import shape_inference

        try:
            inferred = shape_inference.infer_shapes(m, data_prop=True)
        except Exception:  # inference refused the graph: what the model declares is all there is
            inferred = m
        shapes: dict[str, Shape | None] = {}
        g = inferred.graph
        for vi in [*g.input, *g.value_info, *g.output]:
            tt = vi.type.tensor_type
            if not tt.HasField("shape"):
                continue
            dims = tt.shape.dim
            known = all(d.HasField("dim_value") for d in dims)
            shapes[vi.name] = tuple(d.dim_value for d in dims) if known else None
        for init in g.initializer:
            shapes[init.name] = tuple(init.dims)
        return shapes

    def _pad(self, m: Any, index: int, tensor: str, begin: Sequence[int], end: Sequence[int]) -> str:
        """Insert a Pad of ``tensor`` before node ``index``; returns the padded tensor's name."""
        onnx = self._onnx
        name = f"{PREFIX}pad/{len(m.graph.node)}"
        pads = [*begin, *end]
        if self.opset >= 11:
            m.graph.initializer.append(onnx.helper.make_tensor(name + "/pads", onnx.TensorProto.INT64, [len(pads)],
                                                               pads))
            node = onnx.helper.make_node("Pad", [tensor, name + "/pads"], [name], name=name)
        else:
            node = onnx.helper.make_node("Pad", [tensor], [name], name=name, pads=pads)
        m.graph.node.insert(index, node)
        return str(name)

    def trace(self, input_shape: Shape, patches: Sequence[Patch] = ()) -> Trace:
        """Infer the model's shapes at ``input_shape`` with ``patches`` applied (on a copy of the model).

        The model of :class:`OnnxTracer`: 9 fails at the join, 8 runs, and so does 9 with ``output_size=9`` given
        to ``up``:

        >>> from onnx import TensorProto, helper
        >>> nodes = [helper.make_node("MaxPool", ["X"], ["p"], name="down", kernel_shape=[2], strides=[2]),
        ...          helper.make_node("ConvTranspose", ["p", "W"], ["u"], name="up", strides=[2]),
        ...          helper.make_node("Concat", ["X", "u"], ["Y"], name="cat", axis=1)]
        >>> x = helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 2, "L"])          # L: any length
        >>> graph = helper.make_graph(nodes, "net", [x], [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
        ...                           [helper.make_tensor("W", TensorProto.FLOAT, [2, 2, 2], [0.0] * 8)])
        >>> tracer = OnnxTracer(helper.make_model(graph))
        >>> tracer.trace((1, 2, 9)).joins, tracer.trace((1, 2, 8)).output_shape
        ((Join(layer=2, up=1, skip=0, axes=(2,)),), (1, 4, 8))
        >>> tracer.trace((1, 2, 9), [Patch("output_size", "up", (9,))]).runs
        True
        """
        m = self._model_at(input_shape)
        wanted = {(p.kind, p.target): p for p in patches}
        done: set[str] = set()
        recorded: dict[str, tuple[Shape, ...]] = {}
        found: dict[str, Join] = {}
        for _ in range(4 * len(m.graph.node) + 4):
            shapes = self._infer(m)
            result = self._walk(m, shapes, wanted, done, recorded, found)
            if result is not None:
                return result
        raise TconvError("ONNX trace did not settle: the graph keeps changing under repair")  # pragma: no cover

    def _walk(self, m: Any, shapes: dict[str, Shape | None], wanted: dict[tuple[str, str], Patch],
              done: set[str], recorded: dict[str, tuple[Shape, ...]], found: dict[str, Join]) -> Trace | None:
        """One pass over the nodes; None when it changed the graph (infer again), else the finished trace."""
        layers: list[Layer] = []
        # each tensor computed from the input: the layer that made it, and the modules it was made in (its owner)
        source: dict[str, int | None] = {self.input_name: None}
        owner: dict[str, tuple[str, ...]] = {self.input_name: ()}
        original: dict[str, str] = {}  # a Pad the trace inserted → the tensor it pads (whose readers are known)
        joins: list[Join] = []
        stuck: tuple[str, str] | None = None
        odd: list[str] = []  # what ONNX Runtime computes and PyTorch refuses: empty tensors, windows past the input
        for index, node in enumerate(m.graph.node):
            if node.name.startswith(PREFIX + "pad/"):
                source[node.output[0]] = source.get(node.input[0])
                owner[node.output[0]] = owner.get(node.input[0], ())
                original[node.output[0]] = original.get(node.input[0], node.input[0])
                continue
            data = [i for i in node.input if i and i in source]
            if not data:  # weights and constants: computed from no input, so not the model's data
                continue
            key = "#" + node.name.rsplit("/", 1)[-1] if node.name.startswith(PREFIX + "node/") else node.name
            where = self.names.get(key, node.name)
            kind = KINDS.get(node.op_type)
            ins = [shapes.get(i) for i in node.input]
            outs = [shapes.get(o) for o in node.output]
            scopes = self.scopes.get(key)
            path = scopes[-1] if scopes else ""
            producer = self.producers.get(key)
            positions = [k for k, i in enumerate(node.input) if i and i in source]  # the operands: data only
            operand_shapes: list[Shape] = [shape for k in positions if (shape := ins[k]) is not None]
            if kind in JOINS and len(positions) >= 2 and len(operand_shapes) == len(positions) and \
                    len({len(shape) for shape in operand_shapes}) == 1 and len(operand_shapes[0]) >= 3:
                cat_dim = None
                if kind == "cat":
                    axis = int(_attrs(node).get("axis", 1))
                    cat_dim = axis % len(operand_shapes[0]) if operand_shapes[0] else None
                axes = mismatched_axes(operand_shapes, broadcast=kind != "cat", skip_dim=cat_dim)
                sources = [source.get(node.input[k]) for k in positions]
                names = tuple(_operand_name(owner.get(node.input[k], ()),
                                            self.consumers.get(original.get(node.input[k], node.input[k]), []))
                              for k in positions)
                if axes and where not in done:
                    up, skip = pick_up_operand(layers, sources)
                    for kind_ in ("crop_skip", "pad_up"):
                        if (kind_, "*") in wanted:
                            wanted[(kind_, where)] = wanted[(kind_, "*")]
                    recorded[where] = tuple(operand_shapes)
                    if ("crop_skip", where) in wanted:
                        i, target = skip, operand_shapes[up]
                    elif ("pad_up", where) in wanted:
                        i, target = up, operand_shapes[skip]
                    else:
                        i, target = up, operand_shapes[skip]
                        found[where] = Join(-1, up, skip, axes)
                    centre = ("crop_skip", where) in wanted or ("pad_up", where) in wanted
                    begin, end = [], []
                    for d, n in enumerate(operand_shapes[i]):
                        diff = target[d] - n if d in axes else 0
                        b = (diff // 2 if diff >= 0 else -((-diff) // 2)) if centre else 0
                        begin.append(b)
                        end.append(diff - b)
                    node.input[positions[i]] = self._pad(m, index, node.input[positions[i]], begin, end)
                    done.add(where)
                    return None
                if where in recorded:
                    up_skip = found.get(where)
                    first = recorded[where]
                    up_i, skip_i = (up_skip.up, up_skip.skip) if up_skip else pick_up_operand(layers, sources)
                    order = [skip_i, *(k for k in range(len(sources)) if k != skip_i)]
                    layers.append(Layer(where, kind, first[skip_i], outs[0] or first[skip_i],
                                        {"operands": first, "up": up_i, "skip": skip_i},
                                        (), tuple(sources[k] for k in order), names))
                    if up_skip is not None:
                        joins.append(Join(len(layers) - 1, up_skip.up, up_skip.skip, up_skip.axes))
                else:
                    up_i, skip_i = pick_up_operand(layers, sources)
                    order = [skip_i, *(k for k in range(len(sources)) if k != skip_i)]
                    layers.append(Layer(where, kind, operand_shapes[skip_i], outs[0] or operand_shapes[skip_i],
                                        {"operands": tuple(operand_shapes), "up": up_i, "skip": skip_i}, (),
                                        tuple(sources[k] for k in order), names))
                for o in node.output:
                    source[o] = len(layers) - 1
                    owner[o] = _owner(producer, owner.get(node.input[positions[skip_i]], ()))
                continue
            if kind == "conv_transpose" and where not in done and ins and ins[0] is not None:
                patch = wanted.get(("output_size", where)) or wanted.get(("output_padding", where))
                if patch is not None:
                    self._set_output(node, patch, ins[0], ins[1] if len(ins) > 1 else None)
                    done.add(where)
                    return None
            if kind == "upsample" and ("output_size", where) in wanted and where not in done and outs[0]:
                target = wanted[("output_size", where)].values
                out = outs[0]
                end = [0, 0, *(t - n for t, n in zip(target, out[2:]))]
                padded = self._pad(m, index + 1, node.output[0], [0] * len(out), end)
                for later in m.graph.node[index + 2:]:
                    for k, name in enumerate(later.input):
                        if name == node.output[0]:
                            later.input[k] = padded
                for g_out in m.graph.output:
                    if g_out.name == node.output[0]:  # pragma: no cover - an upsample as the model's output
                        g_out.name = padded
                done.add(where)
                return None
            refused = _channels(node, ins) or _smaller_than_kernel(node, ins)
            if refused is not None:  # shape inference does not compare these with the weight; a runtime does
                return Trace(tuple(layers), tuple(joins), refused, where, None)
            if outs and outs[0] is not None and 0 in outs[0][2:] and (ins[0] is None or 0 not in ins[0][2:]):
                odd.append(f"{where} makes {_dims(ins[0])} into {_dims(outs[0])}, an empty tensor")
            window = _window_past_input(node, ins)
            if window is not None:
                odd.append(f"{where} slides {window}")
            first_source = source[data[0]]
            first_owner = owner.get(data[0], ())
            if kind is not None and kind not in JOINS and ins and ins[0] is not None and outs and outs[0] is not None \
                    and len(ins[0]) >= 3:
                params, lines = _params(kind, _attrs(node), ins, outs[0], self._values(m, node))
                layers.append(Layer(where, kind, ins[0], outs[0], params, lines, (first_source,),
                                    (first_owner[-1] if first_owner else "input",)))
                base = where.rsplit("#", 1)[0]  # the module's second call is still the module
                made = (base,) if producer is None else tuple(producer) if base == path else (*producer, base)
                for o in node.output:
                    source[o] = len(layers) - 1
                    owner[o] = made
                continue
            if stuck is None and kind is not None and data and all(shapes.get(i) is not None for i in data) and \
                    node.output and (outs[0] is None or 0 in outs[0] or any(v < 0 for v in outs[0])):
                stuck = (node.op_type, where)
            for o in node.output:
                source[o] = first_source
                owner[o] = _owner(producer, first_owner)
        outputs = [shapes.get(o.name) for o in m.graph.output]
        out_shape = outputs[0] if outputs else None
        error: str | None = None
        error_where: str | None = None
        if out_shape is None or 0 in out_shape:
            op, error_where = stuck or ("the graph", "output")
            error = f"shape inference cannot follow {op} at this input size: its output is empty or unknown"
        notes = () if error is not None or not odd else (_refused_by_torch(odd),)
        return Trace(tuple(layers), tuple(joins), error, error_where, out_shape, notes=notes)

    def _values(self, m: Any, node: Any) -> dict[str, Any]:
        from onnx import numpy_helper

        inits = {i.name: i for i in m.graph.initializer}
        return {name: numpy_helper.to_array(inits[name]).tolist() for name in node.input if name in inits}

    def _set_output(self, node: Any, patch: Patch, x: Shape, w: Shape | None) -> None:
        """Give a ConvTranspose node the output_padding that makes it produce the patch's size."""
        from onnx import helper

        attrs = _attrs(node)
        values = list(patch.values)
        if patch.kind == "output_size":
            nd = len(x) - 2
            kernel = list(w[2:]) if w else list(attrs.get("kernel_shape", [1] * nd))
            s = list(attrs.get("strides", [1] * nd))
            d = list(attrs.get("dilations", [1] * nd))
            pads = list(attrs.get("pads", [0] * (2 * nd)))
            values = [t - ((L - 1) * st - pads[a] - pads[a + nd] + dd * (k - 1) + 1)
                      for a, (t, L, st, dd, k) in enumerate(zip(patch.values, x[2:], s, d, kernel))]
        for a in list(node.attribute):
            if a.name == "output_padding":
                node.attribute.remove(a)
        node.attribute.append(helper.make_attribute("output_padding", values))


#: Operators whose inputs after the first hold one value per channel of the first (scale, bias, mean, variance).
PER_CHANNEL = frozenset({"BatchNormalization", "InstanceNormalization"})


def _channels(node: Any, ins: Sequence[Shape | None]) -> str | None:
    """What a runtime says of the node's input channels, where they disagree with its weights; None when they agree.

    ONNX shape inference takes a Conv's output channels from its weight without comparing the weight with the
    input, so a model that ONNX Runtime refuses would otherwise be traced through.
    """
    x = ins[0] if ins else None
    if x is None or len(x) < 2:
        return None
    if node.op_type in ("Conv", "ConvTranspose") and len(ins) > 1 and ins[1] is not None and len(ins[1]) >= 2:
        w = ins[1]
        group = int(_attrs(node).get("group", 1))
        if group < 1 or w[0] % group:
            return (f"{node.op_type} weight of shape {list(w)} cannot be split into group={group} groups: "
                    f"{w[0]} is not a multiple of {group}")
        need = w[1] * group if node.op_type == "Conv" else w[0]
        if x[1] != need:
            return (f"{node.op_type} weight of shape {list(w)} with group={group} expects input {list(x)} to have "
                    f"{need} channels, but got {x[1]} channels instead")
    if node.op_type in PER_CHANNEL:
        for name, shape in zip(node.input[1:], ins[1:]):
            if shape is not None and len(shape) == 1 and shape[0] != x[1]:
                return (f"{node.op_type} input {name!r} holds {shape[0]} values, one per channel, but the input "
                        f"{list(x)} has {x[1]} channels")
    return None


def _dims(shape: Shape | None) -> str:
    return "×".join(map(str, shape[2:])) if shape is not None else "?"


def _refused_by_torch(odd: Sequence[str]) -> str:
    """The warning for a graph that ONNX Runtime runs where the torch model it came from fails: through an empty
    tensor (a mean of nothing, broadcast back), or a pooling window larger than its padded input.

    >>> _refused_by_torch(["interpolate makes 1×1 into 0×0, an empty tensor"])
    'interpolate makes 1×1 into 0×0, an empty tensor: ONNX Runtime runs the graph through it, but PyTorch refuses \
it, so the torch model this was exported from fails at this size'
    """
    return (f"{'; '.join(odd)}: ONNX Runtime runs the graph through {'it' if len(odd) == 1 else 'them'}, but "
            f"PyTorch refuses {'it' if len(odd) == 1 else 'them'}, so the torch model this was exported from fails "
            "at this size")


def _window_past_input(node: Any, ins: Sequence[Shape | None]) -> str | None:
    """A pooling window larger than its padded input (``a 2×2 window over 1×1``): ONNX Runtime still gives one
    value per axis, PyTorch refuses ("Output size is too small")."""
    if node.op_type not in ("MaxPool", "AveragePool") or not ins or ins[0] is None or len(ins[0]) < 3:
        return None
    attrs = _attrs(node)
    if attrs.get("auto_pad", "NOTSET") not in ("NOTSET", "") or attrs.get("ceil_mode", 0):
        return None  # ceil_mode: PyTorch too gives one value
    x = ins[0]
    nd = len(x) - 2
    kernel = list(attrs.get("kernel_shape", [1] * nd))
    pads = list(attrs.get("pads", [0] * (2 * nd)))
    dilations = list(attrs.get("dilations", [1] * nd))
    padded = [n + pads[a] + pads[a + nd] for a, n in enumerate(x[2:])]
    dilated = [d * (k - 1) + 1 for d, k in zip(dilations, kernel)]
    if all(p >= k for p, k in zip(padded, dilated)):
        return None
    return f"a {'×'.join(map(str, dilated))} window over {'×'.join(map(str, padded))}"


def _smaller_than_kernel(node: Any, ins: Sequence[Shape | None]) -> str | None:
    """What ONNX Runtime says of a Conv whose padded input is smaller than its (dilated) kernel: it refuses it
    ("Invalid input shape"), as PyTorch does, where ONNX shape inference gives an empty or negative size."""
    if node.op_type != "Conv" or len(ins) < 2 or ins[0] is None or ins[1] is None or len(ins[0]) < 3:
        return None
    attrs = _attrs(node)
    if attrs.get("auto_pad", "NOTSET") not in ("NOTSET", ""):
        return None
    x, w = ins[0], ins[1]
    nd = len(x) - 2
    pads = list(attrs.get("pads", [0] * (2 * nd)))
    dilations = list(attrs.get("dilations", [1] * nd))
    padded = [n + pads[a] + pads[a + nd] for a, n in enumerate(x[2:])]
    dilated = [d * (k - 1) + 1 for d, k in zip(dilations, w[2:])]
    if all(p >= k for p, k in zip(padded, dilated)):
        return None
    return (f"Conv input {'×'.join(map(str, x[2:]))} (padded {'×'.join(map(str, padded))}) is smaller than its "
            f"kernel {'×'.join(map(str, dilated))}: ONNX Runtime refuses it (Invalid input shape), as PyTorch does")


def _repeated_calls(graph: Any, scopes: dict[str, list[str] | None]) -> dict[str, list[str] | None]:
    """Scopes with the legacy exporter's later calls of a module (``/Maxpool_1/MaxPool``, its second call) named by
    the module (``Maxpool``), as the torch trace names them (``Maxpool#2``). A scope ``x_1`` stays itself when a
    module ``x_1`` exists: it holds parameters (``x_1.weight``), or no ``x`` was called."""
    import re

    known = {p for chain in scopes.values() if chain for p in chain}
    weights = [*(i.name for i in graph.initializer), *(i.name for i in graph.input)]
    legacy = {OnnxTracer._key(node, i) for i, node in enumerate(graph.node) if node.name.startswith("/")}
    renamed: dict[str, str] = {}
    out: dict[str, list[str] | None] = {}
    for key, chain in scopes.items():
        if not chain or key not in legacy:
            out[key] = chain
            continue
        fixed: list[str] = []
        for depth, path in enumerate(chain):
            if path not in renamed:
                parent = chain[depth - 1] if depth else ""
                segment = path[len(parent) + 1:] if parent else path
                base = fixed[-1] + "." if fixed else ""
                call = re.fullmatch(r"(.+)_[0-9]+", segment)
                own = any(w.startswith(path + ".") for w in weights)
                renamed[path] = (base + call.group(1) if call and not own and
                                 (parent + "." if parent else "") + call.group(1) in known else base + segment)
            fixed.append(renamed[path])
        out[key] = fixed
    return out


def _owner(scopes: Sequence[str] | None, inherited: tuple[str, ...]) -> tuple[str, ...]:
    """Whose output a node's result is: the modules the node ran in, unless they enclose the data's own owner (a
    function called in an outer forward, as ``F.relu(self.conv(x))``, leaves the result the conv's)."""
    if scopes is None or not scopes:
        return inherited
    here = scopes[-1]
    if inherited and any(inherited[-1] == here or inherited[-1].startswith(here + sep) for sep in ".:"):
        return inherited
    return tuple(scopes)


def _inside(path: str, scope: str) -> bool:
    return path == scope or path.startswith(scope + ".") or path.startswith(scope + ":")


def _operand_name(owner: tuple[str, ...], readers: Sequence[str]) -> str:
    """An operand named as the torch trace names it: the outermost module whose output it is, i.e. the outermost
    of the modules it was made in that none of its readers is inside (``downs.2``: read by ``downs.3`` and by the
    join in ``ups.1``), so a join in the top-level forward still gets the skip's full path.

    >>> _operand_name(("downs.2", "downs.2.conv", "downs.2.conv.3"), ["downs.3.pool", "ups.1"])
    'downs.2'
    >>> _operand_name(("Att3", "Att3.W_x"), ["Att3"]), _operand_name((), ["up"])
    ('Att3.W_x', 'input')
    """
    if not owner:
        return "input"
    for scope in owner:
        if not any(_inside(r, scope) for r in readers):
            return scope
    return owner[-1]


def _params(kind: str, attrs: dict[str, Any], ins: Sequence[Shape | None], out: Shape,
            values: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    x = ins[0]
    assert x is not None
    nd = len(x) - 2
    size = x[2:]
    one = (1,) * nd
    try:
        if kind in ("conv", "conv_transpose"):
            w = ins[1] if len(ins) > 1 else None
            k = tuple(w[2:]) if w else tuple(attrs.get("kernel_shape", one))
            s, d = tuple(attrs.get("strides", one)), tuple(attrs.get("dilations", one))
            pads = tuple(attrs.get("pads", (0,) * (2 * nd)))
            begin, end = pads[:nd], pads[nd:]
            if attrs.get("auto_pad", "NOTSET") not in ("NOTSET", "") or (kind == "conv_transpose" and
                                                                            "output_shape" in attrs):
                return {"kernel_size": k, "stride": s, "dilation": d}, ()
            if kind == "conv":
                return ({"kernel_size": k, "stride": s, "padding": begin, "dilation": d},
                        arithmetic.conv_layer(size, k, s, begin, end, d))
            op = tuple(attrs.get("output_padding", (0,) * nd))
            group = int(attrs.get("group", 1))
            params = {"kernel_size": k, "stride": s, "padding": begin, "output_padding": op, "dilation": d,
                      "groups": group, "in_channels": x[1], "out_channels": (w[1] * group) if w else out[1]}
            if begin != end:
                return params, ()
            return params, arithmetic.transposed_layer(size, k, s, begin, op, d)
        if kind == "pool":
            k = tuple(attrs.get("kernel_shape", one))
            s, d = tuple(attrs.get("strides", one)), tuple(attrs.get("dilations", one))
            pads = tuple(attrs.get("pads", (0,) * (2 * nd)))
            ceil = bool(attrs.get("ceil_mode", 0))
            params = {"kernel_size": k, "stride": s, "padding": pads[:nd], "dilation": d, "ceil_mode": ceil}
            if pads[:nd] != pads[nd:] or attrs.get("auto_pad", "NOTSET") not in ("NOTSET", ""):
                return params, ()
            return params, arithmetic.pool_layer(size, k, s, pads[:nd], d, ceil)
        if kind == "upsample":
            scales = None
            for v in values.values():
                if isinstance(v, list) and len(v) == nd + 2 and all(isinstance(f, float) for f in v):
                    scales = tuple(float(f) for f in v[2:])
            mode = attrs.get("mode", "nearest")
            return {"scale_factor": scales, "mode": mode}, arithmetic.interpolate_layer(size, out[2:], scales)
        if kind == "pad":
            return {}, arithmetic.pad_layer(size, [0] * nd, [o - n for o, n in zip(out[2:], size)])
    except (TconvError, TypeError, ValueError, IndexError):
        pass
    return {}, ()
