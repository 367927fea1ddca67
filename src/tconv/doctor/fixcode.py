"""Paste-ready code for the doctor's fixes, written against the model's own source (see :mod:`.sites`).

Each function returns ``(code, None)`` or ``(None, why)`` when the model's source does not allow the edit (the
call is made by a torch container, the skip has no name where the upsampling is called...). Edits keep every
argument and keyword of the call they rewrite; constructors keep every setting of the module they replace.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Any

from .model import Layer
from .sites import Site, bound_before, diff, fresh, names_in, node_at, replace, segment

__all__ = ["constructor", "join_edit", "size_edit", "split_edit"]

_INTERPOLATE = ("input", "size", "scale_factor", "mode", "align_corners", "recompute_scale_factor", "antialias")


def _lines(site: Site, first: int, last: int) -> list[str]:
    import linecache

    return [linecache.getline(site.file, n).rstrip("\n") for n in range(first, last + 1)]


def _operands(node: ast.AST | None) -> list[ast.expr] | None:
    """The operand expressions of a join: ``torch.cat([a, b], 1)``'s list, ``a + b``, ``torch.add(a, b)``."""
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.Call) and node.args:
        first = node.args[0]
        if isinstance(first, ast.List | ast.Tuple) and not any(isinstance(e, ast.Starred) for e in first.elts):
            return list(first.elts)
        if len(node.args) >= 2 and not isinstance(first, ast.Starred):
            return list(node.args[:2])
    if isinstance(node, ast.Call):
        for kw in node.keywords:
            if kw.arg == "tensors" and isinstance(kw.value, ast.List | ast.Tuple):
                return list(kw.value.elts)
    return None


def skip_expression(join: Layer, skip: int) -> tuple[str | None, ast.expr | None]:
    """The source text of a join's skip operand (``skip`` is its position in the call), and its node.

    A model's forward, and the ConvTranspose ``up`` and the ``cat`` a trace found in it (their sites are the
    spans of ``self.up(x)`` and ``torch.cat(...)``):

    >>> import os, tempfile
    >>> from tconv.doctor.model import Layer
    >>> with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
    ...     _ = f.write("def forward(self, x, skip):\\n    x = self.up(x)\\n    return torch.cat([skip, x], 1)\\n")
    >>> up = Layer("up", "conv_transpose", (1, 2, 4), (1, 2, 8), {"site": Site(f.name, 2, 2, 8, 18, "forward", 1)})
    >>> cat = Layer("cat", "cat", (1, 2, 9), (1, 4, 9), {"site": Site(f.name, 3, 3, 11, 34, "forward", 1)})
    >>> text, node = skip_expression(cat, 0)
    >>> text, type(node).__name__
    ('skip', 'Name')
    >>> skip_expression(Layer("cat", "cat", (1, 2, 9), (1, 4, 9)), 0)     # no site: the trace saw no source
    (None, None)
    >>> os.remove(f.name)
    """
    site = join.params.get("site")
    if site is None:
        return None, None
    node, _, _ = node_at(site)
    ops = _operands(node)
    if ops is None or skip >= len(ops):
        return None, None
    return segment(_lines(site, ops[skip].lineno, ops[skip].end_lineno or ops[skip].lineno), ops[skip],
                   ops[skip].lineno), ops[skip]


