"""Ready-to-paste PyTorch code for a layer (the explorer's ``/api/shape`` shows it beside the layer report).

>>> print(torch_code(5, 3, stride=2, padding=1, output_padding=1))
import torch
layer = torch.nn.ConvTranspose2d(in_channels=1, out_channels=1, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1),
    output_padding=(1, 1))
x = torch.randn(1, 1, 5, 5)
y = layer(x)  # shape (1, 1, 10, 10)
"""

from __future__ import annotations

from collections.abc import Sequence

from ._axes import IntOrSeq, drawn_axes, per_axis
from .shapes import conv_axes, output_padding_for, same_padding, transposed_axes

__all__ = ["layer_module_code", "torch_code"]


def torch_code(
    input_size: IntOrSeq,
    kernel_size: IntOrSeq,
    stride: IntOrSeq = 1,
    padding: IntOrSeq = 0,
    output_padding: IntOrSeq = 0,
    dilation: IntOrSeq = 1,
    *,
    transposed: bool = True,
    output_size: IntOrSeq | None = None,
    in_channels: int = 1,
    out_channels: int = 1,
    nd: int | None = None,
) -> str:
    """PyTorch code building the layer and applying it to an input of ``input_size`` (validated like the layer).

    All scalars mean a square 2-D layer (:func:`tconv._axes.drawn_axes`, as in every shell) unless ``nd`` says
    otherwise; parameters at their defaults are left out.

    >>> print(torch_code(16, 4, stride=2, padding=1, nd=1))
    import torch
    layer = torch.nn.ConvTranspose1d(in_channels=1, out_channels=1, kernel_size=4, stride=2, padding=1)
    x = torch.randn(1, 1, 16)
    y = layer(x)  # shape (1, 1, 32)
    >>> print(torch_code(5, 3, stride=2, padding=1, output_size=10))     # PyTorch picks output_padding 1
    import torch
    layer = torch.nn.ConvTranspose2d(in_channels=1, out_channels=1, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))
    x = torch.randn(1, 1, 5, 5)
    y = layer(x, output_size=[10, 10])  # shape (1, 1, 10, 10)
    >>> print(torch_code((7, 5), 3, stride=2, transposed=False))
    import torch
    layer = torch.nn.Conv2d(in_channels=1, out_channels=1, kernel_size=(3, 3), stride=(2, 2))
    x = torch.randn(1, 1, 7, 5)
    y = layer(x)  # shape (1, 1, 3, 2)
    >>> torch_code(5, 3, stride=2, output_padding=2)
    Traceback (most recent call last):
    tconv.errors.TconvError: output_padding 2 on axis 0 must be smaller than stride (2) or dilation (1):
    valid range 0..1
    """
    if nd is None:
        nd = drawn_axes(input_size=input_size, kernel_size=kernel_size, stride=stride, padding=padding,
                        output_padding=output_padding, dilation=dilation, output_size=output_size)
    args = [f"in_channels={in_channels}", f"out_channels={out_channels}"]

    def tup(values: list[int]) -> str:
        return str(values[0]) if nd == 1 else str(tuple(values))

    if transposed:
        op = output_padding
        if output_size is not None:
            op = output_padding_for(
                per_axis("input_size", input_size, nd),
                per_axis("output_size", output_size, nd),
                per_axis("kernel_size", kernel_size, nd),
                per_axis("stride", stride, nd),
                per_axis("padding", padding, nd),
                per_axis("dilation", dilation, nd),
            )
        axes = transposed_axes(input_size, kernel_size, stride, padding, op, dilation, nd=nd)
        fields = [
            ("kernel_size", [a.kernel_size for a in axes], None),
            ("stride", [a.stride for a in axes], 1),
            ("padding", [a.padding for a in axes], 0),
            ("output_padding", [a.output_padding for a in axes] if output_size is None else [0] * nd, 0),
            ("dilation", [a.dilation for a in axes], 1),
        ]
        layer = f"ConvTranspose{nd}d"
        out = [a.output_size for a in axes]
    else:
        caxes = conv_axes(input_size, kernel_size, stride, padding, dilation, nd=nd)
        fields = [
            ("kernel_size", [a.kernel_size for a in caxes], None),
            ("stride", [a.stride for a in caxes], 1),
            ("padding", [a.pad_begin for a in caxes], 0),
            ("dilation", [a.dilation for a in caxes], 1),
        ]
        layer = f"Conv{nd}d"
        out = [a.output_size for a in caxes]
    for name, values, default in fields:
        if default is None or any(v != default for v in values):
            args.append(f"{name}={tup(values)}")
    size = per_axis("input_size", input_size, nd)
    shape = ", ".join(map(str, (1, in_channels, *size)))
    call = "layer(x)" if output_size is None or not transposed else f"layer(x, output_size={list(out)})"
    return "\n".join(
        [
            "import torch",
            f"layer = torch.nn.{layer}({', '.join(args)})",
            f"x = torch.randn({shape})",
            f"y = {call}  # shape {(1, out_channels, *out)}",
        ]
    )


#: The fold of each padding mode in PyTorch, one axis ``dim`` with margins ``b`` and ``e`` around ``n`` cells:
#: the adjoint of ``F.pad``'s padding (tconv.padding_modes.fold, written for torch).
_TORCH_FOLDS = {
    "circular": ("core.narrow(dim, n - b, b).add_(y.narrow(dim, 0, b))  # the begin margin wraps onto the end",
                 "core.narrow(dim, 0, e).add_(y.narrow(dim, b + n, e))  # the end margin wraps onto the begin"),
    "reflect": ("core.narrow(dim, 1, b).add_(y.narrow(dim, 0, b).flip(dim))  # onto the mirror cells, edge excluded",
                "core.narrow(dim, n - 1 - e, e).add_(y.narrow(dim, b + n, e).flip(dim))"),
    "replicate": ("core.narrow(dim, 0, 1).add_(y.narrow(dim, 0, b).sum(dim, keepdim=True))  # onto the edge cell",
                  "core.narrow(dim, n - 1, 1).add_(y.narrow(dim, b + n, e).sum(dim, keepdim=True))"),
}


