"""The forward convolution ``tconv.conv`` equals torch's conv{1,2,3}d, and refuses what it refuses."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tconv
from helpers import TORCH_CONV, torch


@st.composite
def conv_configs(draw):
    nd = draw(st.integers(1, 3))
    ints = lambda lo, hi: st.lists(st.integers(lo, hi), min_size=nd, max_size=nd)  # noqa: E731
    groups = draw(st.integers(1, 3))
    padding = draw(st.one_of(ints(-1, 3), st.sampled_from(["same", "valid"])))
    return dict(
        nd=nd,
        x_shape=(draw(st.integers(1, 2)), groups * draw(st.integers(1, 2)), *draw(ints(1, 6 if nd < 3 else 4))),
        w_shape=(groups * draw(st.integers(1, 3)), draw(st.integers(1, 2)), *draw(ints(1, 4))),
        stride=draw(ints(1, 3)), padding=padding, dilation=draw(ints(1, 3)), groups=groups,
        bias=draw(st.booleans()),
    )


@given(cfg=conv_configs())
def test_conv_equals_torch_or_both_refuse(cfg: dict) -> None:
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(cfg["x_shape"]), rng.standard_normal(cfg["w_shape"])
    b = rng.standard_normal(cfg["w_shape"][0]) if cfg["bias"] else None
    args = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"], groups=cfg["groups"])
    try:
        with __import__("warnings").catch_warnings():
            __import__("warnings").simplefilter("ignore")  # torch warns about 'same' with even kernels
            expected = TORCH_CONV[cfg["nd"]](torch.from_numpy(x), torch.from_numpy(w),
                                             None if b is None else torch.from_numpy(b), **args).numpy()
    except (RuntimeError, ValueError) as exc:
        with pytest.raises(tconv.TconvError):
            tconv.conv(x, w, b, **args)
        assert str(exc)
        return
    np.testing.assert_allclose(tconv.conv(x, w, b, **args), expected, atol=1e-10)
    by_rank = {1: tconv.conv1d, 2: tconv.conv2d, 3: tconv.conv3d}
    np.testing.assert_allclose(by_rank[cfg["nd"]](x, w, b, **args), expected, atol=1e-10)


@pytest.mark.parametrize("fn,rank", [(tconv.conv1d, 1), (tconv.conv2d, 2), (tconv.conv3d, 3)])
def test_conv_nd_refuses_a_weight_of_another_rank(fn, rank: int) -> None:
    """conv1d/2d/3d fix the rank, as torch's do: a weight for another rank is refused, naming the function."""
    other = 2 if rank != 2 else 1
    with pytest.raises(tconv.TconvError, match=rf"weight for conv{rank}d must have {rank + 2} dimensions"):
        fn(np.ones((1, 1) + (4,) * other), np.ones((1, 1) + (2,) * other))


def test_same_padding_puts_the_odd_element_at_the_end() -> None:
    x = np.arange(5.0).reshape(1, 1, 5)
    w = np.array([[[1.0, 10.0]]])
    # total padding 1 goes to the end: windows (0,1) (1,2) (2,3) (3,4) (4,pad)
    assert tconv.conv(x, w, padding="same")[0, 0].tolist() == [10.0, 21.0, 32.0, 43.0, 4.0]
