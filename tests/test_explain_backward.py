"""The backward view: a convolution's gradient (y = C·x, so dx = Cᵀ·dy), shown to be the transposed convolution.

Its numbers are torch's autograd's: dx and dw of F.conv1d/conv2d for the tutorials' example and for drawn
configurations (stride, padding, dilation, groups, batches, output_size); every listed sum adds up; every writer,
in English and Chinese, carries the same numbers; bad requests are TconvErrors.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

import tconv
from helpers import TORCH_CONV, torch
from tconv.cli import main
from tconv.explain.writers import cell_equation, format_number

SNAPSHOTS = Path(__file__).parent / "snapshots"
DOCS = Path(__file__).parent.parent / "docs"
SEED_X = [[[4, 4, 3], [0, 3, 4], [2, 3, 2]]]
SEED_W = [[[[1, 2], [0, 1]]]]
SEED_Y = [[4, 12, 11, 6], [0, 7, 14, 11], [2, 7, 11, 8], [0, 2, 3, 2]]  # seed 001's output
STEPS = ["forward", "upstream", "input_grad", "weight_grad", "output"]


def torch_gradients(x: np.ndarray, w: np.ndarray, dy: np.ndarray, stride, padding, dilation, groups: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The oracle: y = F.convNd(x, w) and torch.autograd.grad's dx and dw for the upstream gradient dy (integers
    in float64, where the small values of these tests are exact)."""
    real = np.float64
    tx = torch.tensor(x.astype(real), requires_grad=True)
    tw = torch.tensor(w.astype(real), requires_grad=True)
    y = TORCH_CONV[w.ndim - 2](tx, tw, None, stride, padding, dilation, groups)
    dx, dw = torch.autograd.grad(y, (tx, tw), grad_outputs=torch.tensor(dy.astype(real)))
    return y.detach().numpy(), dx.numpy(), dw.numpy()


def close(actual: Any, expected: Any, exact: bool) -> None:
    if exact:
        np.testing.assert_array_equal(np.asarray(actual), np.asarray(expected).astype(np.asarray(actual).dtype))
    else:
        np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=1e-9, atol=1e-9)


def check(wt: tconv.Walkthrough, x: np.ndarray, w: np.ndarray, dy: np.ndarray, stride, padding, dilation,
          groups: int) -> None:
    """Every number of the walkthrough against torch's autograd, and every listed sum against its terms."""
    exact = dy.dtype.kind == "i"
    batched = dy.ndim == w.ndim
    xb, dyb = (x, dy) if batched else (x[None], dy[None])
    y, dx, dw = torch_gradients(xb, w, dyb, stride, padding, dilation, groups)
    assert [s.key for s in wt.steps] == STEPS
    forward, upstream, input_grad, weight_grad, output = wt.steps
    close(wt.output, dx if batched else dx[0], exact)
    # every cell: the sum of its listed products, and torch's value
    for step, want in ((forward, y), (input_grad, dx)):
        assert len(step.cells) == want.size
        for cell in step.cells:
            close(sum((t.x * t.w for t in cell.terms), start=0), cell.value, exact)
            close(cell.value, want[(cell.batch or 0, cell.channel, *cell.position)], exact)
    assert len(weight_grad.cells) == dw.size
    for cell in weight_grad.cells:
        close(sum((t.x * t.w for t in cell.terms), start=0), cell.value, exact)
        close(cell.value, dw[(cell.channel, *cell.position)], exact)
    # the grids: x, the kernels, C and y; dy; dx; dw; conv_transpose(dy, w)
    n_x, n_w = xb.shape[0] * xb.shape[1], w.shape[0] * w.shape[1]
    x_grids, w_grids, (c_grid,), y_grids = (forward.grids[:n_x], forward.grids[n_x:n_x + n_w],
                                            forward.grids[n_x + n_w:n_x + n_w + 1], forward.grids[n_x + n_w + 1:])
    close([g.values for g in x_grids], xb.reshape(-1, *xb.shape[2:]), exact)
    close([g.values for g in w_grids], w.reshape(-1, *w.shape[2:]), exact)
    close(c_grid.values @ xb.reshape(xb.shape[0], -1).T, y.reshape(y.shape[0], -1).T, exact)  # y = C·x
    close(c_grid.values.T @ dyb.reshape(dyb.shape[0], -1).T, dx.reshape(dx.shape[0], -1).T, exact)  # dx = Cᵀ·dy
    close([g.values for g in y_grids], y.reshape(-1, *y.shape[2:]), exact)
    close([g.values for g in upstream.grids], dyb.reshape(-1, *dyb.shape[2:]), exact)
    for step in (input_grad, output):
        close([g.values for g in step.grids], dx.reshape(-1, *dx.shape[2:]), exact)
    close([g.values for g in weight_grad.grids], dw.reshape(-1, *dw.shape[2:]), exact)
    # the statements: dw and dx agree with the library's (0 for integers)
    (check_dw,) = (m for m in weight_grad.text if m.key == "backward.weight.check")
    (same,) = output.text
    for message in (check_dw, same):
        assert message.args["diff"] == 0 if exact else abs(message.args["diff"]) < 1e-9
    db = [m.args["sum"] for m in weight_grad.text if m.key == "backward.weight.bias"]
    close(db, dyb.sum(axis=(0, *range(2, dyb.ndim))), exact)
    # C is the matrix view's C: one matrix, C forward and Cᵀ backward
    matrix = tconv.explain(dy, w, stride=stride, padding=padding, output_padding=wt.params["output_padding"],
                           groups=groups, dilation=dilation, view="matrix")
    np.testing.assert_array_equal(matrix.steps[0].grids[0].values, c_grid.values)


