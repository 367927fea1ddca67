"""What the suite measures in a fresh process: ``python -m tconv.bench.child memory|onnx SPEC`` prints one number.

``memory``: the extra peak RSS (MiB) of one call of a method after its setup (Linux: VmHWM reset first).
``onnx``: the seconds of one run of ``onnx.reference``'s ConvTranspose. SPEC is JSON: ``{"layer": ...}`` (a
:meth:`~tconv.bench.layers.Layer.to_json`), with ``"method"`` and ``"threads"`` for ``memory``. The parent side is
:mod:`tconv.bench.isolated`.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

from .engines import jax_fn, onnxruntime_fn, torch_method
from .layers import Layer, arrays

__all__ = ["main", "memory_call", "onnx_reference_seconds", "peak_rss_mb"]


def memory_call(layer: Layer, method: str, threads: int) -> Callable[[], object]:
    """The call whose memory is measured, set up (sessions built, JAX compiled) before it is returned.

    A method that cannot run exits the measuring process with its reason:

    >>> layer = Layer("tiny", 1, 2, 2, (4, 4), 3, 2)
    >>> memory_call(layer, "scatter", threads=1)().shape
    (1, 2, 9, 9)
    >>> grouped = Layer("grouped", 1, 2, 2, (4, 4), 3, 2, groups=2)   # jax has no groups, where it is installed
    >>> memory_call(grouped, "jax", threads=1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    SystemExit: skipped: jax...
    """
    x, w = arrays(layer)
    if method == "torch":
        import torch

        torch.set_num_threads(threads)
        return torch_method(layer, x, w)
    if method in ("onnxruntime", "jax"):
        call = onnxruntime_fn(layer, x, w, threads) if method == "onnxruntime" else jax_fn(layer, x, w)
        if isinstance(call, str):
            raise SystemExit(call)
        if method == "jax":
            call()  # compiled before: the call, not the compilation, is measured
        return call
    from .. import conv_transpose

    return lambda: conv_transpose(x, w, **layer.kwargs(), algorithm=method)


def _status(key: str) -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key + ":"))


def peak_rss_mb(call: Callable[[], object]) -> float:
    """The extra peak RSS of one ``call`` in this process (MiB; Linux: it resets the peak first).

    It resets the process's peak, so the example measures in a fresh process, as the suite does: 64 MiB of ones.

    >>> import subprocess, sys
    >>> code = ("import numpy as np; from tconv.bench.child import peak_rss_mb; "
    ...         "print(peak_rss_mb(lambda: np.ones(2**23)))")
    >>> out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    >>> 60 < float(out) < 80
    True
    """
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the peak RSS (VmHWM) so that it measures this call only
    before = _status("VmRSS")
    call()
    return (_status("VmHWM") - before) / 1024


def onnx_reference_seconds(layer: Layer) -> float:
    """One run of ``onnx.reference``'s ConvTranspose on the layer (the weight an input, as the evaluator reads it).

    >>> 0 < onnx_reference_seconds(Layer("tiny", 1, 2, 2, (4, 4), 3, 2)) < 1
    True
    """
    from onnx import TensorProto, helper
    from onnx.reference import ReferenceEvaluator

    x, w = arrays(layer)
    nd = len(layer.size)
    node = helper.make_node("ConvTranspose", ["X", "W"], ["Y"], strides=[layer.stride] * nd,
                            pads=[layer.padding] * 2 * nd, dilations=[layer.dilation] * nd, group=layer.groups)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, x.shape),
                                            helper.make_tensor_value_info("W", TensorProto.FLOAT, w.shape)],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
    ref = ReferenceEvaluator(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)]))
    start = time.perf_counter()
    ref.run(None, {"X": x, "W": w})
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    """Measure what ``argv`` (``memory|onnx SPEC``) asks and print it; the exit status.

    >>> import contextlib, io
    >>> spec = json.dumps({"layer": Layer("tiny", 1, 2, 2, (4, 4), 3, 2).to_json()})
    >>> with contextlib.redirect_stdout(io.StringIO()) as printed:
    ...     status = main(["onnx", spec])
    >>> status, 0 < float(printed.getvalue()) < 1
    (0, True)
    >>> main(["speed", spec])  # an unknown measurement: the message goes to stderr
    2
    """
    what, spec = argv[0], json.loads(argv[1])
    layer = Layer.from_json(spec["layer"])
    result: Any
    if what == "memory":
        result = peak_rss_mb(memory_call(layer, spec["method"], spec["threads"]))
    elif what == "onnx":
        result = onnx_reference_seconds(layer)
    else:
        print(f"unknown measurement {what!r}", file=sys.stderr)
        return 2
    print(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
