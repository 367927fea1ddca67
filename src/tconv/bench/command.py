"""``tconv bench`` and ``python -m benchmarks``: the suite's command line (its flags are its own)."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import TconvError
from .layers import LAYERS
from .profiling import profile, profile_table
from .report import environment, table
from .suite import run
from .timing import WARMUP_S

__all__ = ["DESCRIPTION", "main"]

DESCRIPTION = (
    "The benchmark suite: every tconv algorithm beside every CPU engine a user could call instead: PyTorch, ONNX "
    "Runtime (MLAS) and JAX (XLA), and the ONNX reference implementation."
)


def main(argv: list[str] | None = None) -> int:
    """Run the suite (or, with ``--profile``, the profile) on the layers ``--only`` names; the exit status.

    >>> main(["--only", "no such layer"])
    2
    """
    p = argparse.ArgumentParser(prog="tconv bench", description=DESCRIPTION)
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
