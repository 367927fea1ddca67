"""``tconv.plan``: one cached recipe per layer, applied to arrays, equal to torch and to ``conv_transpose``."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import tconv
from helpers import Case, assert_close, torch_conv_transpose
from strategies import any_cases, valid_cases


@settings(max_examples=150, deadline=None)
@given(case=valid_cases(dtypes=(np.float64, np.float32)),
       algorithm=st.sampled_from(["auto", *tconv.available_algorithms()]))
def test_a_recipe_computes_what_torch_computes(case: Case, algorithm: str) -> None:
    if algorithm in ("implicit", "stacked"):  # they compute stride 1 only (and say so): give them stride-1 layers
        case = dataclasses.replace(case, stride=(1,) * case.nd, output_padding=tuple(
            min(op, d - 1) for op, d in zip(case.output_padding, case.dilation)))
        case = dataclasses.replace(case, padding=tuple(
            min(p, (L - 1 + d * (k - 1) + op) // 2) for p, L, k, d, op in
            zip(case.padding, case.input_size, case.kernel_size, case.dilation, case.output_padding)))
    x, w, b = case.arrays()
    recipe = tconv.plan(x.shape, w.shape, None if b is None else b.shape, **case.kwargs(),
                        dtype=x.dtype, algorithm=algorithm)
    y = recipe(x, w, b)
    assert recipe.output_shape == y.shape
    assert_close(y, torch_conv_transpose(x, w, b, case), case)
    np.testing.assert_array_equal(y, tconv.conv_transpose(x, w, b, **case.kwargs(), algorithm=algorithm))


@settings(max_examples=300, deadline=None)
@given(params=any_cases())
def test_plan_refuses_exactly_what_conv_transpose_refuses(params: dict) -> None:
    """The same validator: planning from shapes and computing on arrays accept and refuse the same layers,
    with the same message."""
    shapes = dict(stride=params["stride"], padding=params["padding"], output_padding=params["output_padding"],
                  groups=params["groups"], dilation=params["dilation"])
    x, w = np.ones(params["x_shape"]), np.ones(params["w_shape"])
    b = None if params["b_shape"] is None else np.ones(params["b_shape"])
    try:
        expected = tconv.conv_transpose(x, w, b, **shapes)
    except tconv.TconvError as exc:
        with pytest.raises(tconv.TconvError) as planned:
            tconv.plan(x.shape, w.shape, None if b is None else b.shape, **shapes, dtype=x.dtype)(x, w, b)
        assert str(planned.value) == str(exc)
        return
    recipe = tconv.plan(x.shape, w.shape, None if b is None else b.shape, **shapes, dtype=x.dtype)
    np.testing.assert_array_equal(recipe(x, w, b), expected)


def test_the_same_layer_gets_the_same_recipe() -> None:
    first = tconv.plan((2, 8, 9, 9), (8, 4, 3, 3), (4,), stride=2, padding=1)
    assert tconv.plan((2, 8, 9, 9), (8, 4, 3, 3), (4,), stride=2, padding=1) is first
    assert tconv.plan((2, 8, 9, 9), (8, 4, 3, 3), (4,), stride=2, padding=0) is not first
    assert tconv.plan((2, 8, 9, 9), (8, 4, 3, 3), (4,), stride=2, padding=1, dtype=np.float64) is not first


@pytest.mark.parametrize("bad", [2.0, True, np.float64(2.0), "2"], ids=["float", "bool", "numpy-float", "text"])
def test_a_cached_plan_never_lets_a_refused_value_through(bad: object) -> None:
    """2.0 == 2 and True == 1 hash alike: a recipe cached for stride=2 must not answer stride=2.0."""
    tconv.plan((1, 1, 4), (1, 1, 3), stride=2)
    tconv.plan((1, 1, 4), (1, 1, 3), stride=1)
    with pytest.raises(tconv.TconvError, match="stride"):
        tconv.plan((1, 1, 4), (1, 1, 3), stride=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "b_shape", "dtype", "named"),
    [((1, 4, 6, 6), (4, 2, 3, 3), None, np.float32, "input shape [1, 4, 6, 6] (planned [1, 4, 5, 5])"),
     ((1, 4, 5, 5), (4, 3, 3, 3), None, np.float32, "weight shape [4, 3, 3, 3] (planned [4, 2, 3, 3])"),
     ((1, 4, 5, 5), (4, 2, 3, 3), (2,), np.float32, "bias shape [2] (planned None)"),
     ((1, 4, 5, 5), (4, 2, 3, 3), None, np.float64, "dtype float64 (planned float32)")],
    ids=["input", "weight", "bias", "dtype"])
def test_a_recipe_refuses_arrays_it_was_not_planned_for(x_shape, w_shape, b_shape, dtype, named) -> None:
    recipe = tconv.plan((1, 4, 5, 5), (4, 2, 3, 3), stride=2)
    b = None if b_shape is None else np.ones(b_shape, dtype)
    with pytest.raises(tconv.TconvError, match=r"planned for other arrays") as info:
        recipe(np.ones(x_shape, dtype), np.ones(w_shape, dtype), b)
    assert named in str(info.value)


def test_a_recipe_sends_a_non_finite_weight_to_a_nan_exact_engine() -> None:
    """auto's pick for a U-Net layer (phase) multiplies padding by the weight; a NaN weight goes to col2im, so
    NaN lands where torch puts it."""
    x = np.ones((1, 4, 32, 32), np.float32)
    w = np.ones((4, 4, 2, 2), np.float32)
    w[0, 0, 1, 1] = np.nan
    recipe = tconv.plan(x.shape, w.shape, stride=2, padding=1)
    assert recipe.engines == ("phase", "col2im")  # 16,384 outputs: too few for fused (FUSED_MIN_OUTPUT)
    expected = torch.nn.functional.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w), stride=2,
                                                    padding=1).numpy()
    np.testing.assert_array_equal(np.isnan(recipe(x, w)), np.isnan(expected))
    np.testing.assert_array_equal(np.nan_to_num(recipe(x, w)), np.nan_to_num(expected))


def test_a_recipe_checks_the_memory_budget_on_every_call() -> None:
    recipe = tconv.plan((4, 16, 64, 64), (16, 16, 4, 4), stride=2, padding=1)
    x, w = np.ones((4, 16, 64, 64), np.float32), np.ones((16, 16, 4, 4), np.float32)
    need = recipe.memory_need(x, w)
    assert need >= 4 * 16 * 128 * 128 * 4  # the result alone
    with tconv.options(memory_budget=need - 1), pytest.raises(tconv.TconvError, match="memory"):
        recipe(x, w)
    with tconv.options(memory_budget=need):
        assert recipe(x, w).shape == (4, 16, 128, 128)


def test_a_layer_keeps_one_recipe_per_input_shape_and_follows_its_configuration() -> None:
    layer = tconv.ConvTranspose2d(4, 2, 3, stride=2, padding=1, rng=0)
    small, large = np.ones((1, 4, 5, 5), np.float32), np.ones((3, 4, 7, 7), np.float32)
    first = layer.recipe(small.shape)
    assert layer(small).shape == (1, 2, 9, 9)
    assert layer(large).shape == (3, 2, 13, 13)
    assert layer.recipe(small.shape) is first and layer.recipe(large.shape) is not first
    assert layer.recipe(small.shape, output_size=(10, 10)).output_shape == (1, 2, 10, 10)
    layer.stride = (1, 1)  # a changed configuration plans again instead of reusing a stale recipe
    assert layer(small).shape == (1, 2, 5, 5)
    m = torch.nn.ConvTranspose2d(4, 2, 3, stride=1, padding=1)
    with torch.no_grad():
        m.weight.copy_(torch.from_numpy(layer.weight))
        m.bias.copy_(torch.from_numpy(layer.bias))
        assert_close(layer(large), m(torch.from_numpy(large)).numpy(), dtype=np.float32)


def test_a_layer_keeps_a_bounded_number_of_recipes() -> None:
    layer = tconv.ConvTranspose1d(1, 1, 2, rng=0)
    for size in range(1, 3 * layer.MAX_RECIPES):
        assert layer(np.ones((1, 1, size), np.float32)).shape == (1, 1, size + 1)
    assert len(layer._recipes) == layer.MAX_RECIPES


def test_plain_data_beyond_the_arrays_dtype_becomes_inf_silently_as_in_torch() -> None:
    """A list paired with a float16 array takes float16; 1e6 is beyond it: inf, as torch.tensor(..., float16)
    makes it, and no RuntimeWarning (warnings are errors in this suite)."""
    x = np.ones((1, 1, 2), np.float16)
    expected = torch.nn.functional.conv_transpose1d(torch.from_numpy(x),
                                                    torch.tensor([[[1e6, 2.0]]], dtype=torch.float16)).numpy()
    np.testing.assert_array_equal(tconv.conv_transpose(x, [[[1e6, 2.0]]]), expected)


def test_a_layer_called_again_validates_nothing_again() -> None:
    """The cache of validated plans answers a repeated call with plain ints: plan_conv_transpose runs once."""
    from tconv import recipe

    recipe._validated.cache_clear()
    x, w = np.ones((2, 3, 7, 7), np.float32), np.ones((3, 5, 3, 3), np.float32)
    first = tconv.conv_transpose(x, w, stride=2, padding=(1, 1))
    for _ in range(3):
        np.testing.assert_array_equal(tconv.conv_transpose(x, w, stride=2, padding=(1, 1)), first)
    info = recipe._validated.cache_info()
    assert (info.misses, info.hits) == (1, 3)


def test_a_layer_with_recipes_pickles_and_copies_without_them() -> None:
    import copy
    import pickle

    layer = tconv.ConvTranspose2d(4, 3, 3, stride=2, rng=0)
    x = np.arange(2 * 4 * 6 * 6, dtype=np.float32).reshape(2, 4, 6, 6)
    y = layer(x)
    for clone in (pickle.loads(pickle.dumps(layer)), copy.deepcopy(layer)):
        assert clone._recipes == {} and clone is not layer
        np.testing.assert_array_equal(clone(x), y)
        np.testing.assert_array_equal(clone.weight, layer.weight)


@pytest.mark.parametrize(("args", "kwargs", "message"), [
    (((1.0, 2, 3, 3), (2, 3, 3, 3)), {}, "input shape on axis 0 must be an integer, got 1.0"),
    (((np.float64(1), 2, 3, 3), (2, 3, 3, 3)), {}, "input shape on axis 0 must be an integer"),
    (((1, 2.0, 3, 3), (2, 3.0, 3, 3)), {}, "input shape on axis 1 must be an integer, got 2.0"),
    (((-1, 2, 3, 3), (2, 3, 3, 3)), {}, "input shape -1 on axis 0 must be at least 0"),
    (((1, 2, 3, 3), (2, True, 3, 3)), {}, "weight shape on axis 1 must be an integer, got True"),
    (((1, 2, 3, 3), (2, 3, 3, 3), (3.0,)), {}, "bias shape on axis 0 must be an integer, got 3.0"),
    (((1, 2, 3, 3), (2, 3, 3, 3), 3), {}, "bias shape must be a sequence of at most 8 integers"),
    ((3, 3), {}, "input shape must be a sequence of at most 8 integers (a shape), got 3 (int)"),
    (("1233", "2333"), {}, "input shape must be a sequence of at most 8 integers (a shape), got '1233'"),
    ((np.ones((1, 2, 3, 3)), np.ones((2, 3, 3, 3))), {}, "input shape must be a shape, got an array of shape"),
    (((1, 2, 3, 3), (2, 3, 3, 3)), {"nd": "2"}, "nd must be an integer, got '2'"),
    (((1, 2, 3, 3), (2, 3, 3, 3)), {"dtype": None}, "dtype None is not a NumPy dtype"),
    (((1, 2, 3, 3), (2, 3, 3, 3)), {"dtype": "int8"}, "dtype int8 is not supported: use one of float16"),
    (((1, 2, 3, 3), (2, 3, 3, 3)), {"dtype": "foo"}, "dtype 'foo' is not a NumPy dtype"),
], ids=["float-batch", "numpy-float-batch", "float-channels", "negative-batch", "bool-weight", "float-bias",
        "int-bias", "scalar", "text", "arrays", "text-nd", "no-dtype", "int8", "unknown-dtype"])
def test_plan_refuses_what_is_no_shape_or_dtype(args, kwargs, message) -> None:
    with pytest.raises(tconv.TconvError) as info:
        tconv.plan(*args, **kwargs)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_a_refused_shape_leaves_the_layer_of_the_same_sizes_working() -> None:
    """A float batch equals 1 and hashes like it: had it been planned, every later call of the layer would have
    received a plan whose batch is the float 1.0."""
    x, w = np.ones((1, 2, 3, 3), np.float32), np.ones((2, 3, 3, 3), np.float32)
    with pytest.raises(tconv.TconvError):
        tconv.plan((1.0, 2, 3, 3), w.shape)
    assert tconv.plan((1, 2, 3, 3), w.shape).output_shape == (1, 3, 5, 5)
    assert tconv.conv_transpose(x, w).shape == (1, 3, 5, 5)


def test_a_recipe_pickles_as_its_plan_and_comes_back_the_same() -> None:
    import pickle

    recipe = tconv.plan((1, 2, 3, 3), (2, 3, 3, 3), (3,), stride=2)
    again = pickle.loads(pickle.dumps(recipe))
    assert again is recipe  # the cache hands back the one recipe of this layer
    x, w, b = np.ones((1, 2, 3, 3), np.float32), np.ones((2, 3, 3, 3), np.float32), np.zeros(3, np.float32)
    np.testing.assert_array_equal(again(x, w, b), recipe.apply(x, w, b))
    unbiased = tconv.plan((1, 2, 3, 3), (2, 3, 3, 3), stride=2)
    np.testing.assert_array_equal(unbiased.apply(x, w), unbiased(x, w))


def test_a_layer_plans_again_when_tuning_is_switched(monkeypatch: pytest.MonkeyPatch) -> None:
    from tconv.algorithms import tune

    asked: list[str] = []
    monkeypatch.setattr(tune, "tuned", lambda plan, rule: asked.append(rule.NAME) or rule)
    layer = tconv.ConvTranspose2d(4, 4, 3, stride=2, rng=0)
    x = np.ones((1, 4, 6, 6), np.float32)
    untuned = layer.recipe(x.shape)
    layer(x)
    with tconv.options(tune=True):
        layer(x)
        assert layer.recipe(x.shape) is not untuned
    assert asked and layer.recipe(x.shape) is untuned


def test_a_layer_refuses_an_algorithm_that_is_no_name() -> None:
    layer = tconv.ConvTranspose1d(1, 1, 2, rng=0)
    with pytest.raises(tconv.TconvError, match=r"algorithm \['auto'\] is not known"):
        layer(np.ones((1, 1, 3), np.float32), algorithm=["auto"])  # type: ignore[arg-type]
