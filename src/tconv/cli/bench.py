"""``tconv bench``: the benchmark suite, whose flags (shared with ``python -m benchmarks``) are its own."""

from __future__ import annotations

import argparse
from typing import Any


def _cmd_bench(args: argparse.Namespace) -> int:
    from ..bench import main as bench_main

    return bench_main(args.rest)


def register(sub: Any) -> None:
    """Add ``bench`` to the subcommands: its parser knows no flag, not even --help (``tconv bench --help`` is the
    suite's own help), and forwards every argument after its name.

    >>> from tconv.cli.base import Parser
    >>> parser = Parser(prog="tconv")
    >>> sub = parser.add_subparsers(dest="command", parser_class=Parser)
    >>> register(sub)
    >>> args, rest = parser.parse_known_args(["bench", "--quick", "--help"])
    >>> args.command, args.forwards_rest, rest          # tconv.bench.main parses the rest
    ('bench', True, ['--quick', '--help'])
    """
    bp = sub.add_parser("bench", help="benchmark every algorithm beside PyTorch (tconv bench --help)", add_help=False)
    bp.set_defaults(handler=_cmd_bench, forwards_rest=True)
