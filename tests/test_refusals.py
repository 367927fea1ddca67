"""tconv refuses exactly what torch refuses, with a TconvError that names parameter, value, axis and range."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import given

import tconv
from helpers import TORCH_TRANSPOSED, torch
from strategies import any_cases


@given(cfg=any_cases())
def test_refuses_exactly_where_torch_refuses(cfg: dict) -> None:
    x = np.ones(cfg["x_shape"])
    w = np.ones(cfg["w_shape"])
    b = None if cfg["b_shape"] is None else np.ones(cfg["b_shape"])
    args = dict(stride=cfg["stride"], padding=cfg["padding"], output_padding=cfg["output_padding"],
                groups=cfg["groups"], dilation=cfg["dilation"])
    try:
        expected = TORCH_TRANSPOSED[cfg["nd"]](
            torch.from_numpy(x), torch.from_numpy(w), None if b is None else torch.from_numpy(b), **args
        ).numpy()
    except (RuntimeError, ValueError, TypeError, NotImplementedError) as exc:
        with pytest.raises(tconv.TconvError):
            tconv.conv_transpose(x, w, b, **args)
        assert str(exc)  # torch refused; so did tconv (above)
        return
    actual = getattr(tconv, f"conv_transpose{cfg['nd']}d")(x, w, b, **args)
    np.testing.assert_allclose(actual, expected, atol=1e-9)


def _x(*shape: int) -> np.ndarray:
    return np.ones(shape)


# (call, words the message must contain): parameter, value, axis, valid range.
MESSAGES = [
    (lambda: tconv.conv_transpose(_x(1, 1, 5, 5), _x(1, 1, 3, 3), stride=2, output_padding=2),
     ["output_padding 2 on axis 0", "smaller than stride (2) or dilation (1)", "0..1"]),
    (lambda: tconv.conv_transpose(_x(1, 1, 5, 5), _x(1, 1, 3, 3), stride=(1, 0)),
     ["stride 0 on axis 1", "at least 1"]),
    (lambda: tconv.conv_transpose(_x(1, 1, 5, 5), _x(1, 1, 3, 3), padding=-1),
     ["padding -1 on axis 0", "at least 0"]),
    (lambda: tconv.conv_transpose(_x(1, 1, 5, 5), _x(1, 1, 3, 3), dilation=(1, 0)),
     ["dilation 0 on axis 1", "at least 1"]),
    (lambda: tconv.conv_transpose(_x(1, 1, 2, 2), _x(1, 1, 3, 3), padding=(0, 3)),
     ["padding 3 on axis 1", "leaves no output", "= -2", "at most 1"]),
    (lambda: tconv.conv_transpose(_x(1, 1, 5, 5), _x(1, 1, 3, 3), stride=(1, 2, 3)),
     ["stride", "2 integers", "(3 values)"]),
    (lambda: tconv.conv_transpose(_x(1, 4, 5, 5), _x(4, 2, 3, 3), groups=3),
     ["groups 3", "divide", "in_channels = 4"]),
    (lambda: tconv.conv_transpose(_x(1, 3, 5, 5), _x(4, 2, 3, 3)),
     ["input has 3 channels", "expects 4"]),
    (lambda: tconv.conv_transpose(_x(1, 4, 5, 5), _x(4, 2, 3, 3), _x(5)),
     ["bias", "2 elements", "[5]"]),
    (lambda: tconv.conv_transpose(_x(4, 5), _x(4, 2, 3, 3)),
     ["input must have 3 (unbatched) or 4 (batched) dimensions", "[4, 5]"]),
    (lambda: tconv.conv_transpose(_x(1, 4, 0, 5), _x(4, 2, 3, 3)),
     ["input size 0 on spatial axis 0", "at least 1"]),
    (lambda: tconv.conv_transpose(_x(1, 1, 5, 5), _x(1, 1, 3, 3), stride=2.0),
     ["stride must be an integer", "2.0", "float"]),
    (lambda: tconv.conv_transpose(_x(1, 1, 5, 5), _x(1, 1, 3, 3), padding="full"),
     ["padding 'full' is a string other than 'same' and 'valid'", "'same', 'valid' or integers"]),
    (lambda: tconv.conv_transpose(_x(1, 1, 5, 5), _x(1, 1, 3, 3), stride=2, padding="same", output_padding=1),
     ["output_padding 1 on axis 0", "padding='same'", "output_size="]),
    (lambda: tconv.conv_transpose(_x(1, 1, 5, 5), _x(1, 1, 3, 3), stride=2, padding="same", output_size=(8, 10)),
     ["output_size 8 on axis 0 is out of range for padding='same'", "[9, 9] to [10, 10]"]),
    (lambda: tconv.conv_transpose(_x(1, 1, 4), _x(1, 1, 5), padding=3, padding_mode="reflect"),
     ["padding_mode 'reflect' needs padding smaller than the output", "padding 3 at the begin of axis 0",
      "output has 2 cells", "valid range 0..1"]),
    (lambda: tconv.conv_transpose(_x(1, 1, 2), _x(1, 1, 3), padding=1, padding_mode="wrap"),
     ["padding_mode 'wrap' is not known", "'circular'"]),
    (lambda: tconv.conv_transpose(_x(1, 1, 5, 5), _x(1, 1, 3, 3), stride=True),
     ["stride must be an integer", "bool"]),
    (lambda: tconv.conv_transpose(_x(1, 1, 5, 5), _x(1, 1, 3, 3), groups=0),
     ["groups 0", "at least 1"]),
    (lambda: tconv.conv_transpose(np.ones((1, 1, 3, 3), np.float32), np.ones((1, 1, 2, 2))),
     ["input dtype float32 and weight dtype float64 differ"]),
    (lambda: tconv.conv_transpose(np.ones((1, 1, 3, 3), np.int32), np.ones((1, 1, 2, 2), np.int32)),
     ["input dtype int32 is not supported", "float32"]),
    (lambda: tconv.conv_transpose([["a"]], [[[1]]]),
     ["input must hold numbers"]),
    (lambda: tconv.conv_transpose([[1, 2], [3]], [[[1]]]),
     ["input could not be read as a numeric array"]),
    (lambda: tconv.conv_transpose(_x(1, 1, 5, 5), _x(1, 1, 3, 3), stride=2, padding=1, output_size=(11, 10)),
     ["output_size 11 on axis 0 is out of range", "[9, 9] to [10, 10]", "[5, 5]"]),
    (lambda: tconv.conv_transpose(_x(1, 1, 5, 5), _x(1, 1, 3, 3), output_size=(7, 7, 7)),
     ["output_size must have 2 or 4 elements", "got 3"]),
    (lambda: tconv.conv_transpose(_x(1, 5, 5), _x(1, 1, 3, 3), output_size=(1, 1, 7, 7)),
     ["output_size must have 2 or 3 elements", "got 4"]),
    (lambda: tconv.conv_transpose(_x(1, 1, 5, 5), _x(1, 1, 3, 3), algorithm="fft"),
     ["algorithm 'fft'", "'scatter'"]),
    (lambda: tconv.conv_transpose(_x(1, 1, 5), _x(1, 1, 3, 3, 3, 3)),
     ["weight must have 3, 4 or 5 dimensions", "6 dimensions"]),
    (lambda: tconv.ConvTranspose2d(4, 6, 3, groups=4),
     ["out_channels 6 must be divisible by groups (4)"]),
    (lambda: tconv.ConvTranspose2d(4, 8, 3, padding_mode="symmetric"),
     ["padding_mode 'symmetric' is not known", "'reflect'"]),
    (lambda: tconv.ConvTranspose2d(4, 8, 3, stride=2, padding="same", output_padding=1),
     ["output_padding [1, 1] does not apply with padding='same'"]),
    (lambda: tconv.conv(_x(1, 1, 3), _x(1, 1, 3), padding=4, padding_mode="circular"),
     ["padding_mode 'circular' needs padding at most the input", "padding 4", "valid range 0..3"]),
    (lambda: tconv.conv(_x(1, 1, 5, 5), _x(1, 1, 3, 3), stride=2, padding="same"),
     ["padding 'same' needs stride 1", "[2, 2]"]),
    (lambda: tconv.conv(_x(1, 1, 2, 2), _x(1, 1, 3, 3)),
     ["kernel_size 3 on axis 0", "larger than the padded input"]),
]


@pytest.mark.parametrize("call,words", MESSAGES, ids=[w[0] for _, w in MESSAGES])
def test_message_names_parameter_value_axis_and_range(call, words) -> None:
    with pytest.raises(tconv.TconvError) as info:
        call()
    assert isinstance(info.value, ValueError)
    for word in words:
        assert word in str(info.value)


def test_huge_output_is_refused_at_once_before_allocating() -> None:
    """stride=100000 on 50×50 would need terabytes: a TconvError in well under a second, not a MemoryError."""
    start = time.perf_counter()
    with pytest.raises(tconv.TconvError, match=r"output shape \[1, 1, 4900003, 4900003\].*memory budget"):
        tconv.conv_transpose(np.ones((1, 1, 50, 50), np.float32), np.ones((1, 1, 3, 3), np.float32), stride=100000)
    assert time.perf_counter() - start < 1.0


def test_memory_budget_is_settable_and_covers_temporaries() -> None:
    x, w = np.ones((2, 8, 16, 16)), np.ones((8, 8, 4, 4))
    previous = tconv.set_memory_budget(200_000)  # the output alone is 2·8·34·34·8 B = 148 KB; temporaries exceed
    try:
        assert tconv.get_memory_budget() == 200_000
        with pytest.raises(tconv.TconvError, match="memory budget of 195.3 KiB"):
            tconv.conv_transpose(x, w, stride=2)
    finally:
        tconv.set_memory_budget(previous)
    assert tconv.conv_transpose(x, w, stride=2).shape == (2, 8, 34, 34)


def test_memory_budget_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TCONV_MEMORY_BUDGET", "1000")
    assert tconv.get_memory_budget() == 1000
    with pytest.raises(tconv.TconvError, match="memory budget"):
        tconv.conv_transpose(np.ones((1, 1, 8, 8)), np.ones((1, 1, 3, 3)))
    monkeypatch.setenv("TCONV_MEMORY_BUDGET", "lots")
    with pytest.raises(tconv.TconvError, match="TCONV_MEMORY_BUDGET 'lots'"):
        tconv.get_memory_budget()


def test_matrix_algorithm_refuses_too_large_saying_how_large() -> None:
    x, w = np.ones((1, 64, 64, 64), np.float32), np.ones((64, 64, 4, 4), np.float32)
    with pytest.raises(tconv.TconvError, match=r"C of shape 262,144 × 1,081,600 with 268,435,456 non-zeros"):
        tconv.conv_transpose(x, w, stride=2, algorithm="matrix")


# ----------------------------------------------------------------------------------------------------------------
# found by black-box QA of issue #12: each is a value or a TconvError now
# ----------------------------------------------------------------------------------------------------------------

JAX_NEGATIVE_PADDING = [  # (lhs shape NWC, rhs shape WIO, strides, padding) -> JAX 0.10's output (arange inputs)
    (((1, 4, 1), (3, 1, 1), (2,), [(-1, 3)]), [4, 11, 6, 15, 8, 4, 0]),
    (((1, 4, 1), (3, 1, 1), (2,), [(4, -2)]), [0, 0, 3, 2, 7, 4, 11]),
    (((1, 3, 1), (1, 1, 1), (3,), [(5, 5)]), [0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0, 0, 0, 0]),
    (((1, 2, 1), (1, 1, 1), (1,), [(-3, 5)]), [0, 0, 0, 0]),
    (((1, 2, 1), (2, 1, 1), (1,), [(3, -3)]), [0]),
    (((1, 5, 1, 1), (1, 2, 1, 1), (3, 3), [(-2, -1), (3, -2)]), [0] * 10),
]


@pytest.mark.parametrize("args,expected", JAX_NEGATIVE_PADDING, ids=[str(a[3]) for a, _ in JAX_NEGATIVE_PADDING])
def test_jax_negative_padding_crops_as_jax_does(args, expected) -> None:
    from tconv.frameworks import jax_conv_transpose

    lhs, rhs, strides, padding = args
    x = np.arange(1, math.prod(lhs) + 1, dtype=np.float32).reshape(lhs)
    w = np.arange(1, math.prod(rhs) + 1, dtype=np.float32).reshape(rhs)
    y = jax_conv_transpose(x, w, strides, padding)
    assert y.reshape(-1).tolist() == expected


def test_jax_refuses_padding_that_removes_more_than_the_dilated_input() -> None:
    from tconv.frameworks import from_jax

    with pytest.raises(tconv.TconvError, match=r"padding \(-4, -2\) on axis 0 removes more than the 4 cells"):
        from_jax((1, 2, 2), (2, 2, 3), (3,), [(-4, -2)])


def test_explain_reads_the_bias_and_wraps_integers_as_conv_transpose_does() -> None:
    with pytest.raises(tconv.TconvError, match="bias dtype float64 does not fit input dtype int64"):
        tconv.explain([[[4, 4, 3], [0, 3, 4], [2, 3, 2]]], [[[[1, 2], [0, 1]]]], bias=[1.5])
    x, w = np.full((1, 3, 3), 2**62), np.full((1, 1, 2, 2), 3)
    for view in ("gather", "scatter", "matrix"):
        np.testing.assert_array_equal(tconv.explain(x, w, view=view).output, tconv.conv_transpose(x, w))


def test_meta_tensors_and_unrepresentable_empty_outputs_are_refused_clearly() -> None:
    import torch

    with pytest.raises(tconv.TconvError, match="input is a tensor on the meta device"):
        tconv.conv_transpose(torch.empty(1, 2, 5, 5, device="meta"), torch.empty(2, 3, 3, 3, device="meta"))
    empty = np.ones((0, 1, 50, 50), np.float32)
    with pytest.raises(tconv.TconvError, match=r"is empty \(batch 0\) but NumPy cannot hold"):
        tconv.conv_transpose(empty, np.ones((1, 1, 3, 3), np.float32), output_padding=10**12)


def test_legacy_spectral_norm_weight_is_the_one_the_forward_uses() -> None:
    import torch

    torch.manual_seed(0)
    for training in (False, True):
        module = torch.nn.utils.spectral_norm(torch.nn.ConvTranspose2d(2, 3, 3)).train(training)
        u = module.weight_u.clone()
        layer = tconv.ConvTranspose2d.from_torch(module)
        assert torch.equal(module.weight_u, u)  # converting ran no power iteration on the module
        x = torch.randn(1, 2, 4, 4)
        with torch.no_grad():
            expected = module(x).numpy()
        np.testing.assert_allclose(layer(x.numpy()), expected, atol=1e-5)


def test_output_size_as_a_tensor_and_frames_as_numpy_ints() -> None:
    import torch

    layer = tconv.ConvTranspose1d(2, 3, 3, stride=3, padding=1)
    assert layer(np.ones((1, 2, 4), np.float32), output_size=torch.tensor([11])).shape == (1, 3, 11)
    scene = tconv.animate(2, 2)
    assert scene.svg(frame=np.int64(1)) == scene.svg(frame=1)
    with pytest.raises(tconv.TconvError, match=r"frame 99 is out of range: this scene has 9 frames \(0..8, or -9..-1"):
        scene.svg(frame=99)
    with pytest.raises(tconv.TconvError, match="frame must be an integer, got '0'"):
        scene.svg(frame="0")


def test_saving_to_an_impossible_target_names_it(tmp_path) -> None:
    import io

    scene = tconv.animate(2, 2)
    with pytest.raises(tconv.TconvError, match="cannot write"):
        scene.save(str(tmp_path / "x\0y.svg"))
    closed = io.BytesIO()
    closed.close()
    with pytest.raises(tconv.TconvError, match="cannot write the scene to"):
        scene.save(closed, "svg")
    with pytest.raises(tconv.TconvError, match=r"duration_ms 655360 is too long.*valid range 10..655350"):
        tconv.animate(3, 2, duration_ms=655360)


def test_onnx_pads_and_auto_pad_are_refused_together_even_with_output_shape() -> None:
    from tconv.frameworks import onnx_conv_transpose

    with pytest.raises(tconv.TconvError, match="cannot be used together with auto_pad 'SAME_UPPER'"):
        onnx_conv_transpose(np.ones((1, 1, 4), np.float32), np.ones((1, 1, 1), np.float32), auto_pad="SAME_UPPER",
                            pads=[1, 0], output_shape=[3])


@pytest.mark.parametrize("kwargs", [dict(stride=2**31), dict(dilation=2**31), dict(stride=2**32 + 1)])
def test_strides_and_dilations_past_32_bits_are_refused_as_torch_refuses(kwargs) -> None:
    """torch stores them in 32 bits: 2**31 wraps to a negative (refused), 2**32 + 1 would wrap to 1 (a silently
    different layer there); tconv refuses all of them, naming the range."""
    x, w = np.ones((1, 1, 1), np.float32), np.ones((1, 1, 1), np.float32)
    if kwargs != dict(stride=2**32 + 1):
        with pytest.raises(RuntimeError):
            TORCH_TRANSPOSED[1](torch.from_numpy(x), torch.from_numpy(w), **kwargs)
    with pytest.raises(tconv.TconvError, match="valid range up to 2,147,483,647"):
        tconv.conv_transpose(x, w, **kwargs)
    assert tconv.conv_transpose(x, w, stride=2**31 - 1).shape == (1, 1, 1)
