"""Shared oracles: torch 2.13.0 CPU is the reference for every value and every refusal."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

torch.set_num_threads(2)

TORCH_TRANSPOSED = {
    1: torch.nn.functional.conv_transpose1d,
    2: torch.nn.functional.conv_transpose2d,
    3: torch.nn.functional.conv_transpose3d,
}
TORCH_CONV = {1: torch.nn.functional.conv1d, 2: torch.nn.functional.conv2d, 3: torch.nn.functional.conv3d}
TORCH_MODULE = {1: torch.nn.ConvTranspose1d, 2: torch.nn.ConvTranspose2d, 3: torch.nn.ConvTranspose3d}

# Absolute tolerance per dtype, scaled by the number of terms summed (values are O(1)).
TOLERANCE = {np.float64: 1e-10, np.float32: 2e-5, np.float16: 2e-2, np.complex128: 1e-10, np.int64: 0}


@dataclass(frozen=True)
class Case:
    """One transposed-convolution configuration (PyTorch's parameter names)."""

    nd: int
    batch: int | None  # None: unbatched
    groups: int
    in_per_group: int
    out_per_group: int
    input_size: tuple[int, ...]
    kernel_size: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    output_padding: tuple[int, ...]
    dilation: tuple[int, ...]
    bias: bool
    dtype: type = np.float64

    def arrays(self, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        rng = np.random.default_rng(seed)
        cin = self.groups * self.in_per_group
        lead = (cin,) if self.batch is None else (self.batch, cin)
        if self.dtype == np.int64:
            x = rng.integers(-4, 5, size=lead + self.input_size)
            w = rng.integers(-3, 4, size=(cin, self.out_per_group) + self.kernel_size)
            b = rng.integers(-5, 6, size=self.groups * self.out_per_group) if self.bias else None
            return x, w, b
        x = rng.standard_normal(lead + self.input_size).astype(self.dtype)
        w = rng.standard_normal((cin, self.out_per_group) + self.kernel_size).astype(self.dtype)
        b = rng.standard_normal(self.groups * self.out_per_group).astype(self.dtype) if self.bias else None
        return x, w, b

    def kwargs(self) -> dict[str, object]:
        return dict(
            stride=self.stride,
            padding=self.padding,
            output_padding=self.output_padding,
            groups=self.groups,
            dilation=self.dilation,
        )


def torch_conv_transpose(x, w, b, case: Case, output_size=None) -> np.ndarray:
    """The oracle: torch's module when output_size is given (only the module takes it), else functional."""
    tx, tw = torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(np.ascontiguousarray(w))
    tb = None if b is None else torch.from_numpy(np.ascontiguousarray(b))
    if output_size is None:
        return TORCH_TRANSPOSED[case.nd](tx, tw, tb, **case.kwargs()).numpy()
    m = TORCH_MODULE[case.nd](
        w.shape[0],
        w.shape[1] * case.groups,
        case.kernel_size,
        case.stride,
        case.padding,
        case.output_padding,
        case.groups,
        b is not None,
        case.dilation,
        dtype=tx.dtype,
    )
    with torch.no_grad():
        m.weight.copy_(tw)
        if tb is not None:
            m.bias.copy_(tb)
        return m(tx, output_size=output_size).numpy()


def assert_close(actual: np.ndarray, expected: np.ndarray, case: Case | None = None, dtype=None) -> None:
    """Same shape, same dtype, values within the dtype's tolerance (exact for integers)."""
    dtype = dtype or (case.dtype if case else expected.dtype.type)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    tol = TOLERANCE[np.dtype(dtype).type]
    if tol == 0:
        np.testing.assert_array_equal(actual, expected)
    else:
        scale = 1.0
        if case is not None:
            scale = np.sqrt(case.in_per_group * np.prod(case.kernel_size))
        np.testing.assert_allclose(
            actual.astype(np.float64) if actual.dtype.kind != "c" else actual,
            expected.astype(np.float64) if expected.dtype.kind != "c" else expected,
            rtol=tol * 10,
            atol=tol * scale,
        )
