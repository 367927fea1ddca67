"""Walkthroughs: their numbers are the computation's, their steps add up, and every writer renders them."""

from __future__ import annotations

import json
import math
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings

import tconv
from helpers import Case, torch_conv_transpose
from strategies import valid_cases
from tconv.cli import main

VIEWS = ["gather", "scatter", "matrix"]
SNAPSHOTS = Path(__file__).parent / "snapshots"
SEED_X = [[[4, 4, 3], [0, 3, 4], [2, 3, 2]]]
SEED_W = [[[[1, 2], [0, 1]]]]


def small(case: Case, view: str) -> bool:
    """Within what a walkthrough of ``view`` shows (larger ones are refused, tested below)."""
    from tconv.explain.views import MAX_MATRIX_CELLS, MAX_STAMPS

    n = 1 if case.batch is None else case.batch
    out = tconv.conv_transpose_output_size(case.input_size, case.kernel_size, case.stride, case.padding,
                                           case.output_padding, case.dilation)
    cin, cout = case.groups * case.in_per_group, case.groups * case.out_per_group
    if view == "matrix":
        return cin * math.prod(case.input_size) * cout * math.prod(out) <= MAX_MATRIX_CELLS
    if view == "scatter":
        return n * cin * math.prod(case.input_size) * case.out_per_group <= MAX_STAMPS
    return n * cout * math.prod(out) * case.in_per_group * math.prod(case.kernel_size) <= 3000


def check_consistent(wt, case: Case, atol: float) -> None:
    """Each output cell = Σ listed products + bias = the real output; grid sizes = the size derivation."""
    x, _, _ = case.arrays()
    out = wt.output if case.batch is not None else wt.output[None]
    cells = wt.steps[-2].cells
    assert len(cells) == out.size
    for cell in cells:
        total = sum(t.x * t.w for t in cell.terms) + cell.bias
        assert total == pytest.approx(cell.value, abs=atol)
        n = cell.batch if cell.batch is not None else 0
        assert cell.value == pytest.approx(out[(n, cell.channel) + cell.position], abs=atol)
    assert wt.steps[-1].key == "output"
    for grid in wt.steps[-1].grids:
        assert grid.shape == tuple(wt.size.output_size)
    eqs = wt.size.equivalent
    if wt.view == "gather":
        assert {g.shape for g in wt.steps[0].grids} == {tuple(e["stretched_size"] for e in eqs)}
        assert {g.shape for g in wt.steps[1].grids} == {tuple(e["padded_size"] for e in eqs)}
        assert {g.shape for g in wt.steps[2].grids} == {tuple(case.kernel_size)}
        # the flipped kernel really is the original reversed on every axis
        for orig, flipped in zip(wt.steps[2].grids[::2], wt.steps[2].grids[1::2]):
            np.testing.assert_array_equal(flipped.values, np.flip(orig.values))
        # every inserted value sits where the plan says: stretched[::s] == x
        for grid in wt.steps[0].grids:
            assert np.count_nonzero(grid.roles == "input") == math.prod(case.input_size)
    elif wt.view == "scatter":
        full = tuple((L - 1) * s + d * (k - 1) + 1 for L, s, d, k in
                     zip(case.input_size, case.stride, case.dilation, case.kernel_size))
        assert {g.shape for g in wt.steps[1].grids} == {full}
        cin = case.groups * case.in_per_group
        assert len(wt.steps[0].grids) == (case.batch or 1) * cin * math.prod(case.input_size) * case.out_per_group
    else:
        (c,) = wt.steps[0].grids
        assert c.shape == (x.shape[-case.nd - 1] * math.prod(case.input_size), out.shape[1] * math.prod(out.shape[2:]))