def layer_module_code(
    title: str,
    kernel_size: Sequence[int],
    stride: Sequence[int],
    padding: Sequence[int] | str,
    output_padding: Sequence[int],
    dilation: Sequence[int],
    groups: int,
    padding_mode: str,
    bias: bool,
    weight_shape: Sequence[int],
) -> str:
    """A PyTorch module computing a tconv layer exactly (``tconv.ConvTranspose*d.to_torch_code``), its parameters
    named ``weight`` and ``bias`` as the layer's ``state_dict`` names them.

    PyTorch's ``F.conv_transpose*d`` computes what it can express: the begin crop ``padding`` and the end crop
    ``padding − output_padding``. ``padding="same"``'s end crop of one more cell is sliced off afterwards; a
    padding mode other than zeros computes with padding 0, folds the margins back, then adds the bias.

    >>> print(layer_module_code("demo", (3,), (1,), (1,), (0,), (1,), 1, "replicate", False, (1, 1, 3)))
    ... # doctest: +ELLIPSIS
    import torch
    ...
            y = F.conv_transpose1d(x, self.weight, None, stride=(1,), padding=(0,), output_padding=(0,), groups=1,
                                   dilation=(1,))
            for dim, (b, e) in zip(range(-1, 0), [(1, 1)]):  # fold each axis' margins back (padding_mode)
                n = y.shape[dim] - b - e
                core = y.narrow(dim, b, n).clone()
                if b:
                    core.narrow(dim, 0, 1).add_(y.narrow(dim, 0, b).sum(dim, keepdim=True))  # onto the edge cell
                if e:
                    core.narrow(dim, n - 1, 1).add_(y.narrow(dim, b + n, e).sum(dim, keepdim=True))
                y = core
            return y
    ...
    """
    nd = len(kernel_size)
    margins, extra = [], []  # (begin, end) crops before output_padding; output_padding (or "same"'s zeros)
    for a in range(nd):
        if padding == "same":  # its crops depend on the layer alone: F − L·s = d·(k−1) + 1 − s
            b, e, r = same_padding(1, kernel_size[a], stride[a], dilation[a])
        else:
            b = e = 0 if padding == "valid" else int(padding[a])
            r = output_padding[a]
        margins.append((b, e))
        extra.append(r)
    folds = padding_mode != "zeros"
    if folds:
        torch_padding, torch_op, crops = [0] * nd, extra, [0] * nd
    else:  # F.conv_transpose's window is [p, F − p + op): begin crop b; the end crop e − r, all of it or b of it
        torch_padding = [b for b, _ in margins]
        torch_op = [max(b - (e - r), 0) for (b, e), r in zip(margins, extra)]
        crops = [max((e - r) - b, 0) for (b, e), r in zip(margins, extra)]

    def t(values: Sequence[int]) -> str:
        return str(tuple(values))

    call = (f"y = F.conv_transpose{nd}d(x, self.weight, {'None' if folds or not bias else 'self.bias'}, "
            f"stride={t(stride)}, padding={t(torch_padding)}, output_padding={t(torch_op)}, groups={groups}, "
            f"dilation={t(dilation)})")
    lines = [
        "import torch",
        "import torch.nn.functional as F",
        "",
        "",
        f"# {title.replace('ConvTranspose', 'tconv.ConvTranspose', 1)}, exactly",
        "class Layer(torch.nn.Module):",
        "    def __init__(self):",
        "        super().__init__()",
        f"        self.weight = torch.nn.Parameter(torch.empty{tuple(weight_shape)})",
    ]
    if bias:
        lines.append(f"        self.bias = torch.nn.Parameter(torch.empty({weight_shape[1] * groups}))")
    lines += ["", "    def forward(self, x):"]
    lines += _wrapped(call, "        ")
    if folds:
        head, tail = _TORCH_FOLDS[padding_mode]
        lines += [
            f"        for dim, (b, e) in zip(range({-nd}, 0), {[tuple(m) for m in margins]}):  # fold each axis' "
            "margins back (padding_mode)",
            "            n = y.shape[dim] - b - e",
            "            core = y.narrow(dim, b, n).clone()",
            "            if b:",
            f"                {head}",
            "            if e:",
            f"                {tail}",
            "            y = core",
        ]
        if bias:
            lines.append(f"        y = y + self.bias.view(-1{', 1' * nd})  # the bias, after the fold")
    if any(crops):
        cells = ", ".join(f"0:y.shape[{a - nd}] - {c}" if c else ":" for a, c in enumerate(crops))
        lines.append(f"        return y[..., {cells}]  # the end crop PyTorch's padding cannot express")
    else:
        lines.append("        return y")
    lines += ["", "", "layer = Layer()  # load the tconv layer's parameters: layer.load_state_dict(...)"]
    return "\n".join(lines)


def _wrapped(code: str, indent: str, width: int = 120) -> list[str]:
    """``code`` on lines of at most ``width`` characters, broken after a comma, continued under the open
    parenthesis."""
    first = indent + code
    if len(first) <= width:
        return [first]
    cont = " " * (first.index("(") + 1)
    lines, line = [], ""
    for part in first.split(", "):
        candidate = part if not line else f"{line}, {part}"
        if len(candidate) > width - 1 and line:
            lines.append(line + ",")
            line = cont + part
        else:
            line = candidate
    return [*lines, line]
