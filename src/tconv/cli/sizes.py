"""``tconv shape`` and ``tconv solve``: a layer's sizes, and the layers that give a size."""

from __future__ import annotations

import argparse
import json
from typing import Any

from .. import report, solver
from ..errors import TconvError
from .base import (
    LAYER,
    SIZES,
    TRANSPOSED_ONLY,
    direction,
    int_in,
    json_flag,
    or_default,
    padding_mode,
    per_drawn_axis,
    sizes,
    subparser,
)

SHAPE_EXAMPLES = """\
  tconv shape -i 3 -k 2                         why ConvTranspose2d(k=2) turns 3x3 into 4x4
  tconv shape -i 5 -k 3 -s 2 -p 1 --output-size 10
  tconv shape -i 16, -k 4 -s 2 -p 1             a 1-D layer (ConvTranspose1d): the trailing comma
  tconv shape -i 7,5 -k 3 -s 2 -p 1 --no-transposed --json
  tconv shape -i 16 -k 3 -s 2 -p same          Keras's and TensorFlow's "same": 32 x 32
  tconv shape --pool -i 7 -k 2 --ceil-mode"""

SOLVE_EXAMPLES = """\
  tconv solve -i 17 --output-size 34            how do I upsample 17x17 to 34x34?
  tconv solve -i 64, --output-size 32, --no-transposed --limit 3
  tconv solve -i 8,8 --output-size 16,15 --max-kernel 9 --json"""

#: PyTorch's layers by number of spatial axes; a report of more axes is arithmetic with no layer to name.
_RANKS = (1, 2, 3)


def _per_axis_lines(texts: list[str]) -> list[str]:
    """One line per axis, or one for all when a square layer's axes say the same."""
    if len(texts) > 1 and len(set(texts)) == 1:
        return [f"each axis: {texts[0]}"]
    return [f"axis {a}: {t}" for a, t in enumerate(texts)]


def _shape(args: argparse.Namespace) -> dict[str, Any]:
    if args.ceil_mode and not args.pool:
        raise TconvError("--ceil-mode only applies to pooling (add --pool)")
    if args.pool and args.transposed is not None:
        raise TconvError("--transposed/--no-transposed do not apply to pooling (--pool)")
    if args.pool or args.transposed is False:  # given at all, 0 included: the flag does not apply
        direct = "--pool" if args.pool else "--no-transposed"
        for name in ("output_padding", "output_size"):
            if getattr(args, name) is not None:
                raise TconvError(f"--{name.replace('_', '-')} applies to transposed convolution only, and {direct} "
                                 "is not one")
    input_size, _ = per_drawn_axis(args, "input_size", "kernel_size")
    # the library's report, unchanged: `shape --json` prints exactly what /api/shape and walkthroughs carry
    return report.layer_report(
        input_size,
        args.kernel_size,
        args.stride,
        or_default(args.padding, 0),
        or_default(args.output_padding, 0),
        or_default(args.dilation, 1),
        output_size=args.output_size,
        transposed=args.transposed is not False,
        pool=args.pool,
        ceil_mode=args.ceil_mode,
        padding_mode=args.padding_mode,
    )


def layer_title(kind: str, nd: int) -> str:
    """PyTorch's class for a layer of this kind and number of axes, or what it is when PyTorch has none.

    >>> layer_title("transposed", 2), layer_title("pool", 1), layer_title("conv", 4)
    ('ConvTranspose2d', 'MaxPool1d', "Conv over 4 axes (PyTorch's layers have 1 to 3)")
    """
    name = {"transposed": "ConvTranspose", "conv": "Conv", "pool": "MaxPool"}[kind]
    return f"{name}{nd}d" if nd in _RANKS else f"{name} over {nd} axes (PyTorch's layers have 1 to 3)"


def _print_shape(info: dict[str, Any]) -> None:
    def sizes_of(key: str) -> str:
        return " × ".join(map(str, info[key]))

    print(f"{layer_title(info['kind'], len(info['output_size']))}: input {sizes_of('input_size')} → output "
          f"{sizes_of('output_size')}")
    print(f"  {info['formula']}")
    lines = _per_axis_lines(list(info["substituted"]))
    if info.get("output_size_range") is not None:
        ranges = [f"{lo}..{hi}" for lo, hi in info["output_size_range"]]
        where = f"{ranges[0]} on each axis" if len(set(ranges)) == 1 else f"{', '.join(ranges)} per axis"
        lines.append(f"output_size= accepts {where} (output_padding 0..stride−1)")
    equivalent = []
    for e in info.get("equivalent", ()):
        verb = "pad" if e["pad_begin"] >= 0 else "crop"
        equivalent.append(
            f"as a direct convolution: insert {e['zeros_between']} zero(s) between inputs "
            f"(→ {e['stretched_size']}), {verb} {abs(e['pad_begin'])} before and {e['pad_end']} after "
            f"(→ {e['padded_size']}), flip the kernel, stride 1"
        )
    lines += _per_axis_lines(equivalent) if equivalent else []
    relations = []
    for r in info["relation"]:
        head = f"relation {r['number']}" if r["number"] is not None else "general formula"
        line = f"{head} ({r['title']}): {r['formula']} → {r['substituted']}"
        relations.append(line + (f"  [{r['note']}]" if r["note"] else ""))
    lines += _per_axis_lines(relations)
    for line in lines:
        print(f"  {line}")


