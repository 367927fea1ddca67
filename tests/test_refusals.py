"""tconv refuses exactly what torch refuses, with a TconvError that names parameter, value, axis and range."""

from __future__ import annotations

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
    (lambda: tconv.conv_transpose(_x(1, 1, 5, 5), _x(1, 1, 3, 3), padding="same"),
     ["padding", "string 'same'"]),
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
    (lambda: tconv.ConvTranspose2d(4, 8, 3, padding_mode="reflect"),
     ["padding_mode 'reflect'", '"zeros"']),
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
