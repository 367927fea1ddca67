"""Ready-to-paste PyTorch code for a layer (the explorer's ``/api/shape`` shows it beside the layer report).

>>> print(torch_code(5, 3, stride=2, padding=1, output_padding=1))
import torch
layer = torch.nn.ConvTranspose2d(in_channels=1, out_channels=1, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1),
    output_padding=(1, 1))
x = torch.randn(1, 1, 5, 5)
y = layer(x)  # shape (1, 1, 10, 10)
"""

from __future__ import annotations

from ._axes import IntOrSeq, drawn_axes, per_axis
from .shapes import conv_axes, output_padding_for, transposed_axes

__all__ = ["torch_code"]


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
