"""Tracing a torch module's shapes on the meta device: no memory, no arithmetic, every call seen.

The module is deep-copied and moved to ``meta`` (the user's module is left alone). Forward hooks on every
submodule keep the module path of the code running; a ``TorchFunctionMode`` sees every conv, pooling,
ConvTranspose, interpolate, pad and join (cat, add, mul...) with its operands before it runs, so a mismatched join
is recorded and repaired (the trace goes on) instead of raising.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import TconvError, one_line
from . import arithmetic
from .limits import DEFAULT_TIMEOUT, EXITS, bounded, refuse_exit
from .meta_copy import meta_copy
from .model import Layer, Shape
from .sites import Site, capture
from .trace import Join, Patch, Trace, mismatched_axes, pick_up_operand

__all__ = ["TorchTracer"]

# Positional parameter names of the functions a trace records (the C functions have no signature to read).
_CONV = ("input", "weight", "bias", "stride", "padding", "dilation", "groups")
_TRANSPOSED = ("input", "weight", "bias", "stride", "padding", "output_padding", "groups", "dilation")
_MAX_POOL = ("input", "kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")
_AVG_POOL = ("input", "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override")
_INTERPOLATE = ("input", "size", "scale_factor", "mode", "align_corners", "recompute_scale_factor", "antialias")
SIGNATURES: dict[str, tuple[str, tuple[str, ...]]] = {
    **{f"conv{n}d": ("conv", _CONV) for n in (1, 2, 3)},
    **{f"conv_transpose{n}d": ("conv_transpose", _TRANSPOSED) for n in (1, 2, 3)},
    **{f"max_pool{n}d": ("pool", _MAX_POOL) for n in (1, 2, 3)},
    **{f"max_pool{n}d_with_indices": ("pool", _MAX_POOL) for n in (1, 2, 3)},
    **{f"avg_pool{n}d": ("pool", _AVG_POOL) for n in (1, 2, 3)},
    "interpolate": ("upsample", _INTERPOLATE),
    "upsample": ("upsample", _INTERPOLATE),
    "pad": ("pad", ("input", "pad", "mode", "value")),
    **dict.fromkeys(("cat", "concat", "concatenate"), ("cat", ("tensors", "dim"))),
    **dict.fromkeys(("add", "add_", "__add__", "__iadd__", "__radd__", "sub", "sub_", "__sub__", "__isub__"),
                    ("add", ("input", "other"))),
    **dict.fromkeys(("mul", "mul_", "__mul__", "__imul__", "__rmul__", "div", "div_", "__truediv__",
                     "__itruediv__"), ("mul", ("input", "other"))),
}
JOINS = frozenset({"cat", "add", "mul"})


def _bind(names: Sequence[str], args: Sequence[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    bound = dict(zip(names, args))
    bound.update(kwargs)
    return bound


def _per_axis(value: Any, nd: int, default: int) -> tuple[int, ...]:
    if value is None or (isinstance(value, list | tuple) and not value):
        return (default,) * nd
    if isinstance(value, int):
        return (value,) * nd
    values = tuple(int(v) for v in value)
    return values * nd if len(values) == 1 else values


class _State:
    """One trace's bookkeeping: the module paths being run, each tensor's source layer and name."""

    def __init__(self, patches: Sequence[Patch]) -> None:
        self.stack: list[str] = [""]
        self.sites: list[Site | None] = [None]  # where the model's code called each module of the stack
        self.attempt: Layer | None = None  # the recorded call under way (the layer that raised, if one does)
        self.crops: dict[str, list[int]] = {}  # crop_up: the output_size each patched module was asked for
        self.layers: list[Layer] = []
        self.joins: list[Join] = []
        self.source: dict[int, int | None] = {}
        self.name: dict[int, str] = {}
        self.keep: list[Any] = []  # tensors stay alive, so their ids are not reused within the trace
        self.count: dict[str, int] = {}
        self.patches = {(p.kind, p.target): p for p in patches}
        self.last = ""

    def tag(self, tensor: Any, source: int | None, name: str) -> None:
        self.keep.append(tensor)
        self.source[id(tensor)] = source
        self.name[id(tensor)] = name

    def where(self, fname: str, leaf: bool) -> str:
        path = self.stack[-1]
        base = path if leaf and path else f"{path}:{fname}" if path else fname
        n = self.count.get(base, 0) + 1
        self.count[base] = n
        return base if n == 1 else f"{base}#{n}"



def _message(exc: BaseException) -> str:
    """An exception's text, even when its ``__str__`` raises (the model's own exception class).

    >>> class Odd(Exception):
    ...     def __str__(self):
    ...         raise RuntimeError
    >>> _message(ValueError("bad size")), _message(Odd())
    ('bad size', '(a Odd whose message cannot be shown)')
    """
    try:
        return str(exc)
    except Exception:
        return f"(a {type(exc).__name__} whose message cannot be shown)"

class TorchTracer:
    """Traces a deep copy of ``module`` on the meta device; ``trace(shape, patches)`` gives a :class:`Trace`.

    A model whose pooling floors 9 to 4, so that the upsampled 8 cannot join the input's 9:

    >>> import torch
    >>> from torch import nn
    >>> class Net(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.down, self.up = nn.MaxPool1d(2), nn.ConvTranspose1d(2, 2, 2, stride=2)
    ...     def forward(self, x):
    ...         return torch.cat([x, self.up(self.down(x))], dim=1)
    >>> tracer = TorchTracer(Net())
    >>> [(layer.where, layer.kind, layer.output_shape) for layer in tracer.trace((1, 2, 9)).layers]
    [('down', 'pool', (1, 2, 4)), ('up', 'conv_transpose', (1, 2, 8)), ('cat', 'cat', (1, 4, 9))]
    """

    source = "torch"

    def __init__(self, module: Any, timeout: float = DEFAULT_TIMEOUT) -> None:
        import torch

        self._torch = torch
        self._torch_dir = str(__import__("pathlib").Path(torch.__file__).parent) + __import__("os").sep
        self.timeout = timeout
        self.origin = _origins(module)  # dtype and device of each module's own weights, before the meta copy
        try:
            self.module = meta_copy(module)
        except Exception as exc:  # a module that cannot be copied or moved: say which and why
            raise TconvError(f"model {type(module).__name__} could not be copied to the meta device for tracing: "
                             f"{exc}") from None
        except EXITS as exc:  # the module's own __deepcopy__ or _apply
            raise refuse_exit(exc, "while it was copied to the meta device") from None
        self.module.eval()
        self.state: _State | None = None
        self.leaves: set[str] = set()
        self.modules: dict[str, Any] = {}
        for path, sub in self.module.named_modules():
            self.modules[path] = sub
            # a layer is a leaf even when parametrized (weight_norm, spectral_norm): its one child then holds the
            # parametrizations, which compute its weight, and its conv is still the layer's own
            if not any(name != "parametrizations" for name, _ in sub.named_children()):
                self.leaves.add(path)
            sub.register_forward_pre_hook(self._pre(path), with_kwargs=True)
            sub.register_forward_hook(self._post(path))

    # ----------------------------------------------------------------------------------------- hooks

    def _pre(self, path: str) -> Callable[..., Any]:
        def hook(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            state = self.state
            if state is None:
                return None
            state.stack.append(path)
            state.sites.append(capture(self._torch_dir))
            patch = state.patches.get(("output_size", path))
            if hasattr(module, "_output_padding"):  # a ConvTranspose module: the call, in case it raises
                state.attempt = _module_attempt(self, path, module, args, kwargs)
                here = state.sites[-1]
                at = f"@{here.file}:{here.line}" if here is not None else path
                asked = kwargs.get("output_size") is not None or len(args) > 1
                if asked and (("crop_up", path) in state.patches or ("crop_up", at) in state.patches):
                    state.crops[path] = list(kwargs.get("output_size", args[1] if len(args) > 1 else ()))
                    return args[:1], {k: v for k, v in kwargs.items() if k != "output_size"}
            if patch is not None and hasattr(module, "_output_padding"):  # a ConvTranspose module: real output_size
                return args, {**kwargs, "output_size": list(patch.values)}
            return None
        return hook

    def _post(self, path: str) -> Callable[..., Any]:
        def hook(module: Any, args: Any, output: Any) -> Any:
            state = self.state
            if state is None:
                return None
            size = state.crops.pop(path, None)
            if size is not None and isinstance(output, self._torch.Tensor):  # crop_up: cut to the output_size asked
                nd = output.dim() - 2
                output = output[(..., *(slice(0, int(n)) for n in list(size)[-nd:]))]
            if len(state.stack) > 1:
                state.stack.pop()
                state.sites.pop()
            state.attempt = None
            if isinstance(output, self._torch.Tensor):
                state.name[id(output)] = path or type(module).__name__
                state.keep.append(output)
            return output if size is not None else None
        return hook

    # ----------------------------------------------------------------------------------------- trace

    def trace(self, input_shape: Shape, patches: Sequence[Patch] = ()) -> Trace:
        """Run the module's shapes at ``input_shape`` with ``patches`` applied; the module keeps its settings.

        The model of :class:`TorchTracer`: 9 fails at the join, 8 runs, and so does 9 with ``output_size=9`` given
        to ``up``:

        >>> import torch
        >>> from torch import nn
        >>> class Net(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.down, self.up = nn.MaxPool1d(2), nn.ConvTranspose1d(2, 2, 2, stride=2)
        ...     def forward(self, x):
        ...         return torch.cat([x, self.up(self.down(x))], dim=1)
        >>> tracer = TorchTracer(Net())
        >>> tracer.trace((1, 2, 9)).joins, tracer.trace((1, 2, 8)).output_shape
        ((Join(layer=2, up=1, skip=0, axes=(2,)),), (1, 4, 8))
        >>> tracer.trace((1, 2, 9), [Patch("output_size", "up", (9,))]).runs
        True
        """
        prepare()
        return self._run(input_shape, patches, limit=True)

    def _run(self, input_shape: Shape, patches: Sequence[Patch], limit: bool) -> Trace:
        torch = self._torch
        state = _State(patches)
        saved = {}
        for p in patches:
            sub = self.modules.get(p.target)
            if p.kind == "output_padding" and sub is not None and hasattr(sub, "output_padding"):
                saved[p.target] = sub.output_padding
                sub.output_padding = tuple(p.values)
        x = torch.empty(input_shape, device="meta")
        state.tag(x, None, "input")
        self.state = state

        def forward() -> tuple[str | None, str | None, Shape | None]:
            try:
                with _Mode(self, state), torch.no_grad(), model_prints_to_stderr():
                    out = self.module(x)
                first = _first_tensor(out, torch)
                return None, None, tuple(first.shape) if first is not None else None
            except Exception as exc:  # the model raised: locate it (the module path running, the function called)
                error = one_line(_message(exc)) or type(exc).__name__  # a model's text, cut to one short line
                where = state.stack[-1] or type(self.module).__name__
                if state.last and state.stack[-1] not in self.leaves:
                    where = f"{where}:{state.last}" if state.stack[-1] else state.last
                return error, where, None

        try:
            error, where, out_shape = bounded(forward, self.timeout, input_shape) if limit else forward()
        finally:
            self.state = None
            for target, value in saved.items():
                self.modules[target].output_padding = value
        return Trace(tuple(state.layers), tuple(state.joins), error, where, out_shape,
                     state.attempt if error is not None else None)


def model_prints_to_stderr() -> contextlib.AbstractContextManager[Any]:
    """The model's own ``print`` calls (in its forward, its import) sent to stderr: stdout is the doctor's (its
    ``--json``, a caller's own output), and a model that prints would break it.

    >>> import io
    >>> err = io.StringIO()
    >>> with contextlib.redirect_stderr(err), model_prints_to_stderr():
    ...     print("epoch 1")                              # a model's print: nothing reaches stdout
    >>> err.getvalue()
    'epoch 1\\n'
    """
    return contextlib.redirect_stdout(sys.stderr if sys.stderr is not None else io.StringIO())


_PREPARED = False
_PREPARING = threading.Lock()


def prepare() -> None:
    """Import, once per process, what tracing on the meta device needs, by tracing a tiny model of every recorded op.

    torch loads its meta kernels (with sympy) and its function-mode machinery on first use, about 60 MiB of
    Python objects and a second or more. They are the doctor's own one-time cost, not the model's: this runs before
    the first trace, outside its time limit, so that a trace's memory and time are the model's alone.

    >>> prepare(); prepare()        # the second call returns at once
    """
    global _PREPARED
    if _PREPARED:
        return
    with _PREPARING:  # a second thread waits for the imports rather than tracing while they run
        if _PREPARED:
            return
        _prepare()
        _PREPARED = True


def _prepare() -> None:
    import torch
    import torch.nn.functional as F

    class Tiny(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.down = torch.nn.Conv2d(1, 1, 2, stride=2)
            self.up = torch.nn.ConvTranspose2d(1, 1, 2, stride=2)

        def forward(self, x: Any) -> Any:
            y = self.up(F.max_pool2d(self.down(x), 1))
            y = F.pad(F.interpolate(y, scale_factor=1.0), (0, 0))
            return torch.cat([x, y + x, y * x], dim=1)

    TorchTracer(Tiny())._run((1, 1, 4, 4), (), limit=False)


def _first_tensor(value: Any, torch: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, list | tuple):
        for v in value:
            found = _first_tensor(v, torch)
            if found is not None:
                return found
    if isinstance(value, dict):
        return _first_tensor(list(value.values()), torch)
    return None


def _make_mode(base: Any) -> Any:
    class Mode(base):  # type: ignore[misc]
        def __init__(self, tracer: TorchTracer, state: _State) -> None:
            super().__init__()
            self.tracer, self.state = tracer, state

        def __torch_function__(self, func: Any, types: Any, args: Sequence[Any] = (),
                               kwargs: dict[str, Any] | None = None) -> Any:
            kwargs = kwargs or {}
            name = getattr(func, "__name__", "")
            entry = SIGNATURES.get(name)
            if entry is None:
                out = _same_shape(self.tracer._torch, func, name, args, kwargs)
                if out is None:
                    out = func(*args, **kwargs)
                self._pass(args, out)
                return out
            return _record(self.tracer, self.state, func, name, entry, tuple(args), kwargs)

        def _pass(self, args: Sequence[Any], out: Any) -> None:
            torch = self.tracer._torch
            if isinstance(out, torch.Tensor) and id(out) not in self.state.source:
                for a in args:  # the first argument computed from the input (not a weight): out is its data
                    if isinstance(a, torch.Tensor) and id(a) in self.state.source:
                        self.state.tag(out, self.state.source.get(id(a)), self.state.name.get(id(a), "input"))
                        return
    return Mode


_MODE: Any = None
_KEEPING: dict[Any, int | None] = {}


def _keeping(torch: Any) -> dict[Any, int | None]:
    """The elementwise functions of one tensor that keep its shape, each with the position of its ``inplace``
    argument (None: it has none). On the meta device torch runs them through Python decompositions, about 0.5 ms
    each; their result on meta is an empty tensor of the input's shape, or the input itself when in place."""
    if not _KEEPING:
        import inspect

        F = torch.nn.functional
        for name in ("relu", "relu6", "leaky_relu", "elu", "selu", "celu", "hardtanh", "silu", "mish", "hardswish",
                     "hardsigmoid", "dropout", "alpha_dropout"):
            params = list(inspect.signature(getattr(F, name)).parameters)
            _KEEPING[getattr(F, name)] = params.index("inplace")
        for func in (F.gelu, F.sigmoid, F.tanh, torch.relu, torch.sigmoid, torch.tanh, torch.relu_, torch.sigmoid_,
                     torch.tanh_, torch.Tensor.relu, torch.Tensor.sigmoid, torch.Tensor.tanh, torch.Tensor.relu_,
                     torch.Tensor.sigmoid_, torch.Tensor.tanh_):
            _KEEPING[func] = None
    return _KEEPING


def _same_shape(torch: Any, func: Any, name: str, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
    """The result of a shape-keeping elementwise ``func`` on a meta tensor, without running it; None otherwise."""
    try:
        at = _keeping(torch).get(func, -1)
    except TypeError:  # an unhashable callable: not one of these
        return None
    x: Any = args[0] if args else kwargs.get("input")
    if at == -1 or type(x) is not torch.Tensor or not x.is_meta:
        return None
    inplace = name.endswith("_") or bool(kwargs.get("inplace", at is not None and len(args) > at and args[at]))
    return x if inplace else torch.empty_like(x)


def _Mode(tracer: TorchTracer, state: _State) -> Any:
    global _MODE
    if _MODE is None:
        from torch.overrides import TorchFunctionMode

        _MODE = _make_mode(TorchFunctionMode)
    return _MODE(tracer, state)


def _record(tracer: TorchTracer, state: _State, func: Any, name: str, entry: tuple[str, tuple[str, ...]],
            args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    torch = tracer._torch
    kind, names = entry
    bound = _bind(names, args, kwargs)
    state.last = name
    if kind in JOINS:
        return _join(tracer, state, func, name, kind, args, kwargs, bound)
    x = bound.get("input")
    if not isinstance(x, torch.Tensor) or x.dim() < 3:
        return func(*args, **kwargs)
    leaf = state.stack[-1] in tracer.leaves
    where = state.where(name, leaf)
    nd = x.dim() - 2
    size = tuple(x.shape[2:])
    params: dict[str, Any] = {}
    site = state.sites[-1] if leaf else capture(tracer._torch_dir, 2)
    if kind == "upsample":
        patch = state.patches.get(("output_size", where))
        if patch is not None:
            args, kwargs = (x,), {**{k: v for k, v in bound.items() if k not in ("input", "scale_factor")},
                                  "size": list(patch.values), "scale_factor": None}
            bound = _bind(names, args, kwargs)
    if kind == "conv_transpose":
        patch = state.patches.get(("output_padding", where))
        if patch is not None and not leaf:
            bound["output_padding"] = tuple(patch.values)
            args, kwargs = (), bound
    if not leaf or kind != "conv_transpose":
        state.attempt = Layer(where, kind, tuple(x.shape), (), {"site": site, "call": _call_keywords(bound)}, (),
                              (state.source.get(id(x)),), (state.name.get(id(x), "input"),))
    out = func(*args, **kwargs)
    first = _first_tensor(out, torch)
    if kind == "upsample" and first is not None and min(first.shape[2:]) < 1 <= min(size):
        raise RuntimeError(_empty_resize(size, tuple(first.shape[2:])))  # what the CPU kernels raise; meta does not
    state.attempt = None
    if first is None:
        return out
    out_size = tuple(first.shape[2:])
    try:
        params, lines = _arith(kind, bound, size, out_size, nd)
    except Exception:  # an argument form this reader does not know: the layer is listed without its formula
        lines = ()
    params["site"] = site
    if kind == "upsample":
        params["call"] = _call_keywords(bound)
        if leaf:
            params["module"] = _module_info(tracer, state.stack[-1])
    if kind == "conv_transpose" and leaf:
        params["module"] = _module_info(tracer, state.stack[-1])
    layer = Layer(where, kind, tuple(x.shape), tuple(first.shape), params, lines,
                  (state.source.get(id(x)),), (state.name.get(id(x), "input"),))
    state.layers.append(layer)
    state.tag(first, len(state.layers) - 1, where)
    return out


def _empty_resize(size: Shape, out: Shape) -> str:
    """PyTorch's message for an interpolate whose output has an empty axis (its CPU and CUDA kernels check it,
    its meta functions do not).

    >>> _empty_resize((3, 20), (0, 5))
    'Input and output sizes should be greater than 0, but got input (H: 3, W: 20) output (H: 0, W: 5)'
    """
    names = ("D", "H", "W")[-len(size):] if len(size) <= 3 else tuple(f"d{i}" for i in range(len(size)))
    words = [", ".join(f"{n}: {v}" for n, v in zip(names, sizes)) for sizes in (size, out)]
    return f"Input and output sizes should be greater than 0, but got input ({words[0]}) output ({words[1]})"


def _arith(kind: str, b: dict[str, Any], size: Shape, out: Shape, nd: int) -> tuple[dict[str, Any], tuple[str, ...]]:
    params: dict[str, Any]
    if kind == "conv":
        k = tuple(b["weight"].shape[2:])
        s, d = _per_axis(b.get("stride"), nd, 1), _per_axis(b.get("dilation"), nd, 1)
        pad = b.get("padding", 0)
        if isinstance(pad, str):
            from ..shapes import conv_axes

            axes = conv_axes(size, k, s, pad, d)
            begin, end = tuple(a.pad_begin for a in axes), tuple(a.pad_end for a in axes)
        else:
            begin = end = _per_axis(pad, nd, 0)
        params = {"kernel_size": k, "stride": s, "padding": begin, "dilation": d}
        return params, arithmetic.conv_layer(size, k, s, begin, end, d)
    if kind == "conv_transpose":
        k = tuple(b["weight"].shape[2:])
        s, p = _per_axis(b.get("stride"), nd, 1), _per_axis(b.get("padding"), nd, 0)
        op, d = _per_axis(b.get("output_padding"), nd, 0), _per_axis(b.get("dilation"), nd, 1)
        params = {"kernel_size": k, "stride": s, "padding": p, "output_padding": op, "dilation": d,
                  "groups": int(b.get("groups", 1) or 1), "in_channels": int(b["weight"].shape[0]),
                  "out_channels": int(b["weight"].shape[1]) * int(b.get("groups", 1) or 1)}
        return params, arithmetic.transposed_layer(size, k, s, p, op, d)
    if kind == "pool":
        k = _per_axis(b.get("kernel_size"), nd, 1)
        s = _per_axis(b.get("stride"), nd, 0)
        s = k if not any(s) else s
        p, d = _per_axis(b.get("padding"), nd, 0), _per_axis(b.get("dilation"), nd, 1)
        ceil = bool(b.get("ceil_mode", False))
        params = {"kernel_size": k, "stride": s, "padding": p, "dilation": d, "ceil_mode": ceil}
        return params, arithmetic.pool_layer(size, k, s, p, d, ceil)
    if kind == "upsample":
        scale = b.get("scale_factor")
        scales = None if scale is None else tuple(float(v) for v in (scale if isinstance(scale, list | tuple)
                                                                      else [scale] * nd))
        if scales is not None and len(scales) == 1:
            scales = scales * nd
        params = {"scale_factor": scales, "mode": b.get("mode", "nearest")}
        return params, arithmetic.interpolate_layer(size, out, scales)
    if kind == "pad":
        pads = [int(v) for v in b.get("pad", ())]
        starts, ends = [0] * nd, [0] * nd
        for i in range(min(len(pads) // 2, nd)):  # F.pad lists the last axis first: (left, right, top, bottom)
            starts[nd - 1 - i], ends[nd - 1 - i] = pads[2 * i], pads[2 * i + 1]
        return {"pad_begin": tuple(starts), "pad_end": tuple(ends)}, arithmetic.pad_layer(size, starts, ends)
    return {}, ()


def _joined(torch: Any, kind: str, name: str, operands: Sequence[Any], cat_dim: int | None,
            kwargs: dict[str, Any]) -> Any:
    """The result of a join of meta tensors, built from the operands' shapes and dtypes without running it (None
    where it must run: another device, in place, ``out=``, shapes torch would refuse). torch's meta ``cat`` and
    elementwise functions are wrapped to keep ``torch._dynamo`` out, and the first call imports it: about a
    second, once per process.

    >>> import torch
    >>> a, b = torch.empty(1, 2, 4, 5, device="meta"), torch.empty(1, 3, 4, 5, device="meta")
    >>> _joined(torch, "cat", "cat", [a, b], 1, {}).shape, _joined(torch, "add", "add", [a, a[:, :1]], None, {}).shape
    (torch.Size([1, 5, 4, 5]), torch.Size([1, 2, 4, 5]))
    >>> _joined(torch, "cat", "cat", [a, b], 2, {}) is None     # torch raises its own error for this
    True
    """
    if "out" in kwargs or name.endswith("_") or name.startswith("__i") or \
            not all(type(t) is torch.Tensor and t.is_meta for t in operands):
        return None
    shapes_ = [tuple(t.shape) for t in operands]
    dtype = operands[0].dtype
    for t in operands[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    if kind == "cat":
        if cat_dim is None or len({len(s) for s in shapes_}) != 1 or \
                any(s[:cat_dim] + s[cat_dim + 1:] != shapes_[0][:cat_dim] + shapes_[0][cat_dim + 1:] for s in shapes_):
            return None
        shape = list(shapes_[0])
        shape[cat_dim] = sum(s[cat_dim] for s in shapes_)
    else:
        shape = []
        for sizes in itertools.zip_longest(*(s[::-1] for s in shapes_), fillvalue=1):
            wide = {n for n in sizes if n != 1}
            if len(wide) > 1:
                return None
            shape.append(wide.pop() if wide else 1)
        shape.reverse()
        if name in ("div", "__truediv__", "__rtruediv__") and not dtype.is_floating_point:
            dtype = torch.get_default_dtype()
    return torch.empty(shape, dtype=dtype, device="meta")


def _resize_end(torch: Any, t: Any, target: Sequence[int], dims: Sequence[int]) -> Any:
    """``t`` cropped or zero-extended at the end of ``dims`` to ``target`` (what output_size does)."""
    import torch.nn.functional as F

    for dim in dims:
        n = target[dim]
        if t.shape[dim] > n:
            t = t.narrow(dim, 0, n)
        elif t.shape[dim] < n:
            pads = [0] * (2 * (t.dim() - dim))
            pads[-1] = n - t.shape[dim]
            t = F.pad(t, pads)
    return t


def _resize_centre(torch: Any, t: Any, target: Sequence[int], dims: Sequence[int]) -> Any:
    """``t`` cropped or zero-padded around its centre (diff // 2 before, the rest after), as people do by hand."""
    import torch.nn.functional as F

    for dim in dims:
        diff = target[dim] - t.shape[dim]
        if diff < 0:
            t = t.narrow(dim, (-diff) // 2, target[dim])
        elif diff > 0:
            pads = [0] * (2 * (t.dim() - dim))
            pads[-2], pads[-1] = diff // 2, diff - diff // 2
            t = F.pad(t, pads)
    return t


def _join(tracer: TorchTracer, state: _State, func: Any, name: str, kind: str, args: tuple[Any, ...],
          kwargs: dict[str, Any], bound: dict[str, Any]) -> Any:
    torch = tracer._torch
    if kind == "cat":
        tensors = bound.get("tensors")
        if not isinstance(tensors, list | tuple) or len(tensors) < 2 or \
                not all(isinstance(t, torch.Tensor) for t in tensors):
            return func(*args, **kwargs)
        operands = list(tensors)
        dim = bound.get("dim", kwargs.get("axis", 0))
        cat_dim = dim % operands[0].dim() if isinstance(dim, int) and operands[0].dim() else None
    else:
        a, b = bound.get("input"), bound.get("other")
        if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)):
            return func(*args, **kwargs)
        operands, cat_dim = [a, b], None
    data = [t for t in operands if id(t) in state.source]  # computed from the input: a weight is no operand
    if len(data) < 2:
        out = func(*args, **kwargs)
        if data and isinstance(out, torch.Tensor) and id(out) not in state.source:  # x * self.gamma: x's data
            state.tag(out, state.source.get(id(data[0])), state.name.get(id(data[0]), "input"))
        return out
    shapes = [tuple(t.shape) for t in operands]
    if len({len(s) for s in shapes}) != 1 or len(shapes[0]) < 3:
        return func(*args, **kwargs)
    where = state.where(name, False)
    sources = tuple(state.source.get(id(t)) for t in operands)
    names = tuple(state.name.get(id(t), "input") for t in operands)
    axes = mismatched_axes(shapes, broadcast=kind != "cat", skip_dim=cat_dim)
    up, skip = pick_up_operand(state.layers, sources)
    crop = pad = None
    site = capture(tracer._torch_dir, 3)
    at = f"@{site.file}:{site.line}" if site is not None else ""
    if axes:
        crop = state.patches.get(("crop_skip", where)) or state.patches.get(("crop_skip", "*")) or \
            state.patches.get(("crop_skip", at))
        pad = state.patches.get(("pad_up", where)) or state.patches.get(("pad_up", "*")) or \
            state.patches.get(("pad_up", at))
        if crop is not None:
            operands[skip] = _resize_centre(torch, operands[skip], shapes[up], axes)
        elif pad is not None:
            operands[up] = _resize_centre(torch, operands[up], shapes[skip], axes)
        else:
            for i in range(len(operands)):
                if i != skip and mismatched_axes([shapes[i], shapes[skip]], kind != "cat", cat_dim):
                    operands[i] = _resize_end(torch, operands[i], shapes[skip], axes)
        if kind == "cat":
            new_args: tuple[Any, ...] = (operands, *args[1:]) if args else ()
            kwargs = kwargs if args else {**kwargs, "tensors": operands}
            args = new_args
        else:
            args, kwargs = (operands[0], operands[1], *args[2:]), {k: v for k, v in kwargs.items()
                                                                   if k not in ("input", "other")}
    out = _joined(torch, kind, name, operands, cat_dim, kwargs)
    if out is None:
        out = func(*args, **kwargs)
    ordered = (sources[skip], *(s for i, s in enumerate(sources) if i != skip))
    layer = Layer(where, kind, shapes[skip], tuple(out.shape) if isinstance(out, torch.Tensor) else shapes[skip],
                  {"operands": shapes, "up": up, "skip": skip, "site": site}, (), ordered, names)
    state.layers.append(layer)
    if axes and crop is None and pad is None:
        state.joins.append(Join(len(state.layers) - 1, up, skip, axes))
    if isinstance(out, torch.Tensor):
        state.tag(out, len(state.layers) - 1, state.name.get(id(operands[skip]), names[skip]))
    return out


# ------------------------------------------------------------------------- what a fix needs to rewrite a call


def _origins(module: Any) -> dict[str, tuple[str, str]]:
    """Each submodule's own weights' dtype and device, as ``torch.float16`` and ``cuda:0``, read before the copy."""
    found = {}
    for path, sub in module.named_modules():
        weight = next(iter(sub.parameters(recurse=False)), None)
        if weight is not None:
            found[path] = (str(weight.dtype), str(weight.device))
    return found


def attribute_path(root: Any, path: str, name: str = "model") -> str:
    """The Python expression that reaches (and can assign) submodule ``path`` from ``name``: ``model.up[1]``
    inside an ``nn.Sequential`` or ``nn.ModuleList``, ``model.heads["x"]`` in an ``nn.ModuleDict``.

    >>> from torch import nn
    >>> net = nn.Module()
    >>> net.up = nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(2, 2, 2, stride=2))
    >>> attribute_path(net, "up.1")
    'model.up[1]'
    """
    from torch import nn

    text, node = name, root
    for part in path.split(".") if path else ():
        if isinstance(node, nn.ModuleDict):
            text += f"[{part!r}]"
        elif isinstance(node, nn.Sequential | nn.ModuleList) and part.isdigit():
            text += f"[{part}]"
        elif part.isidentifier():
            text += f".{part}"
        else:
            text = f"getattr({text}, {part!r})"
        node = getattr(node, part)
    return text


def _module_info(tracer: TorchTracer, path: str) -> dict[str, Any]:
    """What rewriting a module's constructor keeps: its attribute path, bias, padding mode, dtype and device."""
    sub = tracer.modules.get(path)
    if sub is None:
        return {}
    dtype, device = tracer.origin.get(path, ("torch.float32", "cpu"))
    info: dict[str, Any] = {"path": path, "attr": attribute_path(tracer.module, path), "type": type(sub).__name__,
                            "dtype": dtype, "device": device}
    for key in ("padding_mode", "groups", "mode", "align_corners", "in_channels", "out_channels"):
        if hasattr(sub, key):
            info[key] = getattr(sub, key)
    if hasattr(sub, "bias"):
        info["bias"] = sub.bias is not None
    parent, _, child = path.rpartition(".")
    info["parent"] = parent if child else None
    info["index"] = child
    info["in_sequential"] = isinstance(tracer.modules.get(parent), tracer._torch.nn.Sequential)
    siblings = list(tracer.modules[parent].children()) if parent in tracer.modules else []
    info["unique"] = sum(type(c) is type(sub) for c in siblings) == 1  # the only item of its type: found by type
    return info


def _call_keywords(bound: dict[str, Any]) -> dict[str, Any]:
    """A functional call's arguments other than tensors, as written into a rewritten call."""
    torch = sys.modules["torch"]
    return {k: v for k, v in bound.items() if not isinstance(v, torch.Tensor)}


def _module_attempt(tracer: TorchTracer, path: str, module: Any, args: tuple[Any, ...],
                    kwargs: dict[str, Any]) -> Layer | None:
    """A ConvTranspose module's call as it starts: its input, the output_size it is asked for, its settings."""
    torch = tracer._torch
    x = args[0] if args else kwargs.get("input")
    if not isinstance(x, torch.Tensor) or x.dim() < 3:
        return None
    state = tracer.state
    assert state is not None
    size = kwargs.get("output_size", args[1] if len(args) > 1 else None)
    nd = x.dim() - 2
    params = {"kernel_size": tuple(module.kernel_size), "stride": tuple(module.stride),
              "padding": tuple(module.padding), "output_padding": tuple(module.output_padding),
              "dilation": tuple(module.dilation), "groups": module.groups, "in_channels": module.in_channels,
              "out_channels": module.out_channels, "site": state.sites[-1],
              "output_size": None if size is None else tuple(int(v) for v in list(size)[-nd:]),
              "module": _module_info(tracer, path)}
    return Layer(path, "conv_transpose", tuple(x.shape), (), params, (),
                 (state.source.get(id(x)),), (state.name.get(id(x), "input"),))
