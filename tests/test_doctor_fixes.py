"""Every fix tconv.doctor prints, applied as printed to a copy of the model's source (tests/doctor_fix_zoo/), then
run for real on the CPU: the printed diffs replace the printed lines of the copied file, the printed assignments
run on the built model, and the original weights must then load strictly. The output's shape must be the one the
fix claims, at the diagnosed size and at every size it says it was verified at; a fix that keeps the model's
outputs where it already ran (an interpolate keeping align_corners) must give the same numbers there."""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import tconv  # noqa: E402
from tconv.doctor import Diagnosis  # noqa: E402
from tconv.doctor.fixes import sample_shapes  # noqa: E402

ZOO = Path(__file__).parent / "doctor_fix_zoo"
sys.path.insert(0, str(ZOO.parent))

# (file, class, the size diagnosed, whether it runs there, a size it runs at unfixed)
CASES: list[tuple[str, str, tuple[int, ...], bool, tuple[int, ...] | None]] = [
    ("unet", "UNet", (1, 3, 30, 45), False, (1, 3, 32, 48)),
    ("nested", "Pix2PixUNet", (1, 3, 20, 28), False, (1, 3, 32, 32)),
    ("nested", "SeqTwoUps", (1, 3, 10, 12), False, (1, 3, 9, 11)),
    ("interp", "InterpUNet", (1, 3, 30, 45), False, (1, 3, 28, 44)),
    ("instnorm", "InstanceNormUNet", (1, 1, 30, 45), False, (1, 1, 28, 44)),
    ("wave", "WaveUNet", (1, 1, 50), False, (1, 1, 47)),
    ("outsize", "OutsizeUNet", (1, 1, 30, 45), True, None),
    ("outsize", "Strided3d", (1, 1, 9, 10, 12), False, (1, 1, 8, 8, 12)),
    ("generators", "ResnetGenerator", (1, 3, 30, 45), True, None),
    ("generators", "DCGAN", (1, 4, 1, 1), True, None),
    ("generators", "Vocoder", (1, 4, 10), True, None),
]
IDS = [f"{f}.{c}" for f, c, *_ in CASES]


