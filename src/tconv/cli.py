"""The ``tconv`` command: a thin shell that parses flags, calls the library and prints the result.

Every subcommand shares one set of size flags; each takes ``5`` or a per-axis ``5,4``. Each subparser carries its
handler (``set_defaults(handler=...)``), a function of the parsed flags that returns the exit code; ``main`` calls
it. Bad input gets one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypedDict

import numpy as np

from . import shapes
from ._axes import parse_ints, per_axis
from .algorithms import REGISTRY
from .errors import TconvError
from .functional import as_arrays, execute
from .params import plan_conv_transpose

__all__ = ["main"]

EXAMPLES = """\
examples:
  tconv shape -i 3 -k 2                         why ConvTranspose2d(k=2) turns 3x3 into 4x4
  tconv shape -i 5 -k 3 -s 2 -p 1 --output-size 10
  tconv shape -i 7,5 -k 3 -s 2 -p 1 --no-transposed --json
  tconv solve -i 17 --output-size 34            how do I upsample 17 to 34?
  tconv compute                                 seed 001's worked example, with the size derivation
  tconv compute --input x.npy --weight w.npy -s 2 -p 1 -o y.npy
  tconv compute --input '[[4,4,3],[0,3,4],[2,3,2]]' --weight '[[1,2],[0,1]]' -p 1
  tconv explain --input '[[4,4,3],[0,3,4],[2,3,2]]' --weight '[[1,2],[0,1]]' --lang zh
  tconv explain -i 3 -k 3 -s 2 -p 1 --output-padding 1 --view scatter --format markdown
  tconv animate -i 3 -k 3 -s 2 -p 1 --output-padding 1 --values -o odd.gif
  tconv animate -i 3,2 -k 3,2 -s 2,1 --view scatter --values -o scatter.svg
  tconv gallery gallery/                        conv_arithmetic's 15 animations and more
  tconv overlap -i 8 -k 3 -s 2 --layers 2 -o checkerboard.png
  tconv serve                                   the interactive explorer at http://127.0.0.1:8765/
  tconv convert --from keras --padding same -s 2 -k 3 -i 16
  tconv convert --to onnx -k 3 -s 2 -p 1 --output-padding 1 -i 8
  tconv onnx model.onnx                         its ConvTranspose nodes and their PyTorch equivalents
