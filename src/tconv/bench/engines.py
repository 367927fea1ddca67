"""The methods the suite times on a layer, one runner per engine: tconv's (``auto`` and every algorithm), torch,
ONNX Runtime and JAX. Each is a zero-argument callable on the layer's arrays, or the reason it cannot run."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any

import numpy as np

from .._extras import install_hint
from ..errors import TconvError
from .layers import Layer, torch_fn

__all__ = ["BLAS_OPT_IN", "OPT_IN", "OTHER_ENGINES", "TUNED", "Method", "jax_fn", "methods", "onnxruntime_fn",
           "tconv_methods", "torch_method"]

#: A method of the suite: a zero-argument call, or the reason it cannot run on the layer.
Method = Callable[[], object] | str

#: The name of the row that times ``auto`` with the opt-in ``threads`` option.
OPT_IN = "auto, threads="
#: The name of the row that times ``auto`` with the opt-in ``blas_threads=1`` (BLAS on the calling thread alone).
BLAS_OPT_IN = "auto, blas_threads=1 (opt-in)"
#: The name of the row that times ``auto`` with measured planning (the ``tune`` option).
TUNED = "auto, tuned"
#: The other engines a user would call instead, beside torch: each a row of every layer when installed.
OTHER_ENGINES = ("onnxruntime", "jax")


def tconv_methods(layer: Layer, x: np.ndarray, w: np.ndarray, threads: int = 1) -> dict[str, Method]:
    """tconv's methods on this layer, name -> zero-argument callable, or the reason an algorithm refuses it.

    ``auto`` (named after the algorithm it picks, default options), with ``threads`` ≥ 2 also ``auto`` with the
    opt-in ``threads`` option (BLAS single-threaded during the call) and with the opt-in ``blas_threads=1`` (the
    chunks and BLAS on the calling thread alone), ``auto`` tuned, and every algorithm of the registry.

    >>> from tconv.bench.layers import arrays
    >>> layer = Layer("tiny", 1, 2, 2, (4, 4), 3, 2)
    >>> found = tconv_methods(layer, *arrays(layer))
    >>> list(found)[:3]
    ['auto (col2im)', 'auto, tuned', 'scatter']
    >>> found["stacked"]
    "refused: algorithm 'stacked' computes stride 1 only, got stride [2, 2]"
    """
    from .. import conv_transpose, options
    from ..algorithms import REGISTRY, choose, prepared

    plan = layer.plan()
    found: dict[str, Method] = {f"auto ({choose(plan).NAME})": lambda: conv_transpose(x, w, **layer.kwargs())}
    if threads >= 2:

        def opted_in() -> object:
            with options(threads=threads):
                return conv_transpose(x, w, **layer.kwargs())

        found[f"{OPT_IN}{threads} (opt-in)"] = opted_in

        def one_blas_thread() -> object:
            with options(blas_threads=1):
                return conv_transpose(x, w, **layer.kwargs())

        found[BLAS_OPT_IN] = one_blas_thread

    def tuned() -> object:
        with options(tune=True):  # the first call (in the warm-up) measures, or reads this machine's wisdom file
            return conv_transpose(x, w, **layer.kwargs())

    found[TUNED] = tuned
    for name in REGISTRY:
        try:
            # refuses what it cannot do (matrix: too large; implicit, stacked: stride > 1)
            prepared(name, plan).workspace_bytes(plan.batch, 4)
            found[name] = functools.partial(conv_transpose, x, w, **layer.kwargs(), algorithm=name)
        except TconvError as exc:
            found[name] = f"refused: {str(exc).split(':')[0]}"
    return found


def torch_method(layer: Layer, x: np.ndarray, w: np.ndarray) -> Callable[[], object]:
    """torch's transposed convolution of the layer on tensors sharing the arrays' memory (torch imported here).

    >>> from tconv import conv_transpose
    >>> from tconv.bench.layers import arrays
    >>> layer = Layer("tiny", 1, 2, 2, (4, 4), 3, 2)
    >>> x, w = arrays(layer)
    >>> np.allclose(torch_method(layer, x, w)().numpy(), conv_transpose(x, w, stride=2), atol=1e-5)
    True
    """
    import torch

    tx, tw = torch.from_numpy(x), torch.from_numpy(w)
    fn = torch_fn(layer)
    return lambda: fn(tx, tw, None, **layer.kwargs())


def onnxruntime_fn(layer: Layer, x: np.ndarray, w: np.ndarray, threads: int) -> Method:
    """ONNX Runtime's CPU execution provider on a one-node model built in memory, the weight a constant
    initializer (as in an exported model, so MLAS can pre-pack it), ``threads`` intra-op threads.

    The call returns the session's outputs, a list of one array:

    >>> from tconv import conv_transpose
    >>> from tconv.bench.layers import arrays
    >>> layer = Layer("tiny", 1, 2, 2, (4, 4), 3, 2)
    >>> x, w = arrays(layer)
    >>> [y] = onnxruntime_fn(layer, x, w, threads=1)()
    >>> np.allclose(y, conv_transpose(x, w, stride=2), atol=1e-5)
    True
    """
    try:  # onnxruntime ships no type information: imported as Any
        ort: Any = importlib.import_module("onnxruntime")
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        return f"skipped: onnxruntime not installed ({install_hint('bench')})"
    nd = len(layer.size)
    node = helper.make_node("ConvTranspose", ["X", "W"], ["Y"], strides=[layer.stride] * nd,
                            pads=[layer.padding] * 2 * nd, dilations=[layer.dilation] * nd, group=layer.groups)
    graph = helper.make_graph([node], "layer", [helper.make_tensor_value_info("X", TensorProto.FLOAT, x.shape)],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
                              initializer=[numpy_helper.from_array(w, "W")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # what every onnxruntime since 1.10 reads
    so = ort.SessionOptions()
    so.intra_op_num_threads, so.inter_op_num_threads = threads, 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    return lambda: session.run(None, {"X": x})


def jax_fn(layer: Layer, x: np.ndarray, w: np.ndarray) -> Method:
    """``jax.lax.conv_transpose``, jitted, arguments from :func:`tconv.frameworks.to_jax`, on device arrays;
    the call blocks until the result is ready.

    Where jax is not installed, or cannot run the layer, the reason stands in the method's row:

    >>> from tconv.bench.layers import arrays
    >>> grouped = Layer("grouped", 1, 2, 2, (4, 4), 3, 2, groups=2)
    >>> print(jax_fn(grouped, *arrays(grouped)))  # doctest: +ELLIPSIS
    skipped: jax...
    """
    try:  # an optional engine, absent where the suite's type check runs: imported as Any
        jax: Any = importlib.import_module("jax")
    except ImportError:
        return f"skipped: jax not installed ({install_hint('bench')})"
    if layer.groups != 1:
        return "skipped: jax.lax.conv_transpose has no feature groups"
    from ..frameworks import to_jax

    args = to_jax(layer.kernel, layer.stride, layer.padding, 0, layer.dilation)
    nd = len(layer.size)
    args = {k: (tuple(v) if k in ("strides", "rhs_dilation") else v) for k, v in args.items()}
    if nd != len(args["strides"]):  # to_jax reads the axes from the arguments: one int means one axis
        args["strides"], args["rhs_dilation"] = (layer.stride,) * nd, (layer.dilation,) * nd
        args["padding"] = list(args["padding"]) * nd
        args["dimension_numbers"] = {1: ("NCH", "OIH", "NCH"), 2: ("NCHW", "OIHW", "NCHW"),
                                     3: ("NCDHW", "OIDHW", "NCDHW")}[nd]
    call = jax.jit(lambda a, b: jax.lax.conv_transpose(a, b, **args))
    jx, jw = jax.device_put(x), jax.device_put(w)
    return lambda: call(jx, jw).block_until_ready()


def methods(layer: Layer, x: np.ndarray, w: np.ndarray, threads: int = 1) -> dict[str, Method]:
    """name -> zero-argument callable, or the reason it cannot run on this layer: tconv's methods, torch, and
    ONNX Runtime and JAX where installed.

    >>> from tconv.bench.layers import arrays
    >>> layer = Layer("tiny", 1, 2, 2, (4, 4), 3, 2)
    >>> found = methods(layer, *arrays(layer))
    >>> list(found)[-3:], callable(found["torch"]), callable(found["onnxruntime"])
    (['torch', 'onnxruntime', 'jax'], True, True)
    >>> callable(found["jax"]) or found["jax"].startswith("skipped: jax not installed (pip install ")
    True
    """
    found = tconv_methods(layer, x, w, threads)
    found["torch"] = torch_method(layer, x, w)
    found["onnxruntime"] = onnxruntime_fn(layer, x, w, threads)
    found["jax"] = jax_fn(layer, x, w)
    return found
