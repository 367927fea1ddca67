"""The model doctor: why a model's skip connections do not fit at an input size, and how to fix it.

``doctor(model, input_shape)`` traces a torch module (meta device) or an ONNX model (shape inference), finds every
join whose operands differ in spatial size, explains each with the chain of sizes from the input, offers fixes it
has re-traced, and lists per spatial axis the input sizes the model accepts. torch and onnx are imported only
when a model of theirs is given.

``tconv.doctor`` is this package *and* the function, as ``tconv.explain`` is (a callable module): calling it calls
:func:`tconv.doctor.core.doctor`, and ``tconv.doctor.writers`` still reaches the writers.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from . import writers
from .core import doctor
from .model import AxisSizes, Diagnosis, Fix, Layer, Problem

__all__ = ["AxisSizes", "Diagnosis", "Fix", "Layer", "Problem", "doctor", "writers"]


class _CallableModule(types.ModuleType):
    """This package's class: a module that, called, diagnoses."""

    def __call__(self, *args: Any, **kwargs: Any) -> Diagnosis:
        return doctor(*args, **kwargs)


#: inspect.signature(tconv.doctor) and help() follow this to the function's own signature.
__wrapped__ = doctor
sys.modules[__name__].__class__ = _CallableModule
