"""Measured planning: with the ``tune`` option, ``algorithm="auto"`` times the fast engines once per layer on
this machine and keeps the fastest, the way FFTW's wisdom and ``torch.backends.cudnn.benchmark`` work.

The rule of :func:`tconv.algorithms.choose` was measured on the benchmark layers of two CPU families; a CPU it
was not measured on (another cache size, another BLAS kernel) can prefer another engine for some layer. Tuning
settles that by measurement: the first call of a configuration (sizes, channels, groups, batch, dtype, threads)
times each engine that accepts it on random data of the same shapes, within the memory budget, and writes the
winner to a JSON file; later calls, in this process or another, read it. The file is per machine (CPU model,
cores, NumPy and its BLAS) and holds nothing but choices: removing it is always safe (:func:`forget`), and a
damaged file is ignored and rewritten. Every engine computes the same numbers, so tuning changes only the speed.

    TCONV_TUNE=1 python train.py          # or: with tconv.options(tune=True): ...

>>> import numpy as np, tconv
>>> with tconv.options(tune=True):                                     # doctest: +SKIP
...     y = tconv.conv_transpose(np.ones((8, 64, 16, 16), np.float32), np.ones((64, 32, 4, 4), np.float32), stride=2)
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import os
import platform
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import TconvError
from ..params import ConvTransposePlan
from ..settings import get_memory_budget, get_options
from . import fused
from .base import Algorithm, Prepared

__all__ = ["CANDIDATES", "forget", "tuned", "wisdom_path"]

#: The engines tuning times (``fused`` too where numba is installed and its JIT not disabled: interpreted, it
#: would only lose); the reference algorithms (scatter, zero_insert, matrix) are never faster.
CANDIDATES = ("col2im", "phase", "implicit", "stacked", "accumulate", *(("fused",) if fused.usable() else ()))
#: Timed calls per engine after one warm-up call; the median counts.
REPEATS = 3

_lock = threading.Lock()
_wisdom: dict[str, str] | None = None  # the file's choices, read once per process


def _machine() -> str:
    """What an engine's speed depends on besides the layer: CPU model and flags, cores, NumPy and its BLAS; and what
    was measured: the candidate engines (a tconv with another set measures afresh, in a file of its own)."""
    cpu = platform.processor()
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        lines = [line for line in f if line.startswith(("model name", "flags"))][:2]
        cpu = "".join(lines)
    config = ""
    with contextlib.suppress(Exception):  # NumPy's build description names its BLAS; absent in odd builds
        config = json.dumps(np.show_config(mode="dicts").get("Build Dependencies", {}), sort_keys=True)
    text = f"{cpu}|{os.cpu_count()}|{platform.machine()}|{np.__version__}|{config}|{','.join(CANDIDATES)}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def wisdom_path() -> Path:
    """The cache file: ``$TCONV_WISDOM`` if set, else ``~/.cache/tconv/wisdom-<machine>.json`` (or under
    ``$XDG_CACHE_HOME``).

    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"TCONV_WISDOM": "/tmp/my-wisdom.json"}):
    ...     wisdom_path().name
    'my-wisdom.json'
    >>> with mock.patch.dict(os.environ, {"TCONV_WISDOM": "", "XDG_CACHE_HOME": "/tmp/cache"}):
    ...     wisdom_path().parent.as_posix()
    '/tmp/cache/tconv'
    """
    if os.environ.get("TCONV_WISDOM"):
        return Path(os.environ["TCONV_WISDOM"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "tconv" / f"wisdom-{_machine()}.json"


def forget() -> None:
    """Remove the cache file and the choices read from it: the next tuned call measures again.

    >>> from unittest import mock
    >>> with tempfile.TemporaryDirectory() as tmp, mock.patch.dict(os.environ, {"TCONV_WISDOM": f"{tmp}/w.json"}):
    ...     _ = wisdom_path().write_text("{}")
    ...     forget()
    ...     wisdom_path().exists()
    False
    """
    global _wisdom
    with _lock:
        _wisdom = None
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):  # nothing there: nothing to forget
            wisdom_path().unlink()


def _key(plan: ConvTransposePlan, threads: int) -> str:
    # an end crop apart from padding ("same") is one more number; symmetric layers keep the keys they had
    axes = ";".join(f"{ax.input_size},{ax.kernel_size},{ax.stride},{ax.padding},{ax.output_padding},{ax.dilation}"
                    + ("" if ax.padding_end is None else f",e{ax.padding_end}") for ax in plan.axes)
    return (f"{axes}|c{plan.in_channels}>{plan.out_channels}|g{plan.groups}|n{plan.batch}|{plan.dtype}"
            f"|t{threads}")


def _load() -> dict[str, str]:
    global _wisdom
    if _wisdom is None:
        try:
            data = json.loads(wisdom_path().read_text())
            # choices made among other engines (an older tconv, before an engine existed) are not trusted
            same = data.get("engines") == list(CANDIDATES)
            _wisdom = {k: v for k, v in data.get("choices", {}).items()
                       if same and isinstance(v, str) and v in CANDIDATES}
        except (OSError, ValueError, AttributeError):  # missing or damaged: start afresh, it is only a cache
            _wisdom = {}
    return _wisdom


def _save(choices: dict[str, str]) -> None:
    """Write atomically (a temporary file renamed over the old one), so readers never see half a file; a
    folder that cannot be written only costs the cache."""
    path = wisdom_path()
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".wisdom-", suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump({"about": "tconv's measured engine choices on this machine; safe to delete",
                       "engines": list(CANDIDATES), "choices": choices}, f, indent=0, sort_keys=True)
        os.replace(tmp, path)


def _time(call: Callable[[], None]) -> float:
    call()  # warm-up: first-touch of the buffers, BLAS's threads waking
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _run(engine: Prepared, x: np.ndarray, w: np.ndarray, y: np.ndarray) -> None:
    if engine.zeroed_output:
        y.fill(0)
    engine.run(x, w, y)


def measure(plan: ConvTransposePlan, fallback: Algorithm) -> dict[str, float]:
    """Seconds per call of each candidate engine on random data of the plan's shapes (the engines that refuse
    the layer, or whose call would not fit in the memory budget, are left out).

    >>> from tconv.params import plan_conv_transpose
    >>> from tconv.algorithms import REGISTRY
    >>> seconds = measure(plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2), REGISTRY["col2im"])
    >>> sorted(set(seconds) - {"fused"})       # implicit and stacked compute stride 1 only (fused: numba's)
    ['accumulate', 'col2im', 'phase']
    """
    from . import REGISTRY, prepared

    dtype = np.dtype(np.float32 if plan.dtype == "float16" else plan.dtype)
    n_in = plan.batch * plan.in_channels * math.prod(plan.input_size)
    n_w = plan.in_channels * plan.out_per_group * math.prod(plan.kernel_size)
    n_out = plan.batch * plan.out_channels * math.prod(plan.output_size)
    rng = np.random.default_rng(0)
    x = w = None
    seconds = {}
    for name in CANDIDATES:
        try:
            engine = prepared(name, plan)
            need = (n_in + n_w + n_out) * dtype.itemsize + engine.workspace_bytes(plan.batch, dtype.itemsize)
        except TconvError:
            continue
        if need > get_memory_budget():
            continue
        if x is None or w is None:
            x = rng.standard_normal((plan.batch, plan.in_channels, *plan.input_size)).astype(dtype)
            w = rng.standard_normal((plan.in_channels, plan.out_per_group, *plan.kernel_size)).astype(dtype)
        y = np.zeros((plan.batch, plan.out_channels, *plan.output_size), dtype=dtype)
        seconds[name] = _time(functools.partial(_run, engine, x, w, y))
    if not seconds:
        seconds[fallback.NAME] = 0.0
    assert all(name in REGISTRY for name in seconds)
    return seconds


def tuned(plan: ConvTransposePlan, rule: Algorithm) -> Algorithm:
    """The engine for ``plan`` on this machine: from the cache file, else measured now and remembered.

    >>> from unittest import mock
    >>> from tconv.params import plan_conv_transpose
    >>> from tconv.algorithms import REGISTRY
    >>> plan = plan_conv_transpose((1, 1, 3), (1, 1, 3), stride=2)
    >>> with tempfile.TemporaryDirectory() as tmp, mock.patch.dict(os.environ, {"TCONV_WISDOM": f"{tmp}/w.json"}):
    ...     first = tuned(plan, REGISTRY["col2im"])      # measured, written to the file
    ...     again = tuned(plan, REGISTRY["matrix"])      # read back: the rule's pick is not consulted
    ...     forget()                                     # (the file is a temporary one: leave no choice behind)
    >>> first is again, first.NAME in CANDIDATES
    (True, True)
    """
    from . import REGISTRY

    if plan.batch == 0:
        return rule
    key = _key(plan, get_options().threads or 1)
    with _lock:
        choice = _load().get(key)
    if choice is None:
        seconds = measure(plan, rule)
        choice = min(seconds, key=lambda name: seconds[name])
        with _lock:
            choices = _load()
            choices[key] = choice
            _save(choices)
    return REGISTRY[choice]