def size_edit(up: Layer, join: Layer, skip: int, nd: int) -> tuple[str | None, str | None]:
    """The upsampling call rewritten so its output takes the skip's size: ``output_size=`` for a ConvTranspose
    module, ``size=`` for ``F.interpolate`` (every other keyword kept), an ``nn.Upsample`` call replaced by the
    ``F.interpolate`` call it makes.

    The model of :func:`skip_expression`: ``up`` is told the size of ``cat``'s operand 0, the skip:

    >>> import os, tempfile
    >>> from tconv.doctor.model import Layer
    >>> with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
    ...     _ = f.write("def forward(self, x, skip):\\n    x = self.up(x)\\n    return torch.cat([skip, x], 1)\\n")
    >>> up = Layer("up", "conv_transpose", (1, 2, 4), (1, 2, 8), {"site": Site(f.name, 2, 2, 8, 18, "forward", 1)})
    >>> cat = Layer("cat", "cat", (1, 2, 9), (1, 4, 9), {"site": Site(f.name, 3, 3, 11, 34, "forward", 1)})
    >>> code, why = size_edit(up, cat, 0, 1)
    >>> print(code)  # doctest: +ELLIPSIS
    # ...:2, in forward:
    -    x = self.up(x)
    +    x = self.up(x, output_size=skip.shape[-1:])
    >>> os.remove(f.name)
    """
    site: Site | None = up.params.get("site")
    info = up.params.get("module") or {}
    if site is None:
        return None, f"{up.where}'s call was not found in the model's source"
    if site.via:
        return split_edit(up, join, skip, nd, f"{up.where} is run by nn.{site.via}'s forward ({site.label}), which "
                          f"cannot pass it {'output_size' if up.kind == 'conv_transpose' else 'a size'}")
    jsite: Site | None = join.params.get("site")
    skip_text, skip_node = skip_expression(join, skip)
    if jsite is None or skip_text is None or not isinstance(skip_node, ast.Name):
        return None, f"the skip at {join.where} is not a plain name in the source, so {up.where} cannot be given " \
                     f"its size"
    expr, _, func = node_at(site)
    if not isinstance(expr, ast.Call) or func is None:
        return None, f"{up.where}'s call at {site.label} could not be read"
    if (jsite.file, jsite.first_line) != (site.file, site.first_line) or \
            not bound_before(func, skip_node.id, site.line):
        return None, f"the skip `{skip_text}` of {join.where} is not known where {up.where} is called " \
                     f"({site.label})"
    old = _lines(site, site.line, site.end_line)
    seg = [segment(old, a, site.line) for a in expr.args]
    kws = [(k.arg, segment(old, k.value, site.line)) for k in expr.keywords]
    size = f"{skip_text}.shape[-{nd}:]"
    if up.kind == "conv_transpose":
        call = f"{segment(old, expr.func, site.line)}(" + ", ".join(
            [*seg[:1], *[f"{k}={v}" if k else f"**{v}" for k, v in kws if k != "output_size"],
             f"output_size={size}"]) + ")"
        if len(seg) > 1:
            return None, f"{up.where}'s call at {site.label} already passes a second argument"
    elif info:  # an nn.Upsample module: the F.interpolate call it makes, with the skip's size
        fn = site.functional or "torch.nn.functional"
        extra = [f"mode={info.get('mode', 'nearest')!r}"]
        if info.get("align_corners") is not None:
            extra.append(f"align_corners={info['align_corners']!r}")
        call = f"{fn}.interpolate({seg[0] if seg else kws[0][1]}, size={size}, {', '.join(extra)})"
    else:  # F.interpolate: size= instead of scale_factor, every other keyword kept
        named = {**{_INTERPOLATE[i]: s for i, s in enumerate(seg) if i < len(_INTERPOLATE)},
                 **{k: v for k, v in kws if k}}
        rest = [f"{k}={v}" for k, v in named.items() if k not in ("input", "size", "scale_factor",
                                                                  "recompute_scale_factor")]
        call = f"{segment(old, expr.func, site.line)}({named.get('input', seg[0] if seg else '')}, size={size}" + \
            "".join(f", {r}" for r in rest) + ")"
    new = replace(old, site.line, [(expr, call)])
    return diff(site, site.line, old, new), None


