"""The ``tconv`` command: a thin shell that parses flags, calls the library and prints the result.

One module per family of subcommands (:mod:`.sizes`: shape, solve; :mod:`.compute`: compute, explain; :mod:`.show`:
animate, gallery, overlap; :mod:`.convert`: convert, onnx; :mod:`.doctor`, :mod:`.serve`, :mod:`.bench`), each
adding its parsers with ``register``; :mod:`.base` holds what they share. Each subcommand takes only the flags it
uses; size flags take ``5`` (a square 2-D layer: 5,5), a per-axis ``5,4``, or ``5,`` (one axis); PyTorch's
underscore spellings (``--output_padding``) are aliases of the hyphenated flags; no flag may be abbreviated. Each
subparser carries its handler, a function of the parsed flags that returns the exit code; ``main`` calls it. Every
mistake, argparse's or the library's, gets one line on stderr, ``tconv COMMAND: error: ...``, and exit code 2.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence

from .. import __version__
from .._parser import one_line
from ..errors import TconvError
from . import bench, compute, convert, doctor, serve, show, sizes
from .base import RANK_RULE, Handler, Parser

__all__ = ["build_parser", "main"]

OVERVIEW = f"""\
examples (tconv COMMAND --help shows each command's flags and more examples):
  tconv shape -i 3 -k 2                         why ConvTranspose2d(k=2) turns 3x3 into 4x4
  tconv solve -i 17 --output-size 34            how do I upsample 17x17 to 34x34?
  tconv compute                                 seed 001's worked example, with the size derivation
  tconv explain -i 3 -k 3 -s 2 -p 1 --output-padding 1 --view scatter
  tconv animate -i 3 -k 3 -s 2 -p 1 --output-padding 1 --values -o odd.gif
  tconv serve                                   the interactive explorer at http://127.0.0.1:8765/
  tconv site explorer/                          the explorer as a static site, computing in the browser

sizes: {RANK_RULE}.
PyTorch's spellings of the flags work too: --output_padding is --output-padding.
"""


def build_parser() -> argparse.ArgumentParser:
    """The ``tconv`` parser; each subcommand's parser has its ``handler`` default and only the flags it uses.

    >>> args = build_parser().parse_args(["shape", "-i", "3", "-k", "2"])
    >>> args.handler.__name__, args.input_size, args.kernel_size
    ('_cmd_shape', 3, 2)
    """
    parser = Parser(
        prog="tconv",
        description="Transposed convolution done right: exact PyTorch ConvTranspose in NumPy, and every shape "
                    "question.",
        epilog=OVERVIEW,
    )
    parser.add_argument("--version", action="version", version=f"tconv {__version__}")
    # forwards_rest: the subcommand takes the arguments this parser does not know (bench: tconv.bench parses them)
    parser.set_defaults(handler=None, forwards_rest=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for family in (sizes, compute, show, bench, serve, convert, doctor):
        family.register(sub)
    for p in (parser, *_subparsers(parser).values()):
        p.add_underscore_aliases()
    return parser


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, Parser]:
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 2 bad input; ``doctor``: 1 when it finds problems).

    >>> main(["solve", "-i", "17", "--output-size", "34", "--limit", "1"])
    each axis: ConvTranspose 17 → 34: 1 shown, most common first
      kernel_size=4, stride=2, padding=1
    0
    """
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if rest and not args.forwards_rest:
        if args.command is None:
            parser.error(f"unrecognized arguments: {' '.join(rest)}")
        _subparsers(parser)[args.command].unknown(rest)
    args.rest = rest
    handler: Handler | None = args.handler
    if handler is None:  # `tconv` alone
        print("tconv: error: a command is needed: tconv --help lists them (shape, compute, explain, animate, ...)",
              file=sys.stderr)
        return 2
    try:
        return handler(args)
    except TconvError as exc:
        print(f"tconv {args.command}: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `tconv ... | head`
        return 0
    except OSError as exc:  # writing the answer failed: a full disk, a closed stdout
        with contextlib.suppress(OSError, ValueError):
            print(f"tconv {args.command}: error: cannot write the output: {exc.strerror or exc}", file=sys.stderr)
        return 2
