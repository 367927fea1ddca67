"""The benchmark suite: every tconv algorithm beside every CPU engine a user could call instead: PyTorch, ONNX
Runtime (MLAS) and JAX (XLA), and the ONNX reference implementation.

``tconv bench`` (or ``python -m benchmarks`` from a checkout) times each layer's methods interleaved in one
process: every round gives each method a turn (untimed warm-up calls for 0.2 s, then the median of 3 timed
calls), in an order shuffled afresh each round, and the median over the rounds counts. NumPy's float32 matmul
(2048³) takes a turn in every round too: the practical peak, reported with its spread. It measures each method's
peak memory in a fresh subprocess (RSS high-water over one call after setup, the same way for every engine), runs
the ONNX reference evaluator once under a time bound, and records the CPU, its ISA and NumPy's BLAS with the
kernel it picked. It needs torch; ONNX Runtime and JAX are optional rows (``pip install 'tconv[bench]'``).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._progress import Progress
from .errors import TconvError
from .params import ConvTransposePlan, plan_conv_transpose

__all__ = ["LAYERS", "Layer", "main", "profile", "run"]


@dataclass(frozen=True)
class Layer:
    name: str
    batch: int
    in_channels: int
    out_channels: int
    size: tuple[int, ...]
    kernel: int
    stride: int
    padding: int = 0
    dilation: int = 1
    groups: int = 1
    named: bool = True  # one of the seven layers the targets are judged on

    def plan(self) -> ConvTransposePlan:
        """The library's plan of this layer (float32, as benchmarked)."""
        nd = len(self.size)
        weight = (self.in_channels, self.out_channels // self.groups, *(self.kernel,) * nd)
        return plan_conv_transpose((self.batch, self.in_channels, *self.size), weight, None, **self.kwargs(),
                                   dtype="float32")

    @property
    def macs(self) -> int:
        """Useful multiply-adds, the plan's own count (one formula for GFLOP/s everywhere)."""
        return self.plan().macs

    def kwargs(self) -> dict[str, Any]:
        return dict(stride=self.stride, padding=self.padding, groups=self.groups, dilation=self.dilation)


LAYERS = [
    Layer("DCGAN 512→256 8² k4 s2 p1 N16", 16, 512, 256, (8, 8), 4, 2, 1),
    Layer("DCGAN 128→64 32² k4 s2 p1 N16", 16, 128, 64, (32, 32), 4, 2, 1),
    Layer("DCGAN 64→3 64² k4 s2 p1 N16", 16, 64, 3, (64, 64), 4, 2, 1),
    Layer("U-Net 256→128 64² k2 s2 N4", 4, 256, 128, (64, 64), 2, 2, 0),
    Layer("stride-1 64→64 56² k3 s1 p1 N8", 8, 64, 64, (56, 56), 3, 1, 1),
    Layer("3D 32→16 16³ k2 s2 N2", 2, 32, 16, (16, 16, 16), 2, 2, 0),
    Layer("1D vocoder 256→128 L256 k16 s8 p4 N4", 4, 256, 128, (256,), 16, 8, 4),
    Layer("grouped 128→128 g8 32² k4 s2 p1 N8", 8, 128, 128, (32, 32), 4, 2, 1, groups=8, named=False),
    Layer("dilated 64→64 32² k3 s1 d2 p2 N8", 8, 64, 64, (32, 32), 3, 1, 2, dilation=2, named=False),
]


def _arrays(layer: Layer, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((layer.batch, layer.in_channels, *layer.size)).astype(np.float32)
    w = (
        rng.standard_normal((layer.in_channels, layer.out_channels // layer.groups, *(layer.kernel,) * len(layer.size)))
        / math.sqrt(layer.in_channels * layer.kernel ** len(layer.size))
    ).astype(np.float32)
    return x, w


def _torch_fn(layer: Layer) -> Any:
    import torch

    return {
        1: torch.nn.functional.conv_transpose1d,
        2: torch.nn.functional.conv_transpose2d,
        3: torch.nn.functional.conv_transpose3d,
    }[len(layer.size)]


#: The name of the row that times ``auto`` with the opt-in ``threads`` option.
OPT_IN = "auto, threads="
#: The name of the row that times ``auto`` with measured planning (the ``tune`` option).
TUNED = "auto, tuned"


def _tconv_methods(
    layer: Layer, x: np.ndarray, w: np.ndarray, threads: int = 1
) -> dict[str, Callable[[], object] | str]:
    """tconv's methods on this layer, name -> zero-argument callable, or the reason an algorithm refuses it:
    ``auto`` (named after the algorithm it picks, default options), with ``threads`` ≥ 2 also ``auto`` with the
    opt-in ``threads`` option (BLAS single-threaded during the call), and every algorithm of the registry."""
    from . import conv_transpose, options
    from .algorithms import REGISTRY, choose, prepared

    plan = layer.plan()
    methods: dict[str, Callable[[], object] | str] = {
        f"auto ({choose(plan).NAME})": lambda: conv_transpose(x, w, **layer.kwargs())
    }
    if threads >= 2:

        def opted_in() -> object:
            with options(threads=threads):
                return conv_transpose(x, w, **layer.kwargs())

        methods[f"{OPT_IN}{threads} (opt-in)"] = opted_in

    def tuned() -> object:
        with options(tune=True):  # the first call (in the warm-up) measures, or reads this machine's wisdom file
            return conv_transpose(x, w, **layer.kwargs())

    methods[TUNED] = tuned
    for name in REGISTRY:
        try:
            # refuses what it cannot do (matrix: too large; implicit, stacked: stride > 1)
            prepared(name, plan).workspace_bytes(plan.batch, 4)
            methods[name] = functools.partial(conv_transpose, x, w, **layer.kwargs(), algorithm=name)
        except TconvError as exc:
            methods[name] = f"refused: {str(exc).split(':')[0]}"
    return methods


#: The other engines a user would call instead, beside torch: each a row of every layer when installed.
OTHER_ENGINES = ("onnxruntime", "jax")


def onnxruntime_fn(layer: Layer, x: np.ndarray, w: np.ndarray, threads: int) -> Callable[[], object] | str:
    """ONNX Runtime's CPU execution provider on a one-node model built in memory, the weight a constant
    initializer (as in an exported model, so MLAS can pre-pack it), ``threads`` intra-op threads."""
    try:  # onnxruntime ships no type information: imported as Any
        ort: Any = importlib.import_module("onnxruntime")
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        return "skipped: onnxruntime not installed (pip install 'tconv[bench]')"
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


def jax_fn(layer: Layer, x: np.ndarray, w: np.ndarray) -> Callable[[], object] | str:
    """``jax.lax.conv_transpose``, jitted, arguments from :func:`tconv.frameworks.to_jax`, on device arrays;
    the call blocks until the result is ready."""
    try:  # an optional engine, absent where the suite's type check runs: imported as Any
        jax: Any = importlib.import_module("jax")
    except ImportError:
        return "skipped: jax not installed (pip install 'tconv[bench]')"
    if layer.groups != 1:
        return "skipped: jax.lax.conv_transpose has no feature groups"
    from .frameworks import to_jax

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


def _methods(
    layer: Layer, x: np.ndarray, w: np.ndarray, threads: int = 1
) -> dict[str, Callable[[], object] | str]:
    """name -> zero-argument callable, or the reason it cannot run on this layer: tconv's methods, torch, and
    ONNX Runtime and JAX where installed."""
    import torch

    methods = _tconv_methods(layer, x, w, threads)
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)
    fn = _torch_fn(layer)
    methods["torch"] = lambda: fn(tx, tw, None, **layer.kwargs())
    methods["onnxruntime"] = onnxruntime_fn(layer, x, w, threads)
    methods["jax"] = jax_fn(layer, x, w)
    return methods


#: The row that times NumPy's float32 matmul (2048³) as one more method of every round: the practical peak,
#: measured in the same warmed turns as the layers, so that it sees the same machine state.
SGEMM = "numpy sgemm 2048³"


def sgemm_fn(size: int = 2048) -> Callable[[], object]:
    a = np.random.default_rng(0).standard_normal((size, size)).astype(np.float32)
    return lambda: np.matmul(a, a)


def matmul_peak(size: int = 2048, rounds: int = 5) -> float:
    """This machine's NumPy float32 matmul GFLOP/s on a square product (a standalone measurement)."""
    call = sgemm_fn(size)
    return 2 * size**3 / statistics.median(_time_turn(call, WARMUP_S) for _ in range(rounds)) / 1e9


_MEMORY_CHILD = r"""
import json, sys
import numpy as np
spec = json.loads(sys.argv[1])
from tconv.bench import Layer, _arrays, _torch_fn
layer = Layer(**{k: tuple(v) if k == "size" else v for k, v in spec["layer"].items()})
x, w = _arrays(layer)
if spec["method"] == "torch":
    import torch
    torch.set_num_threads(spec["threads"])
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)
    fn = _torch_fn(layer)
    call = lambda: fn(tx, tw, None, **layer.kwargs())
elif spec["method"] == "onnxruntime":
    from tconv.bench import onnxruntime_fn
    call = onnxruntime_fn(layer, x, w, spec["threads"])  # the session (weights pre-packed) is set up before
elif spec["method"] == "jax":
    from tconv.bench import jax_fn
    call = jax_fn(layer, x, w)
    call()  # compiled before: the call, not the compilation, is measured
else:
    import tconv
    algo = None if spec["method"] == "auto" else spec["method"]
    call = lambda: tconv.conv_transpose(x, w, **layer.kwargs(), **({} if algo is None else {"algorithm": algo}))
def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key + ":"))
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # reset the peak RSS (VmHWM) so that it measures this call only
before = status("VmRSS")
y = call()
print((status("VmHWM") - before) / 1024)
"""


def peak_memory_mb(layer: Layer, method: str, threads: int) -> float | None:
    """Extra peak RSS of one call in a fresh process (MB, output included; Linux: it resets VmHWM first)."""
    spec = json.dumps({"layer": layer.__dict__, "method": method, "threads": threads})
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="131072")
    try:
        out = subprocess.run(
            [sys.executable, "-c", _MEMORY_CHILD, spec],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
            check=True,
        )
        return float(out.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError):
        return None


_ONNX_CHILD = r"""
import json, sys, time
import numpy as np
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator
spec = json.loads(sys.argv[1])
from tconv.bench import Layer, _arrays
layer = Layer(**{k: tuple(v) if k == "size" else v for k, v in spec.items()})
x, w = _arrays(layer)
nd = len(layer.size)
node = helper.make_node("ConvTranspose", ["X", "W"], ["Y"], strides=[layer.stride] * nd, pads=[layer.padding] * 2 * nd,
                        dilations=[layer.dilation] * nd, group=layer.groups)
graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, x.shape),
                                        helper.make_tensor_value_info("W", TensorProto.FLOAT, w.shape)],
                          [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
ref = ReferenceEvaluator(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)]))
t = time.perf_counter()
ref.run(None, {"X": x, "W": w})
print(time.perf_counter() - t)
"""


def onnx_reference_ms(layer: Layer, bound_s: float) -> str:
    """One run of onnx.reference's ConvTranspose, or '>bound' when it takes longer (it is ~1000× slower)."""
    if importlib_util_missing("onnx"):
        return "onnx missing"
    try:
        out = subprocess.run(
            [sys.executable, "-c", _ONNX_CHILD, json.dumps(layer.__dict__)],
            capture_output=True,
            text=True,
            timeout=bound_s,
            check=True,
            env=dict(os.environ, OPENBLAS_NUM_THREADS="1"),
        )
        return f"{float(out.stdout.strip().splitlines()[-1]) * 1000:.0f}"
    except subprocess.TimeoutExpired:
        return f">{bound_s * 1000:.0f}"
    except (subprocess.SubprocessError, ValueError, IndexError) as exc:
        return f"failed ({type(exc).__name__})"


def importlib_util_missing(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is None


#: Each method's turn in a round starts with untimed back-to-back calls for at least this long. Measured here:
#: torch's OpenMP threads and OpenBLAS's threads spin-wait for up to about 0.1 s after a call, and a core that slept
#: through a pause wakes slowly, so a method timed right after the other library, or after a pause, ran up to 3×
#: slower than in its steady state (the previous suite paused 0.1 s before each call, which still cost torch and
#: NumPy 1.5–3× on the small layers). Warming up puts every method in the state a user running it in a loop sees.
WARMUP_S = 0.2
#: Timed calls per method per round, back to back (their median counts); one for calls slower than SLOW_S.
INNER = 3
SLOW_S = 0.1


def _seconds(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _time_turn(fn: Callable[[], object], warmup_s: float) -> float:
    """One method's turn in a round: warm up for ``warmup_s`` (at least one call), then the median of INNER calls."""
    start = time.perf_counter()
    last = _seconds(fn)
    while time.perf_counter() - start < warmup_s:
        last = _seconds(fn)
    return statistics.median(_seconds(fn) for _ in range(1 if last > SLOW_S else INNER))


def round_order(names: list[str], r: int) -> list[str]:
    """The methods' order in round ``r``: shuffled afresh each round (seeded by ``r``, so reruns are alike), so
    that no method always runs right after the same one. (With a fixed order ``auto`` followed torch in every round,
    in the wake of torch's spinning OpenMP threads, and came out up to 1.6× slower than the same engine called by
    name in the same run; a rotation would keep that neighbourhood.)

    >>> sorted(round_order(["auto", "phase", "torch"], 3))
    ['auto', 'phase', 'torch']
    """
    order = list(names)
    random.Random(r).shuffle(order)
    return order


def run(
    layers: list[Layer],
    rounds: int = 7,
    memory: bool = True,
    onnx_bound_s: float = 20.0,
    threads: int | None = None,
    warmup_s: float = WARMUP_S,
) -> dict[str, Any]:
    """Time every method of every layer, interleaved; returns the results as plain data."""
    try:
        import torch
    except ImportError:
        raise TconvError("the benchmarks compare with PyTorch: pip install 'tconv[test]' (torch==2.13.0)") from None
    threads = threads or os.cpu_count() or 1
    torch.set_num_threads(threads)
    results = []
    sgemm_s: list[float] = []
    from .algorithms import REGISTRY

    # auto (its opt-in and tuned rows), each algorithm, torch, the other engines, onnx reference
    progress = Progress(len(layers) * (len(REGISTRY) + 4 + len(OTHER_ENGINES) + (threads >= 2)), "bench")
    for layer in layers:
        x, w = _arrays(layer)
        methods = _methods(layer, x, w, threads)
        runnable = {k: v for k, v in methods.items() if callable(v)}
        runnable[SGEMM] = sgemm_fn()
        times: dict[str, list[float]] = {k: [] for k in runnable}
        for r in range(rounds):  # interleaved: one turn of each method per round, so slow drifts hit all alike
            for name in round_order(list(runnable), r):
                times[name].append(_time_turn(runnable[name], warmup_s))
        sgemm_s.extend(times.pop(SGEMM))
        torch_ms = statistics.median(times["torch"]) * 1000
        engines = [k for k in ("torch", *OTHER_ENGINES) if k in times]
        best = min(engines, key=lambda k: statistics.median(times[k]))
        best_ms = statistics.median(times[best]) * 1000
        rows: list[dict[str, Any]] = []  # JSON rows: a note, or the timings
        for name, value in methods.items():
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
            }
            if memory and not name.startswith(OPT_IN) and name != TUNED:  # same engines and chunks as those rows
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
        "environment": environment(),
    }


@contextlib.contextmanager
def _gemm_clock(record: list[tuple[float, int]]) -> Any:
    """Within the block, every GEMM the engines call is timed: ``record`` gets (seconds, FLOPs) per call.
    The engines call ``np.matmul`` and :func:`tconv.algorithms.blas.gemm` through the module attributes, so
    replacing both for the block sees all of them (``blas.gemm``'s fallback does not go through ``np.matmul``)."""
    from .algorithms import blas

    original = np.matmul
    original_gemm = blas.gemm

    def clocked_gemm(a: np.ndarray, b: np.ndarray, c: np.ndarray, **kwargs: Any) -> None:
        start = time.perf_counter()
        original_gemm(a, b, c, **kwargs)
        record.append((time.perf_counter() - start, 2 * a.shape[0] * a.shape[1] * b.shape[1]))

    def clocked(a: np.ndarray, b: np.ndarray, *args: Any, **kwargs: Any) -> Any:
        batch = math.prod(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
        flops = 2 * batch * a.shape[-2] * a.shape[-1] * b.shape[-1]
        start = time.perf_counter()
        result = original(a, b, *args, **kwargs)
        record.append((time.perf_counter() - start, flops))
        return result

    np.matmul = clocked  # type: ignore[assignment]
    blas.gemm = clocked_gemm
    try:
        yield
    finally:
        np.matmul = original
        blas.gemm = original_gemm


def profile(layer: Layer, algorithm: str = "auto", rounds: int = 7, warmup_s: float = WARMUP_S) -> dict[str, Any]:
    """Where one engine's time goes on one layer: the whole call, and the part spent in its GEMMs (``np.matmul``,
    clocked per call), beside NumPy's sgemm rate timed in the same rounds.

    The rest of the call (``other_ms``) is every memory pass NumPy cannot fuse into a GEMM: the padded and im2col
    copies of the input, the shifted adds (col2im, stride 1), the strided writes that interleave the phases into
    the output, and the weight's rearrangement. ``at_peak_ms`` is what the call would take if its GEMMs ran at the
    sgemm rate and nothing else cost anything; ``useful_at_peak_ms`` the same for the useful multiply-adds only.
    """
    from . import conv_transpose
    from .algorithms import get

    x, w = _arrays(layer)
    plan = layer.plan()
    name = get(algorithm, plan).NAME

    def call() -> object:
        return conv_transpose(x, w, **layer.kwargs(), algorithm=name)

    sgemm = sgemm_fn()
    totals, gemms, peaks = [], [], []
    flops_per_call = calls_per_call = 0
    for _ in range(rounds):  # interleaved with sgemm, so that both see the same machine
        peaks.append(2 * 2048**3 / _time_turn(sgemm, warmup_s) / 1e9)
        totals.append(_time_turn(call, warmup_s))
        record: list[tuple[float, int]] = []
        with _gemm_clock(record):
            call()
            record.clear()  # one untimed call first: the clock's own first call
            start = time.perf_counter()
            call()
            clocked_total = time.perf_counter() - start
        gemm_s = sum(t for t, _ in record)
        gemms.append(gemm_s / clocked_total)  # the GEMMs' share of a clocked call
        flops_per_call, calls_per_call = sum(f for _, f in record), len(record)
    total_ms = statistics.median(totals) * 1000
    share = statistics.median(gemms)
    peak = statistics.median(peaks)
    gemm_ms = total_ms * share
    useful = 2 * layer.macs
    return {
        "layer": layer.name,
        "engine": name,
        "total_ms": total_ms,
        "gemm_ms": gemm_ms,
        "other_ms": total_ms - gemm_ms,
        "gemm_calls": calls_per_call,
        "gemm_gflop": flops_per_call / 1e9,
        "gemm_over_useful": flops_per_call / useful,
        "gemm_gflops": flops_per_call / (gemm_ms / 1000) / 1e9 if gemm_ms > 0 else float("nan"),
        "sgemm_gflops": peak,
        "at_peak_ms": flops_per_call / peak / 1e6,
        "useful_at_peak_ms": useful / peak / 1e6,
    }


def profile_table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table of :func:`profile` results."""
    lines = [
        "| layer | engine | ms | GEMM ms (share) | GEMM calls | GEMM GFLOP/s (% of sgemm) | GEMM FLOPs / useful | "
        "other ms | GEMMs at sgemm rate, nothing else ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['layer']} | {r['engine']} | {r['total_ms']:.2f} | {r['gemm_ms']:.2f} "
            f"({100 * r['gemm_ms'] / r['total_ms']:.0f} %) | {r['gemm_calls']} | {r['gemm_gflops']:.0f} "
            f"({100 * r['gemm_gflops'] / r['sgemm_gflops']:.0f} %) | {r['gemm_over_useful']:.2f} | "
            f"{r['other_ms']:.2f} | {r['at_peak_ms']:.2f} |"
        )
    if rows:
        peak = statistics.median(r["sgemm_gflops"] for r in rows)
        lines.append(f"\nsgemm 2048³ in the same rounds: {peak:.0f} GFLOP/s.")
    return "\n".join(lines)


def environment() -> dict[str, str]:
    """The machine and the software: CPU model and vector ISA, cores, versions, and NumPy's BLAS with the kernel
    it picked for this CPU (threadpoolctl's ``architecture``, when threadpoolctl is installed)."""
    cpu, flags = platform.processor() or "unknown", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and cpu in ("unknown", platform.processor()):
                    cpu = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    isa = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2" if flags else "unknown"
    versions = {"python": platform.python_version(), "numpy": np.__version__}
    for name in ("torch", "onnx", "onnxruntime", "jax"):
        with contextlib.suppress(ImportError):
            versions[name] = __import__(name).__version__
    from . import __version__

    versions["tconv"] = __version__
    from .algorithms.blas import loaded_blas

    found = loaded_blas()  # NumPy's own OpenBLAS, named by its file; threadpoolctl also names its version and kernels
    blas = (f"{os.path.basename(found.path) or 'OpenBLAS'} (pip install threadpoolctl for its version and kernels)"
            if found is not None else "unknown (pip install threadpoolctl to name it)")
    with contextlib.suppress(ImportError):
        threadpoolctl: Any = importlib.import_module("threadpoolctl")  # untyped: imported as Any
        infos = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"
                 and "numpy" in str(i.get("filepath", ""))] or [
                     i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
        if infos:
            info = infos[0]
            blas = f"{info.get('internal_api')} {info.get('version')} ({info.get('architecture', '?')} kernels)"
    # OpenBLAS picks its kernels when NumPy loads it, from the CPU unless these say otherwise: a forced older core
    # type (OPENBLAS_CORETYPE=Haswell on an AVX-512 CPU) or L2 size changes NumPy's matmul rate, so they are recorded
    names = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
    forced = ", ".join(f"{k}={v}" for k, v in sorted(os.environ.items()) if k in names)
    if forced:
        blas += f"; set by the environment: {forced}"
    return {"date": time.strftime("%Y-%m-%d"), "cpu": cpu, "isa": isa, "cores": str(os.cpu_count()), "blas": blas,
            **versions}


def _geomean(values: dict[str, float]) -> float:
    return math.exp(sum(math.log(v) for v in values.values()) / len(values)) if values else float("nan")


def summary(data: dict[str, Any]) -> dict[str, Any]:
    """The targets, over the named layers: geometric means of auto / torch and of auto / the best engine (torch,
    ONNX Runtime, JAX, whichever is fastest on the layer), the worst layer of each, and peak memory ratios."""
    from .algorithms import available_algorithms

    engines = available_algorithms()  # tconv's own: the rows a layer's fastest engine is taken from
    named = [r for r in data["results"] if r["named"]]
    ratios, best, mem, mem_best, opt_in, to_fastest, tuned_to_fastest = {}, {}, {}, {}, {}, {}, {}
    for r in named:
        threaded = [row for row in r["rows"] if row["method"].startswith(OPT_IN) and "ratio" in row]
        if threaded:
            opt_in[r["layer"]] = threaded[0]["ratio"]
        auto = next(row for row in r["rows"] if row["method"].startswith("auto"))
        torch_row = next(row for row in r["rows"] if row["method"] == "torch")
        ratios[r["layer"]] = auto["ratio"]
        if "ratio_best" in auto:
            best[r["layer"]] = auto["ratio_best"]
        if auto.get("peak_mb") and torch_row.get("peak_mb"):
            mem[r["layer"]] = auto["peak_mb"] / max(torch_row["peak_mb"], 1e-9)
        own = [row["ms"] for row in r["rows"] if row["method"] in engines and "ms" in row]
        if own:
            to_fastest[r["layer"]] = auto["ms"] / min(own)
            tuned = next((row for row in r["rows"] if row["method"] == TUNED and "ms" in row), None)
            if tuned:
                tuned_to_fastest[r["layer"]] = tuned["ms"] / min(own)
        engine_mb = [row["peak_mb"] for row in r["rows"] if row["method"] in ("torch", *OTHER_ENGINES)
                     and row.get("peak_mb")]
        if auto.get("peak_mb") and engine_mb:
            mem_best[r["layer"]] = auto["peak_mb"] / max(min(engine_mb), 1e-9)
    return {
        "geomean_auto_over_torch": _geomean(ratios),
        "geomean_auto_over_best": _geomean(best),
        "geomean_opt_in_over_torch": _geomean(opt_in),
        "opt_in_ratios": opt_in,
        "worst_layer": max(ratios.items(), key=lambda kv: kv[1]) if ratios else None,
        "worst_over_best": max(best.items(), key=lambda kv: kv[1]) if best else None,
        "ratios": ratios,
        "best_ratios": best,
        "memory_ratios": mem,
        "memory_over_best": mem_best,
        "auto_over_fastest_engine": to_fastest,
        "tuned_over_fastest_engine": tuned_to_fastest,
    }


def table(data: dict[str, Any]) -> str:
    """A Markdown table of the results (also what the terminal shows)."""
    lines = []
    named_total = sum(layer.named for layer in LAYERS)
    for r in data["results"]:
        best = f"; fastest other engine: {r['best_engine']}" if r.get("best_engine") else ""
        lines.append(f"\n**{r['layer']}** ({r['gflop']:.2f} GFLOP; ONNX reference: {r['onnx_reference_ms']} ms"
                     f"{best})\n")
        lines.append("| method | median ms | GFLOP/s | % of matmul peak | time / torch | time / best engine "
                     "| peak MB |")
        lines.append("|---|---|---|---|---|---|---|")
        for row in r["rows"]:
            if "note" in row:
                lines.append(f"| {row['method']} | {row['note']} | | | | | |")
                continue
            mb = "" if row.get("peak_mb") is None else f"{row['peak_mb']:.0f}"
            to_best = "" if "ratio_best" not in row else f"{row['ratio_best']:.2f}"
            lines.append(
                f"| {row['method']} | {row['ms']:.1f} | {row['gflops']:.0f} | "
                f"{100 * row['gflops'] / data['matmul_peak_gflops']:.0f}% | {row['ratio']:.2f} | {to_best} | {mb} |"
            )
    s = summary(data)
    spread = data.get("matmul_peak_spread")
    spread_text = (f" (median of {data.get('matmul_turns')} turns in the same rounds as the layers, "
                   f"{spread[0]:.0f}–{spread[1]:.0f})") if spread else ""
    lines.append(
        f"\nNumPy float32 matmul peak (2048³): {data['matmul_peak_gflops']:.0f} GFLOP/s{spread_text}; threads: "
        f"{data['threads']}; each turn: ≥ {data.get('warmup_s', WARMUP_S)} s of warm-up calls, then the median of "
        f"{INNER} timed calls."
    )
    count = len(s["ratios"])
    if count:  # --only may leave out some named layers: say over how many the mean is
        over = f"the {count} named layers" if count == named_total else f"{count} of the {named_total} named layers"
        lines.append(
            f"Geometric mean of auto / torch over {over}: **{s['geomean_auto_over_torch']:.2f}**; "
            f"worst: {s['worst_layer'][0]} at {s['worst_layer'][1]:.2f}."
        )
        if s["best_ratios"]:
            lines.append(
                f"Geometric mean of auto / the best engine (torch, ONNX Runtime, JAX) over {over}: "
                f"**{s['geomean_auto_over_best']:.2f}**; worst: {s['worst_over_best'][0]} at "
                f"{s['worst_over_best'][1]:.2f}."
            )
        if s["opt_in_ratios"]:
            worst = max(s["opt_in_ratios"].items(), key=lambda kv: kv[1])
            lines.append(
                f"With the opt-in threads option: **{s['geomean_opt_in_over_torch']:.2f}**; "
                f"worst: {worst[0]} at {worst[1]:.2f}."
            )
    for key, label in (("auto_over_fastest_engine", "auto / tconv's fastest engine"),
                       ("tuned_over_fastest_engine", "auto, tuned / tconv's fastest engine")):
        if s[key]:
            lines.append(f"Time {label}: " + ", ".join(f"{k.split(' k')[0]} {v:.2f}" for k, v in s[key].items())
                         + ".")
    for key, label in (("memory_ratios", "auto / torch"), ("memory_over_best", "auto / the leanest engine")):
        if s[key]:
            lines.append(f"Peak memory {label}: "
                         + ", ".join(f"{k.split(' k')[0]} {v:.2f}" for k, v in s[key].items()) + ".")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="tconv bench", description=" ".join(__doc__.split("\n\n")[0].split()))
    p.add_argument("--rounds", type=int, default=7, help="timed rounds per method (median; default 7)")
    p.add_argument("--only", default="", help="run the layers whose name contains this text")
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    p.add_argument("--onnx-bound", type=float, default=20.0, help="seconds allowed to the ONNX reference (default 20)")
    p.add_argument("--json", metavar="FILE", help="also write the raw results as JSON")
    p.add_argument("--profile", action="store_true",
                   help="instead of the comparison, profile auto's engine on each layer: GEMM time against the rest")
    p.add_argument(
        "--warmup",
        type=float,
        default=WARMUP_S,
        help=f"seconds of untimed calls before each method's timed calls (default {WARMUP_S})",
    )
    args = p.parse_args(argv)
    layers = [layer for layer in LAYERS if args.only.lower() in layer.name.lower()]
    if not layers:
        print(f"tconv bench: error: no layer matches {args.only!r}", file=sys.stderr)
        return 2
    if args.profile:
        rows = [profile(layer, rounds=args.rounds, warmup_s=args.warmup) for layer in layers]
        env = environment()
        print(f"{env['date']} · {env['cpu']} ({env.get('isa', '?')}) · BLAS {env.get('blas')}")
        print(profile_table(rows))
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"profile": rows, "environment": env}, f, indent=1)
        return 0
    try:
        data = run(
            layers, rounds=args.rounds, memory=not args.no_memory, onnx_bound_s=args.onnx_bound, warmup_s=args.warmup
        )
    except TconvError as exc:
        print(f"tconv bench: error: {exc}", file=sys.stderr)
        return 2
    env = data["environment"]
    print(
        f"\n{env['date']} · {env['cpu']} ({env.get('isa', '?')}) · {env['cores']} cores · BLAS {env.get('blas')} · "
        + ", ".join(f"{k} {v}" for k, v in env.items() if k not in ("date", "cpu", "isa", "cores", "blas"))
    )
    print(table(data))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(data, f, indent=1)
    return 0