def test_the_tutorials_example_is_the_gradient_of_a_convolution() -> None:
    """dy = seed 001's input, w its kernel: dx = Cᵀ·dy is seed 001's output, exactly torch's gradient."""
    wt = tconv.explain(SEED_X, SEED_W, view="backward")
    assert wt.output.tolist() == [SEED_Y]
    x = np.arange(1, 17).reshape(1, 4, 4)  # the default x: 1, 2, 3, … in reading order
    check(wt, x, np.array(SEED_W), np.array(SEED_X), 1, 0, 1, 1)
    forward = wt.steps[0]
    assert [m.key for m in forward.text] == ["backward.forward.text", "backward.forward.default",
                                             "backward.forward.matrix"]
    assert forward.text[0].args == {"stride": [1, 1], "padding": [0, 0], "dilation": [1, 1], "groups": 1,
                                    "x_shape": [1, 4, 4], "y_shape": [1, 3, 3], "rows": 9, "cols": 16,
                                    "nonzeros": 36}
    c = forward.grids[2]
    assert c.shape == (9, 16) and c.row_labels[0] == "y0(0, 0)" and c.col_labels[-1] == "x0(3, 3)"
    assert [cell_equation(cell, cell.name) for cell in wt.steps[2].cells[:3]] == [
        "dx[0](0, 0) = 4·1 = 4", "dx[0](0, 1) = 4·2 + 4·1 = 12", "dx[0](0, 2) = 4·2 + 3·1 = 11"]
    assert [cell_equation(cell, cell.name) for cell in wt.steps[3].cells[:1]] == [
        "dw[0, 0](0, 0) = 1·4 + 2·4 + 3·3 + 5·0 + 6·3 + 7·4 + 9·2 + 10·3 + 11·2 = 137"]
    assert wt.steps[3].text[1].render("en") == "A bias of the convolution would get db[0] = Σ dy[0] = 25."


def test_a_given_x_changes_y_and_dw_never_dx() -> None:
    x = [[[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 2, 0], [0, 0, 0, 1]]]
    wt = tconv.explain(SEED_X, SEED_W, view="backward", conv_input=x)
    assert wt.output.tolist() == [SEED_Y]
    assert "backward.forward.default" not in [m.key for m in wt.steps[0].text]
    check(wt, np.array(x), np.array(SEED_W), np.array(SEED_X), 1, 0, 1, 1)


# ---- drawn configurations: 1-D and 2-D, stride, padding, dilation, groups, batches, output_size