def _load(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_COUNT = itertools.count()


def _build(folder: Path, file: str, cls: str) -> Any:
    torch.manual_seed(0)
    return getattr(_load(folder / f"{file}.py", f"_fixzoo_{file}_{next(_COUNT)}"), cls)().eval()


def fix_blocks(text: str) -> list[tuple[str, str, list[str]]]:
    """The printed fixes: (kind, the header line, the code lines with the 4-space indent removed)."""
    section = text.split("fixes (each re-traced with it applied at every problem):\n", 1)[1].split("\n\n", 1)[0]
    blocks: list[tuple[str, str, list[str]]] = []
    for line in section.splitlines():
        if line.startswith("- "):
            blocks.append((line[2:].split()[0].rstrip(":"), line, []))
        elif line.startswith("    ") and not line.startswith("    ("):
            blocks[-1][2].append(line[4:])
    return blocks


def apply_as_printed(code: list[str], folder: Path) -> list[str]:
    """Edits the copied sources under ``folder`` as the printed diffs say (bottom up, so line numbers hold);
    returns the lines to run on the built model (assignments after '# after the model is built')."""
    edits: list[tuple[Path, int, list[str], list[str]]] = []
    assignments: list[str] = []
    mode = None
    for line in code:
        head = re.match(r"# (.+):(\d+), in [\w.<>]+:$", line)
        if head:
            printed = Path(head.group(1)).resolve()
            assert printed.is_relative_to(ZOO.resolve()), printed  # the model's own file, as printed
            edits.append((folder / printed.relative_to(ZOO.resolve()), int(head.group(2)), [], []))
            mode = "diff"
        elif line.startswith("# after the model is built"):
            mode = "assign"
        elif mode == "diff":
            assert line[:1] in "-+", line
            edits[-1][2 if line[0] == "-" else 3].append(line[1:])
        elif mode == "assign":
            assignments.append(line)
    for path, first, old, new in sorted(edits, key=lambda e: (str(e[0]), -e[1])):
        lines = path.read_text().splitlines()
        assert lines[first - 1:first - 1 + len(old)] == old, (path, first)  # the '-' lines are the file's
        lines[first - 1:first - 1 + len(old)] = new
        path.write_text("\n".join(lines) + "\n")
    return assignments


def _output_claim(header: str) -> tuple[int, ...] | None:
    found = re.search(r"the output is ([\d×]+)", header)
    return tuple(int(v) for v in found.group(1).split("×")) if found else None


def _verified_span(header: str) -> bool:
    return bool(re.search(r"verified at \d+ input sizes (sampled from the rule )?\(", header))


@pytest.fixture(scope="module")
def diagnoses() -> dict[str, tuple[Diagnosis, str]]:
    found = {}
    for (file, cls, shape, _, _), name in zip(CASES, IDS):
        model = _build(ZOO, file, cls)
        window = (max(1, min(shape[2:]) - 6), max(shape[2:]) + 6)  # the sizes searched: a few around the request
        d = tconv.doctor(model, shape, sizes=window)
        found[name] = (d, d.to_text())
    return found


@pytest.mark.parametrize("name", IDS)
def test_the_verdict_is_a_real_forward_pass(name: str, diagnoses) -> None:
    file, cls, shape, runs, _ = CASES[IDS.index(name)]
    d, _ = diagnoses[name]
    model = _build(ZOO, file, cls)
    try:
        with torch.no_grad():
            out = tuple(model(torch.randn(shape)).shape)
    except (RuntimeError, ValueError):
        out = None
    assert (out is not None) is runs is d.ok
    if runs:
        assert d.output_shape == out


@pytest.mark.parametrize("name", [n for n, c in zip(IDS, CASES) if not c[3]])
def test_every_printed_fix_applied_as_printed(name: str, diagnoses, tmp_path: Path) -> None:
    """Each verified fix kind, applied as printed, makes the real model run with the output it claims."""
    file, cls, shape, _, works_at = CASES[IDS.index(name)]
    d, text = diagnoses[name]
    original = _build(ZOO, file, cls)
    blocks = fix_blocks(text)
    assert blocks
    tried = 0
    for n, (kind, header, code) in enumerate(blocks):
        if "[verified" not in header:  # a kind some join cannot take: it says why, and has no verified mark
            assert "not offered" in header or "not verified" in header, header
            continue
        tried += 1
        folder = tmp_path / f"{kind}{n}"
        shutil.copytree(ZOO, folder)
        x = torch.randn(shape)
        if kind == "pad_input":
            scope = {"x": x, "model": original, "F": torch.nn.functional}
            with torch.no_grad():
                exec("\n".join(code), scope)
            assert tuple(scope["y"].shape[2:]) == shape[2:], header  # cropped back to the input's size
            continue
        assignments = apply_as_printed(code, folder)
        model = _build(folder, file, cls)
        scope = {"model": model, "nn": torch.nn, "torch": torch}
        exec("\n".join(assignments), scope)
        model.load_state_dict(original.state_dict(), strict=True)  # every setting kept: the checkpoint loads
        with torch.no_grad():
            out = tuple(model(x).shape)
        claim = _output_claim(header)
        assert claim is not None and out[2:] == claim, (kind, out, header)
        if _verified_span(header):  # said to follow the sizes: it runs at each size it was checked at
            checked = next(f.values["checked"] for p in d.problems for f in p.fixes if f.kind == kind and f.verified)
            assert len(checked) == int(re.search(r"verified at (\d+) input sizes", header).group(1)) >= 7, header
            if "sampled from the rule" not in header:
                assert [list(s[2:]) for s in sample_shapes(shape)] == checked
            for s in checked:
                with torch.no_grad():
                    model(torch.randn(*shape[:2], *s))
        if works_at is not None and kind == "output_size":  # where the model already ran, nothing changes
            xs = torch.randn(works_at)
            with torch.no_grad():
                assert torch.equal(model(xs), original(xs)), kind
    assert tried


def test_fixes_keep_the_modules_settings_and_name_the_source(diagnoses) -> None:
    _, text = diagnoses["unet.UNet"]
    assert "model.up2.up = nn.ConvTranspose2d(8, 4, kernel_size=2, stride=2, output_padding=(1, 0), bias=False)" \
        in text
    assert "# tests/doctor_fix_zoo/unet.py:20, in Up.forward:" in text or "doctor_fix_zoo/unet.py:20, in Up" in text
    _, text = diagnoses["interp.InterpUNet"]
    assert '+        y = F.interpolate(e2, size=e1.shape[-2:], mode="bilinear", align_corners=True)' in text
    assert "cropped, their border dropped" in text and "zeros enter" not in text  # a negative pad is a crop
    _, text = diagnoses["nested.Pix2PixUNet"]
    assert "model.model.model[1].model[3].model[5] = nn.ConvTranspose2d(16, 4" in text
    # output_size cannot be passed through nn.Sequential's forward: the Sequential is run in three parts, the
    # ConvTranspose found by its type, so that one edited line serves both levels of the recursive block (items 3
    # and 5); applied as printed and run by test_every_printed_fix_applied_as_printed
    assert "- output_size at model.model.1.model.3.model.3.model.3, model.model.1.model.3.model.5 [verified]" in text
    assert """    -        return torch.cat([x, self.model(x)], 1)
    +        i = next(n for n, m in enumerate(self.model) if type(m).__name__ == "ConvTranspose2d")
    +        up = self.model[i](self.model[:i](x), output_size=x.shape[-2:])
    +        up = self.model[i + 1:](up)
    +        return torch.cat([x, up], 1)
""" in text
    _, text = diagnoses["nested.SeqTwoUps"]  # two ConvTransposes in the Sequential: the index is written
    assert "+        up = self.up[2](self.up[:2](self.down(x)), output_size=x.shape[-2:])\n    +        up = " \
        "self.up[3:](up)\n    +        return self.head(torch.cat([x, up], 1))" in text
    _, text = diagnoses["instnorm.InstanceNormUNet"]
    assert "not offered at cat: u2 can give 16..17 × 24..25 from 8×12, not the skip's 15×23" in text


def test_a_raised_output_size_gets_the_arithmetic_and_a_conv_transpose_fix(diagnoses) -> None:
    """PyTorch's ValueError inside the ConvTranspose: the chain to it, the range it can give, where the size
    asked for comes from, and a fix on the ConvTranspose call (applied as printed by the test above)."""
    d, text = diagnoses["outsize.Strided3d"]
    problem = d.problems[0]
    assert problem.op == "error" and problem.where == ("up1.up",)
    assert problem.message == "up1.up raised: output_size 5×5×6 is outside what it can give from 3×3×3: 6..7 × " \
                              "6..7 × 6..7"
    assert problem.chains[0].startswith("dim 2: 9 → 5 (down1: 5·2 = 10 ≠ 9: a row gained) → 3 (down2: 3·2 = 6 ≠ 5: "
                                        "a row gained); up1.up: (3 − 1)·2 − 2·0 + 1·(2 − 1) + 0 + 1 = 6, up to 7")
    assert "output_size asks 5 (the size of down1" in problem.chains[0] and len(problem.chains) == 3
    assert problem.chains[-1].startswith("PyTorch: requested an output size of torch.Size([5, 5, 6])")
    assert [f.kind for f in problem.fixes] == ["crop_up", "pad_input"] and all(f.verified for f in problem.fixes)
    assert "+        x = self.up(x)[(..., *(slice(n) for n in skip.shape[2:]))]" in text


def test_docs_show_recorded_fixes(monkeypatch) -> None:
    """docs/doctor.md's "Paste-ready fixes" and "Errors raised" blocks are what the doctor prints now, from the
    repository root (source paths are printed relative to the current directory)."""
    doc = (Path(__file__).parent.parent / "docs" / "doctor.md").read_text(encoding="utf-8")
    monkeypatch.chdir(ZOO.parent.parent)
    for file, cls, shape in (("interp", "InterpUNet", (1, 3, 30, 45)), ("nested", "Pix2PixUNet", (1, 3, 20, 28)),
                             ("outsize", "Strided3d", (1, 1, 9, 10, 12))):
        model = getattr(importlib.import_module(f"doctor_fix_zoo.{file}"), cls)()
        text = tconv.doctor(model, shape, sizes=(max(1, min(shape[2:]) - 6), max(shape[2:]) + 6)).to_text()
        part = text if cls == "Strided3d" else text[text.index("fixes (each"):text.index("\n\ninput sizes")]
        assert f"```\n{part}\n```" in doc, cls


def test_a_join_sharing_its_line_gets_no_insertion(tmp_path, monkeypatch) -> None:
    """Lines inserted before `up = ...; x = torch.cat(...)` would run before the statement that makes `up`: such a
    join gets no pad_up or crop_skip edit, and says why; output_size still edits the call."""
    (tmp_path / "semi.py").write_text(
        "import torch\nfrom torch import nn\n\n\nclass TUp(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.down = nn.MaxPool2d(2)\n"
        "        self.up = nn.ConvTranspose2d(4, 4, 2, stride=2)\n\n    def forward(self, x):\n"
        "        up = self.up(self.down(x)); x = torch.cat((up, x), 1)\n        return x\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    model = importlib.import_module("semi").TUp()
    d = tconv.doctor(model, (1, 4, 37, 50))
    fixes = {f.kind: f for p in d.problems for f in p.fixes}
    assert not fixes["pad_up"].verified and not fixes["crop_skip"].verified
    assert "shares its line with another statement" in d.to_text()
    assert fixes["output_size"].verified
