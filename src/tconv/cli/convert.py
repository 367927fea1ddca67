"""``tconv convert`` and ``tconv onnx``: ConvTranspose layers of other frameworks, and PyTorch's equivalents."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import frameworks
from .._axes import parse_ints, quote
from .._extras import install_hint
from ..errors import TconvError
from ..render.output import path_kind
from .base import RANK_RULE, int_in, ints, or_default, per_drawn_axis, subparser

CONVERT_EXAMPLES = """\
  tconv convert --from keras --padding same -s 2 -k 3 -i 16
  tconv convert --from onnx --padding SAME_LOWER -s 2 -k 3 -i 4
  tconv convert --from keras --padding same -s 2 -k 3 -i 16,     a 1-D layer: the trailing comma
  tconv convert --to onnx -k 3 -s 2 -p 1 --output-padding 1 -i 8"""

ONNX_EXAMPLES = """\
  tconv onnx model.onnx                         its ConvTranspose nodes and their PyTorch equivalents"""


def _framework_padding(text: str | None) -> Any:
    """--padding with --from: the framework's own word (same, valid, SAME_LOWER...), or pairs lo:hi,lo:hi."""
    if text is None or ":" not in text:
        return text
    try:
        return [tuple(int(v) for v in pair.split(":", 1)) for pair in text.split(",")]
    except ValueError:
        raise TconvError(f"--padding {quote(text)} must be a framework's padding (same, valid, SAME_LOWER...) or "
                         "pairs like 1:2,0:1") from None


# What --to reads besides the size flags: PyTorch's layer (to_framework); the other flags describe the framework's.
_TO_READS = ("output_padding", "groups")
_FROM_ONLY = ("pads", "output_size", "in_channels", "out_channels", "transpose_kernel")


def _cmd_convert(args: argparse.Namespace) -> int:
    if args.target is not None:
        for name in _FROM_ONLY:
            if getattr(args, name) is not None:
                raise TconvError(f"--{name.replace('_', '-')} does not apply to --to (it reads "
                                 f"{', '.join('--' + n.replace('_', '-') for n in _TO_READS)} besides the size flags)")
        args.padding = 0 if args.padding is None else parse_ints("padding", args.padding)
        size, kernel = per_drawn_axis(args, "input_size", "kernel_size")
        result = frameworks.to_framework(args.target, size, kernel, args.stride, args.padding,
                                         or_default(args.output_padding, 0), args.dilation,
                                         or_default(args.groups, 1))
        print(json.dumps(result) if args.json else "\n".join(f"{k} = {v!r}" for k, v in result.items()))
        return 0
    reads = frameworks.FROM_READS[args.source]
    for name in _FROM_ONLY + _TO_READS:  # given at all, 0 included: the framework's layer has no such argument
        if getattr(args, name) is not None and name not in reads:
            raise TconvError(f"--{name.replace('_', '-')} does not apply to --from {args.source} (it reads "
                             f"{', '.join('--' + n.replace('_', '-') for n in reads)} besides the size flags)")
    size, kernel = per_drawn_axis(args, "input_size", "kernel_size")
    eq = frameworks.from_framework(
        args.source, size, kernel, args.stride, _framework_padding(args.padding), args.dilation,
        output_padding=args.output_padding, output_size=args.output_size, pads=args.pads, groups=args.groups,
        in_channels=args.in_channels, out_channels=args.out_channels, transpose_kernel=args.transpose_kernel)
    if args.json:
        print(json.dumps({"padding": eq.padding, "output_padding": eq.output_padding, "stride": eq.stride,
                          "dilation": eq.dilation, "groups": eq.groups, "crop": eq.crop, "pad": eq.pad,
                          "output_size": eq.output_size, "exact": eq.exact, "code": eq.code()}))
        return 0
    print(eq)
    print("exact: PyTorch's layer alone reproduces it" if eq.exact else
          "not exact in PyTorch alone: the crop / zero-pad below is needed")
    print()
    print(eq.code())
    return 0


def _dims(shape: Sequence[int | None] | None) -> str:
    if shape is None:
        return "unknown"
    return "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"


def _symbolic(shape: Sequence[int | None] | None, symbols: Sequence[str | None]) -> str:
    """``[batch, 16, h, w]``: X's shape with the names of its symbolic spatial sizes."""
    if shape is None:
        return "unknown"
    names = [None] * (len(shape) - len(symbols)) + list(symbols)
    return "[" + ", ".join(str(d) if d is not None else (n or "?") for d, n in zip(shape, names)) + "]"


