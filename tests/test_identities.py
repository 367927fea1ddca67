"""Identities that pin down what a transposed convolution is: adjoint, gradient, zero insertion, window."""

from __future__ import annotations

import numpy as np
from hypothesis import given

import tconv
from helpers import TORCH_CONV, Case, assert_close, torch
from strategies import valid_cases


def _conv_of_output(z: np.ndarray, w: np.ndarray, case: Case) -> np.ndarray:
    """The paired convolution C(z): the transposed weight (in, out/g, k) used as a conv weight (C_out=in, ...)."""
    return tconv.conv(z, w, stride=case.stride, padding=case.padding, dilation=case.dilation, groups=case.groups)


@given(case=valid_cases(unbatched=False))
def test_adjoint_of_convolution(case: Case) -> None:
    """⟨C(z), x⟩ = ⟨z, T(x)⟩ for every z of T's output shape (semantics notes §6.1)."""
    x, w, _ = case.arrays(1)
    y = tconv.conv_transpose(x, w, **case.kwargs())
    z = np.random.default_rng(2).standard_normal(y.shape)
    cz = _conv_of_output(z, w, case)
    # When s ≤ op < d, C(z) is longer than x by ⌊op/s⌋ per axis: compare on x's extent.
    cz = cz[(Ellipsis, *(slice(0, L) for L in case.input_size))]
    assert cz.shape == x.shape
    lhs, rhs = np.vdot(cz, x), np.vdot(z, y)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-9, atol=1e-9)


@given(case=valid_cases(unbatched=False))
def test_equals_autograd_gradient_of_conv(case: Case) -> None:
    """T(x) = ∂⟨C(z), x⟩/∂z, computed by torch.autograd through torch's own conv (notes §6.2)."""
    x, w, _ = case.arrays(3)
    y = tconv.conv_transpose(x, w, **case.kwargs())
    z = torch.zeros(y.shape, dtype=torch.float64, requires_grad=True)
    cz = TORCH_CONV[case.nd](z, torch.from_numpy(w), None, case.stride, case.padding, case.dilation, case.groups)
    grad_out = np.zeros(cz.shape)
    grad_out[tuple(slice(0, n) for n in x.shape)] = x  # x's extent; the rest (op ≥ s case) gets zero weight
    (grad,) = torch.autograd.grad(cz, z, grad_outputs=torch.from_numpy(grad_out))
    np.testing.assert_allclose(y, grad.numpy(), atol=1e-9)


@given(case=valid_cases())
def test_window_of_the_full_output(case: Case) -> None:
    """T_{p,op}(x) = full[p : F − p + op] with zero extension past F, bias added after (notes §6.4)."""
    x, w, b = case.arrays(4)
    full_case = Case(case.nd, case.batch, case.groups, case.in_per_group, case.out_per_group, case.input_size,
                     case.kernel_size, case.stride, (0,) * case.nd, (0,) * case.nd, case.dilation, False)
    full = tconv.conv_transpose(x, w, **full_case.kwargs())
    ext_shape = full.shape[: full.ndim - case.nd] + tuple(
        F + op for F, op in zip(full.shape[-case.nd:], case.output_padding)
    )
    ext = np.zeros(ext_shape)
    ext[tuple(slice(0, n) for n in full.shape)] = full
    window = tuple(slice(p, F - p + op) for p, F, op in zip(case.padding, full.shape[-case.nd:], case.output_padding))
    expected = ext[(Ellipsis, *window)]
    if b is not None:
        expected = expected + b.reshape((-1,) + (1,) * case.nd)
    assert_close(tconv.conv_transpose(x, w, b, **case.kwargs()), expected, case)


@given(case=valid_cases(unbatched=False))
def test_groups_are_block_diagonal(case: Case) -> None:
    """With groups, T is the concatenation of per-group transposed convolutions (notes §6.5)."""
    x, w, b = case.arrays(5)
    y = tconv.conv_transpose(x, w, b, **case.kwargs())
    cg, mg = case.in_per_group, case.out_per_group
    parts = [
        tconv.conv_transpose(
            x[:, g * cg:(g + 1) * cg], w[g * cg:(g + 1) * cg], None if b is None else b[g * mg:(g + 1) * mg],
            case.stride, case.padding, case.output_padding, 1, case.dilation,
        )
        for g in range(case.groups)
    ]
    assert_close(y, np.concatenate(parts, axis=1), case)


@given(case=valid_cases(unbatched=False))
def test_linear_in_input_and_bias_everywhere(case: Case) -> None:
    x, w, _ = case.arrays(6)
    x2 = np.random.default_rng(7).standard_normal(x.shape)
    t = lambda a, b=None: tconv.conv_transpose(a, w, b, **case.kwargs())  # noqa: E731
    assert_close(t(2.0 * x - 3.0 * x2), 2.0 * t(x) - 3.0 * t(x2), case)
    bias = np.arange(w.shape[1] * case.groups, dtype=float)
    assert_close(
        t(x, bias) - t(x),
        np.broadcast_to(bias.reshape((-1,) + (1,) * case.nd), t(x).shape[1:])[None].repeat(x.shape[0], 0),
        case,
    )
