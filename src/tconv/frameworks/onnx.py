"""ONNX ``ConvTranspose`` as ONNX Runtime computes it (opset 11+ spec, notes §2.3–2.4), groups included.

Where the spec is ambiguous tconv follows ONNX Runtime: with ``output_shape`` or ``SAME_*`` the total padding is
clamped at 0; an odd total goes to the end for ``SAME_UPPER`` and to the begin otherwise (``NOTSET`` with
``output_shape`` crops at the begin); ``output_padding`` must be below the stride.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from .._axes import IntOrSeq, as_choice, as_int, as_shape, quote, show
from .._extras import install_hint
from ..dtypes import as_arrays
from ..errors import TconvError
from ..settings import check_memory
from ..shapes import check_output_padding, full_output_size
from .common import TorchEquivalent, spatial_ints, torch_equivalent

if TYPE_CHECKING:
    from onnx import ModelProto

__all__ = ["ConvTransposeNode", "conv_transpose_nodes", "from_onnx", "load_model", "node_module_path", "node_scopes",
           "onnx_conv_transpose", "to_onnx"]

AUTO_PADS = ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID")
# The attributes from_onnx understands; a node's other attributes are listed but do not change the arithmetic.
ATTRIBUTES = ("auto_pad", "dilations", "group", "kernel_shape", "output_padding", "output_shape", "pads", "strides")


def _decode(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes) else value


def from_onnx(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    *,
    auto_pad: str = "NOTSET",
    dilations: IntOrSeq | None = None,
    group: int = 1,
    kernel_shape: Sequence[int] | None = None,
    output_padding: IntOrSeq | None = None,
    output_shape: Sequence[int] | None = None,
    pads: Sequence[int] | None = None,
    strides: IntOrSeq | None = None,
    bias: bool = False,
) -> TorchEquivalent:
    """The PyTorch equivalent of an ONNX ConvTranspose node, from its attributes and input shapes.

    ``input_shape`` is X's ``(N, C, *spatial)`` (or just the spatial sizes), ``weight_shape`` W's ``(C, M/group, *k)``.

    >>> eq = from_onnx((1, 1, 3, 3), (1, 2, 3, 3), auto_pad="SAME_UPPER", strides=[2, 2])
    >>> eq.padding, eq.output_padding, eq.crop, eq.output_size
    ((0, 0), (0, 0), ((0, 1), (0, 1)), (6, 6))
    """
    weight_shape = as_shape("W's shape", weight_shape)
    if len(weight_shape) < 3:
        raise TconvError(f"W must have shape (C, M/group, k1, ...), got {list(weight_shape)}")
    nd = len(weight_shape) - 2
    input_shape = as_shape("X's shape", input_shape)
    spatial = input_shape[-nd:]
    if len(spatial) != nd:
        raise TconvError(f"X needs {nd} spatial dimensions for W of shape {list(weight_shape)}, "
                         f"got {list(input_shape)}")
    auto_pad = as_choice("auto_pad", _decode(auto_pad), AUTO_PADS)
    group = as_int("group", group, minimum=1)
    kernel = weight_shape[2:]
    if kernel_shape is not None and as_shape("kernel_shape", kernel_shape, minimum=1) != kernel:
        raise TconvError(f"kernel_shape {list(kernel_shape)} does not match W's kernel {list(kernel)}")
    s = spatial_ints("strides", strides, nd, minimum=1)
    d = spatial_ints("dilations", dilations, nd, minimum=1)
    op = spatial_ints("output_padding", output_padding if output_padding is not None else 0, nd, minimum=0)
    cin = int(input_shape[1]) if len(input_shape) >= nd + 2 else weight_shape[0]
    if weight_shape[0] != cin or cin % group:
        raise TconvError(f"X has {cin} channels but W of shape {list(weight_shape)} with group={group} expects "
                         f"{weight_shape[0]} (W is (C, M/group, *k)) and C divisible by group")
    for a, (o, st) in enumerate(zip(op, s)):
        if o >= st:  # ONNX Runtime refuses output_padding ≥ stride even where dilation would allow it
            raise TconvError(f"output_padding {o} on axis {a} must be smaller than the stride ({st}) in ONNX Runtime: "
                             f"valid range 0..{st - 1}")
    full = [full_output_size(L, k, st, dd) for L, st, dd, k in zip(spatial, s, d, kernel)]
    if pads is not None and auto_pad != "NOTSET":  # with output_shape too: ONNX Runtime refuses both
        raise TconvError(f"pads {show(pads)} cannot be used together with auto_pad {auto_pad!r} (ONNX spec)")
    begin, end = [], []
    if output_shape is not None or auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        if output_shape is not None:
            target = list(as_shape("output_shape", output_shape))
            if len(target) != nd:
                raise TconvError(f"output_shape {target} has incorrect size: it lists the {nd} spatial sizes only "
                                 f"(ONNX: Attribute output_shape has incorrect size)")
            target = [as_int("output_shape", v, minimum=1, axis=a) for a, v in enumerate(target)]
        else:
            target = [L * st for L, st in zip(spatial, s)]
        for a, (F, o, wanted, st) in enumerate(zip(full, op, target, s)):
            # ONNX Runtime infers the input size back from output_shape and stride alone, so output_padding does
            # not widen the range: at most F + stride − 1, whatever output_padding is.
            if output_shape is not None and wanted - F >= st:
                raise TconvError(
                    f"output_shape {wanted} on axis {a} is inconsistent with the input: the largest for input "
                    f"{spatial[a]} is {F + st - 1}, whatever output_padding is (ONNX Runtime: Explicit output_shape "
                    f"is inconsistent with input spatial dimensions and convolution parameters)")
            total = max(0, F + o - wanted)  # ONNX Runtime clamps a negative total at 0
            b = total // 2 if auto_pad == "SAME_UPPER" else total - total // 2
            length = F + o - total
            if output_shape is not None:
                length = wanted  # output_shape wins; past F + o it is zero-extended at the end (ONNX Runtime)
            begin.append(b)
            end.append(F - b - length)
    elif auto_pad == "VALID":
        begin = [0] * nd
        end = [-o for o in op]
    else:
        p = [0] * (2 * nd) if pads is None else list(as_shape("pads", pads))
        if len(p) != 2 * nd:
            order = "begin, then end, of the one axis" if nd == 1 else (
                f"begin and end for each of the {nd} axes: all begins, then all ends")
            raise TconvError(f"pads needs {2 * nd} integers ({order}), got {list(p)} ({len(p)} values)")
        begin = p[:nd]
        end = [pe - o for pe, o in zip(p[nd:], op)]
    return torch_equivalent("ONNX", tuple(begin), tuple(end), input_size=spatial, kernel_size=kernel, stride=s,
                            dilation=d, in_channels=cin, out_channels=weight_shape[1] * group, groups=group,
                            weight_permutation=tuple(range(nd + 2)), bias=bias)


def onnx_conv_transpose(
    X: ArrayLike,
    W: ArrayLike,
    B: ArrayLike | None = None,
    *,
    auto_pad: str = "NOTSET",
    dilations: IntOrSeq | None = None,
    group: int = 1,
    kernel_shape: Sequence[int] | None = None,
    output_padding: IntOrSeq | None = None,
    output_shape: Sequence[int] | None = None,
    pads: Sequence[int] | None = None,
    strides: IntOrSeq | None = None,
) -> np.ndarray:
    """ONNX ConvTranspose, computed exactly as ONNX Runtime does; ``X (N, C, *spatial)``, ``W (C, M/group, *k)``.

    >>> x = np.arange(9, dtype=np.float32).reshape(1, 1, 3, 3)
    >>> onnx_conv_transpose(x, np.ones((1, 1, 3, 3), np.float32), auto_pad="SAME_UPPER", strides=[2, 2]).shape
    (1, 1, 6, 6)
    """
    x, w, b = as_arrays(X, W, B)
    if x.ndim != w.ndim:
        raise TconvError(f"X must be (N, C, *spatial) with the rank of W {list(w.shape)}, got {list(x.shape)}")
    eq = from_onnx(x.shape, w.shape, auto_pad=auto_pad, dilations=dilations, group=group, kernel_shape=kernel_shape,
                   output_padding=output_padding, output_shape=output_shape, pads=pads, strides=strides,
                   bias=b is not None)
    if b is not None and b.shape != (eq.out_channels,):
        raise TconvError(f"B must have {eq.out_channels} elements (M), got shape {list(b.shape)}")
    return eq.apply(x, w, b)


def to_onnx(
    kernel_size: IntOrSeq,
    stride: IntOrSeq = 1,
    padding: IntOrSeq = 0,
    output_padding: IntOrSeq = 0,
    dilation: IntOrSeq = 1,
    groups: int = 1,
) -> dict[str, Any]:
    """ONNX ConvTranspose attributes for a PyTorch layer (W keeps PyTorch's layout).

    >>> to_onnx((3, 3), stride=2, padding=1, output_padding=1)
    {'kernel_shape': [3, 3], 'strides': [2, 2], 'pads': [1, 1, 1, 1], 'output_padding': [1, 1],
     'dilations': [1, 1], 'group': 1}
    """
    from .._axes import layer_axes

    _, k, s, p, op, d = layer_axes(kernel_size, stride, padding, output_padding, dilation)
    for a, (o, st, dd) in enumerate(zip(op, s, d)):
        check_output_padding(o, st, dd, a)
        if o >= st:
            raise TconvError(
                f"output_padding {o} on axis {a} is not below the stride ({st}): PyTorch allows it because dilation is "
                f"{dd}, but ONNX Runtime refuses it; use output_padding < stride, or export pads [p, p − {o}] and zero-"
                f"extend the end")
    return {"kernel_shape": list(k), "strides": list(s), "pads": list(p) + list(p), "output_padding": list(op),
            "dilations": list(d), "group": as_int("groups", groups, minimum=1)}


Shape = tuple[int | None, ...]


@dataclass(frozen=True)
class ConvTransposeNode:
    """One ConvTranspose node of an ONNX graph, its shapes and its PyTorch equivalent.

    ``input_shape`` and ``weight_shape`` are X's and W's shapes as the model declares them or shape inference
    finds them: ``None`` for a dimension that is not fixed, and ``None`` for a shape the model does not give.
    ``attributes`` are the node's attributes (strings decoded, lists as tuples). ``equivalent`` is the
    :class:`TorchEquivalent`, or ``None`` with ``problem`` saying why (X's channels and spatial sizes or W's shape
    not fixed, or a refusal); the batch size may be dynamic.

    >>> node = ConvTransposeNode("up", (1, 1, 3), (1, 1, 3), False, {"strides": (2,)}, None, "X's shape is unknown")
    >>> node.computable, node.attributes["strides"]
    (False, (2,))
    """

    name: str
    input_shape: Shape | None
    weight_shape: Shape | None
    bias: bool
    attributes: dict[str, Any] = field(hash=False)
    equivalent: TorchEquivalent | None
    problem: str | None
    #: the PyTorch module path the exporter recorded (``up3.up``), or None
    module: str | None = None
    #: X's spatial sizes by name where they are symbolic (``("h", "w")``; None for a fixed one), else ()
    symbols: tuple[str | None, ...] = ()
    #: with symbolic spatial sizes: the equivalent layer, whose parameters hold at every size (its sizes are
    #: placeholders), and ``formula``, the output size per axis in terms of the symbols (``2·h − 1``)
    general: TorchEquivalent | None = None
    formula: tuple[str, ...] = ()

    @property
    def computable(self) -> bool:
        """True when the node has a PyTorch equivalent.

        >>> eq = from_onnx((1, 1, 3), (1, 1, 3), strides=[2])
        >>> ConvTransposeNode("up", (1, 1, 3), (1, 1, 3), False, {"strides": (2,)}, eq, None).computable
        True
        >>> ConvTransposeNode("up", None, (1, 1, 3), False, {"strides": (2,)}, None, "X's shape is unknown").computable
        False
        """
        return self.equivalent is not None


def _static(shape: Shape | None) -> tuple[int, ...] | None:
    if shape is None or any(d is None for d in shape):
        return None
    return tuple(d for d in shape if d is not None)


def _plain(value: Any) -> Any:
    """An attribute value as Python data: text for bytes, tuples for repeated fields."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, list | tuple):
        return tuple(_plain(v) for v in value)
    return value


def node_module_path(node: Any) -> str | None:
    """The PyTorch module path an exported node came from: ``up3.up``, ``""`` for the model's own forward, None
    when the node does not say.

    torch's default exporter (dynamo) names nodes ``node_convolution_2`` and keeps the path in the node's metadata
    (``pkg.torch.onnx.name_scopes``: the scopes, then the op); the legacy exporter names them ``/up3/up/ConvTranspose``.

    >>> from onnx import helper
    >>> node_module_path(helper.make_node("ConvTranspose", ["X", "W"], ["Y"], name="/up3/up/ConvTranspose"))
    'up3.up'
    >>> node_module_path(helper.make_node("Conv", ["X", "W"], ["Y"], name="/down1/conv/conv.0/Conv"))
    'down1.conv.0'
    >>> node = helper.make_node("Concat", ["a", "b"], ["c"], name="node_cat_2", axis=1)
    >>> _ = node.metadata_props.add(key="pkg.torch.onnx.name_scopes", value="['', 'up3', 'cat_2']")
    >>> node_module_path(node)
    'up3'
    """
    scopes = node_scopes(node)
    if scopes is None:
        return None
    return scopes[-1] if scopes else ""


#: Rewrites of torch's dynamo exporter (onnxscript) that fold a module's op into the node before it: the node keeps
#: the folded module's metadata (a BatchNorm's scopes on a Conv), and its weight keeps the Conv's parameter name.
FUSED = "pkg.onnxscript.rewriter.rule_name"


def node_scopes(node: Any, producer: bool = False) -> list[str] | None:
    """The module paths the node was exported inside, outermost first, each in full (``[]`` for the model's own
    forward, None when the node does not say): the modules called, so a ModuleList (never called) is not one.
    With ``producer``, those of the module whose output the node's output is: for a folded node, the module folded
    into it (its output is the BatchNorm's, though the node is the ConvTranspose).

    The legacy exporter names each scope relative to the module that called it (``/encoder/stages.1/stages.1.0/
    MaxPool``: ``stages.1.0`` is the child of ``stages.1``, not a ``stages.1`` inside it):

    >>> from onnx import helper
    >>> node_scopes(helper.make_node("MaxPool", ["X"], ["Y"], name="/encoder/stages.1/stages.1.0/MaxPool"))
    ['encoder', 'encoder.stages.1', 'encoder.stages.1.0']

    The dynamo exporter folds an eval-mode BatchNorm into the ConvTranspose before it, and the node keeps the
    BatchNorm's scopes; its weight is still the ConvTranspose's parameter, named by its module path:

    >>> node = helper.make_node("ConvTranspose", ["x", "ups.up.weight", "ups.up.bias"], ["y"],
    ...                         name="node_ConvTranspose_21")
    >>> _ = node.metadata_props.add(key="pkg.torch.onnx.name_scopes",
    ...                             value="['', 'ups', 'ups.bn', '_native_batch_norm_legit_no_training_1']")
    >>> _ = node.metadata_props.add(key=FUSED, value="RemoveOptionalBiasFromConvTranspose, "
    ...                                                 "FuseBatchNormIntoConvTranspose")
    >>> node_scopes(node), node_scopes(node, producer=True)
    (['ups', 'ups.up'], ['ups', 'ups.bn'])
    """
    import ast

    props = {prop.key: prop.value for prop in getattr(node, "metadata_props", ())}
    if "pkg.torch.onnx.name_scopes" in props:
        try:
            scopes = ast.literal_eval(props["pkg.torch.onnx.name_scopes"])
        except (ValueError, SyntaxError):
            scopes = None
        if isinstance(scopes, list) and scopes and all(isinstance(v, str) for v in scopes):
            modules = [v for v in scopes[:-1] if v]
            rules = [r.strip() for r in props.get(FUSED, "").split(",")]  # every rule applied, in order
            if any(r.startswith("Fuse") for r in rules) and modules and len(node.input) > 1 and not producer:
                # the node is the op the rule kept (a Conv); its scopes are the folded module's
                outer = modules[:-1]
                weight = node.input[1]
                if weight.endswith(".weight"):
                    owner = weight[: -len(".weight")]
                    if not outer or owner.startswith(outer[-1] + "."):
                        return [*outer, owner]
                return outer
            return modules
    name = getattr(node, "name", "")
    if name.startswith("/") and name.count("/") >= 1:
        paths: list[str] = []
        previous = ""
        for part in name.split("/")[1:-1]:
            # a scope is named from the module that called it: a Sequential's child "blocks.2" under "blocks" (its
            # parent's name, then its own), a called module "conv" or a ModuleList's item "ups.0" under the caller
            if paths and previous and part.startswith(previous + "."):
                full = paths[-1] + part[len(previous):]
            else:
                full = f"{paths[-1]}.{part}" if paths else part
            paths.append(full)
            previous = part
        return paths
    return None


def load_model(model: ModelProto | str | os.PathLike[str] | bytes | IO[bytes]) -> ModelProto:
    """An ONNX model from a ``ModelProto``, a path to its file, its bytes or a binary file open for reading; anything
    else, a file onnx cannot parse and a model with no graph (an empty file parses as one) are refused.

    The argument's type is checked before anything is opened: an int would be read as a file descriptor (True as
    stdout), and reading it closes the descriptor. Needs the onnx package.

    >>> load_model(b"")
    Traceback (most recent call last):
    tconv.errors.TconvError: model (the bytes given) is not an ONNX model: it has no graph (an empty or truncated file?)
    >>> load_model(True)
    Traceback (most recent call last):
    tconv.errors.TconvError: model must be a path to an ONNX file, its bytes, a binary file open for reading or an
    onnx.ModelProto, got True (bool)
    """
    try:
        import onnx
    except ImportError:
        raise TconvError(f"reading ONNX models needs the onnx package: {install_hint('onnx')}") from None
    is_file = hasattr(model, "read") and not isinstance(model, str | bytes | int)
    if not isinstance(model, onnx.ModelProto | str | os.PathLike | bytes) and not is_file:
        raise TconvError("model must be a path to an ONNX file, its bytes, a binary file open for reading or an "
                         f"onnx.ModelProto, got {show(model)} ({type(model).__name__})")
    if isinstance(model, str | os.PathLike):
        name = quote(str(os.fspath(model)))
    else:
        name = "(the bytes given)" if isinstance(model, bytes) else f"({type(model).__name__})"
    if isinstance(model, str | os.PathLike):  # a device or a pipe would be read forever, a huge file in full
        try:
            status = os.stat(model)
        except (OSError, ValueError) as exc:
            raise TconvError(f"model {name} could not be read as an ONNX model: {getattr(exc, 'strerror', None) or exc}"
                             ) from None
        if not stat.S_ISREG(status.st_mode):
            raise TconvError(f"model {name} is not a regular file (a folder, a device or a pipe): give an .onnx file")
        check_memory(status.st_size, f"reading model {name} ({status.st_size:,} bytes)")
    if not isinstance(model, onnx.ModelProto):
        try:
            model = onnx.load_model_from_string(model) if isinstance(model, bytes) else onnx.load(model)
        except Exception as exc:  # onnx raises whatever its parser or the file system raises
            raise TconvError(f"model {name} could not be read as an ONNX model: {' '.join(str(exc).split())}") \
                from None
    if not model.HasField("graph"):
        raise TconvError(f"model {name} is not an ONNX model: it has no graph (an empty or truncated file?)")
    return model


def conv_transpose_nodes(model: ModelProto | str | os.PathLike[str] | bytes | IO[bytes]) -> list[ConvTransposeNode]:
    """Every ConvTranspose node of an ONNX model (a ``ModelProto``, a path to its file, its bytes or a binary file
    open for reading: :func:`load_model`), in graph order, with its equivalent.

    Shapes come from the model's inputs, outputs and initializers, completed by ONNX shape inference where it
    succeeds. Nodes inside subgraphs (``If``, ``Loop``) are not listed. Needs the onnx package.

    >>> from onnx import TensorProto, helper
    >>> node = helper.make_node("ConvTranspose", ["X", "W"], ["Y"], name="up", strides=[2], auto_pad="SAME_UPPER")
    >>> graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 1, 3]),
    ...     helper.make_tensor_value_info("W", TensorProto.FLOAT, [1, 1, 3])], [])
    >>> [up] = conv_transpose_nodes(helper.make_model(graph))
    >>> up.name, up.input_shape, up.attributes["auto_pad"], up.equivalent.crop, up.equivalent.output_size
    ('up', (1, 1, 3), 'SAME_UPPER', ((0, 1),), (6,))
    """
    try:
        from onnx import helper, shape_inference
    except ImportError:
        raise TconvError(f"reading ONNX models needs the onnx package: {install_hint('onnx')}") from None
    model = load_model(model)
    # Inference only adds shapes; a model it cannot handle is still listed with the shapes it declares.
    with contextlib.suppress(Exception):
        model = shape_inference.infer_shapes(model)
    shapes: dict[str, Shape | None] = {}
    symbols: dict[str, tuple[str | None, ...]] = {}
    for vi in [*model.graph.input, *model.graph.value_info, *model.graph.output]:
        dims = vi.type.tensor_type.shape.dim
        shapes[vi.name] = tuple(d.dim_value if d.HasField("dim_value") else None for d in dims) or None
        symbols[vi.name] = tuple(d.dim_param if d.HasField("dim_param") else None for d in dims)
    for init in model.graph.initializer:
        shapes[init.name] = tuple(init.dims)  # the dims alone: no need to load the weights
    nodes = []
    for n in model.graph.node:
        if n.op_type != "ConvTranspose":
            continue
        attrs = {a.name: _plain(helper.get_attribute_value(a)) for a in n.attribute}
        x_shape, w_shape = shapes.get(n.input[0]), shapes.get(n.input[1])
        bias = len(n.input) > 2 and bool(n.input[2])  # an empty name is an omitted optional input
        eq, problem = None, None
        # The batch size never enters the arithmetic, so a dynamic batch (the usual export) still has an equivalent.
        x_static, w_static = _static(None if x_shape is None else x_shape[1:]), _static(w_shape)
        general: TorchEquivalent | None = None
        formula: tuple[str, ...] = ()
        syms: tuple[str | None, ...] = ()
        if x_static is None and x_shape is not None and len(x_shape) >= 3 and x_shape[1] is not None and \
                w_static is not None:
            syms = tuple(symbols.get(n.input[0], ())[2:]) or (None,) * (len(x_shape) - 2)
            general, formula, problem = _general(x_shape, syms, w_static, bias, attrs)
        elif x_static is None or w_static is None:
            problem = "needs X's channels and spatial sizes and W's shape, which this model does not fix"
        else:
            try:
                eq = from_onnx((1, *x_static), w_static, bias=bias,
                               **{k: v for k, v in attrs.items() if k in ATTRIBUTES})
            except TconvError as exc:
                problem = str(exc)
        nodes.append(ConvTransposeNode(n.name, x_shape, w_shape, bias, attrs, eq, problem, node_module_path(n),
                                       syms, general, formula))
    return nodes


def _general(x_shape: Shape, syms: tuple[str | None, ...], w: tuple[int, ...], bias: bool,
             attrs: dict[str, Any]) -> tuple[TorchEquivalent | None, tuple[str, ...], str | None]:
    """The equivalent for symbolic spatial sizes: the layer (its parameters hold at any size) and the output size
    per axis as a formula, or None and what it needs (SAME_* padding and output_shape depend on the sizes)."""
    names = [s or (str(x_shape[2 + a]) if x_shape[2 + a] is not None else f"L{a}") for a, s in enumerate(syms)]
    needs = [n for n, d in zip(names, x_shape[2:]) if d is None]
    auto = _decode(attrs.get("auto_pad", "NOTSET"))
    if auto in ("SAME_UPPER", "SAME_LOWER") or "output_shape" in attrs:
        why = f"auto_pad {auto}" if auto in ("SAME_UPPER", "SAME_LOWER") else "output_shape"
        return None, (), f"needs X's spatial sizes {', '.join(needs)}: with {why} the padding depends on them"
    nd = len(w) - 2
    pads = attrs.get("pads") or (0,) * (2 * nd)
    placeholder = [d if d is not None else 4 * (1 + sum(pads) + sum(w[2:])) for d in x_shape[2:]]
    try:
        eq = from_onnx((1, int(x_shape[1] or 0), *placeholder), w, bias=bias,
                       **{k: v for k, v in attrs.items() if k in ATTRIBUTES})
    except TconvError as exc:
        return None, (), str(exc)
    formula = []
    for a, (name, d) in enumerate(zip(names, x_shape[2:])):
        if d is not None:
            formula.append(str(eq.output_size[a]))
            continue
        slope = eq.stride[a]
        offset = eq.output_size[a] - slope * placeholder[a]  # the output size is slope·L + offset for every L
        term = name if slope == 1 else f"{slope}·{name}"
        formula.append(term if offset == 0 else f"{term} {'+' if offset > 0 else '−'} {abs(offset)}")
    return eq, tuple(formula), None