def _cmd_onnx(args: argparse.Namespace) -> int:
    # a missing or unreadable file is the first thing to hear about: installing onnx would not fix it
    if not args.model.strip():
        raise TconvError("MODEL is empty: give an .onnx file")
    kind = path_kind(Path(args.model), "MODEL")
    if kind == "missing":
        raise TconvError(f"MODEL {quote(args.model)} does not exist")
    if kind == "folder":
        raise TconvError(f"MODEL {quote(args.model)} is a folder, not an .onnx file")
    from ..frameworks.onnx import conv_transpose_nodes

    nodes = conv_transpose_nodes(args.model)
    print(f"{args.model}: {len(nodes)} ConvTranspose node(s)")
    for node in nodes:
        name = node.name or "(unnamed)"
        if node.module:  # torch's exporters: the module path says more than node_ConvTranspose_9
            name = f"{node.module} ({name})"
        x = _symbolic(node.input_shape, node.symbols) if node.symbols else _dims(node.input_shape)
        print(f"\n{name}: X {x}, W {_dims(node.weight_shape)}, bias {'yes' if node.bias else 'no'}")
        attrs = ", ".join(f"{k}={list(v) if isinstance(v, tuple) else v}" for k, v in node.attributes.items())
        print(f"  attributes: {attrs or '(none)'}")
        if node.equivalent is not None:
            print(f"  PyTorch equivalent: {node.equivalent}")
        elif node.general is not None:
            head = str(node.general).rsplit("; output size", 1)[0]
            print(f"  PyTorch equivalent at any size: {head}; output size ({', '.join(node.formula)})")
        else:
            print(f"  no PyTorch equivalent: {node.problem}")
    return 0


def register(sub: Any) -> None:
    """Add ``convert`` and ``onnx`` to the subcommands.

    >>> from tconv.cli.base import Parser
    >>> parser = Parser(prog="tconv")
    >>> sub = parser.add_subparsers(dest="command", parser_class=Parser)
    >>> register(sub)
    >>> sorted(sub.choices)
    ['convert', 'onnx']
    >>> args = parser.parse_args(["convert", "--to", "onnx", "-k", "3", "-s", "2", "-p", "1", "--output-padding", "1",
    ...                           "-i", "8,"])
    >>> args.handler(args)          # PyTorch's ConvTranspose1d as ONNX attributes
    kernel_shape = [3]
    strides = [2]
    pads = [1, 1]
    output_padding = [1]
    dilations = [1]
    group = 1
    0
    """
    names = list(frameworks.FRAMEWORKS)
    cv = subparser(sub, "convert", [], "PyTorch equivalent of an ONNX/TF/Keras/JAX ConvTranspose, or the reverse",
                   CONVERT_EXAMPLES, _cmd_convert)
    direction = cv.add_mutually_exclusive_group(required=True)
    direction.add_argument("--from", dest="source", choices=names, help="framework to convert from")
    direction.add_argument("--to", dest="target", choices=names, help="framework to convert to")
    g = cv.add_argument_group(f"sizes ({RANK_RULE})")
    g.add_argument("-i", "--input-size", type=ints, required=True, metavar="N", help="spatial input size")
    g.add_argument("-k", "--kernel-size", type=ints, required=True, metavar="N", help="kernel size")
    g.add_argument("-s", "--stride", type=ints, default=1, metavar="N", help="stride(s) (default 1)")
    g.add_argument("-d", "--dilation", type=ints, default=1, metavar="N", help="dilation(s) (default 1)")
    cv.add_argument("-p", "--padding", default=None,
                    help="--from: the framework's padding: same/valid (TF, Keras, JAX), SAME_UPPER/SAME_LOWER/VALID "
                         "(ONNX auto_pad), or JAX pairs lo:hi,lo:hi; --to: PyTorch's padding (5 or 5,4)")
    cv.add_argument("--pads", type=ints, metavar="B,..,E,..",
                    help="--from onnx: explicit pads (all begins, then all ends)")
    cv.add_argument("--output-padding", type=ints, metavar="N",
                    help="output_padding (--from onnx, --from keras; PyTorch's with --to)")
    cv.add_argument("--output-size", type=ints, metavar="N",
                    help="--from tf: output spatial size; --from onnx: output_shape")
    cv.add_argument("--groups", type=int_in(1), metavar="N",
                    help="groups (--from onnx: group; PyTorch's with --to; default 1)")
    cv.add_argument("--in-channels", type=int_in(1), metavar="N", help="input channels (--from; default 1)")
    cv.add_argument("--out-channels", type=int_in(1), metavar="N", help="output channels (--from; default 1)")
    cv.add_argument("--transpose-kernel", action="store_true", default=None, help="--from jax: transpose_kernel=True")
    cv.add_argument("--json", action="store_true", help="print JSON")

    ox = subparser(sub, "onnx", [], "list an ONNX model's ConvTranspose nodes with their PyTorch equivalents",
                   ONNX_EXAMPLES, _cmd_onnx)
    needs = install_hint("onnx").replace("%", "%%")  # as the "needs X" message says it
    ox.add_argument("model", metavar="MODEL.onnx", help=f"the model file (reading it needs the onnx package: {needs})")