@st.composite
def backward_cases(draw: st.DrawFn) -> dict[str, Any]:
    """A convolution and its upstream gradient, small enough to list: the transposed convolution's arguments with
    output_padding < stride (or the output_size it gives), x sometimes given, integers or floats."""
    nd = draw(st.integers(1, 2))
    hi = 5 if nd == 1 else 3
    axes = []
    for _ in range(nd):
        size, k, s, d = (draw(st.integers(1, hi)), draw(st.integers(1, 3)), draw(st.integers(1, 3)),
                         draw(st.integers(1, 3)))
        op = draw(st.integers(0, s - 1))
        p = draw(st.integers(0, ((size - 1) * s + d * (k - 1) + op) // 2))  # the output keeps a cell
        axes.append((size, k, s, p, op, d))
    size, k, s, p, op, d = (tuple(ax[n] for ax in axes) for n in range(6))
    groups, cg, mg = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    batch = draw(st.sampled_from([None, 1, 2]))
    dtype = draw(st.sampled_from([np.int64, np.float64]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    lead = (groups * cg,) if batch is None else (batch, groups * cg)

    def values(shape: tuple[int, ...]) -> np.ndarray:
        if dtype == np.int64:
            return rng.integers(-4, 5, size=shape)
        return rng.standard_normal(shape)

    dy, w = values(lead + size), values((groups * cg, mg) + k)
    out = tuple((L - 1) * st_ - 2 * pp + dd * (kk - 1) + o + 1 for L, kk, st_, pp, o, dd in zip(size, k, s, p, op, d))
    x_shape = ((groups * mg,) if batch is None else (batch, groups * mg)) + out
    by_size = draw(st.booleans())
    return dict(dy=dy, w=w, x=values(x_shape) if draw(st.booleans()) else None, stride=s, padding=p, dilation=d,
                groups=groups, layer=dict(output_size=out) if by_size else dict(output_padding=op))


@settings(max_examples=int(os.environ.get("TCONV_EXAMPLES", "60")))
@given(case=backward_cases())
def test_drawn_walkthroughs_are_torchs_gradients(case: dict[str, Any]) -> None:
    try:
        wt = tconv.explain(case["dy"], case["w"], stride=case["stride"], padding=case["padding"],
                           groups=case["groups"], dilation=case["dilation"], **case["layer"], view="backward",
                           conv_input=case["x"])
    except tconv.TconvError as exc:  # more than a walkthrough lists (the refusal is tested below)
        assert str(exc).startswith("explain shows every entry of the matrix C")
        assume(False)
    event(f"{case['w'].ndim - 2}-D, stride {max(case['stride'])}, dilation {max(case['dilation'])}, "
          f"padding {'yes' if max(case['padding']) else 'no'}, groups {case['groups']}")
    x = case["x"]
    if x is None:
        x = np.arange(1, wt.output.size + 1).reshape(wt.output.shape).astype(case["dy"].dtype)
    check(wt, x, case["w"], case["dy"], case["stride"], case["padding"], case["dilation"], case["groups"])


def test_integers_wrap_as_conv_transpose_does() -> None:
    dy, w = np.full((1, 3, 3), 2**62), np.full((1, 1, 2, 2), 3)
    wt = tconv.explain(dy, w, view="backward")
    np.testing.assert_array_equal(wt.output, tconv.conv_transpose(dy, w))
    np.testing.assert_array_equal(wt.steps[2].grids[0].values, tconv.conv_transpose(dy, w)[0])
    assert wt.steps[-1].text[0].args["diff"] == 0 and wt.steps[3].text[-1].args["diff"] == 0


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_other_dtypes_compute_in_the_forwards_dtype(dtype: type) -> None:
    dy, w = np.array(SEED_X, dtype=dtype), np.array(SEED_W, dtype=dtype)
    wt = tconv.explain(dy, w, view="backward")
    assert wt.output.dtype == dtype and wt.output[0].tolist() == SEED_Y
    assert wt.to_dict()["params"]["dtype"] == np.dtype(dtype).name
    assert wt.steps[3].grids[0].values.tolist() == [[137, 162], [237, 262]]


# ---- the writers: the same numbers in every format and language


def equations(wt: tconv.Walkthrough) -> list[str]:
    return [cell_equation(cell, cell.name) for step in wt.steps for cell in step.cells]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_writer_carries_every_equation_and_grid(lang: str) -> None:
    wt = tconv.explain(np.arange(8).reshape(2, 2, 2) - 3, np.arange(8).reshape(2, 1, 2, 2) - 2, stride=(2, 1),
                       padding=(0, 1), output_padding=(1, 0), groups=2, view="backward", lang=lang)
    eqs = equations(wt)
    assert len(eqs) == len(wt.steps[0].cells) + len(wt.steps[2].cells) + len(wt.steps[3].cells) == 8 + 10 + 8
    text, md, page = wt.to_text(color=False), wt.to_markdown(), wt.to_html()
    root = ET.fromstring(page)
    pre = "\n".join("".join(p.itertext()) for p in root.iter("pre"))
    for eq in eqs:
        assert f"  {eq}\n" in text and f"\n{eq}\n" in md and eq in pre.splitlines()
    # every grid value, in order, in the HTML cells of its table
    cells = [td.text for td in root.iter("td")]
    values = [v for step in wt.steps for g in step.grids for v in np.asarray(g.values).ravel().tolist()]
    assert cells == [format_number(v) for v in values]
    d = json.loads(json.dumps(wt.to_dict(), ensure_ascii=False))
    assert d["view"] == "backward" and [s["key"] for s in d["steps"]] == STEPS and d["output"] == wt.output.tolist()
    assert [c["name"] for s in d["steps"] for c in s["cells"]] == [c.name for s in wt.steps for c in s.cells]
    assert [c["value"] for s in d["steps"] for c in s["cells"]] == [c.value for s in wt.steps for c in s.cells]
    assert d["steps"][3]["grids"][0]["values"] == wt.steps[3].grids[0].values.tolist()


def test_chinese_changes_the_prose_not_the_numbers() -> None:
    en = tconv.explain(SEED_X, SEED_W, view="backward")
    zh = tconv.explain(SEED_X, SEED_W, view="backward", lang="zh")
    numeric = re.compile(r"^ *[-\d ]+$|^  (y|dx|dw)\[|^ +y\d\(")
    en_lines, zh_lines = en.to_text(color=False).splitlines(), zh.to_text(color=False).splitlines()
    assert len(en_lines) == len(zh_lines)
    assert [s for s in en_lines if numeric.match(s)] == [s for s in zh_lines if numeric.match(s)]
    assert equations(en) == equations(zh) and en.to_dict()["output"] == zh.to_dict()["output"]
    zh_text = "\n".join(zh_lines)
    for words in ("反向传播", "上游梯度", "链式法则", "互相关", "转置卷积"):
        assert words in zh_text
    assert "gradient" not in zh_text and "chain rule" not in zh_text


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("fmt", ["txt", "md"])
def test_seed_001_backward_snapshots(fmt: str, lang: str) -> None:
    """The tutorials' example, rendered; regenerate with TCONV_UPDATE_SNAPSHOTS=1 after a deliberate change."""
    wt = tconv.explain(SEED_X, SEED_W, view="backward", lang=lang)
    text = wt.to_text(color=False) if fmt == "txt" else wt.to_markdown()
    path = SNAPSHOTS / f"seed001_backward{'' if lang == 'en' else '_zh'}.{fmt}"
    if os.environ.get("TCONV_UPDATE_SNAPSHOTS"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


# ---- refusals


def test_refusals_name_the_parameter() -> None:
    with pytest.raises(tconv.TconvError, match=r"^bias: view 'backward' explains dx = Cᵀ·dy, which has no bias"):
        tconv.explain(SEED_X, SEED_W, [1], view="backward")
    with pytest.raises(tconv.TconvError, match=r"needs output_padding < stride on every axis: on axis 1 "
                                               r"output_padding 1 ≥ stride 1 makes x 7 long, and conv\(x, w\) would "
                                               r"then have 4 cells where dy has 3"):
        tconv.explain(SEED_X, SEED_W, view="backward", dilation=(1, 3), output_padding=(0, 1))
    with pytest.raises(tconv.TconvError, match=r"view 'backward' explains real gradients, dx = Cᵀ·dy: for dtype "
                                               r"complex128 PyTorch's autograd gives the conjugate transpose"):
        tconv.explain(np.array(SEED_X, complex), SEED_W, view="backward")
    with pytest.raises(tconv.TconvError, match="conv_input is the convolution's input x of view 'backward'; view "
                                               "'matrix' takes none"):
        tconv.explain(SEED_X, SEED_W, view="matrix", conv_input=np.ones((1, 4, 4)))
    with pytest.raises(tconv.TconvError, match=r"conv_input must have the shape of the transposed convolution's "
                                               r"output, x's shape \[1, 4, 4\], got \[4, 4\]"):
        tconv.explain(SEED_X, SEED_W, view="backward", conv_input=np.ones((4, 4)))
    with pytest.raises(tconv.TconvError, match="conv_input dtype float32 differs from the input's and weight's int64"):
        tconv.explain(SEED_X, SEED_W, view="backward", conv_input=np.ones((1, 4, 4), np.float32))
    with pytest.raises(tconv.TconvError, match="conv_input holds float64 values, which do not fit .* int64"):
        tconv.explain(SEED_X, SEED_W, view="backward", conv_input=[[[0.5] * 4] * 4])
    with pytest.raises(tconv.TconvError, match="conv_input must hold numbers"):
        tconv.explain(SEED_X, SEED_W, view="backward", conv_input=[["a"]])
    with pytest.raises(tconv.TconvError, match="explain shows every entry of the matrix C: this configuration has "
                                               "19,600"):
        tconv.explain(np.ones((1, 1, 10, 10)), np.ones((1, 1, 5, 5)), view="backward")
    with pytest.raises(tconv.TconvError, match="explain shows every product: this configuration has 25,200"):
        tconv.explain(np.ones((300, 1, 7)), np.ones((1, 1, 4)), view="backward")
    with pytest.raises(tconv.TconvError, match="output_padding 2 on axis 0 must be smaller"):  # the plan's own
        tconv.explain(SEED_X, SEED_W, view="backward", stride=2, output_padding=2)


# ---- the command line


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_explain_view_backward(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(["explain", "--view", "backward"], capsys)  # the tutorials' example, by default
    assert code == 0 and out == (SNAPSHOTS / "seed001_backward.txt").read_text(encoding="utf-8")
    code, out, _ = run(["explain", "--view", "backward", "--format", "json", "--conv-input",
                        "[[1,0,0,0],[0,0,0,0],[0,0,2,0],[0,0,0,1]]"], capsys)
    d = json.loads(out)
    assert code == 0 and d["output"] == [SEED_Y] and d["steps"][0]["grids"][0]["values"][2] == [0, 0, 2, 0]
    code, out, _ = run(["explain", "--view", "backward", "--lang", "zh", "--format", "markdown"], capsys)
    assert code == 0 and "### 3. dx = Cᵀ·dy：每个 x 位置收集它参与计算的每个 y 的 dy" in out
    target = tmp_path / "backward.html"
    code, out, _ = run(["explain", "--view", "backward", "--format", "html", "-o", str(target)], capsys)
    assert code == 0 and [s.get("data-step") for s in ET.fromstring(target.read_text("utf-8")).iter("section")] == STEPS
    code, out, _ = run(["explain", "--view", "backward", "-i", "4,", "-k", "3", "-s", "2", "-p", "1",
                        "--output-padding", "1", "--seed", "2", "--format", "json"], capsys)
    assert code == 0 and json.loads(out)["output_size"]["output_size"] == [8]


@pytest.mark.parametrize("args,message", [
    (["--conv-input", "[[1]]"], "--conv-input is the convolution's input x of --view backward"),
    (["--view", "backward", "--bias", "[1]"], "bias: view 'backward' explains dx"),
    (["--view", "backward", "--conv-input", "[[1, 2]]"], "conv_input must have the shape"),
    (["--view", "backward", "--conv-input", "[[1, 2], [3]]"], "--conv-input is not a rectangular array"),
    (["--view", "backward", "-i", "3", "-k", "3", "-d", "2", "--output-padding", "1"], "output_padding < stride"),
    (["--view", "backward", "-i", "40", "-k", "3"], "explain shows every entry of the matrix C"),
], ids=["conv-input-without-backward", "bias", "conv-input-shape", "conv-input-ragged", "output-padding",
        "too-large"])
def test_cli_refusals_exit_2_with_one_line(args: list[str], message: str, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    code, out, err = run(["explain", *args], capsys)
    assert code == 2 and out == "" and len(err.splitlines()) == 1 and message in err


# ---- the docs


def test_the_recorded_run_in_docs_explain_md_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    """docs/explain.md pastes ``tconv explain --view backward``'s output: it is what the command prints now."""
    page = (DOCS / "explain.md").read_text(encoding="utf-8")
    recorded = re.search(r"```text\n\$ tconv explain --view backward\n(.*?)```", page, flags=re.S)
    assert recorded is not None
    code, out, _ = run(["explain", "--view", "backward"], capsys)
    assert code == 0 and recorded.group(1) == out, "docs/explain.md's recorded run is stale: paste the new output"


@pytest.mark.parametrize(("kernel", "stride"), [(3, 2), (2, 1), (4, 2), (1, 2)])
def test_same_padding_with_uneven_crops_is_walked_through(kernel: int, stride: int) -> None:
    """padding="same" crops one cell more at the end where the crop is odd: the walkthrough's dx is that layer's
    output, and its dw the weight gradient tconv.grad gives (the adjoint identity ties both to the forward)."""
    dy = np.array([[[1.0, 2.0, 3.0]]])
    w = np.arange(1.0, kernel + 1).reshape(1, 1, kernel)
    wt = tconv.explain(dy, w, stride=stride, padding="same", view="backward")
    expected = tconv.conv_transpose(dy, w, stride=stride, padding="same")
    np.testing.assert_array_equal(wt.output, expected)
    x = np.arange(1.0, expected.size + 1).reshape(expected.shape)
    dw = tconv.grad.conv_transpose_weight(dy, w.shape, x, stride=stride, padding="same")
    w2 = np.random.default_rng(kernel).standard_normal(w.shape)
    assert abs(np.vdot(tconv.conv_transpose(dy, w2, stride=stride, padding="same"), x) - np.vdot(w2, dw)) < 1e-9
