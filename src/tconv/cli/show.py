"""``tconv animate``, ``tconv gallery`` and ``tconv overlap``: pictures of a layer."""

from __future__ import annotations

import argparse
import json
import shlex
from pathlib import Path
from typing import Any

import numpy as np

from .._axes import quote
from ..arrays import load_arrays
from ..errors import TconvError
from ..render.output import path_kind
from ..scene.overlap import KINDS as OVERLAP_KINDS
from .base import (
    LAYER,
    SIZES,
    TRANSPOSED_ONLY,
    arrays,
    check_output,
    direction,
    int_in,
    json_flag,
    layer_args,
    or_default,
    padding_mode,
    per_drawn_axis,
    render,
    sizes,
    subparser,
    writing,
)
from .compute import check_array_flags, check_sizes_agree, output_size

ANIMATE_EXAMPLES = """\
  tconv animate -i 3 -k 3 -s 2 -p 1 --output-padding 1 --values -o odd.gif
  tconv animate -i 3,2 -k 3,2 -s 2,1 --view scatter --values -o scatter.svg
  tconv animate -i 5, -k 3 -s 2 --values -o row.svg      a 1-D layer: the trailing comma
  tconv animate -i 5 -k 3 -s 2 --no-transposed -o conv.png
  tconv animate -i 4, -k 3 -s 2 -p 1 --padding-mode circular --view scatter --values -o wrap.svg"""

GALLERY_EXAMPLES = """\
  tconv gallery gallery/                        conv_arithmetic's 15 animations and more
  tconv gallery stills/ --format png --cell-size 24"""

OVERLAP_EXAMPLES = """\
  tconv overlap -i 8 -k 3 -s 2 --layers 2 -o checkerboard.png
  tconv overlap -i 8 -k 4 -s 2 -p 1 --json"""


def _picture_kinds() -> tuple[str, ...]:
    """The formats a picture is written in, by file extension: the writers' table."""
    from ..render import WRITERS

    return tuple(WRITERS)


# The formats an overlap heatmap is written in: a still, so not GIF (OverlapMap.save refuses the rest naming its
# Python keyword; tests/test_cli.py holds the two equal).


def _animate(args: argparse.Namespace) -> str:
    from ..scene import animate

    check_output(args.output, extensions=_picture_kinds())
    transposed = args.transposed is not False
    view = "gather" if args.view == "equivalent" else args.view or ("gather" if transposed else "conv")
    if not transposed and view != "conv":
        raise TconvError(f"--view {view} draws a transposed convolution; drop --no-transposed or use --view conv")
    if args.pool is not None and view != "conv":
        raise TconvError(f"--pool {args.pool} draws a pooling window, which slides as a direct convolution does: "
                         "add --view conv (or --no-transposed)")
    direct = "--no-transposed" if not transposed else "--view conv"
    if view == "conv" and args.output_size is not None:
        raise TconvError(f"--output-size applies to transposed convolution only, and {direct} draws a direct one")
    if view == "conv" and args.output_padding is not None:  # given at all: 0 is as inapplicable as 1
        raise TconvError(f"--output-padding applies to transposed convolution only, and {direct} draws a direct one")
    arrays_given: dict[str, np.ndarray] = {}
    size, kernel, out = args.input_size, args.kernel_size, args.output_size
    if check_array_flags(args, "random integers from --seed"):
        x, w, _ = load_arrays(args.input, args.weight)
        w_spatial = w.shape[2:] if w.ndim >= 3 else w.shape
        if x.ndim >= len(w_spatial):
            check_sizes_agree(args, x.shape[x.ndim - len(w_spatial):], w_spatial)
        arrays_given = {"input": x, "weight": w}
        out = output_size(args, len(w_spatial))
    elif size is None or kernel is None:
        raise TconvError("--input-size and --kernel-size are required (or --input and --weight arrays)")
    else:
        size, kernel = per_drawn_axis(args, "input_size", "kernel_size")
        if out is not None:
            [out] = per_drawn_axis(args, "output_size")
    scene = animate(
        size, kernel, **layer_args(args), output_size=out, view=view,
        pool=args.pool, values=args.values, seed=or_default(args.seed, 0), cell_size=args.cell_size,
        duration_ms=args.duration, lang=args.lang, input=arrays_given.get("input"), weight=arrays_given.get("weight"),
        padding_mode=args.padding_mode,
    )
    # a PNG is one picture: the frame asked for, else the scene's still (the window over the most input elements)
    frame, n = args.frame, len(scene.frames)
    if frame is not None and not -n <= frame < n:  # Python's indexing, as Scene.save reads it
        raise TconvError(f"--frame {frame} is out of range: this scene has {n} frames (0..{n - 1}, or {-n}..-1 "
                         "counted from the end)")
    if frame is None and Path(args.output).suffix.lower() == ".png":
        frame = scene.still_frame()
    path = scene.save(args.output, frame=frame)
    if frame is None:
        return f"wrote {path}: {n} frames, {scene.title}"
    return f"wrote {path}: one still, frame {frame % n} of frames 0..{n - 1}, {scene.title}"  # -1: the last


