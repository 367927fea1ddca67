"""The model doctor: why a model's skip connections do not fit at an input size, and how to fix it.

``doctor(model, input_shape)`` traces a torch module (meta device) or an ONNX model (shape inference), finds every
join whose operands differ in spatial size, explains each with the chain of sizes from the input, offers fixes it
has re-traced, and lists per spatial axis the input sizes the model accepts. torch and onnx are imported only
when a model of theirs is given.

``tconv.doctor`` is the function (:func:`tconv.doctor.core.doctor`); this package holds it and its parts, reached
with ``from tconv.doctor import writers, Diagnosis``. (``import tconv.doctor.writers as w`` does not reach them:
Python follows that spelling through the attribute ``tconv.doctor``, which is the function.)

>>> from tconv.doctor import Diagnosis, writers
>>> writers.to_dict(Diagnosis((1, 3, 64, 64), (), (), {}, "torch"))["ok"]
True
"""

from __future__ import annotations

from . import writers
from .core import doctor
from .model import AxisSizes, Caution, Diagnosis, Fix, Layer, Problem

__all__ = ["AxisSizes", "Caution", "Diagnosis", "Fix", "Layer", "Problem", "doctor", "writers"]
