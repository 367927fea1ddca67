"""``tconv compute`` and ``tconv explain``: a transposed convolution of real arrays, and its walkthrough."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._axes import per_axis, quote
from ..algorithms import REGISTRY
from ..arrays import load_array, load_arrays, random_arrays, with_channels, worked_example
from ..errors import TconvError
from ..recipe import plan
from ..render.output import writable
from .base import (
    LAYER,
    SIZES,
    TRANSPOSED_ONLY,
    arrays,
    check_output,
    groups,
    or_default,
    padding_mode,
    per_drawn_axis,
    sizes,
    subparser,
    word_layer_args,
)

if TYPE_CHECKING:
    from ..explain import Walkthrough

COMPUTE_EXAMPLES = """\
  tconv compute                                 seed 001's worked example, with the size derivation
  tconv compute --input x.npy --weight w.npy -s 2 -p 1 -o y.npy
  tconv compute --input '[[4,4,3],[0,3,4],[2,3,2]]' --weight '[[1,2],[0,1]]' -p 1
  tconv compute -i 3,4 -k 2 -s 2 --seed 5 --json random integers of those sizes
  tconv compute -i 4 -k 3 -s 2 -p same          output 8 x 8, TensorFlow's and Keras's crop
  tconv compute -i 4 -k 3 -s 2 -p 1 --padding-mode circular     the cropped stamps wrap around"""

EXPLAIN_EXAMPLES = """\
  tconv explain --input '[[4,4,3],[0,3,4],[2,3,2]]' --weight '[[1,2],[0,1]]' --lang zh
  tconv explain -i 3 -k 3 -s 2 -p 1 --output-padding 1 --view scatter --format markdown
  tconv explain -i 5, -k 3 -s 2                 a 1-D walkthrough: the trailing comma
  tconv explain --view backward                 seed 001's example as the gradient of a convolution: dx = Cᵀ·dy
  tconv explain --input x.npy --weight w.npy -s 2 --format html -o walkthrough.html
  tconv explain -i 3, -k 3 -s 2 -p 1 --padding-mode circular --view scatter"""


def check_sizes_agree(args: argparse.Namespace, x_spatial: Sequence[int], w_spatial: Sequence[int]) -> None:
    """-i/-k size random arrays; given together with arrays, they must say the same as the arrays.

    >>> from tconv.cli import build_parser
    >>> args = build_parser().parse_args(["compute", "-i", "2", "--input", "[[1,2],[3,4]]", "--weight", "[[1]]"])
    >>> check_sizes_agree(args, (2, 2), (1, 1))       # -i 2 is the input's 2 × 2: agreed
    >>> args.input_size = 3
    >>> check_sizes_agree(args, (2, 2), (1, 1))
    Traceback (most recent call last):
    tconv.errors.TconvError: --input-size 3 conflicts with --input, whose spatial shape is [2, 2]: leave
    --input-size out or make them agree
    """
    for name, flag, shape, source in (("input_size", "--input-size", x_spatial, "--input"),
                                      ("kernel_size", "--kernel-size", w_spatial, "--weight")):
        value = getattr(args, name)
        if value is None:
            continue
        try:
            wanted: tuple[int, ...] | None = per_axis(name, value, len(shape))
        except TconvError:
            wanted = None
        if wanted != tuple(shape):
            given = ",".join(map(str, np.atleast_1d(value)))
            raise TconvError(f"{flag} {given} conflicts with {source}, whose spatial shape is {list(shape)}: "
                             f"leave {flag} out or make them agree")


def check_array_flags(args: argparse.Namespace, otherwise: str) -> bool:
    """Whether arrays were given (--input and --weight together), refusing --seed with them; ``otherwise`` says
    what the command does without them.

    >>> from tconv.cli import build_parser
    >>> parse = build_parser().parse_args
    >>> check_array_flags(parse(["compute", "--input", "[1,2]", "--weight", "[1]"]), "random integers")
    True
    >>> check_array_flags(parse(["compute", "--seed", "3"]), "random integers")
    False
    >>> check_array_flags(parse(["compute", "--input", "[1,2]"]), "random integers")
    Traceback (most recent call last):
    tconv.errors.TconvError: give both --input and --weight, or neither (then random integers)
    """
    if (args.input is None) != (args.weight is None):
        raise TconvError(f"give both --input and --weight, or neither (then {otherwise})")
    given = args.input is not None
    if given and args.seed is not None:
        raise TconvError("--seed picks random arrays: it does not apply to --input/--weight")
    return given


def channel_arrays(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, bool]:
    """Input, weight and bias from the flags: files or inline JSON, else seed 001's example or random integers of
    the -i/-k sizes. Returns them with channel axes (PyTorch's layout) and whether they were given plain.

    >>> from tconv.cli import build_parser
    >>> parse = build_parser().parse_args
    >>> x, w, b, plain = channel_arrays(parse(["compute"]))        # seed 001's example
    >>> x.tolist(), w.tolist(), b, plain
    ([[[4, 4, 3], [0, 3, 4], [2, 3, 2]]], [[[[1, 2], [0, 1]]]], None, True)
    >>> x, w, b, plain = channel_arrays(parse(["compute", "-i", "4", "-k", "3", "--seed", "1"]))
    >>> x.shape, w.shape
    ((1, 4, 4), (1, 1, 3, 3))
    """
    given = check_array_flags(args, "seed 001's example or random integers")
    if not given and args.plain:
        raise TconvError("--plain applies to --input/--weight arrays")
    b: np.ndarray | None = None
    if given:  # JSON is plain data: JSON arrays take a common dtype, as lists do in the library
        x, w, b = load_arrays(args.input, args.weight, args.bias)
    else:
        if args.input_size is None and args.kernel_size is None and args.seed is None:
            x, w = worked_example()
        else:
            size, kernel = per_drawn_axis(args, "input_size", "kernel_size")
            x, w = random_arrays(size, kernel, groups=args.groups, seed=or_default(args.seed, 0))
        if args.bias is not None:
            b = load_array(args.bias, "--bias")
    x, w, b, plain = with_channels(x, w, b, plain=args.plain)
    nd = w.ndim - 2
    if given and x.ndim > nd:
        check_sizes_agree(args, x.shape[x.ndim - nd:], w.shape[2:])
    return x, w, b, plain


def output_size(args: argparse.Namespace, nd: int) -> tuple[int, ...] | None:
    """--output-size for arrays of ``nd`` spatial axes: a bare number is the size of every axis (PyTorch's
    output_size lists every axis).

    >>> from tconv.cli import build_parser
    >>> parse = build_parser().parse_args
    >>> output_size(parse(["compute", "--output-size", "6"]), 2), output_size(parse(["compute"]), 2)
    ((6, 6), None)
    """
    return None if args.output_size is None else per_axis("output_size", args.output_size, nd)


def _compute(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    x, w, b, plain = channel_arrays(args)
    # one recipe: it computes the result and its plan states the size derivation
    recipe = plan(x.shape, w.shape, None if b is None else b.shape, **word_layer_args(args), groups=args.groups,
                  output_size=output_size(args, w.ndim - 2), dtype=x.dtype, algorithm=args.algorithm,
                  padding_mode=args.padding_mode)
    y = recipe(x, w, b)
    lines = [ax.substituted() for ax in recipe.plan.axes]
    if plain:
        x, w, y = x[0], w[0, 0], y[0]
    return x, w, y, "\n".join(f"  axis {a}: L_out = {t}" for a, t in enumerate(lines))


def _cmd_compute(args: argparse.Namespace) -> int:
    if args.output is not None:
        if not args.output.endswith(".npy"):
            raise TconvError(f"--output {quote(args.output)} must end in .npy")
        check_output(args.output)
    x, w, y, derivation = _compute(args)
    if args.output is not None:
        with writable(args.output, "--output") as out:
            np.save(out, y)
        print(f"wrote {args.output}: shape {list(y.shape)}, dtype {y.dtype}")
    elif args.json:
        print(json.dumps({"output_shape": list(y.shape), "output": y.tolist()}))
    else:
        print(f"input {list(x.shape)}:\n{x}\nweight {list(w.shape)}:\n{w}")
        print(f"output {list(y.shape)}:\n{y}")
        print(f"why this size:\n{derivation}")
    return 0


def walkthrough(args: argparse.Namespace) -> Walkthrough:
    """The walkthrough ``tconv explain`` prints for these flags (docs/make_seeds.py renders the seed pages so).

    >>> from tconv.cli import build_parser
    >>> wt = walkthrough(build_parser().parse_args(["explain", "--view", "scatter"]))   # seed 001's example
    >>> wt.view, wt.output.tolist()
    ('scatter', [[[4, 12, 11, 6], [0, 7, 14, 11], [2, 7, 11, 8], [0, 2, 3, 2]]])
    """
    from ..explain import explain

    x, w, b, plain = channel_arrays(args)
    conv_input = None
    if args.conv_input is not None:
        if args.view != "backward":
            raise TconvError("--conv-input is the convolution's input x of --view backward")
        conv_input = load_array(args.conv_input, "--conv-input")
        if plain:  # a plain kernel: x is plain too, as the input is
            conv_input = conv_input[None]
    return explain(x, w, b, **word_layer_args(args), groups=args.groups, output_size=output_size(args, w.ndim - 2),
                   view=args.view, lang=args.lang, conv_input=conv_input,
                   padding_mode=args.padding_mode)


def _explain(args: argparse.Namespace) -> str:
    wt = walkthrough(args)
    if args.format == "json":
        return json.dumps(wt.to_dict(), ensure_ascii=False, indent=1)
    if args.format == "markdown":
        return wt.to_markdown()
    if args.format == "html":
        return wt.to_html()
    return wt.to_text(color=None if args.output is None else False)


def _cmd_explain(args: argparse.Namespace) -> int:
    if args.output is not None:
        check_output(args.output)
    text = _explain(args)
    if args.output is not None:
        data = text if text.endswith("\n") else text + "\n"
        with writable(args.output, "--output") as out:
            out.write(data.encode("utf-8"))
        print(f"wrote {args.output}")
    else:
        print(text, end="" if text.endswith("\n") else "\n")
    return 0


def register(sub: Any) -> None:
    """Add ``compute`` and ``explain`` to the subcommands.

    >>> from tconv.cli.base import Parser
    >>> parser = Parser(prog="tconv")
    >>> sub = parser.add_subparsers(dest="command", parser_class=Parser)
    >>> register(sub)
    >>> sorted(sub.choices)
    ['compute', 'explain']
    >>> args = parser.parse_args(["explain", "-i", "3", "-k", "2", "--format", "markdown"])
    >>> args.handler.__name__, args.input_size, args.view, args.format
    ('_cmd_explain', 3, 'gather', 'markdown')
    """
    layer = [sizes(*SIZES), sizes(*LAYER, padding_words=True), sizes(*TRANSPOSED_ONLY), padding_mode(), groups(),
             arrays(channels=True)]
    cp = subparser(sub, "compute", layer, "compute a transposed convolution from .npy or JSON arrays",
                   COMPUTE_EXAMPLES, _cmd_compute)
    cp.add_argument("--algorithm", default="auto", choices=["auto", *REGISTRY], help="algorithm (default auto)")
    where = cp.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", metavar="FILE.npy", help="write the result to a .npy file")
    where.add_argument("--json", action="store_true", help="print the result as JSON")

    layer = [sizes(*SIZES), sizes(*LAYER, padding_words=True), sizes(*TRANSPOSED_ONLY), padding_mode(), groups(),
             arrays(channels=True)]
    ep = subparser(sub, "explain", layer, "step-by-step walkthrough with real numbers", EXPLAIN_EXAMPLES,
                   _cmd_explain)
    ep.add_argument("--view", default="gather", choices=["gather", "scatter", "matrix", "backward"],
                    help="gather: zero insertion + padding + flipped kernel (default); scatter: stamps; "
                         "matrix: y = Cᵀx; backward: the gradient of the convolution y = conv(x, w), with --input "
                         "as dy: dx = Cᵀ·dy = this transposed convolution")
    ep.add_argument("--conv-input", metavar="X",
                    help="--view backward: the convolution's input x, shaped as the output (default 1, 2, 3, ...)")
    ep.add_argument("--format", default="text", choices=["text", "markdown", "html", "json"], help="output format")
    ep.add_argument("--lang", default="en", choices=["en", "zh"], help="language of the prose (numbers stay the same)")
    ep.add_argument("-o", "--output", metavar="FILE", help="write to a file instead of printing")
