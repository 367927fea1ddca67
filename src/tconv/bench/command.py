"""``tconv bench`` and ``python -m benchmarks``: the suite's command line (its flags are its own)."""

from __future__ import annotations

import json
import sys
from typing import Any

from .._parser import Parser, float_in, int_in, one_line
from ..errors import TconvError
from .layers import LAYERS
from .profiling import profile, profile_table
from .report import environment, table
from .suite import run
from .timing import WARMUP_S

__all__ = ["DESCRIPTION", "main", "parser"]

DESCRIPTION = (
    "The benchmark suite: every tconv algorithm beside every CPU engine a user could call instead: PyTorch, ONNX "
    "Runtime (MLAS) and JAX (XLA), and the ONNX reference implementation."
)


def parser() -> Parser:
    """The suite's flags, parsed as every tconv command line is (:class:`tconv._parser.Parser`: no abbreviation,
    one line and exit 2 for a mistake); each count and time is refused at parse time outside its range.

    >>> args = parser().parse_args(["--rounds", "3", "--only", "3D"])
    >>> args.rounds, args.only, args.warmup > 0
    (3, '3D', True)
    """
    p = Parser(prog="tconv bench", description=DESCRIPTION)
    p.add_argument("--rounds", type=int_in(1), default=7, metavar="N",
                   help="timed rounds per method, at least 1 (median; default 7)")
    p.add_argument("--only", default="", metavar="TEXT", help="run the layers whose name contains this text")
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    p.add_argument("--onnx-bound", type=float_in(0, above=True), default=20.0, metavar="S",
                   help="seconds allowed to the ONNX reference, more than 0 (default 20)")
    p.add_argument("--json", metavar="FILE", help="also write the raw results as JSON")
    p.add_argument("--profile", action="store_true",
                   help="instead of the comparison, profile auto's engine on each layer: GEMM time against the rest")
    p.add_argument("--busy", action="store_true",
                   help="time every method beside one other process spinning on a core (stopped after the run)")
    p.add_argument("--warmup", type=float_in(0), default=WARMUP_S, metavar="S",
                   help=f"seconds of untimed calls before each method's timed calls, 0 or more (default {WARMUP_S})")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the suite (or, with ``--profile``, the profile) on the layers ``--only`` names; the exit status.

    Every mistake is refused before anything is timed, on one line with exit status 2 (a flag's, as in the CLI,
    by SystemExit from the parser):

    >>> main(["--only", "no such layer"])
    2
    """
    from ..render import check_writable, writable  # the JSON file's checks and writer, as the CLI's

    p = parser()
    args, rest = p.parse_known_args(argv)
    if rest:
        p.unknown(rest)  # with the closest flag, as the CLI's subcommands
    layers = [layer for layer in LAYERS if args.only.lower() in layer.name.lower()]
    try:
        if not layers:
            raise TconvError(f"no layer matches --only {args.only!r}: the layers are "
                             + ", ".join(repr(layer.name) for layer in LAYERS))
        if args.json:
            check_writable(args.json, "--json")
        if args.profile:
            rows = [profile(layer, rounds=args.rounds, warmup_s=args.warmup) for layer in layers]
            env = environment()
            print(f"{env['date']} · {env['cpu']} ({env.get('isa', '?')}) · BLAS {env.get('blas')}")
            print(profile_table(rows))
            results: dict[str, Any] = {"profile": rows, "environment": env}
        else:
            results = run(layers, rounds=args.rounds, memory=not args.no_memory, onnx_bound_s=args.onnx_bound,
                          warmup_s=args.warmup, busy=args.busy)
            env = results["environment"]
            print(
                ("\nBUSY: one other process spinning on a core during the timings\n" if args.busy else "")
                + f"\n{env['date']} · {env['cpu']} ({env.get('isa', '?')}) · {env['cores']} cores · BLAS "
                f"{env.get('blas')} · "
                + ", ".join(f"{k} {v}" for k, v in env.items() if k not in ("date", "cpu", "isa", "cores", "blas"))
            )
            print(table(results))
        if args.json:
            with writable(args.json, "--json") as out:
                out.write(json.dumps(results, indent=1).encode("utf-8"))
    except TconvError as exc:
        print(f"tconv bench: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    return 0
