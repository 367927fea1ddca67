"""What every subcommand shares: the parser class (:class:`tconv._parser.Parser`, which ``tconv bench`` shares), flag
types, parent parsers (one per concern: sizes, layer, transposed-only, groups, direction, arrays, rendering, JSON),
the rank rule for sizes, and checks of files to write.

Size flags take ``5``, a per-axis ``5,4``, or ``5,`` (one axis). In every subcommand a bare number means a square
2-D layer (:data:`RANK_RULE`, decided by :func:`tconv._axes.drawn_axes`), as the tutorials, conv_arithmetic and
the explorer draw; a trailing comma asks for 1-D.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypedDict

from .._axes import drawn_axes, parse_ints, per_axis, quote
from .._parser import Parser as Parser  # re-exported: the subcommands' parser class
from .._parser import int_in as int_in
from ..errors import TconvError
from ..scene.build import CELL_SIZES, DURATIONS_MS
from ..shapes import PADDING_MODES, PADDING_WORDS

#: The rule for the number of axes, as each subcommand's --help states it.
RANK_RULE = "5 means a square 2-D layer, 5,5; one per axis: 5,4; one axis (1-D): 5,"

#: Every size flag, by PyTorch's name: together they decide the number of axes (drawn_axes).
SIZE_NAMES = ("input_size", "kernel_size", "stride", "padding", "output_padding", "dilation", "output_size")

# --seed's range: NumPy's RandomState takes 0..2**32-1 (default_rng more; this range reads the same in both)
MAX_SEED = 2**32 - 1

# A subcommand's handler: the parsed flags in, the exit code out.
Handler = Callable[[argparse.Namespace], int]


def subparser(sub: Any, name: str, parents: Sequence[argparse.ArgumentParser], text: str, examples: str,
              handler: Handler) -> Parser:
    """A subcommand's parser: its help, its examples at the end of --help, and its handler.

    >>> parser = Parser(prog="tconv")
    >>> sub = parser.add_subparsers(dest="command", parser_class=Parser)
    >>> hello = subparser(sub, "hello", [groups()], "say hello", "  tconv hello --groups 2", lambda args: 0)
    >>> args = parser.parse_args(["hello", "--groups", "2"])
    >>> args.command, args.groups, args.handler(args)
    ('hello', 2, 0)
    >>> hello.epilog
    'examples:\\n  tconv hello --groups 2'
    """
    p: Parser = sub.add_parser(name, parents=parents, help=text, description=text, epilog="examples:\n" + examples)
    p.set_defaults(handler=handler)
    return p


# --------------------------------------------------------------------------------------------------
# flag types and parent parsers, one per concern
# --------------------------------------------------------------------------------------------------


def ints(text: str) -> int | tuple[int, ...]:
    """An argparse type: ``5``, ``5,4`` or ``5,`` (parse_ints, the size syntax of the CLI and the web API).

    >>> ints("5"), ints("5,4"), ints("5,")
    (5, (5, 4), (5,))
    >>> ints("5x4")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: expected an integer or comma-separated integers like 5,4 (5, for one axis),
    got '5x4'
    """
    try:
        return parse_ints("value", text)
    except TconvError:
        raise argparse.ArgumentTypeError(
            f"expected an integer or comma-separated integers like 5,4 (5, for one axis), got {quote(text)}"
        ) from None


def padding_value(text: str) -> int | tuple[int, ...] | str:
    """An argparse type for --padding where the words apply too: ``same`` or ``valid`` (any case), or sizes.

    >>> padding_value("SAME"), padding_value("1,2")
    ('same', (1, 2))
    >>> padding_value("full")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: expected same, valid, an integer or comma-separated integers like 5,4 (5, for one
    axis), got 'full'
    """
    word = text.strip().lower()
    if word in PADDING_WORDS:
        return word
    try:
        return parse_ints("value", text)
    except TconvError:
        raise argparse.ArgumentTypeError(
            f"expected same, valid, an integer or comma-separated integers like 5,4 (5, for one axis), "
            f"got {quote(text)}"
        ) from None


_SIZE_FLAGS = {
    "input_size": (("-i", "--input-size"), "spatial input size"),
    "kernel_size": (("-k", "--kernel-size"), "kernel size"),
    "stride": (("-s", "--stride"), "stride (default 1)"),
    "padding": (("-p", "--padding"), "padding (default 0)"),
    "dilation": (("-d", "--dilation"), "dilation (default 1)"),
    "output_padding": (("--output-padding",), "output_padding (default 0)"),
    "output_size": (("--output-size",), "wanted output size"),
}

#: The size groups of the layer-shaped subcommands: (title, flag names).
SIZES = ("sizes", "input_size", "kernel_size")
LAYER = ("layer", "stride", "padding", "dilation")
TRANSPOSED_ONLY = ("transposed only", "output_padding", "output_size")


def sizes(title: str, *names: str, padding_words: bool = False) -> Parser:
    """A parent parser with the named size flags; the first group's title states the rank rule. With
    ``padding_words``, --padding also takes ``same`` and ``valid`` (the commands that compute or explain a
    transposed convolution, and ``shape``).

    >>> sizes(*SIZES).parse_args(["-i", "3", "-k", "2,1"])
    Namespace(input_size=3, kernel_size=(2, 1))
    >>> sizes(*LAYER).parse_args(["-s", "2"])
    Namespace(stride=2, padding=None, dilation=None)
    >>> sizes(*LAYER, padding_words=True).parse_args(["-p", "same"]).padding
    'same'
    """
    p = Parser(add_help=False)
    text = f"{title} ({RANK_RULE})" if title == "sizes" else f"{title} (an integer, or one per axis)"
    g = p.add_argument_group(text)
    for name in names:
        flags, help_text = _SIZE_FLAGS[name]
        if name == "padding" and padding_words:
            g.add_argument(*flags, type=padding_value, metavar="N",
                           help="padding (default 0); same: output = input × stride (TensorFlow's, Keras's and "
                                "JAX's crop), valid: 0")
        else:
            g.add_argument(*flags, type=ints, metavar="N", help=help_text)
    return p


def padding_mode() -> Parser:
    """A parent parser with --padding-mode: PyTorch's modes (default zeros); for a transposed convolution, the
    adjoint of the direct convolution that pads so (the cropped margins fold back).

    >>> parse = padding_mode().parse_args
    >>> parse([]).padding_mode, parse(["--padding-mode", "circular"]).padding_mode
    ('zeros', 'circular')
    """
    p = Parser(add_help=False)
    p.add_argument("--padding-mode", default="zeros", choices=PADDING_MODES,
                   help="zeros (default, PyTorch's); circular, reflect, replicate: the margins that padding crops wrap "
                        "around, fold onto their mirror image, or onto the edge cell")
    return p


def groups() -> Parser:
    """A parent parser with --groups, an integer ≥ 1 (default 1).

    >>> groups().parse_args([]).groups, groups().parse_args(["--groups", "2"]).groups
    (1, 2)
    """
    p = Parser(add_help=False)
    p.add_argument("--groups", type=int_in(1), default=1, metavar="N", help="groups (default 1)")
    return p


def direction() -> Parser:
    """A parent parser with --transposed/--no-transposed: None when neither is given, so a caller can tell.

    >>> [direction().parse_args(flags).transposed for flags in ([], ["--transposed"], ["--no-transposed"])]
    [None, True, False]
    """
    p = Parser(add_help=False)
    p.add_argument("--transposed", action=argparse.BooleanOptionalAction, default=None,
                   help="transposed convolution (default); --no-transposed for a direct convolution")
    return p


def arrays(channels: bool) -> Parser:
    """--input, --weight and --seed; with ``channels``, also --bias and --plain (arrays with channel axes).

    >>> arrays(channels=True).parse_args(["--input", "[[1,2],[3,4]]", "--weight", "[[1]]", "--plain"])
    Namespace(input='[[1,2],[3,4]]', weight='[[1]]', bias=None, plain=True, seed=None)
    >>> arrays(channels=False).parse_args(["--seed", "5"])
    Namespace(input=None, weight=None, seed=5)
    """
    p = Parser(add_help=False)
    g = p.add_argument_group("arrays (.npy, .json or inline JSON; without them, random integers of -i/-k from --seed)")
    if channels:
        g.add_argument("--input", metavar="X",
                       help="(N, C, ...) or (C, ...), or plain with a plain weight")
        g.add_argument("--weight", metavar="W",
                       help="(in, out/groups, *kernel), or a plain kernel such as [[1,2],[0,1]]")
        g.add_argument("--bias", metavar="B", help="(out_channels,)")
        g.add_argument("--plain", action="store_true", help="treat input and weight as single-channel arrays")
    else:
        g.add_argument("--input", metavar="X", help="input values, 1-D or 2-D")
        g.add_argument("--weight", metavar="W", help="kernel values, 1-D or 2-D")
    g.add_argument("--seed", type=int_in(0, MAX_SEED), metavar="N",
                   help="seed of the random integers (default 0)")
    return p


def render() -> Parser:
    """A parent parser with the rendering flags: --duration (ms per frame) and --cell-size (pixels).

    >>> render().parse_args([]), render().parse_args(["--cell-size", "24"]).cell_size
    (Namespace(duration=800, cell_size=36), 24)
    """
    p = Parser(add_help=False)
    g = p.add_argument_group("rendering")
    g.add_argument("--duration", type=int_in(*DURATIONS_MS), default=800, metavar="MS",
                   help="milliseconds per frame, {}..{} (default 800)".format(*DURATIONS_MS))
    g.add_argument("--cell-size", type=int_in(*CELL_SIZES), default=36, metavar="PX",
                   help="cell size in pixels, {}..{} (default 36)".format(*CELL_SIZES))
    return p


def json_flag(text: str = "print JSON") -> Parser:
    """A parent parser with --json; ``text`` is its help.

    >>> json_flag().parse_args(["--json"]).json, json_flag("print the counts as JSON").parse_args([]).json
    (True, False)
    """
    p = Parser(add_help=False)
    p.add_argument("--json", action="store_true", help=text)
    return p


# --------------------------------------------------------------------------------------------------
# the flags' values: defaults, required flags, the rank rule
# --------------------------------------------------------------------------------------------------


def or_default(value: Any, default: Any) -> Any:
    """A flag's value, or ``default`` when the flag was not given (None); 0 is a value.

    >>> or_default(None, 1), or_default(0, 1), or_default((2, 1), 1)
    (1, 0, (2, 1))
    """
    return default if value is None else value


def need(args: argparse.Namespace, *names: str) -> None:
    """Refuse, naming the flag, a required flag that was not given.

    >>> need(argparse.Namespace(command="shape", input_size=3), "input_size")
    >>> need(argparse.Namespace(command="shape", input_size=None), "input_size")
    Traceback (most recent call last):
    tconv.errors.TconvError: --input-size is required for `tconv shape`
    """
    for name in names:
        if getattr(args, name) is None:
            flag = "--" + name.replace("_", "-")
            raise TconvError(f"{flag} is required for `tconv {args.command}`")


def per_drawn_axis(args: argparse.Namespace, *names: str) -> list[tuple[int, ...]]:
    """The named size flags (each required), one value per axis. The number of axes is what all the size flags
    given say together (drawn_axes): the longest per-axis value, or 2 when every one is a bare number.

    >>> def flags(**given):
    ...     return argparse.Namespace(**{**dict.fromkeys(SIZE_NAMES), "command": "shape", **given})
    >>> per_drawn_axis(flags(input_size=3, kernel_size=2), "input_size", "kernel_size")    # a square 2-D layer
    [(3, 3), (2, 2)]
    >>> per_drawn_axis(flags(input_size=3, kernel_size=(2, 1)), "input_size", "kernel_size")
    [(3, 3), (2, 1)]
    >>> per_drawn_axis(flags(input_size=(5,), kernel_size=3), "input_size", "kernel_size")    # -i 5, : one axis
    [(5,), (3,)]
    """
    need(args, *names)
    nd = drawn_axes(**{n: getattr(args, n, None) for n in SIZE_NAMES})
    return [per_axis(n, getattr(args, n), nd) for n in names]


class LayerArgs(TypedDict):
    """The size flags every layer-shaped call takes, PyTorch's defaults filled in."""

    stride: int | tuple[int, ...]
    padding: int | tuple[int, ...]
    output_padding: int | tuple[int, ...]
    dilation: int | tuple[int, ...]