def _cmd_animate(args: argparse.Namespace) -> int:
    print(_animate(args))
    return 0


def _cmd_gallery(args: argparse.Namespace) -> int:
    from .._progress import Progress
    from ..scene.gallery import GALLERY, render_gallery

    if not args.directory.strip():
        raise TconvError("DIR is empty: give the folder to write the gallery into, e.g. tconv gallery gallery/")
    folder, shown = Path(args.directory), quote(args.directory)
    kind = path_kind(folder, "DIR")
    if kind == "file":
        raise TconvError(f"DIR {shown} is a file, not a folder")
    if kind == "missing" and path_kind(folder.parent, "DIR") != "folder":
        raise TconvError(f"DIR {shown}: the folder {quote(str(folder.parent))} does not exist (create it first)")
    if args.format != "svg":  # before the folder is made: a GIF or PNG gallery needs Pillow, an SVG one nothing
        from ..render.raster import _pil

        try:
            _pil()
        except TconvError as exc:
            raise TconvError(f"{exc}; or draw it as SVG: tconv gallery {shlex.quote(args.directory)} --format svg"
                             ) from None
    paths = writing(args.directory, "DIR", lambda: render_gallery(
        args.directory, args.format, Progress(len(GALLERY), "gallery"), cell_size=args.cell_size,
        duration_ms=args.duration))
    print(f"wrote {len(paths)} files to {args.directory}")
    return 0


def _cmd_overlap(args: argparse.Namespace) -> int:
    from ..scene import overlap

    size, kernel = per_drawn_axis(args, "input_size", "kernel_size")
    if args.output is not None:
        check_output(args.output, extensions=OVERLAP_KINDS)
    m = overlap(size, kernel, **layer_args(args), layers=args.layers)
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


def register(sub: Any) -> None:
    """Add ``animate``, ``gallery`` and ``overlap`` to the subcommands.

    >>> from tconv.cli.base import Parser
    >>> parser = Parser(prog="tconv")
    >>> sub = parser.add_subparsers(dest="command", parser_class=Parser)
    >>> register(sub)
    >>> sorted(sub.choices)
    ['animate', 'gallery', 'overlap']
    >>> args = parser.parse_args(["overlap", "-i", "4,", "-k", "4", "-s", "2", "-p", "1"])
    >>> args.handler(args)          # taps per output cell of a 1-D layer
    [1 2 2 2 2 2 2 1]
    even overlap: every interior output cell receives the same number of taps (2 per layer)
    0
    """
    an = subparser(sub, "animate", [sizes(*SIZES), sizes(*LAYER), sizes(*TRANSPOSED_ONLY), padding_mode(),
                                    direction(), arrays(channels=False), render()],
                   "conv_arithmetic-style animation for any parameters", ANIMATE_EXAMPLES, _cmd_animate)
    an.add_argument("--view", choices=["gather", "scatter", "conv", "equivalent"],
                    help="gather: zeros inserted, padded, flipped kernel (default for transposed; 'equivalent' is "
                         "another name for it); "
                         "scatter: stamps; conv: a direct convolution (the default with --no-transposed)")
    an.add_argument("--pool", choices=["max", "avg"], help="with --view conv: a pooling window instead of a kernel")
    an.add_argument("--values", action="store_true", help="numbers in the cells (equal to conv_transpose)")
    an.add_argument("--frame", type=int_in(None), metavar="N",
                    help="write only frame N, counted from 0, or from the end when negative (-1: the last) (a still; "
                         "a .png is always one still: by default the frame whose window covers the most input "
                         "elements)")
    an.add_argument("--lang", default="en", choices=["en", "zh"],
                    help="language of the words in the picture: title, labels, captions, legend")
    an.add_argument("-o", "--output", metavar="FILE", required=True,
                    help="FILE.svg or FILE.gif (every frame), or FILE.png (one still)")

    ga = subparser(sub, "gallery", [render()], "render conv_arithmetic's 15 animations and tconv's additions",
                   GALLERY_EXAMPLES, _cmd_gallery)
    ga.add_argument("directory", metavar="DIR", help="where to write the files (created if missing; its parent must "
                                                     "exist)")
    ga.add_argument("--format", default="gif", choices=["gif", "svg", "png"], help="file format (default gif)")

    ov = subparser(sub, "overlap", [sizes(*SIZES), sizes(*LAYER), sizes("transposed", "output_padding"),
                                    json_flag("print the counts and verdict as JSON")],
                   "overlap heatmap: taps per output cell (checkerboard)", OVERLAP_EXAMPLES, _cmd_overlap)
    ov.add_argument("--layers", type=int_in(1), default=1, metavar="N", help="stack N identical layers (default 1)")
    ov.add_argument("-o", "--output", metavar="FILE", help="write the heatmap as FILE.svg or FILE.png")
