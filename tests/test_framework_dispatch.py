"""frameworks.from_framework and to_framework: every framework behind one signature, the same answers as each
framework's own function."""

from __future__ import annotations

import pytest

import tconv
from tconv import frameworks as F


@pytest.mark.parametrize("name,kwargs,direct", [
    ("onnx", dict(padding="same_lower", stride=2), lambda: F.from_onnx((1, 1, 4), (1, 1, 3), auto_pad="SAME_LOWER",
                                                                       strides=[2], dilations=[1])),
    ("onnx", dict(pads=(1, 0), groups=2, in_channels=2, out_channels=4, stride=2),
     lambda: F.from_onnx((1, 2, 4), (2, 2, 3), pads=[1, 0], group=2, strides=[2], dilations=[1])),
    ("onnx", dict(pads=1, stride=2), lambda: F.from_onnx((1, 1, 4), (1, 1, 3), pads=[1, 1], strides=[2])),
    ("onnx", dict(pads=[2], stride=2), lambda: F.from_onnx((1, 1, 4), (1, 1, 3), pads=[2, 2], strides=[2])),
    ("tf", dict(padding="valid", stride=2), lambda: F.from_tf((1, 4, 1), (3, 1, 1), (1, 9, 1), 2, "VALID")),
    ("tf", dict(stride=2, output_size=7), lambda: F.from_tf((1, 4, 1), (3, 1, 1), (1, 7, 1), 2, "SAME")),
    ("keras", dict(padding="same", stride=2, output_padding=1), lambda: F.from_keras(4, 3, 2, "same", 1)),
    ("keras", dict(stride=2, in_channels=3, out_channels=2),
     lambda: F.from_keras(4, 3, 2, "valid", filters=2, in_channels=3)),
    ("jax", dict(padding=[(1, 2)], stride=2, transpose_kernel=True),
     lambda: F.from_jax((1, 4, 1), (3, 1, 1), (2,), [(1, 2)], transpose_kernel=True)),
    ("jax", dict(stride=2, in_channels=2, out_channels=3), lambda: F.from_jax((1, 4, 2), (3, 2, 3), (2,), "SAME")),
], ids=["onnx SAME_LOWER", "onnx pads, groups", "onnx one pad for all", "onnx a one-element list", "tf VALID",
        "tf output_size", "keras same op=1", "keras channels", "jax pairs, transpose_kernel", "jax channels"])
def test_from_framework_is_the_frameworks_own(name, kwargs, direct) -> None:
    assert F.from_framework(name, 4, 3, **kwargs) == direct()


@pytest.mark.parametrize("name,kernel,op,direct", [
    ("onnx", 3, 1, lambda: F.to_onnx((3, 3), 2, 1, 1)),
    ("jax", 3, 1, lambda: F.to_jax((3, 3), 2, 1, 1)),
    ("tf", 3, 1, lambda: F.to_tf((5, 5), (3, 3), 2, 1, 1)),
    ("keras", 4, 0, lambda: F.to_keras((5, 5), (4, 4), 2, 1, 0)),
], ids=["onnx", "jax", "tf", "keras"])
def test_to_framework_is_the_frameworks_own_and_takes_the_rank_from_the_input(name, kernel, op, direct) -> None:
    assert F.to_framework(name, (5, 5), kernel, stride=2, padding=1, output_padding=op) == direct()


@pytest.mark.parametrize("call,message", [
    (lambda: F.from_framework("tf", 4, 3, groups=2), "groups does not apply to TensorFlow"),
    (lambda: F.from_framework("jax", 4, 3, pads=(1, 1)), "pads does not apply to JAX"),
    (lambda: F.from_framework("keras", 4, 3, output_size=9), "output_size does not apply to Keras"),
    (lambda: F.from_framework("onnx", 4, 3, groups=2, in_channels=2, out_channels=3),
     "out_channels 3 must be divisible by groups 2"),
    (lambda: F.from_framework("torch", 4, 3), "framework 'torch' is not known"),
    (lambda: F.to_framework("keras", 4, 3, groups=2), "groups 2: Keras has no groups; valid: 1"),
    (lambda: F.from_framework("onnx", (16, 16), 3, pads=(1, 2, 3)),
     r"^pads needs 4 integers \(begin and end for each of the 2 axes: all begins, then all ends\), got \[1, 2, 3\] "
     r"\(3 values\)$"),
    (lambda: F.from_framework("onnx", 16, 3, pads=(1, 2, 3)),
     r"^pads needs 2 integers \(begin, then end, of the one axis\), got \[1, 2, 3\] \(3 values\)$"),
    (lambda: F.from_onnx((1, 1, 4, 4, 4), (1, 1, 3, 3, 3), pads=[1, 1]),
     r"^pads needs 6 integers \(begin and end for each of the 3 axes"),
], ids=["tf groups", "jax pads", "keras output_size", "onnx channels", "unknown", "keras groups",
        "onnx pads: 3 for 2 axes", "onnx pads: 3 for 1 axis", "from_onnx pads: 2 for 3 axes"])
def test_refusals(call, message) -> None:
    with pytest.raises(tconv.TconvError, match=message):
        call()