"""

# A subcommand's handler: the parsed flags in, the exit code out.
Handler = Callable[[argparse.Namespace], int]

# Seed 001's worked example: what `tconv compute` shows with no arrays given.
DEFAULT_INPUT = [[4, 4, 3], [0, 3, 4], [2, 3, 2]]
DEFAULT_WEIGHT = [[1, 2], [0, 1]]


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors in one line (exit 2) instead of a usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _ints(text: str) -> int | tuple[int, ...]:
    try:
        return parse_ints("value", text)
    except TconvError:
        raise argparse.ArgumentTypeError(
            f"expected an integer or comma-separated integers like 5,4, got {text!r}") from None


def _size_flags() -> _Parser:
    p = _Parser(add_help=False)
    g = p.add_argument_group("size flags (an integer, or one per axis: 5,4)")
    g.add_argument("-i", "--input-size", type=_ints, metavar="N", help="spatial input size")
    g.add_argument("-k", "--kernel-size", type=_ints, metavar="N", help="kernel size")
    g.add_argument("-s", "--stride", type=_ints, metavar="N", help="stride (default 1; pooling: kernel size)")
    g.add_argument("-p", "--padding", type=_ints, metavar="N", help="padding (default 0)")
    g.add_argument("--output-padding", type=_ints, metavar="N", help="output_padding (default 0)")
    g.add_argument("-d", "--dilation", type=_ints, metavar="N", help="dilation (default 1)")
    g.add_argument("--groups", type=int, default=1, metavar="N", help="groups (default 1)")
    g.add_argument("--output-size", type=_ints, metavar="N", help="wanted output size (picks output_padding)")
    g.add_argument(
        "--transposed",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="transposed convolution (default); --no-transposed for a direct convolution",
    )
    return p


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def _need(args: argparse.Namespace, *names: str) -> None:
    for name in names:
        if getattr(args, name) is None:
            flag = "--" + name.replace("_", "-")
            raise TconvError(f"{flag} is required for `tconv {args.command}`")


# --------------------------------------------------------------------------------------------------
# tconv shape
# --------------------------------------------------------------------------------------------------


def _shape(args: argparse.Namespace) -> dict[str, Any]:
    _need(args, "input_size", "kernel_size")
    if args.ceil_mode and not args.pool:
        raise TconvError("--ceil-mode only applies to pooling (add --pool)")
    # the library's report, unchanged: `shape --json` prints exactly what /api/shape and walkthroughs carry
    return shapes.layer_report(
        args.input_size,
        args.kernel_size,
        args.stride,
        _or(args.padding, 0),
        _or(args.output_padding, 0),
        _or(args.dilation, 1),
        output_size=args.output_size,
        transposed=args.transposed,
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
    found = shapes.solve(
        args.input_size,
        args.output_size,
        transposed=args.transposed,
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
    kind = "ConvTranspose" if args.transposed else "Conv"
    for a, axis in enumerate(result):
        print(f"axis {a}: {kind} {sizes[a]} → {targets[a]}: {len(axis)} shown, most common first")
        if not axis:
            print("  none within the bounds (raise --max-kernel / --max-stride / --max-dilation)")
        for sol in axis:
            print("  " + str(shapes.Solution(**sol)))


def _cmd_solve(args: argparse.Namespace) -> int:
    result = _solve(args)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_solve(args, result)
    return 0


# --------------------------------------------------------------------------------------------------
# tconv compute
# --------------------------------------------------------------------------------------------------


def load_array(text: str, name: str) -> np.ndarray:
    """An array from a ``.npy`` file, a ``.json`` file, or inline JSON (``'[[1,2],[3,4]]'``)."""
    path = Path(text)
    if text.endswith(".npy"):
        try:
            array: np.ndarray = np.load(path, allow_pickle=False)  # a .npy file holds one array
            return array
        except (OSError, ValueError) as exc:
            raise TconvError(f"--{name} {text!r} could not be read as .npy: {exc}") from None
    if text.endswith(".json"):
        try:
            text = path.read_text()
        except OSError as exc:
            raise TconvError(f"--{name} {text!r} could not be read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TconvError(f"--{name} is neither a .npy/.json file nor valid JSON: {exc}") from None
    return np.asarray(data)


def _arrays(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, bool]:
    """Input, weight and bias from the flags: files or inline JSON, else seed 001's example or random integers.

    Returns them with channel axes (PyTorch's layout) and whether they were given plain (single-channel).
    """
    if (args.input is None) != (args.weight is None):
        raise TconvError("give both --input and --weight, or neither (then seed 001's example or random integers)")
    if args.input is not None:
        x, w = load_array(args.input, "input"), load_array(args.weight, "weight")
    elif args.input_size is None and args.kernel_size is None:
        x, w = np.array(DEFAULT_INPUT), np.array(DEFAULT_WEIGHT)
    else:
        _need(args, "input_size", "kernel_size")
        rng = np.random.default_rng(args.seed)
        nd = max(np.size(args.input_size), np.size(args.kernel_size))
        size = per_axis("input_size", args.input_size, nd, minimum=1)
        kernel = per_axis("kernel_size", args.kernel_size, nd, minimum=1)
        if args.groups == 1:
            x, w = rng.integers(0, 5, size=size), rng.integers(0, 3, size=kernel)
        else:  # one channel in and out per group
            g = max(1, args.groups)
            x, w = rng.integers(0, 5, size=(g, *size)), rng.integers(0, 3, size=(g, 1, *kernel))
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
    return x, w, b, plain


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
    x, w, b, plain = _arrays(args)
    # one plan: it computes the result and states the size derivation
    plan = plan_conv_transpose(x.shape, w.shape, None if b is None else b.shape, **_layer_args(args),
                               groups=args.groups, output_size=args.output_size, dtype=x.dtype.name)
    y = execute(plan, x, w, b, args.algorithm)
    lines = [ax.substituted() for ax in plan.axes]
    if plain:
        x, w, y = x[0], w[0, 0], y[0]
    return x, w, y, "\n".join(f"  axis {a}: L_out = {t}" for a, t in enumerate(lines))


def _cmd_compute(args: argparse.Namespace) -> int:
    if args.output is not None and not args.output.endswith(".npy"):
        raise TconvError(f"--output {args.output!r} must end in .npy")
    x, w, y, derivation = _compute(args)
    if args.output is not None:
        np.save(args.output, y)
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

    x, w, b, _ = _arrays(args)
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
    text = _explain(args)
    if args.output is not None:
        Path(args.output).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        print(text, end="" if text.endswith("\n") else "\n")
    return 0


def _animate(args: argparse.Namespace) -> str:
    from .scene import animate

    view = args.view or ("equivalent" if args.transposed else "conv")
    if not args.transposed and view != "conv":
        raise TconvError(f"--view {view} draws a transposed convolution; drop --no-transposed or use --view conv")
    if args.groups != 1:
        raise TconvError("animate draws one channel: --groups must be 1")
    arrays = {}
    if args.input is not None or args.weight is not None:
        if args.input is None or args.weight is None:
            raise TconvError("give both --input and --weight, or neither (then random integers from --seed)")
        arrays = {"input": load_array(args.input, "input"), "weight": load_array(args.weight, "weight")}
    elif args.input_size is None or args.kernel_size is None:
        raise TconvError("--input-size and --kernel-size are required (or --input and --weight arrays)")
    scene = animate(
        args.input_size, args.kernel_size, **_layer_args(args), output_size=args.output_size, view=view,
        pool=args.pool, values=args.values, seed=args.seed, cell_size=args.cell_size, duration_ms=args.duration,
        **arrays,
    )
    path = scene.save(args.output, frame=args.frame)
    return f"wrote {path}: {len(scene.frames)} frames, {scene.title}"


def _cmd_animate(args: argparse.Namespace) -> int:
    print(_animate(args))
    return 0


def _cmd_gallery(args: argparse.Namespace) -> int:
    from ._progress import Progress
    from .scene.gallery import GALLERY, render_gallery

    paths = render_gallery(args.directory, args.format, Progress(len(GALLERY), "gallery"),
                           cell_size=args.cell_size, duration_ms=args.duration)
    print(f"wrote {len(paths)} files to {args.directory}")
    return 0


def _cmd_overlap(args: argparse.Namespace) -> int:
    from .scene import overlap

    _need(args, "input_size", "kernel_size")
    if not args.transposed:
        raise TconvError("overlap is about transposed convolution: drop --no-transposed")
    m = overlap(args.input_size, args.kernel_size, **_layer_args(args), layers=args.layers)
    if args.output is not None:
        m.save(args.output)
    if args.json:
        print(json.dumps(m.to_dict()))
        return 0
    if m.counts.size <= 40 * 40:
        print(np.array2string(m.counts, max_line_width=200))
    print(m.message())
    if args.output is not None:
        print(f"wrote {args.output}")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from .web.app import create_app

    app = create_app()  # raises TconvError with the install hint when FastAPI is missing
    try:
        import uvicorn
    except ImportError:
        raise TconvError("the explorer needs uvicorn: pip install 'tconv[web]'") from None
    url = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}/"
    print(f"tconv explorer on {url} (Ctrl+C stops it)", flush=True)
    if not args.no_browser:
        import threading
        import webbrowser

        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def _cmd_convert(args: argparse.Namespace) -> int:
    from . import frameworks as fw

    nd = max(np.size(v) for v in (args.input_size, args.kernel_size, args.stride, args.dilation,
                                  args.output_padding or 0, args.output_size or 0))
    size = per_axis("input_size", args.input_size, nd, minimum=1)
    kernel = per_axis("kernel_size", args.kernel_size, nd, minimum=1)
    stride = per_axis("stride", args.stride, nd, minimum=1)
    dilation = per_axis("dilation", args.dilation, nd, minimum=1)
    if args.target is not None:
        padding = 0 if args.padding is None else parse_ints("padding", args.padding)
        op = 0 if args.output_padding is None else args.output_padding
        if args.target == "onnx":
            result = fw.to_onnx(kernel, stride, padding, op, dilation, args.groups)
        elif args.target == "jax":
            result = fw.to_jax(kernel, stride, padding, op, dilation, args.groups)
        else:
            if args.groups != 1:
                name = "TensorFlow" if args.target == "tf" else "Keras"
                raise TconvError(f"{name} has no groups: --groups must be 1")
            result = (fw.to_tf if args.target == "tf" else fw.to_keras)(size, kernel, stride, padding, op, dilation)
        print(json.dumps(result) if args.json else "\n".join(f"{k} = {v!r}" for k, v in result.items()))
        return 0
    pad = args.padding
    if args.source == "onnx":
        auto = "NOTSET" if pad is None else pad.upper()
        eq = fw.from_onnx((1, args.in_channels, *size),
                          (args.in_channels, args.out_channels // max(args.groups, 1), *kernel),
                          auto_pad=auto, dilations=dilation, group=args.groups,
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
        eq = fw.from_tf((1, *size, args.in_channels), (*kernel, args.out_channels, args.in_channels),
                        (1, *out, args.out_channels), stride, mode, None, dilation)
    elif args.source == "keras":
        eq = fw.from_keras(size, kernel, stride, "valid" if pad is None else pad.lower(), args.output_padding, dilation,
                           filters=args.out_channels, in_channels=args.in_channels)
    else:
        if pad is None or pad.upper() in ("SAME", "VALID"):
            jpad: Any = "SAME" if pad is None else pad.upper()
        else:
            try:
                jpad = [tuple(int(v) for v in pair.split(":")) for pair in pad.split(",")]
            except ValueError:
                raise TconvError(f"--padding {pad!r} for JAX must be SAME, VALID or pairs like 1:2,0:1") from None
        channels = (args.out_channels, args.in_channels) if args.transpose_kernel else \
            (args.in_channels, args.out_channels)
        rhs = (*kernel, *channels)
        eq = fw.from_jax((1, *size, args.in_channels), rhs, stride, jpad, dilation, None, args.transpose_kernel)
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


def _cmd_onnx(args: argparse.Namespace) -> int:
    from .frameworks.onnx import conv_transpose_nodes

    nodes = conv_transpose_nodes(args.model)
    print(f"{args.model}: {len(nodes)} ConvTranspose node(s)")
    for node in nodes:
        print(f"\n{node.name or '(unnamed)'}: X {_dims(node.input_shape)}, W {_dims(node.weight_shape)}, "
              f"bias {'yes' if node.bias else 'no'}")
        attrs = ", ".join(f"{k}={list(v) if isinstance(v, tuple) else v}" for k, v in node.attributes.items())
        print(f"  attributes: {attrs or '(none)'}")
        if node.equivalent is not None:
            print(f"  PyTorch equivalent: {node.equivalent}")
        else:
            print(f"  no PyTorch equivalent: {node.problem}")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from .bench import main as bench_main

    return bench_main(args.rest)


# --------------------------------------------------------------------------------------------------
# the parser (each subcommand with its handler) and main
# --------------------------------------------------------------------------------------------------


def _array_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--input", metavar="X",
                   help=".npy, .json or inline JSON; (N, C, ...) or (C, ...), or plain with a plain weight")
    p.add_argument("--weight", metavar="W", help="(in, out/groups, *kernel), or a plain kernel such as [[1,2],[0,1]]")
    p.add_argument("--bias", metavar="B", help="(out_channels,)")
    p.add_argument("--plain", action="store_true", help="treat input and weight as single-channel arrays")
    p.add_argument("--seed", type=int, default=0, help="seed for random integer arrays when none are given")


def build_parser() -> argparse.ArgumentParser:
    """The ``tconv`` parser; each subcommand's parser has its ``handler`` default.

    >>> args = build_parser().parse_args(["shape", "-i", "3", "-k", "2"])
    >>> args.handler.__name__, args.input_size, args.kernel_size
    ('_cmd_shape', 3, 2)
    """
    parser = _Parser(
        prog="tconv",
        description="Transposed convolution done right: exact PyTorch ConvTranspose in NumPy, and every shape "
                    "question.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tconv {__import__('tconv').__version__}")
    # forwards_rest: the subcommand takes the arguments this parser does not know (bench: tconv.bench parses them)
    parser.set_defaults(handler=None, forwards_rest=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    flags = _size_flags()
    fmt = argparse.RawDescriptionHelpFormatter

    sp = sub.add_parser("shape", parents=[flags], help="output size, the formula with numbers, the guide's relation",
                        epilog=EXAMPLES, formatter_class=fmt)
    sp.add_argument("--pool", action="store_true", help="pooling instead (stride defaults to the kernel size)")
    sp.add_argument("--ceil-mode", action="store_true", help="pooling with ceil_mode=True")
    sp.add_argument("--json", action="store_true", help="print JSON")
    sp.set_defaults(handler=_cmd_shape)

    sv = sub.add_parser("solve", parents=[flags], help="every parameter set mapping --input-size to --output-size",
                        epilog=EXAMPLES, formatter_class=fmt)
    sv.add_argument("--max-kernel", type=int, default=7, help="largest kernel size tried (default 7)")
    sv.add_argument("--max-stride", type=int, default=4, help="largest stride tried (default 4)")
    sv.add_argument("--max-dilation", type=int, default=3, help="largest dilation tried (default 3)")
    sv.add_argument("--limit", type=int, default=10, help="show at most this many per axis (default 10)")
    sv.add_argument("--json", action="store_true", help="print JSON")
    sv.set_defaults(handler=_cmd_solve)

    ep = sub.add_parser("explain", parents=[flags], help="step-by-step walkthrough with real numbers",
                        epilog=EXAMPLES, formatter_class=fmt)
    _array_flags(ep)
    ep.add_argument("--view", default="gather", choices=["gather", "scatter", "matrix"],
                    help="gather: zero insertion + padding + flipped kernel (default); scatter: stamps; "
                         "matrix: y = Cᵀx")
    ep.add_argument("--format", default="text", choices=["text", "markdown", "html", "json"], help="output format")
    ep.add_argument("--lang", default="en", choices=["en", "zh"], help="language of the prose (numbers stay the same)")
    ep.add_argument("-o", "--output", metavar="FILE", help="write to a file instead of printing")
    ep.set_defaults(handler=_cmd_explain)

    an = sub.add_parser("animate", parents=[flags], help="conv_arithmetic-style animation for any parameters",
                        epilog=EXAMPLES, formatter_class=fmt)
    an.add_argument("--view", choices=["equivalent", "scatter", "conv"],
                    help="equivalent: zeros inserted, padded, flipped kernel (default for transposed); "
                         "scatter: stamps; conv: a direct convolution (the default with --no-transposed)")
    an.add_argument("--pool", choices=["max", "avg"], help="with --view conv: a pooling window instead of a kernel")
    an.add_argument("--values", action="store_true", help="numbers in the cells (equal to conv_transpose)")
    an.add_argument("--input", metavar="X",
                    help="input values (.npy, .json or inline JSON, 1-D or 2-D); else random from --seed")
    an.add_argument("--weight", metavar="W", help="kernel values (same forms)")
    an.add_argument("--seed", type=int, default=0, help="seed for random small integers (default 0)")
    an.add_argument("--duration", type=int, default=800, metavar="MS", help="milliseconds per frame (default 800)")
    an.add_argument("--cell-size", type=int, default=36, metavar="PX", help="cell size in pixels (default 36)")
    an.add_argument("--frame", type=int, metavar="N",
                    help="write only frame N (a still; .png writes the last by default)")
    an.add_argument("-o", "--output", metavar="FILE", required=True, help="FILE.svg, FILE.gif or FILE.png")
    an.set_defaults(handler=_cmd_animate)

    ga = sub.add_parser("gallery", help="render conv_arithmetic's 15 animations and tconv's additions",
                        epilog=EXAMPLES, formatter_class=fmt)
    ga.add_argument("directory", metavar="DIR", help="where to write the files")
    ga.add_argument("--format", default="gif", choices=["gif", "svg", "png"], help="file format (default gif)")
    ga.add_argument("--cell-size", type=int, default=36, metavar="PX", help="cell size in pixels (default 36)")
    ga.add_argument("--duration", type=int, default=800, metavar="MS", help="milliseconds per frame (default 800)")
    ga.set_defaults(handler=_cmd_gallery)

    ov = sub.add_parser("overlap", parents=[flags], help="overlap heatmap: taps per output cell (checkerboard)",
                        epilog=EXAMPLES, formatter_class=fmt)
    ov.add_argument("--layers", type=int, default=1, metavar="N", help="stack N identical layers (default 1)")
    ov.add_argument("-o", "--output", metavar="FILE", help="write the heatmap as FILE.svg or FILE.png")
    ov.add_argument("--json", action="store_true", help="print the counts and verdict as JSON")
    ov.set_defaults(handler=_cmd_overlap)

    # bench's flags belong to tconv.bench (shared with `python -m benchmarks`), so this parser knows none of them,
    # not even --help: `tconv bench --help` is the suite's own help
    bp = sub.add_parser("bench", help="benchmark every algorithm beside PyTorch (tconv bench --help)", add_help=False)
    bp.set_defaults(handler=_cmd_bench, forwards_rest=True)
    sv2 = sub.add_parser("serve", help="start the interactive explorer in the browser (needs tconv[web])",
                         epilog=EXAMPLES, formatter_class=fmt)
    sv2.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    sv2.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    sv2.add_argument("--no-browser", action="store_true", help="do not open a browser")
    sv2.set_defaults(handler=_cmd_serve)

    cv = sub.add_parser("convert", help="PyTorch equivalent of an ONNX/TF/Keras/JAX ConvTranspose, or the reverse",
                        epilog=EXAMPLES, formatter_class=fmt)
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
    cv.add_argument("--pads", type=_ints, metavar="B,..,E,..", help="ONNX explicit pads (all begins, then all ends)")
    cv.add_argument("--output-padding", type=_ints, metavar="N", help="output_padding (ONNX, Keras; PyTorch with --to)")
    cv.add_argument("--output-size", type=_ints, metavar="N", help="TF output spatial size / ONNX output_shape")
    cv.add_argument("--groups", type=int, default=1, metavar="N", help="groups (ONNX group; PyTorch with --to)")
    cv.add_argument("--in-channels", type=int, default=1, metavar="N", help="input channels (default 1)")
    cv.add_argument("--out-channels", type=int, default=1, metavar="N", help="output channels (default 1)")
    cv.add_argument("--transpose-kernel", action="store_true", help="JAX transpose_kernel=True")
    cv.add_argument("--json", action="store_true", help="print JSON")
    cv.set_defaults(handler=_cmd_convert)

    ox = sub.add_parser("onnx", help="list an ONNX model's ConvTranspose nodes with their PyTorch equivalents",
                        epilog=EXAMPLES, formatter_class=fmt)
    ox.add_argument("model", metavar="MODEL.onnx", help="the model file (needs the onnx package: tconv[onnx])")
    ox.set_defaults(handler=_cmd_onnx)

    cp = sub.add_parser("compute", parents=[flags], help="compute a transposed convolution from .npy or JSON arrays",
                        epilog=EXAMPLES, formatter_class=fmt)
    _array_flags(cp)
    cp.add_argument("--algorithm", default="auto", choices=["auto", *REGISTRY], help="algorithm (default auto)")
    cp.add_argument("-o", "--output", metavar="FILE.npy", help="write the result to a .npy file")
    cp.add_argument("--json", action="store_true", help="print the result as JSON")
    cp.set_defaults(handler=_cmd_compute)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 2 bad input).

    >>> main(["solve", "-i", "17", "--output-size", "34", "--limit", "1"])
    axis 0: ConvTranspose 17 → 34: 1 shown, most common first
      kernel_size=4, stride=2, padding=1
    0
    """
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if rest and not args.forwards_rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    args.rest = rest
    handler: Handler | None = args.handler
    if handler is None:  # `tconv` alone
        parser.print_help()
        return 2
    try:
        return handler(args)
    except TconvError as exc:
        print(f"tconv: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `tconv ... | head`
        return 0
