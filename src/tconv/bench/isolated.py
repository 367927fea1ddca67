"""The suite's measurements that need a fresh process each (:mod:`tconv.bench.child` runs them): a method's peak
memory, and the ONNX reference evaluator under a time bound."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

from .layers import Layer

__all__ = ["measure", "onnx_reference_ms", "peak_memory_mb"]


def measure(what: str, spec: dict[str, object], timeout_s: float, env: dict[str, str]) -> float:
    """The number ``python -m tconv.bench.child WHAT SPEC`` prints (subprocess errors and timeouts propagate).

    The extra peak RSS (MiB) of one scatter call whose output alone is 1 MiB:

    >>> layer = Layer("1 MiB out", 1, 4, 16, (64, 64), 2, 2)
    >>> spec = {"layer": layer.to_json(), "method": "scatter", "threads": 1}
    >>> 1 <= measure("memory", spec, timeout_s=60, env={"MALLOC_MMAP_THRESHOLD_": "131072"}) < 50
    True
    """
    out = subprocess.run(
        [sys.executable, "-m", "tconv.bench.child", what, json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        env={**os.environ, **env},
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def peak_memory_mb(layer: Layer, method: str, threads: int) -> float | None:
    """Extra peak RSS of one call in a fresh process (MB, output included; Linux: it resets VmHWM first), or None
    where it could not be measured (a method whose engine is not installed, a child that failed).

    >>> layer = Layer("1 MiB out", 1, 4, 16, (64, 64), 2, 2)
    >>> 1 <= peak_memory_mb(layer, "scatter", threads=1) < 50  # the output alone is 1 MiB
    True
    """
    spec: dict[str, object] = {"layer": layer.to_json(), "method": method, "threads": threads}
    try:
        return measure("memory", spec, 300, {"MALLOC_MMAP_THRESHOLD_": "131072"})
    except (subprocess.SubprocessError, ValueError, IndexError):
        return None


def onnx_reference_ms(layer: Layer, bound_s: float) -> str:
    """One run of onnx.reference's ConvTranspose, or '>bound' when it takes longer (it is ~1000× slower).

    A real run starts a process that imports onnx (most of a second); a bound of 1 ms shows the other answer:

    >>> onnx_reference_ms(Layer("tiny", 1, 2, 2, (4, 4), 3, 2), bound_s=0.001)
    '>1'
    """
    if importlib.util.find_spec("onnx") is None:
        return "onnx missing"
    try:
        seconds = measure("onnx", {"layer": layer.to_json()}, bound_s, {"OPENBLAS_NUM_THREADS": "1"})
        return f"{seconds * 1000:.0f}"
    except subprocess.TimeoutExpired:
        return f">{bound_s * 1000:.0f}"
    except (subprocess.SubprocessError, ValueError, IndexError) as exc:
        return f"failed ({type(exc).__name__})"
