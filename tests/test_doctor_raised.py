"""Errors raised inside an interpolate, explained (issue #26, item 4): the size chain up to the call, the sizes at
which the model runs (from the derived rule), and a fix where one exists; each checked with real forward passes
on CPU (the doctor traces on the meta device, whose interpolate does not refuse an empty output)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import tconv

torch = pytest.importorskip("torch")
F = torch.nn.functional

sys.path.insert(0, str(Path(__file__).parent))
from doctor_fix_zoo.pyramid import ContextNet  # noqa: E402

CPU_MESSAGE = "Input and output sizes should be greater than 0, but got input (H: 3, W: 20) output (H: 0, W: 5)"


def _runs(model, shape) -> tuple[int, ...] | None:
    try:
        with torch.no_grad():
            return tuple(model(torch.randn(shape)).shape)
    except (RuntimeError, ValueError):
        return None


def test_an_interpolate_whose_output_rounds_to_zero_is_explained() -> None:
    model = ContextNet()
    with pytest.raises(RuntimeError) as raised, torch.no_grad():
        model(torch.randn(1, 3, 5, 40))
    assert str(raised.value) == CPU_MESSAGE  # the real CPU error the doctor explains
    d = tconv.doctor(model, (1, 3, 5, 40))
    assert not d.ok and len(d.problems) == 1
    problem = d.problems[0]
    assert problem.op == "error" and problem.where == ("interpolate",)
    assert problem.message.startswith("interpolate (") and problem.message.endswith(
        "doctor_fix_zoo/pyramid.py:20) raised: its output 0×5 from 3×20 (scale_factor 0.25) has an empty axis: the "
        "input is too small for it")
    assert problem.chains == (
        "dim 2: 5 → 3 (enc: 3·2 = 6 ≠ 5: a row gained); interpolate: ⌊3·0.25⌋ = 0 < 1; the model runs at input "
        "sizes: every size from 7 (nearest to 5: 7)",
        f"PyTorch: {CPU_MESSAGE}")  # the meta trace raises what the CPU kernel raises
    assert d.valid_sizes[2].rule == d.valid_sizes[3].rule == "every size from 7"
    # the rule, by real forward passes: 6 rows fail (3 → ⌊0.75⌋ = 0), 7 and more run, on either axis
    assert _runs(model, (1, 3, 6, 40)) is None and _runs(model, (1, 3, 40, 6)) is None
    assert all(_runs(model, (1, 3, n, 40)) == (1, 2, (n + 1) // 2, 20) for n in (7, 8, 9, 23))
    assert _runs(model, (1, 3, 7, 7)) == (1, 2, 4, 4)
    # the fix: pad the input to the rule's nearest size, as printed, on the real model
    fix, = problem.fixes
    assert fix.kind == "pad_input" and fix.verified and fix.values["size"] == [7, 40]
    scope = {"x": torch.randn(1, 3, 5, 40), "model": model, "F": F}
    with torch.no_grad():
        exec(fix.code, scope)
    assert tuple(scope["y"].shape) == (1, 2, 4, 20) and "the output is 4×20" in fix.cost


class SizeFromInput(torch.nn.Module):  # a size computed from the input (x // 8) that is 0 at small inputs
    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 1, 3, stride=2, padding=1)

    def forward(self, x):
        return F.interpolate(self.conv(x), size=(x.shape[2] // 8, x.shape[3] // 8))


class WrongAxes(torch.nn.Module):  # three sizes for a 2-D input
    def forward(self, x):
        return F.interpolate(x, size=(4, 4, 4))


def test_a_size_asked_of_zero_and_a_size_of_the_wrong_length() -> None:
    model = SizeFromInput()
    assert _runs(model, (1, 1, 6, 40)) is None and _runs(model, (1, 1, 8, 40)) == (1, 1, 1, 5)
    d = tconv.doctor(model, (1, 1, 6, 40))
    problem = d.problems[0]
    assert problem.message.endswith("raised: its output 0×5 from 3×20 (size 0×5 asked) has an empty axis: the input "
                                    "is too small for it")
    assert problem.chains[0] == "dim 2: 6 → 3; interpolate: size=0 < 1"  # the size is computed: no rule to give
    assert d.valid_sizes[2].rule == "every size from 8" and d.valid_sizes[2].nearest == (8,)
    fix, = problem.fixes
    assert fix.kind == "pad_input" and fix.verified and fix.values["size"] == [8, 40]
    assert _runs(model, (1, 1, 8, 40)) == (1, 1, 1, 5)

    model = WrongAxes()
    with pytest.raises(ValueError, match="same number of spatial dimensions"):
        model(torch.randn(1, 1, 6, 40))
    d = tconv.doctor(model, (1, 1, 6, 40))
    problem = d.problems[0]
    assert problem.message.endswith("raised: its size names 3 axes (4, 4, 4), its input 6×40 has 2 spatial axes")
    assert problem.fixes == () and problem.chains[-1].startswith("PyTorch: Input and output must have the same")


def test_docs_record_the_interpolate_error(monkeypatch, capsys) -> None:
    """docs/doctor.md's recorded run of the context model is what the CLI prints now (from the repository root)."""
    from tconv.cli import main

    root = Path(__file__).parent.parent
    monkeypatch.chdir(root)
    monkeypatch.syspath_prepend(str(root / "tests"))
    assert main(["doctor", "doctor_fix_zoo.pyramid:ContextNet", "--input-shape", "1,3,5,40"]) == 1
    out = capsys.readouterr().out
    assert f"```\n{out}```" in (root / "docs" / "doctor.md").read_text(encoding="utf-8")
