"""NaN and Inf land exactly where torch puts them: for scatter, matrix, col2im and auto whatever holds them; for
every engine when only the input does (docs/algorithms.md says why the others differ with a non-finite weight)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tconv
from helpers import Case, torch_conv_transpose
from strategies import valid_cases
from tconv.algorithms import NAN_EXACT

SPECIALS = [np.nan, np.inf, -np.inf]


def _inject(arr: np.ndarray, data: st.DataObject, label: str) -> None:
    flat = arr.reshape(-1)
    cells = data.draw(st.lists(st.integers(0, flat.size - 1), min_size=1, max_size=3), label=label)
    for cell in cells:
        flat[cell] = data.draw(st.sampled_from(SPECIALS), label=f"{label} value")


def _assert_same_nonfinite(actual: np.ndarray, expected: np.ndarray) -> None:
    assert actual.shape == expected.shape
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected))
    np.testing.assert_array_equal(np.isposinf(actual), np.isposinf(expected))
    np.testing.assert_array_equal(np.isneginf(actual), np.isneginf(expected))
    finite = np.isfinite(expected)
    np.testing.assert_allclose(actual[finite], expected[finite], atol=1e-9)


def _check(case: Case, algorithm: str, data: st.DataObject, weight_too: bool) -> None:
    x, w, b = case.arrays()
    _inject(x, data, "input cells")
    if weight_too:
        _inject(w, data, "weight cells")
    try:
        actual = tconv.conv_transpose(x, w, b, **case.kwargs(), algorithm=algorithm)
    except tconv.TconvError as exc:
        assert algorithm in ("implicit", "stacked") and "computes stride 1 only" in str(exc)
        return
    _assert_same_nonfinite(actual, torch_conv_transpose(x, w, b, case))


@pytest.mark.parametrize("algorithm", ["auto", *NAN_EXACT])
@given(case=valid_cases(), data=st.data())
def test_nan_and_inf_in_input_and_weight_land_where_torch_puts_them(algorithm: str, case: Case, data) -> None:
    _check(case, algorithm, data, weight_too=True)


@pytest.mark.parametrize("algorithm", [a for a in tconv.available_algorithms() if a not in NAN_EXACT])
@given(case=valid_cases(), data=st.data())
def test_every_engine_is_nan_exact_with_a_finite_weight(algorithm: str, case: Case, data) -> None:
    _check(case, algorithm, data, weight_too=False)


@pytest.mark.parametrize("algorithm", ["phase", "zero_insert", "implicit", "stacked"])
def test_engines_outside_nan_exact_differ_from_torch_on_a_nan_weight(algorithm: str) -> None:
    """Why they are not in NAN_EXACT (and why auto avoids them for such a weight): the weight meets padding."""
    x, w = np.array([[[1.0, 1.0]]]), np.array([[[np.nan, 1.0]]])
    expected = np.array([[[np.nan, np.nan, 1.0]]])  # torch: the NaN tap reaches o = 0 and 1 only
    case = Case(1, 1, 1, 1, 1, (2,), (2,), (1,), (0,), (0,), (1,), False)
    np.testing.assert_array_equal(torch_conv_transpose(x, w, None, case), expected)
    actual = tconv.conv_transpose(x, w, algorithm=algorithm)
    assert np.isnan(actual[0, 0, 2])  # NaN · (a padding zero) = NaN where torch has 1
    np.testing.assert_array_equal(tconv.conv_transpose(x, w), expected)  # auto: exact