class WordLayerArgs(TypedDict):
    """:class:`LayerArgs` where --padding may also be a word, ``same`` or ``valid`` (:func:`sizes` with
    ``padding_words``)."""

    stride: int | tuple[int, ...]
    padding: int | tuple[int, ...] | str
    output_padding: int | tuple[int, ...]
    dilation: int | tuple[int, ...]


def layer_args(args: argparse.Namespace) -> LayerArgs:
    """The layer's stride, padding, output_padding and dilation from the flags, PyTorch's default where not given.

    >>> layer_args(argparse.Namespace(stride=2, padding=None, output_padding=None, dilation=None))
    {'stride': 2, 'padding': 0, 'output_padding': 0, 'dilation': 1}
    """
    # groups and output_size stay with the callers: not every call takes them (animate, overlap draw one channel)
    if isinstance(args.padding, str):  # only parsers built with padding_words read one: they call word_layer_args
        raise TconvError(f"--padding {args.padding} applies to compute, explain and shape: use integers here")
    return LayerArgs(stride=or_default(args.stride, 1), padding=or_default(args.padding, 0),
                     output_padding=or_default(args.output_padding, 0), dilation=or_default(args.dilation, 1))


def word_layer_args(args: argparse.Namespace) -> WordLayerArgs:
    """:func:`layer_args` for the commands whose --padding takes ``same`` and ``valid`` too.

    >>> word_layer_args(argparse.Namespace(stride=2, padding="same", output_padding=None, dilation=None))
    {'stride': 2, 'padding': 'same', 'output_padding': 0, 'dilation': 1}
    """
    return WordLayerArgs(stride=or_default(args.stride, 1), padding=or_default(args.padding, 0),
                         output_padding=or_default(args.output_padding, 0), dilation=or_default(args.dilation, 1))


