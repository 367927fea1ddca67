"""The suite's layers: the seven the targets are judged on and two more, with their arrays and torch's function."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..params import ConvTransposePlan, plan_conv_transpose

__all__ = ["LAYERS", "Layer", "arrays", "torch_fn"]


@dataclass(frozen=True)
class Layer:
    """One benchmarked layer: float32, square kernel, the same stride, padding and dilation on every axis.

    >>> layer = Layer("tiny", 2, 4, 2, (6, 6), 3, 2, 1)
    >>> layer.plan().output_size, layer.macs
    ((11, 11), 5184)
    """

    name: str
    batch: int
    in_channels: int
    out_channels: int
    size: tuple[int, ...]
    kernel: int
    stride: int
    padding: int = 0
    dilation: int = 1
    groups: int = 1
    named: bool = True  # one of the seven layers the targets are judged on

    def plan(self) -> ConvTransposePlan:
        """The library's plan of this layer (float32, as benchmarked).

        >>> plan = Layer("tiny", 1, 2, 2, (4, 4), 3, 2).plan()
        >>> plan.output_size, plan.dtype
        ((9, 9), 'float32')
        """
        nd = len(self.size)
        weight = (self.in_channels, self.out_channels // self.groups, *(self.kernel,) * nd)
        return plan_conv_transpose((self.batch, self.in_channels, *self.size), weight, None, **self.kwargs(),
                                   dtype="float32")

    @property
    def macs(self) -> int:
        """Useful multiply-adds, the plan's own count (one formula for GFLOP/s everywhere).

        Each of the 16 input cells of each of the 2 input channels meets the 3×3 kernel of 2 output channels:

        >>> Layer("tiny", 1, 2, 2, (4, 4), 3, 2).macs
        576
        """
        return self.plan().macs

    def kwargs(self) -> dict[str, Any]:
        """The keyword arguments of ``conv_transpose`` (and torch's function) for this layer.

        >>> LAYERS[0].kwargs()
        {'stride': 2, 'padding': 1, 'groups': 1, 'dilation': 1}
        """
        return dict(stride=self.stride, padding=self.padding, groups=self.groups, dilation=self.dilation)

    def to_json(self) -> dict[str, Any]:
        """The layer as plain data (:meth:`from_json` reads it back), for a measuring subprocess.

        >>> Layer("tiny", 1, 2, 2, (4, 4), 3, 2).to_json()
        {'name': 'tiny', 'batch': 1, 'in_channels': 2, 'out_channels': 2, 'size': [4, 4], 'kernel': 3, 'stride': 2,
         'padding': 0, 'dilation': 1, 'groups': 1, 'named': True}
        """
        return {**self.__dict__, "size": list(self.size)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Layer:
        """The layer that :meth:`to_json` wrote.

        >>> Layer.from_json(LAYERS[5].to_json()) == LAYERS[5]
        True
        """
        return cls(**{**data, "size": tuple(data["size"])})


LAYERS = [
    Layer("DCGAN 512→256 8² k4 s2 p1 N16", 16, 512, 256, (8, 8), 4, 2, 1),
    Layer("DCGAN 128→64 32² k4 s2 p1 N16", 16, 128, 64, (32, 32), 4, 2, 1),
    Layer("DCGAN 64→3 64² k4 s2 p1 N16", 16, 64, 3, (64, 64), 4, 2, 1),
    Layer("U-Net 256→128 64² k2 s2 N4", 4, 256, 128, (64, 64), 2, 2, 0),
    Layer("stride-1 64→64 56² k3 s1 p1 N8", 8, 64, 64, (56, 56), 3, 1, 1),
    Layer("3D 32→16 16³ k2 s2 N2", 2, 32, 16, (16, 16, 16), 2, 2, 0),
    Layer("1D vocoder 256→128 L256 k16 s8 p4 N4", 4, 256, 128, (256,), 16, 8, 4),
    Layer("grouped 128→128 g8 32² k4 s2 p1 N8", 8, 128, 128, (32, 32), 4, 2, 1, groups=8, named=False),
    Layer("dilated 64→64 32² k3 s1 d2 p2 N8", 8, 64, 64, (32, 32), 3, 1, 2, dilation=2, named=False),
]


def arrays(layer: Layer, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The layer's float32 input and weight, drawn from ``seed`` (the weight scaled to keep outputs near 1).

    >>> x, w = arrays(LAYERS[5])
    >>> x.shape, w.shape, x.dtype
    ((2, 32, 16, 16, 16), (32, 16, 2, 2, 2), dtype('float32'))
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((layer.batch, layer.in_channels, *layer.size)).astype(np.float32)
    w = (
        rng.standard_normal((layer.in_channels, layer.out_channels // layer.groups, *(layer.kernel,) * len(layer.size)))
        / math.sqrt(layer.in_channels * layer.kernel ** len(layer.size))
    ).astype(np.float32)
    return x, w


def torch_fn(layer: Layer) -> Callable[..., Any]:
    """torch's ``conv_transpose1d``/``2d``/``3d`` for the layer's rank (torch is imported here).

    >>> import torch
    >>> layer = Layer("tiny 1D", 1, 2, 3, (5,), 4, 2, 1)
    >>> x, w = arrays(layer)
    >>> torch_fn(layer)(torch.from_numpy(x), torch.from_numpy(w), None, **layer.kwargs()).shape
    torch.Size([1, 3, 10])
    """
    import torch

    functions: dict[int, Callable[..., Any]] = {
        1: torch.nn.functional.conv_transpose1d,
        2: torch.nn.functional.conv_transpose2d,
        3: torch.nn.functional.conv_transpose3d,
    }
    return functions[len(layer.size)]
