"""Hypothesis strategies for configurations, valid and invalid."""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from helpers import Case


@st.composite
def layer_params(draw, nd: int, max_size: int, max_kernel: int, max_stride: int = 3, max_dilation: int = 3):
    """Per-axis (input_size, kernel_size, stride, padding, output_padding, dilation) that PyTorch accepts:
    output_padding up to max(s, d) − 1 (so also s ≤ op < d), padding up to past d(k−1) while the output keeps
    at least one cell."""
    ints = lambda hi: tuple(draw(st.integers(1, hi)) for _ in range(nd))  # noqa: E731
    input_size, kernel_size, stride, dilation = ints(max_size), ints(max_kernel), ints(max_stride), ints(max_dilation)
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    # the full output is (L − 1)·s + d·(k − 1) + 1 + op; cropping 2p of it must leave at least one cell
    padding = tuple(draw(st.integers(0, max(0, ((L - 1) * s + d * (k - 1) + op) // 2)))
                    for L, k, s, d, op in zip(input_size, kernel_size, stride, dilation, output_padding))
    return input_size, kernel_size, stride, padding, output_padding, dilation


@st.composite
def animated_layers(draw) -> dict:
    """Single-channel 1-D or 2-D transposed convolutions small enough to animate, as ``animate``'s keywords."""
    size, kernel, stride, padding, op, dilation = draw(
        layer_params(draw(st.integers(1, 2)), max_size=4, max_kernel=3, max_dilation=2))
    return dict(input_size=size, kernel_size=kernel, stride=stride, padding=padding, output_padding=op,
                dilation=dilation)


@st.composite
def valid_cases(draw, nd=None, dtypes=(np.float64,), max_size=5, unbatched=True) -> Case:
    """A configuration PyTorch accepts: every edge the foundation must cover is reachable.

    groups with several channels per group, dilation, padding beyond d(k−1), output_padding up to
    max(s, d) − 1 (so also s ≤ op < d), unbatched input, bias on and off.
    """
    nd = draw(st.integers(1, 3)) if nd is None else nd
    small = nd == 3
    input_size, kernel_size, stride, padding, output_padding, dilation = draw(
        layer_params(nd, 3 if small else max_size, 3 if small else 4))
    groups = draw(st.integers(1, 3))
    batch = draw(st.sampled_from([None, 1, 2])) if unbatched else draw(st.integers(1, 2))
    return Case(nd, batch, groups, draw(st.integers(1, 3)), draw(st.integers(1, 3)), input_size, kernel_size,
                stride, padding, output_padding, dilation, draw(st.booleans()), draw(st.sampled_from(dtypes)))


@st.composite
def any_cases(draw):
    """Configurations on both sides of PyTorch's rules: wrong ranks, channels, groups, negative sizes, big
    output_padding."""
    nd = draw(st.integers(1, 3))
    ints = lambda lo, hi: st.lists(st.integers(lo, hi), min_size=nd, max_size=nd)  # noqa: E731
    groups = draw(st.integers(0, 3))
    cin = draw(st.integers(1, 5))
    mg = draw(st.integers(0, 2))
    x_channels = draw(st.sampled_from([cin, cin, cin + 1]))
    input_size = draw(ints(0, 4))
    kernel_size = draw(ints(0, 3))
    stride = draw(ints(0, 3))
    padding = draw(ints(-1, 4))
    output_padding = draw(ints(-1, 3))
    dilation = draw(ints(0, 3))
    bias_len = draw(st.sampled_from([None, "ok", "wrong"]))
    x_rank_delta = draw(st.sampled_from([0, 0, 0, -1, 1, -2]))
    batch = draw(st.integers(1, 2))
    x_shape = [batch, x_channels, *input_size]
    if x_rank_delta == -1:
        x_shape = x_shape[1:]  # unbatched
    elif x_rank_delta == 1:
        x_shape = [1, *x_shape]
    elif x_rank_delta == -2:
        x_shape = x_shape[2:]
    w_shape = [cin, mg, *kernel_size]
    assume(all(v >= 0 for v in x_shape))
    out = max(groups, 1) * mg
    b_shape = None if bias_len is None else ([out] if bias_len == "ok" else [out + 1])
    return dict(
        nd=nd,
        x_shape=tuple(x_shape),
        w_shape=tuple(w_shape),
        b_shape=b_shape,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        groups=groups,
        dilation=dilation,
    )


@st.composite
def valid_conv_cases(draw, nd=None, max_size=6) -> dict:
    """A direct convolution PyTorch accepts (``torch.nn.functional.conv{1,2,3}d``): groups with several channels per
    group, stride, dilation, integer padding or "same" (stride 1) / "valid", unbatched input, bias on and off.
    ``x_shape`` and ``w_shape`` are the arrays' shapes, the rest ``tconv.conv``'s keyword arguments."""
    nd = draw(st.integers(1, 3)) if nd is None else nd
    top = 3 if nd == 3 else max_size
    ints = lambda lo, hi: tuple(draw(st.integers(lo, hi)) for _ in range(nd))  # noqa: E731
    kernel, dilation = ints(1, 3 if nd == 3 else 4), ints(1, 3)
    padding = draw(st.sampled_from(["ints", "ints", "same", "valid"]))
    stride = (1,) * nd if padding == "same" else ints(1, 3)
    if padding == "ints":
        padding = ints(0, 3)
        # the padded input must hold the dilated kernel: L + 2p ≥ d·(k − 1) + 1
        size = tuple(draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), max(top, d * (k - 1) + 1)))
                     for k, d, p in zip(kernel, dilation, padding))
    elif padding == "valid":
        size = tuple(draw(st.integers(d * (k - 1) + 1, d * (k - 1) + top)) for k, d in zip(kernel, dilation))
    else:
        size = ints(1, top)
    groups = draw(st.integers(1, 3))
    cin, cout = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    batch = draw(st.sampled_from([None, 1, 2]))
    lead = (cin,) if batch is None else (batch, cin)
    return dict(nd=nd, x_shape=lead + size, w_shape=(cout, cin // groups, *kernel), bias=draw(st.booleans()),
                kwargs=dict(stride=stride, padding=padding, dilation=dilation, groups=groups))
