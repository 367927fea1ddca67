"""Exact ConvTranspose semantics of ONNX, TensorFlow, Keras and JAX, and conversion to and from PyTorch.

Each ``*_conv_transpose`` computes what that framework computes, with its own argument names and layouts;
``from_*`` returns a :class:`TorchEquivalent` (PyTorch parameters, the crop or zero-pad PyTorch cannot express,
the weight permutation, ``.code()``); ``to_*`` gives the framework's arguments for a PyTorch layer, or a
TconvError that says why it cannot be expressed. :func:`from_framework` and :func:`to_framework` put every framework
behind one signature, a layer described by its sizes (what ``tconv convert`` calls).

>>> from tconv import frameworks
>>> eq = frameworks.from_keras(16, 3, strides=2, padding="same")
>>> eq.padding, eq.crop, eq.output_size                 # Keras 'same' crops the odd cell at the END
((0,), ((0, 1),), (32,))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._axes import IntOrSeq, as_choice, as_int, count_axes, per_axis
from ..errors import TconvError
from .common import PaddingSpec, TorchEquivalent
from .jax import from_jax, jax_conv_transpose, to_jax
from .onnx import ConvTransposeNode, conv_transpose_nodes, from_onnx, onnx_conv_transpose, to_onnx
from .tf import (
    from_keras,
    from_tf,
    keras_conv_transpose,
    tf_conv_transpose,
    tf_default_output_size,
    to_keras,
    to_tf,
)

__all__ = [
    "FRAMEWORKS",
    "FROM_READS",
    "ConvTransposeNode",
    "TorchEquivalent",
    "conv_transpose_nodes",
    "from_framework",
    "from_jax",
    "from_keras",
    "from_onnx",
    "from_tf",
    "jax_conv_transpose",
    "keras_conv_transpose",
    "onnx_conv_transpose",
    "tf_conv_transpose",
    "tf_default_output_size",
    "to_framework",
    "to_jax",
    "to_keras",
    "to_onnx",
    "to_tf",
]

#: The frameworks :func:`from_framework` and :func:`to_framework` know, with their names in messages.
FRAMEWORKS = {"onnx": "ONNX", "tf": "TensorFlow", "keras": "Keras", "jax": "JAX"}

#: What each framework's layer takes beyond the sizes, stride, padding and dilation; from_framework refuses the
#: others rather than ignore them.
FROM_READS = {
    "onnx": ("pads", "output_padding", "output_size", "groups", "in_channels", "out_channels"),
    "tf": ("output_size", "in_channels", "out_channels"),
    "keras": ("output_padding", "in_channels", "out_channels"),
    "jax": ("in_channels", "out_channels", "transpose_kernel"),
}

#: Each framework's padding when none is given: its layer's own default.
_DEFAULT_PADDING = {"onnx": "NOTSET", "tf": "SAME", "keras": "valid", "jax": "SAME"}


def _onnx_pads(pads: IntOrSeq, nd: int) -> tuple[int, ...]:
    """One integer (or a one-element list) for every begin and end; a longer list goes to from_onnx as it is, whose
    message counts the pads as begins and ends."""
    if isinstance(pads, list | tuple | np.ndarray) and len(pads) > 1:
        return tuple(pads)
    return per_axis("pads", pads, 2 * nd)


def from_framework(
    framework: str,
    input_size: IntOrSeq,
    kernel_size: IntOrSeq,
    stride: IntOrSeq = 1,
    padding: PaddingSpec | None = None,
    dilation: IntOrSeq = 1,
    *,
    output_padding: IntOrSeq | None = None,
    output_size: IntOrSeq | None = None,
    pads: IntOrSeq | None = None,
    groups: int | None = None,
    in_channels: int | None = None,
    out_channels: int | None = None,
    transpose_kernel: bool | None = None,
) -> TorchEquivalent:
    """The PyTorch equivalent of a framework's transposed convolution, the layer described by its sizes.

    ``framework`` is one of :data:`FRAMEWORKS`; ``input_size`` and the layer's sizes are spatial, an int or one
    per axis (a scalar is one axis, as everywhere in the library). ``padding`` is the framework's own: ONNX's
    ``auto_pad`` (default ``"NOTSET"``, with explicit ``pads``), TensorFlow's and Keras's ``"same"``/``"valid"``
    (any case; defaults ``"SAME"`` and ``"valid"``, as their layers), JAX's ``"SAME"``/``"VALID"`` or ``(lo, hi)``
    pairs. The other keywords are those the framework's layer has (:data:`FROM_READS`: ONNX's
    ``output_padding``, ``output_size`` (output_shape), ``pads`` and ``groups``, TensorFlow's ``output_size``
    (by default the one its layers pick, :func:`tf_default_output_size`), Keras's ``output_padding``, JAX's
    ``transpose_kernel``); one the framework does not have is refused. Channels default to 1.

    >>> eq = from_framework("keras", 16, 3, stride=2, padding="same")
    >>> eq.padding, eq.crop, eq.output_size
    ((0,), ((0, 1),), (32,))
    >>> from_framework("onnx", (4, 4), 3, stride=2, padding="same_lower").exact
    True
    >>> from_framework("tf", 4, 3, groups=2)
    Traceback (most recent call last):
    tconv.errors.TconvError: groups does not apply to TensorFlow: its layer takes output_size, in_channels,
    out_channels besides the sizes, stride, padding and dilation
    """
    name = as_choice("framework", framework, tuple(FRAMEWORKS))
    given = {"pads": pads, "output_padding": output_padding, "output_size": output_size, "groups": groups,
             "in_channels": in_channels, "out_channels": out_channels, "transpose_kernel": transpose_kernel}
    for arg, value in given.items():
        if value is not None and arg not in FROM_READS[name]:
            raise TconvError(f"{arg} does not apply to {FRAMEWORKS[name]}: its layer takes "
                             f"{', '.join(FROM_READS[name])} besides the sizes, stride, padding and dilation")
    nd = count_axes(input_size=input_size, kernel_size=kernel_size, stride=stride, dilation=dilation,
                    output_padding=output_padding, output_size=output_size)
    size = per_axis("input_size", input_size, nd, minimum=1)
    kernel = per_axis("kernel_size", kernel_size, nd, minimum=1)
    strides = per_axis("stride", stride, nd, minimum=1)
    dilations = per_axis("dilation", dilation, nd, minimum=1)
    g = as_int("groups", 1 if groups is None else groups, minimum=1)
    cin = as_int("in_channels", 1 if in_channels is None else in_channels, minimum=1)
    cout = as_int("out_channels", 1 if out_channels is None else out_channels, minimum=1)
    pad: Any = _DEFAULT_PADDING[name] if padding is None else padding
    if isinstance(pad, str):
        pad = pad.lower() if name == "keras" else pad.upper()
    if name == "onnx":
        if cout % g:
            raise TconvError(f"out_channels {cout} must be divisible by groups {g} (ONNX's W is (C, M/group, *k))")
        return from_onnx(
            (1, cin, *size), (cin, cout // g, *kernel), auto_pad=pad, dilations=dilations, group=g,
            output_padding=None if output_padding is None else per_axis("output_padding", output_padding, nd),
            output_shape=None if output_size is None else per_axis("output_size", output_size, nd),
            pads=None if pads is None else _onnx_pads(pads, nd), strides=strides)
    if name == "tf":
        out = (tf_default_output_size(size, kernel, strides, pad, dilations) if output_size is None
               else per_axis("output_size", output_size, nd))
        return from_tf((1, *size, cin), (*kernel, cout, cin), (1, *out, cout), strides, pad, None, dilations)
    if name == "keras":
        return from_keras(size, kernel, strides, pad, output_padding, dilations, filters=cout, in_channels=cin)
    channels = (cout, cin) if transpose_kernel else (cin, cout)
    return from_jax((1, *size, cin), (*kernel, *channels), strides, pad, dilations, None, bool(transpose_kernel))


def to_framework(
    framework: str,
    input_size: IntOrSeq,
    kernel_size: IntOrSeq,
    stride: IntOrSeq = 1,
    padding: IntOrSeq = 0,
    output_padding: IntOrSeq = 0,
    dilation: IntOrSeq = 1,
    groups: int = 1,
) -> dict[str, Any]:
    """A framework's arguments for a PyTorch ``ConvTranspose`` layer applied to an input of ``input_size``.

    ``framework`` is one of :data:`FRAMEWORKS`; the sizes are PyTorch's, an int or one per axis (a scalar is one
    axis). ONNX's attributes and JAX's arguments depend on the input only through its number of axes;
    TensorFlow's ``output_shape`` and Keras's choice of padding depend on its size. TensorFlow and Keras have no
    groups. A layer the framework cannot express is a TconvError that says why.

    >>> to_framework("onnx", (8, 8), 3, stride=2, padding=1, output_padding=1)["pads"]
    [1, 1, 1, 1]
    >>> to_framework("keras", 16, 4, stride=2, padding=1)
    {'strides': [2], 'padding': 'same', 'output_padding': None, 'dilation_rate': [1]}
    """
    name = as_choice("framework", framework, tuple(FRAMEWORKS))
    nd = count_axes(input_size=input_size, kernel_size=kernel_size, stride=stride, padding=padding,
                    output_padding=output_padding, dilation=dilation)
    size = per_axis("input_size", input_size, nd, minimum=1)
    kernel = per_axis("kernel_size", kernel_size, nd, minimum=1)
    g = as_int("groups", groups, minimum=1)
    if name == "onnx":
        return to_onnx(kernel, stride, padding, output_padding, dilation, g)
    if name == "jax":
        return to_jax(kernel, stride, padding, output_padding, dilation, g)
    if g != 1:
        raise TconvError(f"groups {g}: {FRAMEWORKS[name]} has no groups; valid: 1")
    return (to_tf if name == "tf" else to_keras)(size, kernel, stride, padding, output_padding, dilation)