@pytest.mark.parametrize("view", VIEWS)
@settings(max_examples=int(os.environ.get("TCONV_EXAMPLES", "60")) // 2 or 1)
@given(case=valid_cases(dtypes=(np.int64,), max_size=4))
def test_walkthrough_equals_torch_and_adds_up_exactly(view: str, case: Case) -> None:
    if not small(case, view):
        return
    x, w, b = case.arrays()
    wt = tconv.explain(x, w, b, **case.kwargs(), view=view)
    np.testing.assert_array_equal(wt.output, torch_conv_transpose(x, w, b, case))
    check_consistent(wt, case, atol=0)


@pytest.mark.parametrize("view", VIEWS)
@settings(max_examples=int(os.environ.get("TCONV_EXAMPLES", "60")) // 3 or 1)
@given(case=valid_cases(dtypes=(np.float64,), max_size=4))
def test_walkthrough_float64(view: str, case: Case) -> None:
    if not small(case, view):
        return
    x, w, b = case.arrays()
    wt = tconv.explain(x, w, b, **case.kwargs(), view=view)
    np.testing.assert_allclose(wt.output, torch_conv_transpose(x, w, b, case), atol=1e-10)
    check_consistent(wt, case, atol=1e-9)


def test_crop_instead_of_pad_is_said() -> None:
    """padding 3 > d(k−1) = 2: the equivalent 'padding' is −1, a crop."""
    wt = tconv.explain([[[1, 2, 3]]], [[[1, 2, 3]]], stride=2, padding=3, output_padding=1)
    (msg,) = wt.steps[1].text
    assert msg.key == "gather.pad.crop" and msg.args["crop_before"] == 1 and msg.args["crop_after"] == 0
    assert "cropped instead" in msg.render("en") and "裁剪" in msg.render("zh")
    assert (
        wt.output.tolist()
        == tconv.conv_transpose([[[1, 2, 3]]], [[[1, 2, 3]]], stride=2, padding=3, output_padding=1).tolist()
    )


def test_groups_show_each_output_channel_as_its_group_sum() -> None:
    x = np.arange(2 * 4 * 3).reshape(2, 4, 3)  # batched, 4 input channels
    w = np.ones((4, 1, 2), dtype=np.int64)
    wt = tconv.explain(x, w, groups=2)
    channel_msgs = [m for m in wt.steps[3].text if m.key == "channels.text"]
    assert [m.render("en") for m in channel_msgs] == [
        "Output channel 0 (group 0) sums over input channels 0, 1.",
        "Output channel 1 (group 1) sums over input channels 2, 3.",
    ]
    cell = wt.steps[3].cells[0]
    assert {t.channel for t in cell.terms} == {0, 1}
    assert "[c0]" in wt.to_text(color=False) and "[c1]" in wt.to_text(color=False)


def test_bias_is_added_last_and_said() -> None:
    wt = tconv.explain([[[1, 2, 3]]], [[[1, 1, 1]]], [10], stride=2, padding=1, output_padding=1, view="scatter")
    assert wt.output.tolist() == [[[11, 13, 12, 15, 13, 13]]]
    assert wt.steps[-1].text[0].render("en").startswith("Add the bias last: 10 to every cell of output channel 0")
    assert all(c.bias == 10 for c in wt.steps[-2].cells)


def test_output_padding_past_the_stamps_is_an_extension() -> None:
    wt = tconv.explain([[[1, 2]]], [[[1, 1, 1]]], stride=2, output_padding=1, view="scatter")
    crop = wt.steps[2]
    assert crop.text[0].key == "scatter.crop.extend" and crop.text[0].args["extend"] == 1
    assert crop.grids[0].roles.tolist() == ["output"] * 5 + ["extend"]


def test_to_dict_round_trips_through_json() -> None:
    for view in VIEWS:
        wt = tconv.explain(SEED_X, SEED_W, [1], view=view, lang="zh")
        d = wt.to_dict()
        assert list(d)[:0] == [] and {"params", "output_size", "steps", "output"} <= set(d)
        again = json.loads(json.dumps(d, ensure_ascii=False))
        assert again == d
        assert again["output"] == wt.output.tolist()
        assert isinstance(again["steps"], list) and again["steps"][-1]["key"] == "output"
        assert again["output_size"]["output_size"] == [4, 4]


def test_chinese_changes_prose_not_numbers_or_layout() -> None:
    en = tconv.explain(SEED_X, SEED_W, view="gather").to_text(color=False).splitlines()
    zh = tconv.explain(SEED_X, SEED_W, view="gather", lang="zh").to_text(color=False).splitlines()
    assert len(en) == len(zh)
    numeric = re.compile(r"^ *[-\d ]+$|^  y\[")
    assert [line for line in en if numeric.match(line)] == [line for line in zh if numeric.match(line)]
    assert "插入" in "\n".join(zh) and "insert" not in "\n".join(zh).lower().replace("zero_insert", "")


def test_html_is_well_formed_with_a_cell_per_value() -> None:
    wt = tconv.explain(SEED_X, SEED_W, stride=2)
    root = ET.fromstring(wt._repr_html_())
    tds = root.findall(".//td")
    by_class: dict[str, int] = {}
    for td in tds:
        by_class[td.get("class")] = by_class.get(td.get("class"), 0) + 1
    # step 1: 5×5 stretched grid (9 inputs, 16 zeros); step 2: 7×7 padded (9 inputs, 16 zeros, 24 pad);
    # step 3: two 2×2 kernels; output: 6×6
    assert by_class == {"tconv-input": 18, "tconv-zero": 32, "tconv-pad": 24, "tconv-kernel": 8, "tconv-output": 36}
    assert len(root.findall(".//section")) == 5


def test_text_colours_only_on_request() -> None:
    wt = tconv.explain(SEED_X, SEED_W)
    assert "\x1b[" in wt.to_text(color=True) and "\x1b[" not in wt.to_text(color=False)
    assert "legend" in wt.to_text(color=True)


@pytest.mark.parametrize("fmt", ["txt", "md"])
@pytest.mark.parametrize("view", VIEWS)
def test_seed_001_snapshots(view: str, fmt: str) -> None:
    """Seed 001's first example, rendered; regenerate with TCONV_UPDATE_SNAPSHOTS=1 after a deliberate change."""
    wt = tconv.explain(SEED_X, SEED_W, view=view)
    text = wt.to_text(color=False) if fmt == "txt" else wt.to_markdown()
    path = SNAPSHOTS / f"seed001_{view}.{fmt}"
    if os.environ.get("TCONV_UPDATE_SNAPSHOTS"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_refusals() -> None:
    with pytest.raises(tconv.TconvError, match="view 'fft' is not known"):
        tconv.explain(SEED_X, SEED_W, view="fft")
    with pytest.raises(tconv.TconvError, match="lang 'fr' is not known"):
        tconv.explain(SEED_X, SEED_W, lang="fr")
    with pytest.raises(tconv.TconvError, match="explain shows every product: this configuration has 295,936"):
        tconv.explain(np.ones((1, 16, 16, 16)), np.ones((16, 16, 2, 2)))
    with pytest.raises(tconv.TconvError, match="entry of the matrix C"):
        tconv.explain(np.ones((1, 1, 12, 12)), np.ones((1, 1, 3, 3)), view="matrix")
    with pytest.raises(tconv.TconvError, match="output_padding 2 on axis 0 must be smaller"):
        tconv.explain(SEED_X, SEED_W, stride=2, output_padding=2)


def test_cli_explain_formats(capsys, tmp_path: Path) -> None:
    args = ["explain", "--input", "[[4,4,3],[0,3,4],[2,3,2]]", "--weight", "[[1,2],[0,1]]"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out == (SNAPSHOTS / "seed001_gather.txt").read_text(encoding="utf-8")
    assert main(args + ["-p", "1", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["output"] == [[[7, 14], [7, 11]]]
    assert main(args + ["--format", "markdown", "--lang", "zh", "--view", "scatter"]) == 0
    assert "### 1. 每个输入值乘以整个卷积核" in capsys.readouterr().out
    target = tmp_path / "w.html"
    assert main(args + ["--format", "html", "-o", str(target)]) == 0
    assert capsys.readouterr().out == f"wrote {target}\n"
    ET.fromstring(target.read_text(encoding="utf-8"))
    assert main(["explain", "-i", "3,2", "-k", "2", "-s", "2", "--seed", "3", "--format", "json"]) == 0
    first = capsys.readouterr().out
    assert main(["explain", "-i", "3,2", "-k", "2", "-s", "2", "--seed", "3", "--format", "json"]) == 0
    assert capsys.readouterr().out == first and json.loads(first)["output_size"]["output_size"] == [6, 4]
    assert main(["explain", "-i", "40,40", "-k", "9"]) == 2
    assert "explain shows every product" in capsys.readouterr().err