def _cmd_shape(args: argparse.Namespace) -> int:
    info = _shape(args)
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
    else:
        _print_shape(info)
    return 0


def _solve(args: argparse.Namespace) -> tuple[tuple[int, ...], tuple[int, ...], list[list[dict[str, Any]]]]:
    size, target = per_drawn_axis(args, "input_size", "output_size")
    # the library refuses bounds whose search would take more than about a second (MAX_SOLVE_CANDIDATES)
    found = solver.solve(
        size,
        target,
        transposed=args.transposed is not False,
        kernel_sizes=range(1, args.max_kernel + 1),
        strides=range(1, args.max_stride + 1),
        dilations=range(1, args.max_dilation + 1),
    )
    result = [
        [
            {"kernel_size": s.kernel_size, "stride": s.stride, "padding": s.padding,
             "output_padding": s.output_padding, "dilation": s.dilation}
            for s in axis[: args.limit]
        ]
        for axis in found
    ]
    return size, target, result


def _print_solve(args: argparse.Namespace, size: tuple[int, ...], target: tuple[int, ...],
                 result: list[list[dict[str, Any]]]) -> None:
    kind = "Conv" if args.transposed is False else "ConvTranspose"
    blocks = []
    for a, axis in enumerate(result):
        lines = [f"{kind} {size[a]} → {target[a]}: {len(axis)} shown, most common first"]
        if not axis:
            lines.append("  none within the bounds (raise --max-kernel / --max-stride / --max-dilation)")
        lines += ["  " + str(solver.Solution(**sol)) for sol in axis]
        blocks.append("\n".join(lines))
    for block in _per_axis_lines(blocks):
        print(block)


def _cmd_solve(args: argparse.Namespace) -> int:
    size, target, result = _solve(args)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_solve(args, size, target, result)
    return 0


def register(sub: Any) -> None:
    """Add ``shape`` and ``solve`` to the subcommands.

    >>> from tconv.cli.base import Parser
    >>> parser = Parser(prog="tconv")
    >>> sub = parser.add_subparsers(dest="command", parser_class=Parser)
    >>> register(sub)
    >>> sorted(sub.choices)
    ['shape', 'solve']
    >>> args = parser.parse_args(["solve", "-i", "8,", "--output-size", "16,", "--limit", "2"])
    >>> args.handler(args)
    axis 0: ConvTranspose 8 → 16: 2 shown, most common first
      kernel_size=4, stride=2, padding=1
      kernel_size=2, stride=2, padding=0
    0
    """
    sp = subparser(sub, "shape", [sizes(*SIZES), sizes(*LAYER, padding_words=True), sizes(*TRANSPOSED_ONLY),
                                  padding_mode(), direction(), json_flag()],
                   "output size, the formula with numbers, the guide's relation", SHAPE_EXAMPLES, _cmd_shape)
    sp.add_argument("--pool", action="store_true", help="pooling instead (stride defaults to the kernel size)")
    sp.add_argument("--ceil-mode", action="store_true", help="pooling with ceil_mode=True")

    sv = subparser(sub, "solve", [sizes("sizes", "input_size", "output_size"), direction(), json_flag()],
                   "every parameter set mapping --input-size to --output-size", SOLVE_EXAMPLES, _cmd_solve)
    g = sv.add_argument_group(f"search bounds (at most {solver.MAX_SOLVE_CANDIDATES:,} candidates, about a second)")
    for flag, default, what in (("--max-kernel", 7, "kernel size"), ("--max-stride", 4, "stride"),
                                ("--max-dilation", 3, "dilation")):
        g.add_argument(flag, type=int_in(1), default=default, metavar="N",
                       help=f"largest {what} tried (default {default})")
    sv.add_argument("--limit", type=int_in(1), default=10, metavar="N",
                    help="show at most this many per axis (default 10)")
