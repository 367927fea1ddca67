"""The ``tconv`` command: a thin shell that parses flags, calls the library and prints the result.

Each subcommand takes only the flags it uses, assembled from small parent parsers, one per concern (sizes, layer,
transposed-only, groups, direction, arrays, rendering, JSON); a flag it does not use is an error. Size flags take
``5`` or a per-axis ``5,4``; PyTorch's underscore spellings (``--output_padding``) are aliases of the hyphenated
flags; no flag may be abbreviated. Each subparser carries its handler (``set_defaults(handler=...)``), a function
of the parsed flags that returns the exit code; ``main`` calls it. Every mistake, argparse's or the library's,
gets one line on stderr, ``tconv COMMAND: error: ...``, and exit code 2.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypedDict

import numpy as np

from . import report, solver
from ._axes import count_axes, parse_ints, per_axis
from .algorithms import REGISTRY
from .errors import TconvError
from .functional import as_arrays, execute
from .params import plan_conv_transpose
from .settings import check_memory

if TYPE_CHECKING:
    import socket

__all__ = ["main"]

OVERVIEW = """\
examples (tconv COMMAND --help shows each command's flags and more examples):
  tconv shape -i 3 -k 2                         why ConvTranspose2d(k=2) turns 3x3 into 4x4
  tconv solve -i 17 --output-size 34            how do I upsample 17 to 34?
  tconv compute                                 seed 001's worked example, with the size derivation
  tconv explain -i 3 -k 3 -s 2 -p 1 --output-padding 1 --view scatter
  tconv animate -i 3 -k 3 -s 2 -p 1 --output-padding 1 --values -o odd.gif
  tconv serve                                   the interactive explorer at http://127.0.0.1:8765/

PyTorch's spellings of the flags work too: --output_padding is --output-padding.
"""

# Each subcommand's --help ends with its own examples.
EXAMPLES = {
    "shape": """\
  tconv shape -i 3 -k 2                         why ConvTranspose2d(k=2) turns 3x3 into 4x4
  tconv shape -i 5 -k 3 -s 2 -p 1 --output-size 10
  tconv shape -i 7,5 -k 3 -s 2 -p 1 --no-transposed --json
  tconv shape --pool -i 7 -k 2 --ceil-mode""",
    "solve": """\
  tconv solve -i 17 --output-size 34            how do I upsample 17 to 34?
  tconv solve -i 64 --output-size 32 --no-transposed --limit 3
  tconv solve -i 8,8 --output-size 16,15 --max-kernel 9 --json""",
    "compute": """\
  tconv compute                                 seed 001's worked example, with the size derivation
  tconv compute --input x.npy --weight w.npy -s 2 -p 1 -o y.npy
  tconv compute --input '[[4,4,3],[0,3,4],[2,3,2]]' --weight '[[1,2],[0,1]]' -p 1
  tconv compute -i 3,4 -k 2 -s 2 --seed 5 --json random integers of those sizes""",
    "explain": """\
  tconv explain --input '[[4,4,3],[0,3,4],[2,3,2]]' --weight '[[1,2],[0,1]]' --lang zh
  tconv explain -i 3 -k 3 -s 2 -p 1 --output-padding 1 --view scatter --format markdown
  tconv explain --input x.npy --weight w.npy -s 2 --format html -o walkthrough.html""",
    "animate": """\
  tconv animate -i 3 -k 3 -s 2 -p 1 --output-padding 1 --values -o odd.gif
  tconv animate -i 3,2 -k 3,2 -s 2,1 --view scatter --values -o scatter.svg
  tconv animate -i 5 -k 3 -s 2 --no-transposed -o conv.png""",
    "gallery": """\
  tconv gallery gallery/                        conv_arithmetic's 15 animations and more
  tconv gallery stills/ --format png --cell-size 24""",
    "overlap": """\
  tconv overlap -i 8 -k 3 -s 2 --layers 2 -o checkerboard.png
  tconv overlap -i 8 -k 4 -s 2 -p 1 --json""",
    "serve": """\
  tconv serve                                   the interactive explorer at http://127.0.0.1:8765/
  tconv serve --port 9000 --no-browser          --port 0: any free port""",
    "convert": """\
  tconv convert --from keras --padding same -s 2 -k 3 -i 16
  tconv convert --from onnx --padding SAME_LOWER -s 2 -k 3 -i 4
  tconv convert --to onnx -k 3 -s 2 -p 1 --output-padding 1 -i 8""",
    "onnx": """\
  tconv onnx model.onnx                         its ConvTranspose nodes and their PyTorch equivalents""",
    "doctor": """\
  tconv doctor unet.onnx --input-shape 1,3,350,525      why it fails at 350x525, fixes, sizes that work
  tconv doctor mymodels.unet:UNet --input-shape 1,3,350,525 --sizes 256:512
  tconv doctor mymodels.unet:build_model --input-shape 1,3,350,525 --json""",
}

# A subcommand's handler: the parsed flags in, the exit code out.
Handler = Callable[[argparse.Namespace], int]

# Seed 001's worked example: what `tconv compute` shows with no arrays given.
DEFAULT_INPUT = [[4, 4, 3], [0, 3, 4], [2, 3, 2]]
DEFAULT_WEIGHT = [[1, 2], [0, 1]]

# --seed's range: NumPy's RandomState takes 0..2**32-1 (default_rng more; this range reads the same in both)
MAX_SEED = 2**32 - 1


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class _Parser(argparse.ArgumentParser):
    """argparse with no abbreviations, raw help text and one-line errors (exit 2) instead of a usage block."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {_one_line(message)}\n")

    def add_underscore_aliases(self) -> None:
        """PyTorch's spellings as aliases: ``--output_padding`` is ``--output-padding`` (not listed in --help)."""
        for action in self._actions:
            for option in action.option_strings:
                negative = isinstance(action, argparse.BooleanOptionalAction) and option.startswith("--no-")
                if option.startswith("--") and "-" in option[2:] and not negative:
                    self._option_string_actions.setdefault("--" + option[2:].replace("-", "_"), action)

    def unknown(self, rest: Sequence[str]) -> NoReturn:
        """Refuse arguments this subcommand does not take, with the closest flag it does take."""
        known = [o for o in self._option_string_actions if not (o.startswith("--") and "_" in o)]
        hint = f"; `{self.prog} --help` lists its flags"
        for token in rest:
            if token.startswith("-"):
                close = difflib.get_close_matches(token.split("=", 1)[0], known, n=1)
                if close:
                    hint = f"; did you mean {close[0]}?"
                break
        self.error(f"unrecognized arguments: {' '.join(rest)}{hint}")


