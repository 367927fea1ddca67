"""Exact ConvTranspose semantics of ONNX, TensorFlow, Keras and JAX, and conversion to and from PyTorch.

Each ``*_conv_transpose`` computes what that framework computes, with its own argument names and layouts;
``from_*`` returns a :class:`TorchEquivalent` (PyTorch parameters, the crop or zero-pad PyTorch cannot express,
the weight permutation, ``.code()``); ``to_*`` gives the framework's arguments for a PyTorch layer, or a
TconvError that says why it cannot be expressed.

>>> from tconv import frameworks
>>> eq = frameworks.from_keras(16, 3, strides=2, padding="same")
>>> eq.padding, eq.crop, eq.output_size                 # Keras 'same' crops the odd cell at the END
((0,), ((0, 1),), (32,))
"""

from .common import TorchEquivalent
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
    "ConvTransposeNode",
    "TorchEquivalent",
    "conv_transpose_nodes",
    "from_jax",
    "from_keras",
    "from_onnx",
    "from_tf",
    "jax_conv_transpose",
    "keras_conv_transpose",
    "onnx_conv_transpose",
    "tf_conv_transpose",
    "tf_default_output_size",
    "to_jax",
    "to_keras",
    "to_onnx",
    "to_tf",
]