def split_edit(up: Layer, join: Layer, skip: int, nd: int, why: str) -> tuple[str | None, str | None]:
    """A ConvTranspose run by an ``nn.Sequential``'s forward cannot be passed ``output_size``, but the Sequential
    can be run in three parts: the items before it, the ConvTranspose with the skip's size, the items after it.
    The call ``self.model(x)`` becomes (``i`` found at run time where the ConvTranspose is the only item of its
    type, so one line serves every level of a recursive block; its index otherwise)::

        i = next(n for n, m in enumerate(self.model) if type(m).__name__ == "ConvTranspose2d")
        up = self.model[i](self.model[:i](x), output_size=skip.shape[-2:])
        up = self.model[i + 1:](up)

    ``(None, why)`` with the reason where the source does not allow it: another container, a call with more than
    the input, a Sequential that is not an attribute of the module whose forward makes the join, a skip that is
    not a plain name known at the call.

    >>> from tconv.doctor.model import Layer
    >>> split_edit(Layer("up", "upsample", (1, 1, 4), (1, 1, 8)), Layer("cat", "cat", (), ()), 0, 1, "no")
    (None, 'no')
    """
    site: Site | None = up.params.get("site")
    info = up.params.get("module") or {}
    if up.kind != "conv_transpose" or site is None or site.via != "Sequential" or not info.get("in_sequential") \
            or not str(info.get("index", "")).isdigit():
        return None, why
    expr, stmt, func = node_at(site)
    jsite: Site | None = join.params.get("site")
    skip_text, skip_node = skip_expression(join, skip)
    if not isinstance(expr, ast.Call) or stmt is None or func is None or len(expr.args) != 1 or expr.keywords:
        return None, f"{why}; the Sequential's call at {site.label} could not be split"
    if jsite is None or skip_text is None or not isinstance(skip_node, ast.Name) or \
            (jsite.file, jsite.first_line) != (site.file, site.first_line) or \
            not bound_before(func, skip_node.id, site.line):
        return None, f"{why}; split, it would need the skip of {join.where} where the Sequential is called"
    parts, node = [], expr.func
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    owner = join.where.split(":", 1)[0].split("#", 1)[0] if ":" in join.where else ""
    if not (isinstance(node, ast.Name) and node.id == "self") or \
            ".".join([*([owner] if owner else []), *reversed(parts)]) != info.get("parent"):
        return None, f"{why}; the Sequential called at {site.label} is not {info.get('parent')}"
    first, last = stmt.lineno, stmt.end_lineno or stmt.lineno
    old = _lines(site, first, last)
    indent = old[0][:len(old[0]) - len(old[0].lstrip())]
    seq, arg = segment(old, expr.func, first), segment(old, expr.args[0], first)
    used = names_in(func)
    out = fresh("up", used)
    used.add(out)
    pre = []
    if info.get("unique"):
        index = fresh("i", used)
        pre.append(f"{indent}{index} = next(n for n, m in enumerate({seq}) if type(m).__name__ == "
                   f'"{info.get("type")}")')
        after = f"{index} + 1"
    else:
        index, after = str(info["index"]), str(int(info["index"]) + 1)
    pre += [f"{indent}{out} = {seq}[{index}]({seq}[:{index}]({arg}), output_size={skip_text}.shape[-{nd}:])",
            f"{indent}{out} = {seq}[{after}:]({out})"]
    return diff(site, first, old, [*pre, *replace(old, first, [(expr, out)])]), None


def join_edit(join: Layer, up: int, skip: int, nd: int, kind: str) -> tuple[str | None, str | None]:
    """Lines inserted before the join's statement: the upsampled operand zero-padded (or cropped, where the pad
    is negative) to the skip's size (``pad_up``), or the skip cropped to the upsampled size (``crop_skip``).
    Operands that are not plain names are first computed into names, in their order.

    The model of :func:`skip_expression`, its skip (operand 0) cropped to the upsampled ``x`` (operand 1):

    >>> import os, tempfile
    >>> from tconv.doctor.model import Layer
    >>> with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
    ...     _ = f.write("def forward(self, x, skip):\\n    x = self.up(x)\\n    return torch.cat([skip, x], 1)\\n")
    >>> up = Layer("up", "conv_transpose", (1, 2, 4), (1, 2, 8), {"site": Site(f.name, 2, 2, 8, 18, "forward", 1)})
    >>> cat = Layer("cat", "cat", (1, 2, 9), (1, 4, 9), {"site": Site(f.name, 3, 3, 11, 34, "forward", 1)})
    >>> code, why = join_edit(cat, 1, 0, 1, "crop_skip")
    >>> print(code)  # doctest: +ELLIPSIS
    # ...:3, in forward:
    -    return torch.cat([skip, x], 1)
    +    d = [s - u for s, u in zip(skip.shape[2:], x.shape[2:])]
    +    skip = skip[..., d[0] // 2 : d[0] // 2 + x.shape[2]]
    +    return torch.cat([skip, x], 1)
    >>> os.remove(f.name)
    """
    site: Site | None = join.params.get("site")
    if site is None:
        return None, f"{join.where} was not found in the model's source"
    expr, stmt, func = node_at(site)
    ops = _operands(expr)
    if ops is None or stmt is None or func is None or max(up, skip) >= len(ops):
        return None, f"the {join.kind} at {site.label} could not be rewritten (its operands are not listed " \
                     f"in a plain statement)"
    first, last = stmt.lineno, stmt.end_lineno or stmt.lineno
    old = _lines(site, first, last)
    indent = old[0][:len(old[0]) - len(old[0].lstrip())]
    # lines inserted before a statement that shares its line with another (a; b) would run before both
    if stmt.col_offset != len(indent) or old[-1][(stmt.end_col_offset or 0):].strip().startswith(";"):
        return None, f"the {join.kind} at {site.label} shares its line with another statement: put it on a line " \
                     "of its own, and the fix can be written there"
    used = names_in(func)
    pre, spans, names = [], [], []
    for i, node in enumerate(ops):
        if isinstance(node, ast.Name):
            names.append(node.id)
            continue
        name = fresh("up" if i == up else "skip" if i == skip else f"part{i}", used)
        used.add(name)
        pre.append(f"{indent}{name} = {segment(old, node, first)}")
        spans.append((node, name))
        names.append(name)
    u, s = names[up], names[skip]
    d = fresh("d", used)
    pre.append(f"{indent}{d} = [s - u for s, u in zip({s}.shape[2:], {u}.shape[2:])]")
    if kind == "pad_up":
        fn = site.functional or "torch.nn.functional"
        pads = ", ".join(f"{d}[{a}] // 2, {d}[{a}] - {d}[{a}] // 2" for a in reversed(range(nd)))
        pre.append(f"{indent}{u} = {fn}.pad({u}, [{pads}])")
    else:
        slices = ", ".join(f"{d}[{a}] // 2 : {d}[{a}] // 2 + {u}.shape[{a + 2}]" for a in range(nd))
        pre.append(f"{indent}{s} = {s}[..., {slices}]")
    new = [*pre, *replace(old, first, spans)]
    return diff(site, first, old, new), None


