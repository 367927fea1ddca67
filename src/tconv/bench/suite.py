"""The comparison: every method of every layer timed in interleaved, shuffled turns, with peak memory and the
ONNX reference; the results as plain data (:mod:`tconv.bench.report` writes them)."""

from __future__ import annotations

import contextlib
import os
import statistics
from typing import Any

from .._extras import install_hint
from .._progress import Progress
from ..errors import TconvError
from .busy import busy_process
from .engines import BLAS_OPT_IN, OPT_IN, OTHER_ENGINES, TUNED, methods
from .isolated import onnx_reference_ms, peak_memory_mb
from .layers import Layer, arrays
from .report import environment
from .timing import SGEMM, WARMUP_S, round_order, sgemm_fn, time_turn

__all__ = ["run"]


def run(
    layers: list[Layer],
    rounds: int = 7,
    memory: bool = True,
    onnx_bound_s: float = 20.0,
    threads: int | None = None,
    warmup_s: float = WARMUP_S,
    busy: bool = False,
) -> dict[str, Any]:
    """Time every method of every layer, interleaved; returns the results as plain data: per method the median
    over the rounds (``ms``) and its slowest timed call (``worst_ms``). With ``busy``, every layer is timed beside
    one other process spinning on a core (:func:`~tconv.bench.busy.busy_process`; the peak memory and the ONNX
    reference are measured without it).

    Every round of a layer also times a 2048³ sgemm, and its tuned row measures the algorithms (or reads this
    machine's wisdom file), so no run is quick enough for an example: what it returns is what
    :func:`~tconv.bench.report.table` writes (its example shows one layer). Without torch there is nothing to
    compare with, and it says so before timing anything:

    >>> import sys
    >>> from unittest import mock
    >>> from tconv.bench.layers import LAYERS
    >>> with mock.patch.dict(sys.modules, {"torch": None}):  # as if torch were not installed
    ...     run(LAYERS[:1], rounds=1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    tconv.errors.TconvError: the benchmarks compare with PyTorch: pip install torch==2.13.0 ...
    """
    try:
        import torch
    except ImportError:
        raise TconvError(f"the benchmarks compare with PyTorch: {install_hint('bench')}") from None
    threads = threads or os.cpu_count() or 1
    torch.set_num_threads(threads)
    results = []
    sgemm_s: list[float] = []
    from ..algorithms import REGISTRY

    # auto (its two opt-in rows and its tuned row), each algorithm, torch, the other engines, onnx reference
    progress = Progress(len(layers) * (len(REGISTRY) + 4 + len(OTHER_ENGINES) + 2 * (threads >= 2)), "bench")
    for layer in layers:
        x, w = arrays(layer)
        found = methods(layer, x, w, threads)
        runnable = {k: v for k, v in found.items() if callable(v)}
        runnable[SGEMM] = sgemm_fn()
        times: dict[str, list[float]] = {k: [] for k in runnable}
        calls: dict[str, list[float]] = {k: [] for k in runnable}  # every timed call: the worst one counts too
        with busy_process() if busy else contextlib.nullcontext():
            for r in range(rounds):  # interleaved: one turn of each method per round, so slow drifts hit all alike
                for name in round_order(list(runnable), r):
                    times[name].append(time_turn(runnable[name], warmup_s, calls[name]))
        sgemm_s.extend(times.pop(SGEMM))
        torch_ms = statistics.median(times["torch"]) * 1000
        engines = [k for k in ("torch", *OTHER_ENGINES) if k in times]
        best = min(engines, key=lambda k: statistics.median(times[k]))
        best_ms = statistics.median(times[best]) * 1000
        rows: list[dict[str, Any]] = []  # JSON rows: a note, or the timings
        for name, value in found.items():
            if not callable(value):
                rows.append({"method": name, "note": value})
                progress.step(f"{layer.name}: {name}")
                continue
            ms = statistics.median(times[name]) * 1000
            row: dict[str, Any] = {
                "method": name,
                "ms": ms,
                "gflops": 2 * layer.macs / (ms / 1000) / 1e9,
                "ratio": ms / torch_ms,
                "ratio_best": ms / best_ms,
                "worst_ms": max(calls[name], default=ms / 1000) * 1000,
            }
            # the opt-in and tuned rows run the same engines and chunks as the rows measured
            if memory and not name.startswith(OPT_IN) and name not in (TUNED, BLAS_OPT_IN):
                row["peak_mb"] = peak_memory_mb(layer, "auto" if name.startswith("auto") else name, threads)
            rows.append(row)
            progress.step(f"{layer.name}: {name}")
        onnx_ms = onnx_reference_ms(layer, onnx_bound_s)
        progress.step(f"{layer.name}: onnx reference")
        results.append(
            {
                "layer": layer.name,
                "named": layer.named,
                "gflop": 2 * layer.macs / 1e9,
                "rows": rows,
                "best_engine": best,
                "onnx_reference_ms": onnx_ms,
            }
        )
    flops = 2 * 2048**3 / 1e9
    rates = sorted(flops / s for s in sgemm_s)
    return {
        "results": results,
        "matmul_peak_gflops": statistics.median(rates),
        "matmul_peak_spread": [rates[0], rates[-1]],
        "matmul_turns": len(rates),
        "threads": threads,
        "warmup_s": warmup_s,
        "busy": busy,
        "environment": environment(),
    }