# --------------------------------------------------------------------------------------------------
# flag types and parent parsers, one per concern
# --------------------------------------------------------------------------------------------------


def _ints(text: str) -> int | tuple[int, ...]:
    try:
        return parse_ints("value", text)
    except TconvError:
        raise argparse.ArgumentTypeError(
            f"expected an integer or comma-separated integers like 5,4, got {_quote(text)}") from None


def _int_in(lo: int, hi: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer in lo..hi (no upper bound when hi is None)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = lo - 1
        if value < lo or (hi is not None and value > hi):
            valid = f"{lo}..{hi}" if hi is not None else f"≥ {lo}"
            raise argparse.ArgumentTypeError(f"expected an integer {valid}, got {_quote(text)}")
        return value

    parse.__name__ = "int"
    return parse


_SIZE_FLAGS = {
    "input_size": (("-i", "--input-size"), "spatial input size"),
    "kernel_size": (("-k", "--kernel-size"), "kernel size"),
    "stride": (("-s", "--stride"), "stride (default 1)"),
    "padding": (("-p", "--padding"), "padding (default 0)"),
    "dilation": (("-d", "--dilation"), "dilation (default 1)"),
    "output_padding": (("--output-padding",), "output_padding (default 0)"),
    "output_size": (("--output-size",), "wanted output size"),
}


def _sizes(title: str, *names: str) -> _Parser:
    """A parent parser with the named size flags, each an integer or one per axis (5,4)."""
    p = _Parser(add_help=False)
    g = p.add_argument_group(f"{title} (an integer, or one per axis: 5,4)")
    for name in names:
        flags, text = _SIZE_FLAGS[name]
        g.add_argument(*flags, type=_ints, metavar="N", help=text)
    return p


def _groups() -> _Parser:
    p = _Parser(add_help=False)
    p.add_argument("--groups", type=_int_in(1), default=1, metavar="N", help="groups (default 1)")
    return p


def _direction() -> _Parser:
    p = _Parser(add_help=False)
    p.add_argument("--transposed", action=argparse.BooleanOptionalAction, default=None,
                   help="transposed convolution (default); --no-transposed for a direct convolution")
    return p


def _arrays(channels: bool) -> _Parser:
    """--input, --weight and --seed; with ``channels``, also --bias and --plain (arrays with channel axes)."""
    p = _Parser(add_help=False)
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
    g.add_argument("--seed", type=_int_in(0, MAX_SEED), metavar="N",
                   help="seed of the random integers (default 0)")
    return p


def _render() -> _Parser:
    p = _Parser(add_help=False)
    g = p.add_argument_group("rendering")
    g.add_argument("--duration", type=int, default=800, metavar="MS", help="milliseconds per frame (default 800)")
    g.add_argument("--cell-size", type=int, default=36, metavar="PX", help="cell size in pixels (default 36)")
    return p


def _json(text: str = "print JSON") -> _Parser:
    p = _Parser(add_help=False)
    p.add_argument("--json", action="store_true", help=text)
    return p


# --------------------------------------------------------------------------------------------------
# shared checks: required flags, files to write, arrays to read
# --------------------------------------------------------------------------------------------------


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def _need(args: argparse.Namespace, *names: str) -> None:
    for name in names:
        if getattr(args, name) is None:
            flag = "--" + name.replace("_", "-")
            raise TconvError(f"{flag} is required for `tconv {args.command}`")


def _quote(text: str, most: int = 80) -> str:
    """A path or value for a message: quoted, and shortened in the middle when long."""
    return repr(text) if len(text) <= most else repr(text[: most // 2] + "…" + text[-most // 2:])


def _kind(path: Path, flag: str) -> str:
    """'folder', 'file', or 'missing' for a path; a path the system refuses to look at (too long...) is an error."""
    try:
        return "folder" if path.is_dir() else "file" if path.exists() else "missing"
    except OSError as exc:
        raise TconvError(f"{flag} {_quote(str(path))} cannot be used: {exc.strerror or exc}") from None


def _check_output(path: str, flag: str = "--output") -> None:
    """Refuse, before any work, a file that cannot be written: a folder, or one in a missing folder."""
    target = Path(path)
    if _kind(target, flag) == "folder":
        raise TconvError(f"{flag} {_quote(path)} is a folder: give a file name")
    folder = _kind(target.parent, flag)
    if folder == "missing":
        raise TconvError(f"{flag} {_quote(path)}: the folder {_quote(str(target.parent))} does not exist "
                         "(create it first)")
    if folder == "file":
        raise TconvError(f"{flag} {_quote(path)}: {_quote(str(target.parent))} is a file, not a folder")


def _writing(path: str | Path, flag: str, write: Callable[[], Any]) -> Any:
    try:
        return write()
    except OSError as exc:
        raise TconvError(f"{flag} {_quote(str(path))} could not be written: {exc.strerror or exc}") from None


def load_array(text: str, name: str) -> np.ndarray:
    """An array of numbers from a ``.npy`` file, a ``.json`` file, or inline JSON (``'[[1,2],[3,4]]'``).

    Anything else is a TconvError naming the flag: a missing file, bad JSON, JSON nested too deeply, ragged rows,
    values that are not numbers.
    """
    flag = f"--{name}"
    path = Path(text)
    if text.endswith(".npy"):
        try:
            # the header first (memory-mapped, nothing read): a file may claim any shape in a few bytes
            header = np.load(path, allow_pickle=False, mmap_mode="r")
            check_memory(header.size * header.itemsize, f"{flag} {_quote(text)} of shape {list(header.shape)}")
            array: np.ndarray = np.array(header)  # a .npy file holds one array
            del header
        except (OSError, ValueError, EOFError) as exc:
            raise TconvError(f"{flag} {_quote(text)} could not be read as .npy: {exc}") from None
    else:
        if text.endswith(".json"):
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise TconvError(f"{flag} {_quote(text)} could not be read: {exc}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TconvError(f"{flag} is neither a .npy/.json file nor valid JSON: {exc}") from None
        except RecursionError:
            raise TconvError(f"{flag} is JSON nested too deeply to read (arrays have at most 64 dimensions)") from None
        try:
            array = np.asarray(data)
        except (ValueError, TypeError, RecursionError):
            raise TconvError(
                f"{flag} is not a rectangular array: every row must have the same length (and at most 64 dimensions)"
            ) from None
    if array.dtype.kind not in "biufc":
        raise TconvError(f"{flag} must hold numbers (integers that fit in int64, or floats), got {array.dtype} values")
    return array


def _spatial_agrees(args: argparse.Namespace, x_spatial: Sequence[int], w_spatial: Sequence[int]) -> None:
    """-i/-k size random arrays; given together with arrays, they must say the same as the arrays."""
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


def _random_arrays(args: argparse.Namespace, groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Random integers of the -i/-k sizes; with groups, one channel in and out per group. The memory is checked
    first (sizes counted in Python ints, so nothing overflows)."""
    _need(args, "input_size", "kernel_size")
    nd = count_axes(args.input_size, args.kernel_size)
    size = per_axis("input_size", args.input_size, nd, minimum=1)
    kernel = per_axis("kernel_size", args.kernel_size, nd, minimum=1)
    nbytes = groups * (math.prod(size) + math.prod(kernel)) * np.dtype(np.int64).itemsize
    given = ",".join(map(str, size)), ",".join(map(str, kernel))
    check_memory(nbytes, f"--input-size {given[0]} with --kernel-size {given[1]} (random integer arrays)")
    rng = np.random.default_rng(_or(args.seed, 0))
    if groups == 1:
        return rng.integers(0, 5, size=size), rng.integers(1, 4, size=kernel)  # no zero tap: every stamp shows
    return rng.integers(0, 5, size=(groups, *size)), rng.integers(1, 4, size=(groups, 1, *kernel))


def _channel_arrays(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, bool]:
    """Input, weight and bias from the flags: files or inline JSON, else seed 001's example or random integers.

    Returns them with channel axes (PyTorch's layout) and whether they were given plain (single-channel).
    """
    if (args.input is None) != (args.weight is None):
        raise TconvError("give both --input and --weight, or neither (then seed 001's example or random integers)")
    given = args.input is not None
    if given and args.seed is not None:
        raise TconvError("--seed picks random arrays: it does not apply to --input/--weight")
    if not given and args.plain:
        raise TconvError("--plain applies to --input/--weight arrays")
    if given:
        x, w = load_array(args.input, "input"), load_array(args.weight, "weight")
    elif args.input_size is None and args.kernel_size is None and args.seed is None:
        x, w = np.array(DEFAULT_INPUT), np.array(DEFAULT_WEIGHT)
    else:
        x, w = _random_arrays(args, args.groups)
    b = None if args.bias is None else load_array(args.bias, "bias")
    # A weight without channel axes (a plain kernel like [[1,2],[0,1]]) means one channel in, one out.
    plain = args.plain or w.ndim < 3
    if plain:
        if x.ndim != w.ndim:
            raise TconvError(
                f"a plain (single-channel) weight of shape {list(w.shape)} needs an input with the same number of "
                f"dimensions, got input shape {list(x.shape)}"
            )
        x, w = x[None], w[None, None]
    x, w, b = as_arrays(x, w, b)
    nd = w.ndim - 2
    if given and x.ndim > nd:
        _spatial_agrees(args, x.shape[x.ndim - nd:], w.shape[2:])
    return x, w, b, plain


# --------------------------------------------------------------------------------------------------
# tconv shape
# --------------------------------------------------------------------------------------------------


def _shape(args: argparse.Namespace) -> dict[str, Any]:
    _need(args, "input_size", "kernel_size")
    if args.ceil_mode and not args.pool:
        raise TconvError("--ceil-mode only applies to pooling (add --pool)")
    if args.pool and args.transposed is not None:
        raise TconvError("--transposed/--no-transposed do not apply to pooling (--pool)")
    # the library's report, unchanged: `shape --json` prints exactly what /api/shape and walkthroughs carry
    return report.layer_report(
        args.input_size,
        args.kernel_size,
        args.stride,
        _or(args.padding, 0),
        _or(args.output_padding, 0),
        _or(args.dilation, 1),
        output_size=args.output_size,
        transposed=args.transposed is not False,
        pool=args.pool,
        ceil_mode=args.ceil_mode,
    )


def _print_shape(info: dict[str, Any]) -> None:
    name = {"transposed": "ConvTranspose", "conv": "Conv", "pool": "MaxPool"}[info["kind"]]
    sizes: Callable[[str], str] = lambda key: " × ".join(map(str, info[key]))  # noqa: E731
    nd = len(info["output_size"])
    title = f"{name}{nd}d" if nd > 1 else f"{name} (each axis alike)"
    print(f"{title}: input {sizes('input_size')} → output {sizes('output_size')}")
    print(f"  {info['formula']}")
    for a, text in enumerate(info["substituted"]):
        print(f"  axis {a}: {text}")
    if info.get("output_size_range") is not None:
        ranges = ", ".join(f"{lo}..{hi}" for lo, hi in info["output_size_range"])
        print(f"  output_size= accepts {ranges} per axis (output_padding 0..stride−1)")
    for a, e in enumerate(info.get("equivalent", ())):
        verb = "pad" if e["pad_begin"] >= 0 else "crop"
        print(
            f"  axis {a} as a direct convolution: insert {e['zeros_between']} zero(s) between inputs "
            f"(→ {e['stretched_size']}), {verb} {abs(e['pad_begin'])} before and {e['pad_end']} after "
            f"(→ {e['padded_size']}), flip the kernel, stride 1"
        )
    for a, r in enumerate(info["relation"]):
        head = f"relation {r['number']}" if r["number"] is not None else "general formula"
        line = f"  axis {a}: {head} ({r['title']}): {r['formula']} → {r['substituted']}"
        print(line + (f"  [{r['note']}]" if r["note"] else ""))


def _cmd_shape(args: argparse.Namespace) -> int:
    info = _shape(args)
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
    else:
        _print_shape(info)
    return 0


# --------------------------------------------------------------------------------------------------
# tconv solve
# --------------------------------------------------------------------------------------------------


def _solve(args: argparse.Namespace) -> list[list[dict[str, Any]]]:
    _need(args, "input_size", "output_size")
    # the library refuses bounds whose search would take more than about a second (solver.MAX_SOLVE_CANDIDATES)
    found = solver.solve(
        args.input_size,
        args.output_size,
        transposed=args.transposed is not False,
        kernel_sizes=range(1, args.max_kernel + 1),
        strides=range(1, args.max_stride + 1),
        dilations=range(1, args.max_dilation + 1),
    )
    return [
        [
            {"kernel_size": s.kernel_size, "stride": s.stride, "padding": s.padding,
             "output_padding": s.output_padding, "dilation": s.dilation}
            for s in axis[: args.limit]
        ]
        for axis in found
    ]


def _print_solve(args: argparse.Namespace, result: list[list[dict[str, Any]]]) -> None:
    sizes = np.broadcast_to(np.atleast_1d(args.input_size), (len(result),))
    targets = np.broadcast_to(np.atleast_1d(args.output_size), (len(result),))
    kind = "Conv" if args.transposed is False else "ConvTranspose"
    for a, axis in enumerate(result):
        print(f"axis {a}: {kind} {sizes[a]} → {targets[a]}: {len(axis)} shown, most common first")
        if not axis:
            print("  none within the bounds (raise --max-kernel / --max-stride / --max-dilation)")
        for sol in axis:
            print("  " + str(solver.Solution(**sol)))


def _cmd_solve(args: argparse.Namespace) -> int:
    result = _solve(args)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_solve(args, result)
    return 0


# --------------------------------------------------------------------------------------------------
# tconv compute, explain
# --------------------------------------------------------------------------------------------------


class _LayerArgs(TypedDict):
    """The size flags every layer-shaped call takes, PyTorch's defaults filled in."""

    stride: int | tuple[int, ...]
    padding: int | tuple[int, ...]
    output_padding: int | tuple[int, ...]
    dilation: int | tuple[int, ...]


def _layer_args(args: argparse.Namespace) -> _LayerArgs:
    # groups and output_size stay with the callers: not every call takes them (animate, overlap draw one channel)
    return _LayerArgs(stride=_or(args.stride, 1), padding=_or(args.padding, 0),
                      output_padding=_or(args.output_padding, 0), dilation=_or(args.dilation, 1))


def _compute(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    x, w, b, plain = _channel_arrays(args)
    # one plan: it computes the result and states the size derivation
    plan = plan_conv_transpose(x.shape, w.shape, None if b is None else b.shape, **_layer_args(args),
                               groups=args.groups, output_size=args.output_size, dtype=x.dtype.name)
    y = execute(plan, x, w, b, args.algorithm)
    lines = [ax.substituted() for ax in plan.axes]
    if plain:
        x, w, y = x[0], w[0, 0], y[0]
    return x, w, y, "\n".join(f"  axis {a}: L_out = {t}" for a, t in enumerate(lines))


def _cmd_compute(args: argparse.Namespace) -> int:
    if args.output is not None:
        if not args.output.endswith(".npy"):
            raise TconvError(f"--output {_quote(args.output)} must end in .npy")
        _check_output(args.output)
    x, w, y, derivation = _compute(args)
    if args.output is not None:
        _writing(args.output, "--output", lambda: np.save(args.output, y))
        print(f"wrote {args.output}: shape {list(y.shape)}, dtype {y.dtype}")
    elif args.json:
        print(json.dumps({"output_shape": list(y.shape), "output": y.tolist()}))
    else:
        print(f"input {list(x.shape)}:\n{x}\nweight {list(w.shape)}:\n{w}")
        print(f"output {list(y.shape)}:\n{y}")
        print(f"why this size:\n{derivation}")
    return 0


def _explain(args: argparse.Namespace) -> str:
    from .explain import explain

    x, w, b, _ = _channel_arrays(args)
    wt = explain(x, w, b, **_layer_args(args), groups=args.groups, output_size=args.output_size, view=args.view,
                 lang=args.lang)
    if args.format == "json":
        return json.dumps(wt.to_dict(), ensure_ascii=False, indent=1)
    if args.format == "markdown":
        return wt.to_markdown()
    if args.format == "html":
        return wt.to_html()
    return wt.to_text(color=None if args.output is None else False)


def _cmd_explain(args: argparse.Namespace) -> int:
    if args.output is not None:
        _check_output(args.output)
    text = _explain(args)
    if args.output is not None:
        data = text if text.endswith("\n") else text + "\n"
        _writing(args.output, "--output", lambda: Path(args.output).write_text(data, encoding="utf-8"))
        print(f"wrote {args.output}")
    else:
        print(text, end="" if text.endswith("\n") else "\n")
    return 0


# --------------------------------------------------------------------------------------------------
# tconv animate, gallery, overlap
# --------------------------------------------------------------------------------------------------


def _animate(args: argparse.Namespace) -> str:
    from .scene import animate

    _check_output(args.output)
    transposed = args.transposed is not False
    view = "gather" if args.view == "equivalent" else args.view or ("gather" if transposed else "conv")
    if not transposed and view != "conv":
        raise TconvError(f"--view {view} draws a transposed convolution; drop --no-transposed or use --view conv")
    arrays = {}
    if args.input is not None or args.weight is not None:
        if args.input is None or args.weight is None:
            raise TconvError("give both --input and --weight, or neither (then random integers from --seed)")
        if args.seed is not None:
            raise TconvError("--seed picks random arrays: it does not apply to --input/--weight")
        x, w = load_array(args.input, "input"), load_array(args.weight, "weight")
        w_spatial = w.shape[2:] if w.ndim >= 3 else w.shape
        if x.ndim >= len(w_spatial):
            _spatial_agrees(args, x.shape[x.ndim - len(w_spatial):], w_spatial)
        arrays = {"input": x, "weight": w}
    elif args.input_size is None or args.kernel_size is None:
        raise TconvError("--input-size and --kernel-size are required (or --input and --weight arrays)")
    scene = animate(
        args.input_size, args.kernel_size, **_layer_args(args), output_size=args.output_size, view=view,
        pool=args.pool, values=args.values, seed=_or(args.seed, 0), cell_size=args.cell_size,
        duration_ms=args.duration, lang=args.lang, **arrays,
    )
    path = _writing(args.output, "--output", lambda: scene.save(args.output, frame=args.frame))
    return f"wrote {path}: {len(scene.frames)} frames, {scene.title}"


def _cmd_animate(args: argparse.Namespace) -> int:
    print(_animate(args))
    return 0


def _cmd_gallery(args: argparse.Namespace) -> int:
    from ._progress import Progress
    from .scene.gallery import GALLERY, render_gallery

    if not args.directory.strip():
        raise TconvError("DIR is empty: give the folder to write the gallery into, e.g. tconv gallery gallery/")
    folder, shown = Path(args.directory), _quote(args.directory)
    kind = _kind(folder, "DIR")
    if kind == "file":
        raise TconvError(f"DIR {shown} is a file, not a folder")
    if kind == "missing" and _kind(folder.parent, "DIR") != "folder":
        raise TconvError(f"DIR {shown}: the folder {_quote(str(folder.parent))} does not exist (create it first)")
    paths = _writing(args.directory, "DIR", lambda: render_gallery(
        args.directory, args.format, Progress(len(GALLERY), "gallery"), cell_size=args.cell_size,
        duration_ms=args.duration))
    print(f"wrote {len(paths)} files to {args.directory}")
    return 0


def _cmd_overlap(args: argparse.Namespace) -> int:
    from .scene import overlap

    _need(args, "input_size", "kernel_size")
    if args.output is not None:
        _check_output(args.output)
    m = overlap(args.input_size, args.kernel_size, **_layer_args(args), layers=args.layers)
    if args.output is not None:
        _writing(args.output, "--output", lambda: m.save(args.output))
    if args.json:
        print(json.dumps(m.to_dict()))
        return 0
    if m.counts.size <= 40 * 40:
        print(np.array2string(m.counts, max_line_width=200))
    print(m.message())
    if args.output is not None:
        print(f"wrote {args.output}")
    return 0


# --------------------------------------------------------------------------------------------------
# tconv serve
# --------------------------------------------------------------------------------------------------


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port and listening, or a TconvError naming the host or the port."""
    import errno
    import socket

    try:
        family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                      flags=socket.AI_PASSIVE)[0]
    except (OSError, UnicodeError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise TconvError(f"--host {_quote(host)} is not an address to listen on: {reason}") from None
    try:
        return socket.create_server(address, family=family)
    except OSError as exc:
        busy = "; the port is busy: pick another with --port, or --port 0 for any free one" \
            if exc.errno == errno.EADDRINUSE else ""
        raise TconvError(f"--port {port}: cannot listen on {host}:{port}: {exc.strerror or exc}{busy}") from None


def _cmd_serve(args: argparse.Namespace) -> int:
    from .web.app import create_app

    app = create_app()  # raises TconvError with the install hint when FastAPI is missing
    try:
        import uvicorn
    except ImportError:
        raise TconvError("the explorer needs uvicorn: pip install 'tconv[web]'") from None
    # bind first: the URL is printed (and the browser opened) only once the port is ours
    sock = _listen(args.host, args.port)
    with sock:
        port = sock.getsockname()[1]
        host = "127.0.0.1" if args.host in ("", "0.0.0.0", "::") else args.host
        url = f"http://{f'[{host}]' if ':' in host else host}:{port}/"
        print(f"tconv explorer on {url} (Ctrl+C stops it)", flush=True)
        if not args.no_browser:
            import threading
            import webbrowser

            threading.Timer(1.0, webbrowser.open, args=(url,)).start()
        uvicorn.Server(uvicorn.Config(app, host=args.host, port=port, log_level="warning")).run(sockets=[sock])
    return 0


# --------------------------------------------------------------------------------------------------
# tconv convert, onnx, bench
# --------------------------------------------------------------------------------------------------

# The optional flags each direction reads; another one given is refused rather than ignored.
_CONVERT_OPTIONAL = ("pads", "output_padding", "output_size", "groups", "in_channels", "out_channels",
                     "transpose_kernel")
_CONVERT_READS = {
    "--to": {"output_padding", "groups"},
    "--from onnx": {"pads", "output_padding", "output_size", "groups", "in_channels", "out_channels"},
    "--from tf": {"output_size", "in_channels", "out_channels"},
    "--from keras": {"output_padding", "in_channels", "out_channels"},
    "--from jax": {"in_channels", "out_channels", "transpose_kernel"},
}


def _check_convert_flags(args: argparse.Namespace) -> None:
    direction = "--to" if args.target is not None else f"--from {args.source}"
    reads = _CONVERT_READS[direction]
    for name in _CONVERT_OPTIONAL:
        if name not in reads and getattr(args, name) not in (None, False):
            flag = "--" + name.replace("_", "-")
            takes = ", ".join("--" + n.replace("_", "-") for n in _CONVERT_OPTIONAL if n in reads)
            raise TconvError(f"{flag} does not apply to {direction} (it reads {takes} besides the size flags)")


def _cmd_convert(args: argparse.Namespace) -> int:
    from . import frameworks as fw

    _check_convert_flags(args)
    groups, cin, cout = _or(args.groups, 1), _or(args.in_channels, 1), _or(args.out_channels, 1)
    nd = count_axes(args.input_size, args.kernel_size, args.stride, args.dilation, args.output_padding,
                    args.output_size)
    size = per_axis("input_size", args.input_size, nd, minimum=1)
    kernel = per_axis("kernel_size", args.kernel_size, nd, minimum=1)
    stride = per_axis("stride", args.stride, nd, minimum=1)
    dilation = per_axis("dilation", args.dilation, nd, minimum=1)
    if args.target is not None:
        padding = 0 if args.padding is None else parse_ints("padding", args.padding)
        op = 0 if args.output_padding is None else args.output_padding
        if args.target == "onnx":
            result = fw.to_onnx(kernel, stride, padding, op, dilation, groups)
        elif args.target == "jax":
            result = fw.to_jax(kernel, stride, padding, op, dilation, groups)
        else:
            if groups != 1:
                name = "TensorFlow" if args.target == "tf" else "Keras"
                raise TconvError(f"{name} has no groups: --groups must be 1")
            result = (fw.to_tf if args.target == "tf" else fw.to_keras)(size, kernel, stride, padding, op, dilation)
        print(json.dumps(result) if args.json else "\n".join(f"{k} = {v!r}" for k, v in result.items()))
        return 0
    pad = args.padding
    if args.source == "onnx":
        auto = "NOTSET" if pad is None else pad.upper()
        eq = fw.from_onnx((1, cin, *size),
                          (cin, cout // groups, *kernel),
                          auto_pad=auto, dilations=dilation, group=groups,
                          output_padding=None if args.output_padding is None
                          else per_axis("output_padding", args.output_padding, nd),
                          output_shape=None if args.output_size is None
                          else per_axis("output_size", args.output_size, nd),
                          pads=None if args.pads is None else list(np.atleast_1d(args.pads)), strides=stride)
    elif args.source == "tf":
        mode = "SAME" if pad is None else pad.upper()
        if args.output_size is None:  # tf.nn needs it; the one TF's layers pick
            out = list(fw.tf_default_output_size(size, kernel, stride, mode, dilation))
        else:
            out = list(per_axis("output_size", args.output_size, nd))
        eq = fw.from_tf((1, *size, cin), (*kernel, cout, cin),
                        (1, *out, cout), stride, mode, None, dilation)
    elif args.source == "keras":
        eq = fw.from_keras(size, kernel, stride, "valid" if pad is None else pad.lower(), args.output_padding, dilation,
                           filters=cout, in_channels=cin)
    else:
        if pad is None or pad.upper() in ("SAME", "VALID"):
            jpad: Any = "SAME" if pad is None else pad.upper()
        else:
            try:
                jpad = [tuple(int(v) for v in pair.split(":")) for pair in pad.split(",")]
            except ValueError:
                raise TconvError(f"--padding {_quote(pad)} for JAX must be SAME, VALID or pairs like 1:2,0:1") from None
        channels = (cout, cin) if args.transpose_kernel else \
            (cin, cout)
        rhs = (*kernel, *channels)
        eq = fw.from_jax((1, *size, cin), rhs, stride, jpad, dilation, None, args.transpose_kernel)
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
    from .frameworks.onnx import conv_transpose_nodes

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


def _load_model(spec: str) -> Any:
    """An ``.onnx`` path as is; ``package.module:name`` imported from the current directory (as uvicorn does), the
    name an ``nn.Module`` or a class or factory called with no arguments."""
    import importlib
    import inspect
    import os

    if spec.endswith(".onnx") or ":" not in spec or os.path.exists(spec):
        if not spec.endswith(".onnx"):
            raise TconvError(f"MODEL {_quote(spec)} is neither an .onnx file nor an import spec package.module:name")
        if _kind(Path(spec), "MODEL") != "file":
            raise TconvError(f"MODEL {_quote(spec)} does not exist")
        return spec
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr or not all(p.isidentifier() for p in (*module_name.split("."), *attr.split("."))):
        raise TconvError(f"MODEL {_quote(spec)} is not an import spec package.module:name")
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except Exception as exc:  # the user's module may raise anything while importing
        raise TconvError(f"MODEL {_quote(spec)} could not be imported: {type(exc).__name__}: {exc}") from None
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(obj, torch.nn.Module):
        return obj
    if inspect.isclass(obj) or callable(obj):
        try:
            obj = obj()
        except Exception as exc:  # the constructor is the user's code
            raise TconvError(f"MODEL {_quote(spec)} could not be built with no arguments: "
                             f"{type(exc).__name__}: {exc}") from None
    torch = sys.modules.get("torch")
    if torch is None or not isinstance(obj, torch.nn.Module):
        raise TconvError(f"MODEL {_quote(spec)} is {type(obj).__name__}, not a torch.nn.Module (or a class or "
                         "factory returning one)")
    return obj


def _range(text: str) -> tuple[int, int]:
    lo, sep, hi = text.partition(":")
    try:
        if not sep:
            raise ValueError
        return (int(lo), int(hi))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LO:HI like 256:512, got {_quote(text)}") from None


def _cmd_doctor(args: argparse.Namespace) -> int:
    from .doctor import doctor

    shape = args.input_shape if isinstance(args.input_shape, tuple) else (args.input_shape,)
    diagnosis = doctor(_load_model(args.model), shape, sizes=args.sizes)
    if args.json:
        print(json.dumps(diagnosis.to_dict(), ensure_ascii=False))
    else:
        print(diagnosis.to_text())
    return 0 if diagnosis.ok else 1


def _cmd_bench(args: argparse.Namespace) -> int:
    from .bench import main as bench_main

    return bench_main(args.rest)


# --------------------------------------------------------------------------------------------------
# the parser (each subcommand with its handler) and main
# --------------------------------------------------------------------------------------------------


def _subparser(sub: Any, name: str, parents: Sequence[argparse.ArgumentParser], text: str) -> _Parser:
    p: _Parser = sub.add_parser(name, parents=parents, help=text, description=text,
                                epilog="examples:\n" + EXAMPLES[name])
    return p


def build_parser() -> argparse.ArgumentParser:
    """The ``tconv`` parser; each subcommand's parser has its ``handler`` default and only the flags it uses.

    >>> args = build_parser().parse_args(["shape", "-i", "3", "-k", "2"])
    >>> args.handler.__name__, args.input_size, args.kernel_size
    ('_cmd_shape', 3, 2)
    """
    parser = _Parser(
        prog="tconv",
        description="Transposed convolution done right: exact PyTorch ConvTranspose in NumPy, and every shape "
                    "question.",
        epilog=OVERVIEW,
    )
    parser.add_argument("--version", action="version", version=f"tconv {__import__('tconv').__version__}")
    # forwards_rest: the subcommand takes the arguments this parser does not know (bench: tconv.bench parses them)
    parser.set_defaults(handler=None, forwards_rest=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sizes = ("sizes", "input_size", "kernel_size")
    layer = ("layer", "stride", "padding", "dilation")
    transposed_only = ("transposed only", "output_padding", "output_size")

    sp = _subparser(sub, "shape", [_sizes(*sizes), _sizes(*layer), _sizes(*transposed_only), _direction(),
                                   _json()],
                    "output size, the formula with numbers, the guide's relation")
    sp.add_argument("--pool", action="store_true", help="pooling instead (stride defaults to the kernel size)")
    sp.add_argument("--ceil-mode", action="store_true", help="pooling with ceil_mode=True")
    sp.set_defaults(handler=_cmd_shape)

    sv = _subparser(sub, "solve", [_sizes("sizes", "input_size", "output_size"), _direction(), _json()],
                    "every parameter set mapping --input-size to --output-size")
    g = sv.add_argument_group("search bounds (at most solver.MAX_SOLVE_CANDIDATES candidates, about a second)")
    for flag, default, what in (("--max-kernel", 7, "kernel size"), ("--max-stride", 4, "stride"),
                                ("--max-dilation", 3, "dilation")):
        g.add_argument(flag, type=_int_in(1), default=default, metavar="N",
                       help=f"largest {what} tried (default {default})")
    sv.add_argument("--limit", type=_int_in(1), default=10, metavar="N",
                    help="show at most this many per axis (default 10)")
    sv.set_defaults(handler=_cmd_solve)

    cp = _subparser(sub, "compute", [_sizes(*sizes), _sizes(*layer), _sizes(*transposed_only), _groups(),
                                     _arrays(channels=True)],
                    "compute a transposed convolution from .npy or JSON arrays")
    cp.add_argument("--algorithm", default="auto", choices=["auto", *REGISTRY], help="algorithm (default auto)")
    where = cp.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", metavar="FILE.npy", help="write the result to a .npy file")
    where.add_argument("--json", action="store_true", help="print the result as JSON")
    cp.set_defaults(handler=_cmd_compute)

    ep = _subparser(sub, "explain", [_sizes(*sizes), _sizes(*layer), _sizes(*transposed_only), _groups(),
                                     _arrays(channels=True)],
                    "step-by-step walkthrough with real numbers")
    ep.add_argument("--view", default="gather", choices=["gather", "scatter", "matrix"],
                    help="gather: zero insertion + padding + flipped kernel (default); scatter: stamps; "
                         "matrix: y = Cᵀx")
    ep.add_argument("--format", default="text", choices=["text", "markdown", "html", "json"], help="output format")
    ep.add_argument("--lang", default="en", choices=["en", "zh"], help="language of the prose (numbers stay the same)")
    ep.add_argument("-o", "--output", metavar="FILE", help="write to a file instead of printing")
    ep.set_defaults(handler=_cmd_explain)

    an = _subparser(sub, "animate", [_sizes(*sizes), _sizes(*layer), _sizes(*transposed_only), _direction(),
                                     _arrays(channels=False), _render()],
                    "conv_arithmetic-style animation for any parameters")
    an.add_argument("--view", choices=["gather", "scatter", "conv", "equivalent"],
                    help="gather: zeros inserted, padded, flipped kernel (default for transposed; 'equivalent' is "
                         "another name for it); "
                         "scatter: stamps; conv: a direct convolution (the default with --no-transposed)")
    an.add_argument("--pool", choices=["max", "avg"], help="with --view conv: a pooling window instead of a kernel")
    an.add_argument("--values", action="store_true", help="numbers in the cells (equal to conv_transpose)")
    an.add_argument("--frame", type=_int_in(0), metavar="N",
                    help="write only frame N (a still; .png writes the frame whose window covers the most input "
                         "elements by default)")
    an.add_argument("--lang", default="en", choices=["en", "zh"],
                    help="language of the words in the picture: title, labels, captions, legend")
    an.add_argument("-o", "--output", metavar="FILE", required=True, help="FILE.svg, FILE.gif or FILE.png")
    an.set_defaults(handler=_cmd_animate)

    ga = _subparser(sub, "gallery", [_render()], "render conv_arithmetic's 15 animations and tconv's additions")
    ga.add_argument("directory", metavar="DIR", help="where to write the files (created if missing; its parent must "
                                                     "exist)")
    ga.add_argument("--format", default="gif", choices=["gif", "svg", "png"], help="file format (default gif)")
    ga.set_defaults(handler=_cmd_gallery)

    ov = _subparser(sub, "overlap", [_sizes(*sizes), _sizes(*layer), _sizes("transposed", "output_padding"),
                                     _json("print the counts and verdict as JSON")],
                    "overlap heatmap: taps per output cell (checkerboard)")
    ov.add_argument("--layers", type=_int_in(1), default=1, metavar="N", help="stack N identical layers (default 1)")
    ov.add_argument("-o", "--output", metavar="FILE", help="write the heatmap as FILE.svg or FILE.png")
    ov.set_defaults(handler=_cmd_overlap)

    # bench's flags belong to tconv.bench (shared with `python -m benchmarks`), so this parser knows none of them,
    # not even --help: `tconv bench --help` is the suite's own help
    bp = sub.add_parser("bench", help="benchmark every algorithm beside PyTorch (tconv bench --help)", add_help=False)
    bp.set_defaults(handler=_cmd_bench, forwards_rest=True)

    se = _subparser(sub, "serve", [], "start the interactive explorer in the browser (needs tconv[web])")
    se.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    se.add_argument("--port", type=_int_in(0, 65535), default=8765, metavar="N",
                    help="port, 1..65535, or 0 for any free one (default 8765)")
    se.add_argument("--no-browser", action="store_true", help="do not open a browser")
    se.set_defaults(handler=_cmd_serve)

    cv = _subparser(sub, "convert", [], "PyTorch equivalent of an ONNX/TF/Keras/JAX ConvTranspose, or the reverse")
    direction = cv.add_mutually_exclusive_group(required=True)
    frameworks = ["onnx", "tf", "keras", "jax"]
    direction.add_argument("--from", dest="source", choices=frameworks, help="framework to convert from")
    direction.add_argument("--to", dest="target", choices=frameworks, help="framework to convert to")
    cv.add_argument("-i", "--input-size", type=_ints, required=True, metavar="N", help="spatial input size")
    cv.add_argument("-k", "--kernel-size", type=_ints, required=True, metavar="N", help="kernel size")
    cv.add_argument("-s", "--stride", type=_ints, default=1, metavar="N", help="stride(s) (default 1)")
    cv.add_argument("-d", "--dilation", type=_ints, default=1, metavar="N", help="dilation(s) (default 1)")
    cv.add_argument("-p", "--padding", default=None,
                    help="--from: the framework's padding: same/valid (TF, Keras, JAX), SAME_UPPER/SAME_LOWER/VALID "
                         "(ONNX auto_pad), or JAX pairs lo:hi,lo:hi; --to: PyTorch's padding (5 or 5,4)")
    cv.add_argument("--pads", type=_ints, metavar="B,..,E,..",
                    help="--from onnx: explicit pads (all begins, then all ends)")
    cv.add_argument("--output-padding", type=_ints, metavar="N",
                    help="output_padding (--from onnx, --from keras; PyTorch's with --to)")
    cv.add_argument("--output-size", type=_ints, metavar="N",
                    help="--from tf: output spatial size; --from onnx: output_shape")
    cv.add_argument("--groups", type=_int_in(1), metavar="N",
                    help="groups (--from onnx: group; PyTorch's with --to; default 1)")
    cv.add_argument("--in-channels", type=_int_in(1), metavar="N", help="input channels (--from; default 1)")
    cv.add_argument("--out-channels", type=_int_in(1), metavar="N", help="output channels (--from; default 1)")
    cv.add_argument("--transpose-kernel", action="store_true", help="--from jax: transpose_kernel=True")
    cv.add_argument("--json", action="store_true", help="print JSON")
    cv.set_defaults(handler=_cmd_convert)

    ox = _subparser(sub, "onnx", [], "list an ONNX model's ConvTranspose nodes with their PyTorch equivalents")
    ox.add_argument("model", metavar="MODEL.onnx", help="the model file (needs the onnx package: tconv[onnx])")
    ox.set_defaults(handler=_cmd_onnx)

    dr = _subparser(sub, "doctor", [_json("print the diagnosis as JSON")],
                    "why a model's skip connections do not fit at an input size, fixes, and the sizes that work")
    dr.add_argument("model", metavar="MODEL", help="an .onnx file, or package.module:name (an nn.Module, or a class "
                                                   "or factory called with no arguments; the current directory is "
                                                   "importable)")
    dr.add_argument("--input-shape", type=_ints, required=True, metavar="N,C,H,W", help="the input shape")
    dr.add_argument("--sizes", type=_range, metavar="LO:HI",
                    help="spatial sizes to search for the valid-size rules (default: 48 each side of each size)")
    dr.set_defaults(handler=_cmd_doctor)

    for p in (parser, *_subparsers(parser).values()):
        p.add_underscore_aliases()
    return parser


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, _Parser]:
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 2 bad input; ``doctor``: 1 when it finds problems).

    >>> main(["solve", "-i", "17", "--output-size", "34", "--limit", "1"])
    axis 0: ConvTranspose 17 → 34: 1 shown, most common first
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
        print(f"tconv {args.command}: error: {_one_line(str(exc))}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `tconv ... | head`
        return 0
    except OSError as exc:  # writing the answer failed: a full disk, a closed stdout
        with contextlib.suppress(OSError, ValueError):
            print(f"tconv {args.command}: error: cannot write the output: {exc.strerror or exc}", file=sys.stderr)
        return 2