# --------------------------------------------------------------------------------------------------
# files to write
# --------------------------------------------------------------------------------------------------


def check_output(path: str, flag: str = "--output", extensions: Sequence[str] = ()) -> None:
    """Refuse, before any work, a file that cannot be written (:func:`tconv.render.check_writable`), or (with
    ``extensions``) one whose extension names no format the command writes.

    >>> check_output("/tmp/tconv-doctest-check.svg", extensions=("svg", "gif"))    # nothing is written
    >>> check_output("/tmp/tconv-doctest-check.txt", extensions=("svg", "gif"))
    Traceback (most recent call last):
    tconv.errors.TconvError: --output '/tmp/tconv-doctest-check.txt': the extension must be one of .svg, .gif
    >>> check_output("/tmp/tconv-doctest-no-such-folder/y.npy")
    Traceback (most recent call last):
    tconv.errors.TconvError: --output '/tmp/tconv-doctest-no-such-folder/y.npy': the folder
    '/tmp/tconv-doctest-no-such-folder' does not exist (create it first)
    """
    from ..render import check_writable

    if extensions and Path(path).suffix.lower().lstrip(".") not in extensions:
        raise TconvError(f"{flag} {quote(path)}: the extension must be one of "
                         f"{', '.join('.' + e for e in extensions)}")
    check_writable(path, flag)


def writing(path: str | Path, flag: str, write: Callable[[], Any]) -> Any:
    """Run ``write``; an OSError becomes a TconvError naming the flag and the path.

    >>> writing("/tmp/tconv-doctest-out.npy", "--output", lambda: "its result")
    'its result'
    >>> def full_disk():
    ...     raise OSError(28, "No space left on device")
    >>> writing("/tmp/tconv-doctest-out.npy", "--output", full_disk)
    Traceback (most recent call last):
    tconv.errors.TconvError: --output '/tmp/tconv-doctest-out.npy' could not be written: No space left on device
    """
    try:
        return write()
    except OSError as exc:
        raise TconvError(f"{flag} {quote(str(path))} could not be written: {exc.strerror or exc}") from None
