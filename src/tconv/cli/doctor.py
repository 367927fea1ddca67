"""``tconv doctor``: why a model's skip connections do not fit at an input size, fixes, and the sizes that work."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .._axes import quote
from ..doctor.limits import DEFAULT_TIMEOUT, EXITS, refuse_exit
from ..errors import TconvError
from ..render.output import path_kind
from .base import ints, json_flag, subparser

EXAMPLES = """\
  tconv doctor unet.onnx --input-shape 1,3,350,525      why it fails at 350x525, fixes, sizes that work
  tconv doctor mymodels.unet:UNet --input-shape 1,3,350,525 --sizes 256:512
  tconv doctor mymodels.unet:build_model --input-shape 1,3,350,525 --json
  tconv doctor mymodels.gan:Generator --input-shape 1,3,250,129 --target-shape 1,3,256,256"""


def _load_model(spec: str) -> Any:
    """An ``.onnx`` path as is; ``package.module:name`` imported from the current directory (as uvicorn does), the
    name an ``nn.Module`` or a class or factory called with no arguments."""
    import importlib
    import inspect
    import os

    if spec.endswith(".onnx") or ":" not in spec or os.path.exists(spec):
        if not spec.endswith(".onnx"):
            raise TconvError(f"MODEL {quote(spec)} is neither an .onnx file nor an import spec package.module:name")
        if path_kind(Path(spec), "MODEL") != "file":
            raise TconvError(f"MODEL {quote(spec)} does not exist")
        return spec
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr or not all(p.isidentifier() for p in (*module_name.split("."), *attr.split("."))):
        raise TconvError(f"MODEL {quote(spec)} is not an import spec package.module:name")
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except Exception as exc:  # the user's module may raise anything while importing
        raise TconvError(f"MODEL {quote(spec)} could not be imported: {type(exc).__name__}: {exc}") from None
    except EXITS as exc:  # a module that exits while imported: refused, not the CLI's exit
        raise refuse_exit(exc, f"while MODEL {quote(spec)} was imported") from None
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(obj, torch.nn.Module):
        return obj
    if inspect.isclass(obj) or callable(obj):
        try:
            obj = obj()
        except Exception as exc:  # the constructor is the user's code
            raise TconvError(f"MODEL {quote(spec)} could not be built with no arguments: "
                             f"{type(exc).__name__}: {exc}") from None
        except EXITS as exc:
            raise refuse_exit(exc, f"while MODEL {quote(spec)} was built") from None
    torch = sys.modules.get("torch")
    if torch is None or not isinstance(obj, torch.nn.Module):
        raise TconvError(f"MODEL {quote(spec)} is {type(obj).__name__}, not a torch.nn.Module (or a class or "
                         "factory returning one)")
    return obj


def _range(text: str) -> tuple[int, int]:
    lo, sep, hi = text.partition(":")
    try:
        if not sep:
            raise ValueError
        return (int(lo), int(hi))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LO:HI like 256:512, got {quote(text)}") from None


def _seconds(text: str) -> float:
    """``--timeout``: seconds from a millisecond, in decimal ASCII digits, a fraction allowed (``0.5``)."""
    import re

    if re.fullmatch(r"[0-9]+(\.[0-9]*)?|\.[0-9]+", text) is None or not 0.001 <= float(text) < 1e9:
        raise argparse.ArgumentTypeError(f"expected seconds from 0.001, in decimal digits like 60 or 0.5, got "
                                         f"{quote(text)}")
    return float(text)


def _cmd_doctor(args: argparse.Namespace) -> int:
    from ..doctor import doctor
    from ..doctor.limits import bounded
    from ..doctor.torch_trace import model_prints_to_stderr

    shape = args.input_shape if isinstance(args.input_shape, tuple) else (args.input_shape,)
    with model_prints_to_stderr():  # the model's prints (importing, building, each forward): stdout is the report's
        model = bounded(lambda: _load_model(args.model), args.timeout, None)  # importing runs the user's code too
        target = args.target_shape if isinstance(args.target_shape, tuple | type(None)) else (args.target_shape,)
        diagnosis = doctor(model, shape, sizes=args.sizes, timeout=args.timeout, target_shape=target)
    if args.json:
        print(json.dumps(diagnosis.to_dict(), ensure_ascii=False))
    else:
        print(diagnosis.to_text())
    return 0 if diagnosis.ok else 1


def register(sub: Any) -> None:
    """Add ``doctor`` to the subcommands.

    >>> from tconv.cli.base import Parser
    >>> parser = Parser(prog="tconv")
    >>> sub = parser.add_subparsers(dest="command", parser_class=Parser)
    >>> register(sub)
    >>> args = parser.parse_args(["doctor", "unet.onnx", "--input-shape", "1,3,350,525", "--sizes", "256:512"])
    >>> args.handler.__name__, args.model, args.input_shape, args.sizes, args.json
    ('_cmd_doctor', 'unet.onnx', (1, 3, 350, 525), (256, 512), False)
    >>> parser.parse_args(["doctor", "m:Net", "--input-shape", "1,3,8,8", "--timeout", "2.5"]).timeout
    2.5
    """
    dr = subparser(sub, "doctor", [json_flag("print the diagnosis as JSON")],
                   "why a model's skip connections do not fit at an input size, fixes, and the sizes that work",
                   EXAMPLES, _cmd_doctor)
    dr.add_argument("model", metavar="MODEL", help="an .onnx file, or package.module:name (an nn.Module, or a class "
                                                   "or factory called with no arguments; the current directory is "
                                                   "importable)")
    dr.add_argument("--input-shape", type=ints, required=True, metavar="N,C,H,W",
                    help="the input shape (every axis, batch and channels included)")
    dr.add_argument("--target-shape", type=ints, metavar="N,C,H,W",
                    help="the output shape wanted: a model that runs but whose output's spatial sizes differ gets a "
                         "warning, with the input sizes that give them (default: the input's spatial sizes)")
    dr.add_argument("--sizes", type=_range, metavar="LO:HI",
                    help="spatial sizes traced on each axis as a check of the derived valid-size rules (the "
                         "search, where the size arithmetic cannot follow the model: default 48 each side)")
    dr.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="S",
                    help=f"seconds each forward of the model may take (default {DEFAULT_TIMEOUT:g})")
