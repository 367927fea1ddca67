"""What the drawing functions take: any spelling of a size the library accepts, a ready plan or recipe, arrays
with sizes that agree, and a target to save to; everything else is refused naming what is wrong."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest

import tconv
from tconv.params import plan_conv, plan_conv_transpose
from tconv.scene import Look, draw

ROOT = Path(__file__).resolve().parents[1]


# --- output_padding with the direct view: the library's validator, not a truth test of an array ---------------


@pytest.mark.parametrize("output_padding", [0, [0, 0], (0, 0), np.array([0, 0]), np.int64(0), np.array(0)],
                         ids=["int", "list", "tuple", "array", "numpy-int", "0-d-array"])
def test_the_direct_view_takes_any_spelling_of_no_output_padding(output_padding) -> None:
    scene = tconv.animate(3, 3, output_padding=output_padding, view="conv")
    assert scene.svg() == tconv.animate(3, 3, view="conv").svg()


@pytest.mark.parametrize(("given", "message"), [
    (dict(output_padding=np.array([0, 1])), r"output_padding array\(\[0, 1\]\) only applies to transposed convolution "
                                            r"\(view 'conv' is direct\): use 0"),
    (dict(output_padding=1), r"output_padding 1 only applies to transposed convolution"),
    (dict(output_padding=[0, 0, 0], input=np.ones((3, 3)), weight=np.ones((2, 2))),
     r"output_padding must be a single integer or a sequence of 2 integers .* got \[0, 0, 0\]"),
    (dict(output_padding=np.array([-1, 0])), r"output_padding -1 on axis 0 must be at least 0"),
    (dict(output_padding="0"), r"output_padding must be an integer or a sequence of 2 integers, got the string '0'"),
    (dict(output_padding=0.0), r"output_padding must be an integer or a list or tuple of 2 integers, got 0.0 "
                               r"\(float\)"),
    (dict(output_size=5), r"output_size 5 only applies to transposed convolution \(view 'conv' is direct\): leave "
                          r"it out"),
], ids=["array-nonzero", "int-nonzero", "three-axes", "negative", "string", "float", "output-size"])
def test_the_direct_view_refuses_output_padding_naming_it(given: dict, message: str) -> None:
    sizes = {} if "input" in given else dict(input_size=3, kernel_size=3)
    with pytest.raises(tconv.TconvError, match=message):
        tconv.animate(**sizes, **given, view="conv")


def test_the_transposed_views_take_an_array_of_output_padding() -> None:
    assert (tconv.animate(3, 3, stride=2, output_padding=np.array([1, 0])).svg()
            == tconv.animate(3, 3, stride=2, output_padding=(1, 0)).svg())


# --- a ready plan, or the Recipe of tconv.plan ----------------------------------------------------------------

#: Plans of the layer k3 s2 p1 op1 on a 3 × 3 input: one channel, or batches, channels and groups the picture
#: does not draw.
LAYER = dict(stride=2, padding=1, output_padding=1)
PLANS = {
    "recipe-one-channel": lambda: tconv.plan((1, 1, 3, 3), (1, 1, 3, 3), **LAYER),
    "recipe-batch-and-channels": lambda: tconv.plan((8, 16, 3, 3), (16, 4, 3, 3), **LAYER),
    "recipe-grouped": lambda: tconv.plan((2, 4, 3, 3), (4, 3, 3, 3), groups=2, **LAYER),
    "recipe-unbatched": lambda: tconv.plan((4, 3, 3), (4, 2, 3, 3), **LAYER),
    "recipe-float64": lambda: tconv.plan((1, 2, 3, 3), (2, 2, 3, 3), dtype="float64", **LAYER),
    "plan-channels": lambda: plan_conv_transpose((2, 3, 3, 3), (3, 5, 3, 3), **LAYER),
}


@pytest.mark.parametrize("make", PLANS.values(), ids=PLANS.keys())
@pytest.mark.parametrize("view", ["gather", "scatter"])
def test_draw_and_animate_draw_one_channel_of_a_plan_or_recipe(make, view: str) -> None:
    """The picture is the layer's per-axis geometry: the same as from its sizes, whatever the batch, channels,
    groups or dtype of the plan."""
    expected = tconv.animate(3, 3, view=view, values=True, **LAYER).svg()
    assert draw(make(), view=view, look=Look(values=True)).svg() == expected
    assert tconv.animate(plan=make(), view=view, values=True).svg() == expected


@pytest.mark.parametrize("make", PLANS.values(), ids=PLANS.keys())
def test_overlap_takes_a_plan_or_recipe(make) -> None:
    m = tconv.overlap(plan=make(), layers=2)
    expected = tconv.overlap(3, 3, layers=2, **LAYER)
    np.testing.assert_array_equal(m.counts, expected.counts)
    assert m.plan == expected.plan and m.message() == expected.message()


def test_a_multi_channel_direct_plan_draws_one_channel() -> None:
    plan = plan_conv((2, 4, 5, 5), (6, 2, 3, 3), stride=2, padding=1, groups=2)
    assert draw(plan).svg() == tconv.animate(5, 3, stride=2, padding=1, view="conv").svg()


def test_animate_draws_given_arrays_on_a_recipe() -> None:
    x, w = np.arange(1, 10).reshape(3, 3), np.array([[1, 2, 0], [0, 1, 1], [2, 0, 1]])
    scene = tconv.animate(plan=tconv.plan((1, 4, 3, 3), (4, 2, 3, 3), **LAYER), input=x, weight=w, values=True)
    assert scene.svg() == tconv.animate(input=x, weight=w, values=True, **LAYER).svg()
    with pytest.raises(tconv.TconvError, match=r"input shape \[2, 2\] and weight shape \[3, 3\] are not the plan's"):
        tconv.animate(plan=tconv.plan((1, 4, 3, 3), (4, 2, 3, 3)), input=np.ones((2, 2), int), weight=w)


@pytest.mark.parametrize("sizes", [
    dict(input_size=3), dict(kernel_size=3), dict(stride=2), dict(padding=(1, 1)), dict(output_padding=1),
    dict(dilation=2), dict(output_size=6),
], ids=["input_size", "kernel_size", "stride", "padding", "output_padding", "dilation", "output_size"])
def test_animate_refuses_sizes_beside_a_plan(sizes: dict) -> None:
    [name] = sizes
    with pytest.raises(tconv.TconvError, match=f"give the layer as a plan or as sizes, not both: the plan sets {name}"):
        tconv.animate(plan=tconv.plan((1, 1, 3, 3), (1, 1, 3, 3)), **sizes)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: draw(tconv.plan((1, 1, 3, 3), (1, 1, 3, 3)), view="conv"),
     r"view 'conv' draws a ConvPlan \(tconv.params.plan_conv\), got a ConvTransposePlan"),
    (lambda: draw(plan_conv((1, 1, 5, 5), (1, 1, 3, 3)), view="scatter"),
     r"view 'scatter' draws a ConvTransposePlan \(tconv.params.plan_conv_transpose, or tconv.plan's Recipe\), got a "
     r"ConvPlan"),
    (lambda: tconv.animate(plan=(1, 1, 3, 3)), r"draws a ConvTransposePlan .* got a tuple"),
    (lambda: tconv.overlap(plan="3x3"), r"plan must be a ConvTransposePlan \(tconv.params.plan_conv_transpose\) or "
                                        r"the Recipe of tconv.plan, got '3x3' \(str\)"),
    (lambda: tconv.animate(plan=tconv.plan((1, 1, 3, 3, 3), (1, 1, 2, 2, 2))), r"1-D and 2-D convolutions, got 3"),
], ids=["recipe-for-conv-view", "conv-plan-for-scatter", "animate-not-a-plan", "overlap-not-a-plan", "3-d-recipe"])
def test_a_plan_a_scene_cannot_draw_is_refused_naming_what_it_takes(call, message: str) -> None:
    with pytest.raises(tconv.TconvError, match=message):
        call()


# --- sizes beside arrays: the arrays' shapes are the sizes --------------------------------------------------


@pytest.mark.parametrize("sizes", [dict(), dict(input_size=3), dict(input_size=[3], kernel_size=2),
                                   dict(kernel_size=(2,))], ids=["none", "input-int", "both", "kernel-tuple"])
def test_sizes_that_agree_with_the_arrays_are_accepted(sizes: dict) -> None:
    scene = tconv.animate(input=[1, 2, 3], weight=[1, 1], values=True, **sizes)
    assert scene.svg() == tconv.animate(input=[1, 2, 3], weight=[1, 1], values=True).svg()


@pytest.mark.parametrize(("sizes", "message"), [
    (dict(input_size=4, kernel_size=2), r"input_size 4 conflicts with input, whose spatial shape is \[3\]: leave "
                                        r"input_size out or make them agree"),
    (dict(kernel_size=3), r"kernel_size 3 conflicts with weight, whose spatial shape is \[2\]"),
    (dict(input_size=(3, 3)), r"input_size \(3, 3\) conflicts with input, whose spatial shape is \[3\]"),
], ids=["input-size", "kernel-size", "more-axes"])
def test_sizes_that_disagree_with_the_arrays_are_refused(sizes: dict, message: str) -> None:
    with pytest.raises(tconv.TconvError, match=message):
        tconv.animate(input=[1, 2, 3], weight=[1, 1], **sizes)


def test_the_command_line_still_takes_sizes_that_agree_with_arrays(tmp_path: Path) -> None:
    from tconv.cli import main

    assert main(["animate", "-i", "2", "--input", "[[1,2],[3,4]]", "--weight", "[[1,0],[0,1]]", "--values",
                 "-o", str(tmp_path / "a.svg")]) == 0
    assert (tmp_path / "a.svg").read_text() == tconv.animate(input=[[1, 2], [3, 4]], weight=[[1, 0], [0, 1]],
                                                             values=True).svg()


# --- saving: the kind in any case, the target refused before any drawing --------------------------------------


@pytest.mark.parametrize("kind", ["GIF", "Gif", "SVG", "Png"])
def test_a_kind_is_read_in_any_case(kind: str) -> None:
    scene = tconv.animate(2, 2)
    upper, lower = io.BytesIO(), io.BytesIO()
    scene.save(upper, kind)
    scene.save(lower, kind.lower())
    assert upper.getvalue() == lower.getvalue() != b""


def test_an_overlap_map_reads_its_kind_in_any_case() -> None:
    buf = io.BytesIO()
    tconv.overlap(4, 3, stride=2).save(buf, "PNG")
    assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


TARGETS = {
    "none": (lambda tmp: None, r"cannot write the scene to None \(NoneType\): give a path or a file object open for "
                               r"writing"),
    "folder": (lambda tmp: tmp, r"target '.*' is a folder: give a file name"),
    "missing-folder": (lambda tmp: tmp / "no" / "x.svg", r"the folder '.*no' does not exist"),
    "binary-read": (lambda tmp: (tmp / "ro.svg").open("rb"), r"cannot write the scene to <_io.BufferedReader "
                                                            r"name='.*ro.svg'>: it is not open for writing"),
    "text-read": (lambda tmp: (tmp / "ro.svg").open("r"), r"cannot write the scene to .*: it is not open for writing"),
    "closed": (lambda tmp: _closed(), r"cannot write the scene to .*: the file is closed"),
}


def _closed() -> io.BytesIO:
    buf = io.BytesIO()
    buf.close()
    return buf


@pytest.mark.parametrize(("make", "message"), TARGETS.values(), ids=TARGETS.keys())
def test_a_target_nothing_can_be_written_to_is_refused_before_drawing(make, message: str, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from tconv import render

    (tmp_path / "ro.svg").write_text("kept")
    target = make(tmp_path)

    def drawn(*args, **kwargs):
        raise AssertionError("a writer ran for a refused target")

    monkeypatch.setitem(render.WRITERS, "svg", drawn)
    try:
        with pytest.raises(tconv.TconvError, match=message):
            tconv.animate(2, 2).save(target, "svg")
    finally:
        if hasattr(target, "close"):
            target.close()
    assert (tmp_path / "ro.svg").read_text() == "kept"


@pytest.mark.parametrize(("target", "kind", "message"), [
    (io.BytesIO(), None, r"kind is needed to write to a file object \(BytesIO\): one of 'svg', 'png'$"),
    ("map.bmp", None, r"cannot write 'map.bmp': the extension must be one of .svg, .png \(or give kind=\)$"),
    ("map.gif", None, r"cannot write kind 'gif': an overlap heatmap is a still, written as .svg or .png$"),
    (io.BytesIO(), "GIF", r"cannot write kind 'gif': an overlap heatmap is a still, written as .svg or .png$"),
    (io.BytesIO(), "pdf", r"kind 'pdf' is not known: choose one of 'svg', 'png'$"),
    (None, "svg", r"cannot write the heatmap to None \(NoneType\): give a path or a file object open for writing"),
], ids=["no-kind", "unknown-extension", "gif-extension", "gif-kind", "unknown-kind", "none"])
def test_an_overlap_map_lists_only_the_kinds_it_writes(target, kind, message: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(tconv.TconvError, match=message):
        tconv.overlap(4, 3, stride=2).save(target, kind)


@pytest.mark.parametrize(("cell_size", "message"), [
    (float("nan"), r"cell_size must be an integer, got nan \(float\)"),
    ("abc", r"cell_size must be an integer, got 'abc' \(str\)"),
    (0, r"cell_size 0 must be at least 4"),
    (True, r"cell_size must be an integer, got True \(bool\)"),
    (201, r"cell_size 201 is too large: at most 200 pixels"),
], ids=["nan", "text", "zero", "bool", "too-large"])
def test_an_overlap_scene_checks_its_cell_size_as_animate_does(cell_size, message: str) -> None:
    with pytest.raises(tconv.TconvError, match=message):
        tconv.overlap(4, 3, stride=2).scene(cell_size)
    with pytest.raises(tconv.TconvError, match=message):
        tconv.animate(4, 3, stride=2, cell_size=cell_size)


# --- the guide says what the drawing functions do, in one table of commands -----------------------------------


def test_the_guide_says_the_drawing_functions_draw_squares() -> None:
    guide = " ".join((ROOT / "docs" / "guide.md").read_text(encoding="utf-8").split())
    assert "only the shells draw a square" not in guide
    assert "`tconv.animate(3, 3)` and `tconv.overlap(5, 3)` draw squares" in guide
    assert tconv.animate(3, 3).panel("output").shape == (5, 5) and tconv.overlap(5, 3).counts.shape == (7, 7)


def test_the_guides_command_table_is_one_table_of_two_columns() -> None:
    text = (ROOT / "docs" / "guide.md").read_text(encoding="utf-8")
    start = text.index("| command | what it does |")
    table = text[start:text.index("\nEvery mistake prints", start)].strip().splitlines()
    assert len(table) > 10
    for row in table:  # no blank line splits it; a pipe inside a cell is escaped
        assert row.startswith("|") and len(re.findall(r"(?<!\\)\|", row)) == 3, row