def constructor(up: Layer, output_padding: Sequence[int], note: str) -> tuple[str | None, str | None]:
    """``model.ups[0].up = nn.ConvTranspose2d(...)`` with every setting of the module it replaces (bias,
    groups, dilation, padding mode, dtype, device), so a checkpoint still loads strictly.

    >>> from tconv.doctor.model import Layer
    >>> up = Layer("up", "conv_transpose", (1, 2, 4), (1, 2, 8), {"kernel_size": (2,), "stride": (2,),
    ...            "padding": (0,), "dilation": (1,), "module": {"attr": "model.up", "in_channels": 2,
    ...            "out_channels": 2, "bias": False}})
    >>> code, why = constructor(up, (1,), "; only for inputs of 9")
    >>> print(code)
    # after the model is built, before load_state_dict (the weights keep their shapes; only for inputs of 9):
    model.up = nn.ConvTranspose1d(2, 2, kernel_size=2, stride=2, output_padding=1, bias=False)
    >>> constructor(Layer("up", "conv_transpose", (1, 2, 4), (1, 2, 8), {}), (1,), "")
    (None, 'up is not a module the model holds (a functional call)')
    """
    p: dict[str, Any] = up.params
    info = p.get("module") or {}
    if not info.get("attr"):
        return None, f"{up.where} is not a module the model holds (a functional call)"
    nd = len(p["kernel_size"])
    args = [str(info.get("in_channels", p.get("in_channels"))), str(info.get("out_channels", p.get("out_channels"))),
            f"kernel_size={_tuple(p['kernel_size'])}", f"stride={_tuple(p['stride'])}"]
    if any(p["padding"]):
        args.append(f"padding={_tuple(p['padding'])}")
    if any(output_padding):
        args.append(f"output_padding={_tuple(output_padding)}")
    if int(info.get("groups", 1)) != 1:
        args.append(f"groups={info['groups']}")
    if info.get("bias") is False:
        args.append("bias=False")
    if any(v != 1 for v in p["dilation"]):
        args.append(f"dilation={_tuple(p['dilation'])}")
    if info.get("padding_mode", "zeros") != "zeros":
        args.append(f"padding_mode={info['padding_mode']!r}")
    if info.get("device", "cpu") not in ("cpu", "meta"):
        args.append(f"device={info['device']!r}")
    if info.get("dtype", "torch.float32") != "torch.float32":
        args.append(f"dtype={info['dtype']}")
    return (f"# after the model is built, before load_state_dict (the weights keep their shapes{note}):\n"
            f"{info['attr']} = nn.ConvTranspose{nd}d({', '.join(args)})"), None


def _tuple(values: Sequence[int]) -> str:
    values = tuple(int(v) for v in values)
    return str(values[0]) if len(set(values)) == 1 else str(values)
