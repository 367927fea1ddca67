"""Issue 23's numeric findings, each reproduced: complex arrays holding infinities computed as PyTorch computes
them, ±Inf under worker threads silent with warnings as errors, and what the layers take from torch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tconv
from helpers import Case, torch, torch_conv_transpose
from strategies import valid_cases
from tconv.algorithms import NAN_EXACT
from test_memory import SLACK, traced_peak

ALGORITHMS = ["auto", *tconv.available_algorithms()]
COMPLEX_SPECIALS = [complex(np.inf, 0), complex(-np.inf, 0), complex(0, np.inf), complex(np.inf, -np.inf),
                    complex(np.nan, 0), complex(0, np.nan), complex(1, np.inf)]


def _same_as_torch(actual: np.ndarray, expected: np.ndarray) -> None:
    assert actual.shape == expected.shape and actual.dtype == expected.dtype
    for part in ("real", "imag"):
        a, e = getattr(actual, part), getattr(expected, part)
        np.testing.assert_array_equal(np.isnan(a), np.isnan(e), err_msg=f"NaN in the {part} part")
        np.testing.assert_array_equal(np.isposinf(a), np.isposinf(e), err_msg=f"+Inf in the {part} part")
        np.testing.assert_array_equal(np.isneginf(a), np.isneginf(e), err_msg=f"-Inf in the {part} part")
        finite = np.isfinite(e)
        np.testing.assert_allclose(a[finite], e[finite], atol=1e-9)


REPRODUCERS = {  # issue 23's cases: (input, weight, bias) and torch's answer
    "inf-weight": ((1 + 0j, 2 + 0j), np.inf + 0j, None, complex(np.nan, np.nan)),
    "inf-bias": ((1 + 0j, 2 + 0j), 1 + 0j, np.inf + 0j, complex(np.nan, np.nan)),
    "inf-input": ((np.inf + 0j, 2 + 0j), 1 + 0j, None, complex(np.nan, np.nan)),
}


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("case", REPRODUCERS, ids=str)
def test_complex_infinities_give_what_torch_gives(case: str, algorithm: str) -> None:
    xs, wv, bv, first = REPRODUCERS[case]
    x, w = np.array([[xs]]), np.array([[[wv]]])
    b = None if bv is None else np.array([bv])
    expected = torch.nn.functional.conv_transpose1d(
        torch.from_numpy(x), torch.from_numpy(w), None if b is None else torch.from_numpy(b)).numpy()
    assert np.isnan(expected[0, 0, 0].real) and np.isnan(expected[0, 0, 0].imag) and np.isnan(first)
    _same_as_torch(tconv.conv_transpose(x, w, b, algorithm=algorithm), expected)


def _inject(arr: np.ndarray, data: st.DataObject, label: str) -> None:
    flat = arr.reshape(-1)
    for cell in data.draw(st.lists(st.integers(0, flat.size - 1), min_size=1, max_size=3), label=label):
        flat[cell] = data.draw(st.sampled_from(COMPLEX_SPECIALS), label=f"{label} value")


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@settings(max_examples=40)
@given(case=valid_cases(dtypes=(np.complex128,)), data=st.data())
def test_complex_infinities_land_where_torch_puts_them(algorithm: str, case: Case, data: st.DataObject) -> None:
    """The class of complex infinities: in the input always, in the weight and bias where the engine is NaN-exact
    (the others meet padding with the weight, as for real arrays: docs/algorithms.md)."""
    x, w, b = case.arrays()
    _inject(x, data, "input cells")
    if algorithm in ("auto", *NAN_EXACT):
        _inject(w, data, "weight cells")
        if b is not None:
            _inject(b, data, "bias cells")
    try:
        actual = tconv.conv_transpose(x, w, b, **case.kwargs(), algorithm=algorithm)
    except tconv.TconvError as exc:
        assert algorithm in ("implicit", "stacked") and "computes stride 1 only" in str(exc)
        return
    _same_as_torch(actual, torch_conv_transpose(x, w, b, case))


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_complex_infinities_stay_within_the_memory_checked(dtype: type) -> None:
    x = np.ones((4, 8, 20, 20), dtype)
    x[0, 0, 0, 0] = np.inf
    w = np.ones((8, 4, 3, 3), dtype)
    recipe = tconv.plan(x.shape, w.shape, stride=2, dtype=dtype)
    need = recipe.memory_need(x, w)
    assert need > recipe.memory_need(np.ones_like(x), w)  # the three real convolutions are counted
    recipe(x, w)
    with tconv.options(memory_budget=need):
        y, peak = traced_peak(lambda: recipe(x, w))
    assert np.isnan(y[0, 0, 0, 0]) and peak <= need + SLACK


def _signed_infinities(batch: int) -> np.ndarray:
    x = np.random.default_rng(0).standard_normal((batch, 2, 32, 32))
    x[..., 0, 0], x[..., 0, 1] = np.inf, -np.inf
    return x


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@given(stride=st.integers(1, 2), kernel=st.integers(1, 4), dtype=st.sampled_from([np.float32, np.float64]))
@settings(max_examples=6, deadline=None)
def test_signed_infinities_under_threads_raise_no_warning(algorithm: str, stride: int, kernel: int,
                                                          dtype: type) -> None:
    """NumPy's errstate lives in a context variable: the chunks' worker threads run in a copy of the caller's
    context, so the call's errstate holds there too (pytest turns a warning into an error)."""
    x = _signed_infinities(64).astype(dtype)
    w = np.random.default_rng(1).standard_normal((2, 3, kernel, kernel)).astype(dtype)  # mixed signs: Inf − Inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with tconv.options(threads=2, chunk_bytes=1 << 16):
            try:
                y = tconv.conv_transpose(x, w, stride=stride, algorithm=algorithm)
            except tconv.TconvError as exc:
                assert algorithm in ("implicit", "stacked") and "computes stride 1 only" in str(exc)
                return
        np.testing.assert_array_equal(np.isnan(y), np.isnan(tconv.conv_transpose(x, w, stride=stride)))


