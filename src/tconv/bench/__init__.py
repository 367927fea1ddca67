"""The benchmark suite: every tconv algorithm beside every CPU engine a user could call instead: PyTorch, ONNX
Runtime (MLAS) and JAX (XLA), and the ONNX reference implementation.

``tconv bench`` (or ``python -m benchmarks`` from a checkout) times each layer's methods interleaved in one
process: every round gives each method a turn (untimed warm-up calls for 0.2 s, then the median of 3 timed
calls), in an order shuffled afresh each round, and the median over the rounds counts. NumPy's float32 matmul
(2048³) takes a turn in every round too: the practical peak, reported with its spread. It measures each method's
peak memory in a fresh subprocess (RSS high-water over one call after setup, the same way for every engine), runs
the ONNX reference evaluator once under a time bound, and records the CPU, its ISA and NumPy's BLAS with the
kernel it picked. It needs torch; ONNX Runtime and JAX are optional rows (tconv's ``bench`` extra installs them all).

One module per job: :mod:`~tconv.bench.layers` (what is measured), :mod:`~tconv.bench.engines` (one runner per
engine), :mod:`~tconv.bench.timing` (turns and rounds), :mod:`~tconv.bench.isolated` and
:mod:`~tconv.bench.child` (what needs a fresh process), :mod:`~tconv.bench.suite` (the comparison),
:mod:`~tconv.bench.profiling` (where an engine's time goes), :mod:`~tconv.bench.report` (summary and tables),
:mod:`~tconv.bench.command` (the command line).
"""

from __future__ import annotations

from .command import main
from .layers import LAYERS, Layer
from .profiling import profile, profile_table
from .report import environment, summary, table
from .suite import run
from .timing import round_order

__all__ = ["LAYERS", "Layer", "environment", "main", "profile", "profile_table", "round_order", "run", "summary",
           "table"]
