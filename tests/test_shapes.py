"""Shape arithmetic equals torch's shapes, the guide's relations and figures, and solves the inverse problem."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tconv
from helpers import TORCH_MODULE, torch
from strategies import valid_cases


@given(case=valid_cases())
def test_transposed_output_size_equals_torch(case) -> None:
    x, w, _ = case.arrays()
    from helpers import torch_conv_transpose

    expected = torch_conv_transpose(x, w, None, case).shape[-case.nd:]
    got = tconv.conv_transpose_output_size(case.input_size, case.kernel_size, case.stride, case.padding,
                                           case.output_padding, case.dilation)
    assert got == tuple(expected)


@given(st.integers(1, 9), st.integers(1, 4), st.integers(1, 3), st.integers(0, 3), st.integers(1, 3))
def test_conv_output_size_equals_torch_or_both_refuse(L, k, s, p, d) -> None:
    x, w = torch.zeros(1, 1, L), torch.zeros(1, 1, k)
    try:
        expected = torch.nn.functional.conv1d(x, w, stride=s, padding=p, dilation=d).shape[-1]
    except RuntimeError:
        with pytest.raises(tconv.TconvError):
            tconv.conv_output_size(L, k, s, p, d)
        return
    assert tconv.conv_output_size(L, k, s, p, d) == (expected,)


@given(st.integers(1, 9), st.integers(1, 4), st.one_of(st.none(), st.integers(1, 3)), st.integers(0, 2),
       st.integers(1, 3), st.booleans())
def test_pool_output_size_equals_torch_or_both_refuse(L, k, s, p, d, ceil_mode) -> None:
    x = torch.zeros(1, 1, L)
    try:
        expected = torch.nn.functional.max_pool1d(x, k, s, p, d, ceil_mode).shape[-1]
    except RuntimeError:
        with pytest.raises(tconv.TconvError):
            tconv.pool_output_size(L, k, s, p, d, ceil_mode)
        return
    assert tconv.pool_output_size(L, k, s, p, d, ceil_mode) == (expected,)


@given(st.integers(1, 6), st.integers(1, 4), st.integers(1, 3), st.integers(0, 3), st.integers(1, 3))
def test_output_size_range_is_exactly_what_the_module_accepts(L, k, s, p, d) -> None:
    m = TORCH_MODULE[1](1, 1, k, stride=s, padding=p, dilation=d, bias=False)
    x = torch.zeros(1, 1, L)
    accepted = []
    for size in range(1, (L + 1) * s + d * k + 4):
        try:
            with torch.no_grad():
                m(x, output_size=[size])
            accepted.append(size)
        except (ValueError, RuntimeError):
            pass
    if not accepted:
        with pytest.raises(tconv.TconvError):
            tconv.output_size_range(L, k, s, p, d)
        return
    ((lo, hi),) = tconv.output_size_range(L, k, s, p, d)
    assert list(range(lo, hi + 1)) == accepted
    for size in accepted:
        (op,) = tconv.output_padding_for(L, size, k, s, p, d)
        assert tconv.conv_transpose_output_size(L, k, s, p, op, d) == (size,)


def test_per_axis_and_broadcasting() -> None:
    assert tconv.conv_transpose_output_size((3, 5), 3, stride=(2, 1), padding=(1, 0)) == (5, 7)
    assert tconv.conv_output_size((7, 8, 9), 3) == (5, 6, 7)
    assert tconv.output_size_range((5, 5), 3, stride=2, padding=1) == ((9, 10), (9, 10))


# The guide's transposed figures (seed 004): (i′, k, s, p, a) -> (relation, ĩ′, pad before, pad after, o′)
GUIDE_TRANSPOSED = {
    "Figure 4.1": ((2, 3, 1, 0, 0), (8, 2, 2, 2, 4)),
    "Figure 4.2": ((6, 4, 1, 2, 0), (9, 6, 1, 1, 5)),
    "Figure 4.3": ((5, 3, 1, 1, 0), (10, 5, 1, 1, 5)),
    "Figure 4.4": ((7, 3, 1, 2, 0), (11, 7, 0, 0, 5)),
    "Figure 4.5": ((2, 3, 2, 0, 0), (12, 3, 2, 2, 5)),
    "Figure 4.6": ((3, 3, 2, 1, 0), (13, 5, 1, 1, 5)),
    "Figure 4.7": ((3, 3, 2, 1, 1), (14, 5, 1, 2, 6)),
}


@pytest.mark.parametrize("figure", GUIDE_TRANSPOSED)
def test_guide_transposed_figures(figure: str) -> None:
    (i, k, s, p, a), (number, stretched, before, after, o) = GUIDE_TRANSPOSED[figure]
    (rel,) = tconv.relation(i, k, s, p, a)
    (eq,) = tconv.conv_transpose_equivalent(i, k, s, p, a)
    assert (rel.number, eq.stretched_size, eq.pad_begin, eq.pad_end, eq.output_size) == (
        number,
        stretched,
        before,
        after,
        o,
    )
    assert rel.output_size == o == tconv.conv_transpose_output_size(i, k, s, p, a)[0]
    assert rel.substituted.endswith(f"= {o}")


# The guide's direct figures: (i, k, s, p, d) -> (relation, o)
GUIDE_DIRECT = {
    "Figure 2.1": ((4, 3, 1, 0, 1), (1, 2)),
    "Figure 2.2": ((5, 4, 1, 2, 1), (2, 6)),
    "Figure 2.3": ((5, 3, 1, 1, 1), (3, 5)),
    "Figure 2.4": ((5, 3, 1, 2, 1), (4, 7)),
    "Figure 2.5": ((5, 3, 2, 0, 1), (5, 2)),
    "Figure 2.6": ((5, 3, 2, 1, 1), (6, 3)),
    "Figure 2.7": ((6, 3, 2, 1, 1), (6, 3)),
    "Figure 5.1": ((7, 3, 1, 0, 2), (15, 3)),
}


@pytest.mark.parametrize("figure", GUIDE_DIRECT)
def test_guide_direct_figures(figure: str) -> None:
    (i, k, s, p, d), (number, o) = GUIDE_DIRECT[figure]
    (rel,) = tconv.relation(i, k, s, p, dilation=d, transposed=False)
    assert (rel.number, rel.output_size) == (number, o)
    assert tconv.conv_output_size(i, k, s, p, d) == (o,)


def test_pooling_relation_7_and_general_formula_for_dilated_transposed() -> None:
    (rel,) = tconv.relation(5, 3, 2, pool=True)
    assert (rel.number, rel.output_size) == (7, 2)
    (rel,) = tconv.relation(3, 3, stride=2, dilation=2)
    assert rel.number is None and "general formula" in str(rel) and rel.output_size == 9
    assert "does not" in rel.note or "no relation" in rel.note


@given(
    st.integers(1, 9),
    st.integers(1, 4),
    st.one_of(st.none(), st.integers(1, 3)),
    st.integers(0, 2),
    st.integers(1, 3),
    st.booleans(),
)
def test_pool_relation_equals_torch_max_pool_or_both_refuse(L, k, s, p, d, ceil_mode) -> None:
    x = torch.zeros(1, 1, L)
    try:
        expected = torch.nn.functional.max_pool1d(x, k, s, p, d, ceil_mode).shape[-1]
    except RuntimeError:
        with pytest.raises(tconv.TconvError):
            tconv.relation(L, k, s, p, dilation=d, pool=True, ceil_mode=ceil_mode)
        return
    (rel,) = tconv.relation(L, k, s, p, dilation=d, pool=True, ceil_mode=ceil_mode)
    assert rel.output_size == expected and rel.substituted.endswith(f"= {expected}")
    if p == 0 and d == 1 and not ceil_mode:  # the guide's relation 7, with stride defaulting to the kernel
        assert rel.number == 7 and rel.substituted == f"⌊({L} − {k})/{k if s is None else s}⌋ + 1 = {expected}"
    else:  # padding, dilation and ceil_mode all appear in the printed formula
        assert rel.number is None
        assert rel.substituted.startswith(("⌈" if ceil_mode else "⌊") + f"({L} + 2·{p} − {d}·({k} − 1) − 1)/")


@given(st.tuples(st.integers(2, 9), st.integers(2, 9)), st.integers(1, 3), st.integers(1, 3), st.booleans())
def test_pool_relation_2d_equals_torch_per_axis(size, k, s, ceil_mode) -> None:
    p = k // 2
    expected = torch.nn.functional.max_pool2d(torch.zeros(1, 1, *size), k, s, p, 1, ceil_mode).shape[-2:]
    rels = tconv.relation(size, k, s, p, pool=True, ceil_mode=ceil_mode)
    assert tuple(r.output_size for r in rels) == tuple(expected)


def test_pool_relation_prints_dilation_and_defaults_stride_to_the_kernel() -> None:
    (rel,) = tconv.relation(7, 2, dilation=2, pool=True)  # dilation counts, stride is the kernel
    assert rel.substituted == "⌊(7 + 2·0 − 2·(2 − 1) − 1)/2⌋ + 1 = 3" and rel.number is None
    (rel,) = tconv.relation(7, 2, pool=True)
    assert (rel.number, rel.substituted) == (7, "⌊(7 − 2)/2⌋ + 1 = 3")
    (rel,) = tconv.relation(5, 2, 2, 1, pool=True, ceil_mode=True)  # the 4th window would start in the right pad
    assert rel.substituted == "⌈(5 + 2·1 − 1·(2 − 1) − 1)/2⌉ + 1 − 1 = 3" and "drops it" in rel.note
    assert rel.output_size == torch.nn.functional.max_pool1d(torch.zeros(1, 1, 5), 2, 2, 1, ceil_mode=True).shape[-1]
    with pytest.raises(tconv.TconvError, match="ceil_mode only applies to pooling"):
        tconv.relation(5, 2, ceil_mode=True)
    with pytest.raises(tconv.TconvError, match="output_padding 1 only applies to transposed convolution"):
        tconv.relation(5, 2, output_padding=1, pool=True)


def test_non_square_gets_one_relation_per_axis_said_as_such() -> None:
    r0, r1 = tconv.relation((3, 4), (2, 3), stride=(1, 2))
    assert (r0.number, r1.number) == (8, 12)
    assert "non-square" in r0.note and "non-square" in r1.note


@given(st.integers(1, 12), st.integers(1, 40), st.booleans())
def test_solve_finds_exactly_the_parameter_sets_that_map(L, target, transposed) -> None:
    (found,) = tconv.solve(
        L, target, transposed=transposed, kernel_sizes=range(1, 6), strides=range(1, 4), dilations=(1, 2)
    )
    for sol in found:
        if transposed:
            got = tconv.conv_transpose_output_size(
                L, sol.kernel_size, sol.stride, sol.padding, sol.output_padding, sol.dilation
            )
        else:
            got = tconv.conv_output_size(L, sol.kernel_size, sol.stride, sol.padding, sol.dilation)
        assert got == (target,)
    # completeness: brute force over the same bounds
    brute = set()
    for k in range(1, 6):
        for s in range(1, 4):
            for d in (1, 2):
                if d > 1 and k == 1:
                    continue
                for p in range(d * (k - 1) + 1):
                    for op in range(max(s, d)) if transposed else [0]:
                        try:
                            f = tconv.conv_transpose_output_size if transposed else tconv.conv_output_size
                            out = f(L, k, s, p, op, d) if transposed else f(L, k, s, p, d)
                        except tconv.TconvError:
                            continue
                        if out == (target,):
                            brute.add((k, s, p, op, d))
    assert {(s.kernel_size, s.stride, s.padding, s.output_padding, s.dilation) for s in found} == brute


def test_solve_ranks_common_layers_first() -> None:
    (found,) = tconv.solve(17, 34)
    assert str(found[0]) == "kernel_size=4, stride=2, padding=1"
    (found,) = tconv.solve(16, 16)
    assert str(found[0]) == "kernel_size=3, stride=1, padding=1"
    (down,) = tconv.solve(64, 32, transposed=False)
    assert (down[0].kernel_size, down[0].stride) == (4, 2)
    assert tconv.solve((8, 8), (16, 15))[1][0].kernel_size in (3, 2, 4)


def test_shape_functions_refuse_with_clear_errors() -> None:
    with pytest.raises(tconv.TconvError, match="output_padding 2 on axis 0 must be smaller than stride"):
        tconv.conv_transpose_output_size(5, 3, 2, 1, 2)
    with pytest.raises(
        tconv.TconvError, match="padding 2 on axis 0 must be at most half of the kernel size 3: valid range 0..1"
    ):
        tconv.pool_output_size(5, 3, padding=2)
    with pytest.raises(tconv.TconvError, match="kernel_size must be an integer"):
        tconv.conv_output_size(5, "3")
    with pytest.raises(tconv.TconvError, match="output_padding .* only applies to transposed"):
        tconv.relation(5, 3, output_padding=1, transposed=False)
    assert np.asarray(tconv.conv_output_size(np.int64(5), 3)).tolist() == [3]


@pytest.mark.parametrize(
    "bounds,message",
    [
        ({"kernel_sizes": range(1, 1_000_001), "strides": range(1, 1_000_001)},
         "kernel_sizes 1..1000000 has more than 100,000 values"),
        ({"strides": range(1, 10**20)}, "strides 1..99999999999999999999 has more than 100,000 values"),
        ({"kernel_sizes": range(1, 65), "strides": range(1, 17)},
         "kernel_sizes 1..64, strides 1..16, dilations 1..3 and padding 0..d·(k−1) make 196,608 candidates for solve "
         "on 1 axis; valid range: at most 100,000 (about a second of search), e.g. kernel_sizes 1..45 or strides "
         "1..8 or dilations 1..2 with the other bounds as given"),
        ({"kernel_sizes": 3, "max_padding": 10**9}, "make 12,000,000,012 candidates"),
        ({"kernel_sizes": 3, "max_padding": 10**9}, "e.g. max_padding 8332 with the other bounds as given"),
    ],
    ids=["million-each", "range-too-long-for-len", "both-axes-of-the-message", "padding-count", "padding-fit"],
)
def test_solve_refuses_a_search_of_more_than_a_second_before_searching(bounds, message) -> None:
    with pytest.raises(tconv.TconvError) as info:
        tconv.solve(17, 34, **bounds)
    assert message in str(info.value)


def test_solve_counts_every_axis_against_the_cap_and_accepts_it_exactly() -> None:
    from tconv.solver import MAX_SOLVE_CANDIDATES, _solve_candidates

    bounds = {"kernel_sizes": list(range(1, 46)), "strides": list(range(1, 17)), "dilations": [1, 2, 3]}
    one_axis = _solve_candidates(1, bounds, None)
    assert one_axis == 16 * (6 * sum(range(45)) + 45 * 3) == 97_200 <= MAX_SOLVE_CANDIDATES
    (found,) = tconv.solve(17, 34, kernel_sizes=range(1, 46), strides=range(1, 17))
    assert str(found[0]) == "kernel_size=4, stride=2, padding=1"
    with pytest.raises(tconv.TconvError, match="make 194,400 candidates for solve on 2 axes"):
        tconv.solve((17, 17), (34, 34), kernel_sizes=range(1, 46), strides=range(1, 17))