# ------------------------------------------------------------------------------------------------ layers

@pytest.mark.parametrize("where", ["from_torch", "load_state_dict"])
def test_a_complex_bias_in_a_real_layer_is_refused(where: str) -> None:
    module = torch.nn.ConvTranspose1d(1, 1, 1)
    module.bias.data = torch.tensor([1 + 2j])
    with pytest.raises(RuntimeError):  # torch's forward refuses it
        module(torch.ones(1, 1, 3))
    with pytest.raises(tconv.TconvError, match=r"state_dict\['bias'\] has dtype complex64, which the layer's "
                                               r"dtype float32 cannot hold.*dtype=complex64"):
        if where == "from_torch":
            tconv.ConvTranspose1d.from_torch(module)
        else:
            tconv.ConvTranspose1d(1, 1, 1).load_state_dict(module.state_dict())


@pytest.mark.parametrize("state", [1.5, None, [1, 2], np.ones(3), "weight"], ids=repr)
def test_load_state_dict_needs_a_mapping(state: object) -> None:
    with pytest.raises(tconv.TconvError, match="load_state_dict needs a mapping with keys 'weight' and 'bias'"):
        tconv.ConvTranspose1d(1, 1, 1).load_state_dict(state)  # type: ignore[arg-type]


@pytest.mark.parametrize("shape", ["SAME", None, 1.5], ids=repr)
def test_output_shape_names_the_input_shape(shape: object) -> None:
    with pytest.raises(tconv.TconvError, match="input shape must be a sequence"):
        tconv.ConvTranspose1d(1, 1, 1).output_shape(shape)  # type: ignore[arg-type]


RUNNABLE = {  # modules torch builds and runs on some calls: (kwargs, the input shape, output_size)
    "output_padding-ignored-by-output_size": (dict(stride=2, output_padding=5), (1, 1, 3), [6]),
    "output_padding-empty-batch": (dict(stride=2, output_padding=5), (0, 1, 3), None),
    "dilation-0-empty-batch": (dict(dilation=0), (0, 1, 3), None),
}


@pytest.mark.parametrize("name", RUNNABLE, ids=str)
def test_from_torch_takes_modules_torch_runs(name: str) -> None:
    kw, shape, output_size = RUNNABLE[name]
    module = torch.nn.ConvTranspose1d(1, 1, 1, **kw)
    layer = tconv.ConvTranspose1d.from_torch(module)
    assert repr(layer) == repr(module)
    x = np.ones(shape, np.float32)
    with torch.no_grad():
        expected = module(torch.from_numpy(x), output_size=output_size).numpy()
    np.testing.assert_allclose(layer(x, output_size=output_size), expected, atol=1e-6)


@pytest.mark.parametrize("kw,words", [(dict(stride=2, output_padding=5), "output_padding 5 on axis 0"),
                                      (dict(dilation=0), "dilation 0 on axis 0 must be at least 1")], ids=str)
def test_layers_refuse_at_call_time_what_torch_refuses_there(kw: dict, words: str) -> None:
    module = torch.nn.ConvTranspose1d(1, 1, 1, **kw)
    with pytest.raises(RuntimeError):
        module(torch.ones(1, 1, 3))
    layer = tconv.ConvTranspose1d(1, 1, 1, **kw)
    with pytest.raises(tconv.TconvError, match=words):
        layer(np.ones((1, 1, 3), np.float32))
    with pytest.raises(tconv.TconvError, match=words):
        layer.output_shape((1, 1, 3))
