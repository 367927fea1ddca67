"""JAX ``jax.lax.conv_transpose`` (jax 0.10, notes §4), and conversions.

It is a fractionally strided direct convolution: the input is dilated by ``strides`` and padded by ``padding``
(``'SAME'``, ``'VALID'`` or explicit ``(lo, hi)`` pairs of the *dilated* input), then correlated with ``rhs``.
``transpose_kernel=True`` flips ``rhs`` and swaps its I/O axes first, which is what gradient-derived (PyTorch,
TF) semantics need; Flax's default is ``False``. There are no groups.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._axes import IntOrSeq, as_bool, as_int, as_shape, layer_axes, per_axis, show
from ..dtypes import as_arrays
from ..errors import TconvError
from ..shapes import effective_kernel_size
from .common import PaddingSpec, TorchEquivalent, torch_equivalent

__all__ = ["from_jax", "jax_conv_transpose", "to_jax"]

_DEFAULT = {1: ("NHC", "HIO", "NHC"), 2: ("NHWC", "HWIO", "NHWC"), 3: ("NHWDC", "HWDIO", "NHWDC")}


def _specs(dimension_numbers: Sequence[str] | None, nd: int) -> tuple[str, str, str]:
    ok = dimension_numbers is None or (isinstance(dimension_numbers, list | tuple) and len(dimension_numbers) == 3)
    specs = _DEFAULT[nd] if dimension_numbers is None or not ok else tuple(dimension_numbers)
    if not ok or not all(isinstance(s, str) and len(s) == nd + 2 for s in specs):
        raise TconvError(f"dimension_numbers must be three strings of {nd + 2} letters (lhs, rhs, out), e.g. "
                         f"{_DEFAULT[nd]}, got {show(dimension_numbers)}")
    lhs, rhs, out = specs
    spatial = [c for c in lhs if c not in "NC"]
    if sorted(lhs) != sorted(["N", "C", *spatial]) or sorted(out) != sorted(lhs) or \
            sorted(rhs) != sorted(["O", "I", *spatial]):
        raise TconvError(
            f"dimension_numbers {specs}: lhs and out need N, C and the same spatial letters, rhs needs O, I "
            f"and those spatial letters"
        )
    return lhs, rhs, out


def _pads(padding: PaddingSpec, ek: list[int], s: tuple[int, ...]) -> list[tuple[int, int]]:
    """``lax._conv_transpose_padding``: SAME/VALID as (lo, hi) of the dilated input, or explicit pairs."""
    if isinstance(padding, str):
        if padding not in ("SAME", "VALID"):
            raise TconvError(f"padding {show(padding)} must be 'SAME', 'VALID' or a sequence of (lo, hi) pairs (JAX)")
        out = []
        for k, st in zip(ek, s):
            if padding == "SAME":
                pad_len = k + st - 2
                pad_a = k - 1 if st > k - 1 else math.ceil(pad_len / 2)
            else:
                pad_len = k + st - 2 + max(k - st, 0)
                pad_a = k - 1
            out.append((pad_a, pad_len - pad_a))
        return out
    pairs = list(padding) if isinstance(padding, list | tuple) else []
    if len(pairs) != len(ek) or not all(isinstance(p, list | tuple) and len(p) == 2 for p in pairs):
        raise TconvError(f"padding must be 'SAME', 'VALID' or {len(ek)} (lo, hi) pairs, got {show(padding)}")
    return [(as_int("padding", lo, axis=a), as_int("padding", hi, axis=a)) for a, (lo, hi) in enumerate(pairs)]


def from_jax(
    lhs_shape: Sequence[int],
    rhs_shape: Sequence[int],
    strides: IntOrSeq,
    padding: PaddingSpec,
    rhs_dilation: IntOrSeq | None = None,
    dimension_numbers: Sequence[str] | None = None,
    transpose_kernel: bool = False,
) -> TorchEquivalent:
    """The PyTorch equivalent of ``jax.lax.conv_transpose`` for these shapes.

    >>> eq = from_jax((1, 3, 1), (3, 1, 1), (2,), "SAME")
    >>> eq.crop, eq.output_size, eq.flip_kernel
    (((0, 1),), (6,), True)
    """
    lhs_shape, rhs_shape = as_shape("lhs_shape", lhs_shape), as_shape("rhs_shape", rhs_shape)
    transpose_kernel = as_bool("transpose_kernel", transpose_kernel)
    nd = len(lhs_shape) - 2
    if nd not in (1, 2, 3) or len(rhs_shape) != nd + 2:
        raise TconvError(f"lhs and rhs must have the same rank, 3 to 5, got {list(lhs_shape)} and {list(rhs_shape)}")
    lhs, rhs, _ = _specs(dimension_numbers, nd)
    letters = [c for c in lhs if c not in "NC"]
    spatial = tuple(lhs_shape[lhs.index(c)] for c in letters)
    kernel = tuple(rhs_shape[rhs.index(c)] for c in letters)
    cin = lhs_shape[lhs.index("C")]
    s = per_axis("strides", strides, nd, minimum=1)
    d = per_axis("rhs_dilation", 1 if rhs_dilation is None else rhs_dilation, nd, minimum=1)
    # which rhs axis holds the transposed convolution's input channels, and which its output channels
    in_ax, out_ax = (rhs.index("O"), rhs.index("I")) if transpose_kernel else (rhs.index("I"), rhs.index("O"))
    if rhs_shape[in_ax] != cin:
        raise TconvError(
            f"lhs has {cin} features but rhs {list(rhs_shape)} ({rhs}, transpose_kernel={transpose_kernel}) "
            f"has {rhs_shape[in_ax]} on its {'O' if transpose_kernel else 'I'} axis; they must match "
            f"(lax.conv_transpose has no feature groups)"
        )
    ek = [effective_kernel_size(k, dd) for dd, k in zip(d, kernel)]
    pads = _pads(padding, ek, s)
    for a, (L, st, (lo, hi)) in enumerate(zip(spatial, s, pads)):
        dilated = (L - 1) * st + 1  # lax.conv_transpose pads the stride-dilated input
        if dilated + lo + hi < 0:
            raise TconvError(f"padding ({lo}, {hi}) on axis {a} removes more than the {dilated} cells of the "
                             f"stride-dilated input (JAX: Negative padding is larger than the size of the "
                             f"corresponding dimension)")
    begin = tuple(k - 1 - lo for k, (lo, _) in zip(ek, pads))
    end = tuple(k - 1 - hi for k, (_, hi) in zip(ek, pads))
    perm = (in_ax, out_ax, *(rhs.index(c) for c in letters))
    return torch_equivalent(
        "JAX",
        begin,
        end,
        input_size=spatial,
        kernel_size=kernel,
        stride=s,
        dilation=d,
        in_channels=cin,
        out_channels=rhs_shape[out_ax],
        groups=1,
        weight_permutation=perm,
        flip_kernel=not transpose_kernel,
        channels_last=lhs.index("C") == nd + 1,
        allow_empty=True,
    )


def jax_conv_transpose(
    lhs: ArrayLike,
    rhs: ArrayLike,
    strides: IntOrSeq,
    padding: PaddingSpec,
    rhs_dilation: IntOrSeq | None = None,
    dimension_numbers: Sequence[str] | None = None,
    transpose_kernel: bool = False,
) -> np.ndarray:
    """``jax.lax.conv_transpose``, including explicit ``(lo, hi)`` padding; default layout NHWC / HWIO.

    >>> x = np.array([1.0, 2.0, 3.0]).reshape(1, 3, 1)
    >>> jax_conv_transpose(x, np.ones((3, 1, 1)), (2,), "SAME")[0, :, 0].tolist()
    [1.0, 1.0, 3.0, 2.0, 5.0, 3.0]
    """
    x, w, _ = as_arrays(lhs, rhs)
    eq = from_jax(x.shape, w.shape, strides, padding, rhs_dilation, dimension_numbers, transpose_kernel)
    nd = x.ndim - 2
    lhs_spec, _, out_spec = _specs(dimension_numbers, nd)
    letters = [c for c in lhs_spec if c not in "NC"]
    order = [lhs_spec.index(c) for c in ("N", "C", *letters)]  # lhs -> (N, C, *spatial)
    y = eq.apply(np.transpose(x, order), eq.torch_weight(w))
    back = [("N", "C", *letters).index(c) for c in out_spec]  # (N, C, *spatial) -> out layout
    return np.transpose(y, back)


def to_jax(
    kernel_size: IntOrSeq,
    stride: IntOrSeq = 1,
    padding: IntOrSeq = 0,
    output_padding: IntOrSeq = 0,
    dilation: IntOrSeq = 1,
    groups: int = 1,
) -> dict[str, Any]:
    """``jax.lax.conv_transpose`` arguments for a PyTorch layer; pass PyTorch's weight unchanged as ``rhs``.

    >>> to_jax(3, stride=2, padding=1, output_padding=1)["padding"]
    [(1, 2)]
    """
    if as_int("groups", groups, minimum=1) != 1:
        raise TconvError(
            f"groups {groups}: jax.lax.conv_transpose has no feature groups; use lax.conv_general_dilated "
            f"with lhs_dilation=stride, feature_group_count={groups} and the flipped, per-group "
            f"I/O-swapped weight"
        )
    nd, k, s, p, op, d = layer_axes(kernel_size, stride, padding, output_padding, dilation)
    ek = [effective_kernel_size(kk, dd) for dd, kk in zip(d, k)]
    spec = {1: ("NCH", "OIH", "NCH"), 2: ("NCHW", "OIHW", "NCHW"), 3: ("NCDHW", "OIDHW", "NCDHW")}[nd]
    return {
        "strides": list(s),
        "padding": [(e - 1 - pp, e - 1 - pp + o) for e, pp, o in zip(ek, p, op)],
        "rhs_dilation": list(d),
        "dimension_numbers": spec,
        "transpose_kernel": True,
    }
