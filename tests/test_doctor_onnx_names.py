"""ONNX exports diagnosed with the torch module's names: real small models exported with torch's two exporters
(dynamo, which folds an eval BatchNorm into the ConvTranspose before it, and the legacy one, which names scopes
relative to their caller), each diagnosis held equal to the torch module's own (names, whole chains, fixes); and
graphs that ONNX Runtime runs where PyTorch refuses, checked by running both."""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxscript")

import numpy as np  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

import tconv  # noqa: E402
from tconv.cli import main  # noqa: E402

EXPORTERS = ["dynamo", "legacy"]


def export(model: nn.Module, size: tuple[int, ...], path: Path, exporter: str, dynamic: bool = False) -> Path:
    """``model`` (eval) exported at input ``size``; with ``dynamic``, its spatial sizes are left free."""
    x = torch.zeros(size)
    axes = range(2, len(size))
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        if exporter == "dynamo":
            shapes = ({a: torch.export.Dim(f"d{a}", min=2) for a in axes},) if dynamic else None
            torch.onnx.export(model.eval(), (x,), dynamo=True, dynamic_shapes=shapes).save(str(path))
        else:
            torch.onnx.export(model.eval(), (x,), str(path), dynamo=False, input_names=["x"],
                              dynamic_axes={"x": {a: f"d{a}" for a in axes}} if dynamic else None)
    return path


def summary(d: Any, rename: dict[str, str] | None = None, verified: bool = True) -> list[tuple[Any, ...]]:
    """Problems as names, whole chains and ConvTranspose fixes (with whether each was verified, unless
    ``verified=False``); ``rename`` maps names the torch trace gives."""
    rename = rename or {}

    def name(text: str) -> str:
        for old, new in rename.items():
            text = text.replace(f"({old})", f"({new})")
        return rename.get(text, text)

    return [(tuple(name(w) for w in p.where), tuple(name(c) for c in p.chains),
             tuple((f.kind, f.target, f.verified if verified else None) for f in p.fixes
                   if f.kind in ("output_size", "output_padding")))
            for p in d.problems]


def folded(model: nn.Module, path: Path, exporter: str) -> dict[str, str]:
    """The legacy exporter folds an eval BatchNorm into the Conv before it and keeps only the Conv: the torch
    trace's name of the BatchNorm's output is then the Conv's (its previous sibling). The dynamo exporter folds it
    too, but keeps the BatchNorm's name in the node's metadata."""
    if exporter != "legacy":
        return {}
    from tconv.frameworks.onnx import node_module_path

    kept = {node_module_path(n) for n in onnx.load(str(path)).graph.node}
    paths = [p for p, _ in model.named_modules()]
    return {p: paths[i - 1] for i, (p, m) in enumerate(model.named_modules())
            if isinstance(m, nn.BatchNorm2d) and p not in kept}


class Up(nn.Module):
    """A decoder block: ConvTranspose, then BatchNorm (which dynamo folds into it), then the cat with the skip."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.up, self.bn = nn.ConvTranspose2d(cin, cout, 2, stride=2), nn.BatchNorm2d(cout)
        self.conv = nn.Conv2d(2 * cout, cout, 3, padding=1)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        return F.relu(self.conv(torch.cat([F.relu(self.bn(self.up(x))), skip], dim=1)))


class Stage(nn.Module):
    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.blocks = nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(),
                                    nn.Sequential(nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(x)


class Encoder(nn.Module):
    """Stages in a ModuleList, each after the first a Sequential(pool, Stage): returns every stage's features."""

    def __init__(self) -> None:
        super().__init__()
        self.stages = nn.ModuleList([Stage(3, 4), nn.Sequential(nn.MaxPool2d(2), Stage(4, 8)),
                                     nn.Sequential(nn.MaxPool2d(2), Stage(8, 8))])

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        features = []
        for stage in self.stages:
            x = stage(x)
            features.append(x)
        return features


class StagedUNet(nn.Module):
    """A timm-style encoder returning a list of features and a decoder of Up blocks, joined in the top forward."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = Encoder()
        self.decoder = nn.ModuleList([Up(8, 8), Up(8, 4)])
        self.gamma = nn.Parameter(torch.ones(1, 4, 1, 1))  # a layer scale: a weight, not a join's operand

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.encoder(x)
        y = features.pop()
        for block in self.decoder:
            y = block(y, features.pop())
        return y * self.gamma


@pytest.fixture(scope="module")
def staged() -> tuple[nn.Module, Any]:
    torch.manual_seed(0)
    model = StagedUNet().eval()
    return model, tconv.doctor(model, (1, 3, 18, 20), sizes=(12, 24))


def test_the_torch_diagnosis_these_exports_are_held_to(staged: tuple[nn.Module, Any]) -> None:
    model, d = staged
    assert [p.where for p in d.problems] == [("decoder.0.bn", "encoder.stages.1", "decoder.0:cat")]
    assert d.problems[0].chains == ("dim 2: 18 → 9 → 4 (encoder.stages.2.0: ⌊9/2⌋ loses a row); decoder.0.up: "
                                    "4 → 8 ≠ 9 (encoder.stages.1)",)
    targets = {f.target for p in d.problems for f in p.fixes if f.kind in ("output_size", "output_padding")}
    assert targets == {"decoder.0.up"} and isinstance(dict(model.named_modules())["decoder.0.up"], nn.ConvTranspose2d)


@pytest.mark.parametrize("exporter", EXPORTERS)
def test_export_is_named_as_the_torch_module(exporter: str, staged: tuple[nn.Module, Any], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Every name the ONNX diagnosis gives is the torch diagnosis' (the ConvTranspose, not the BatchNorm folded
    into it; encoder.stages.1, not encoder.stages.1.stages.1 nor encoder), with the same whole chains."""
    model, d = staged
    path = export(model, (1, 3, 16, 16), tmp_path / "staged.onnx", exporter, dynamic=True)
    if exporter == "dynamo":  # the case at issue: the ConvTranspose node carries the BatchNorm's metadata
        nodes = [n for n in onnx.load(str(path)).graph.node if n.op_type == "ConvTranspose"]
        props = [{p.key: p.value for p in n.metadata_props} for n in nodes]
        assert all("FuseBatchNormIntoConvTranspose" in p.get("pkg.onnxscript.rewriter.rule_name", "") and
                   ".bn'" in p["pkg.torch.onnx.name_scopes"] for p in props)
    od = tconv.doctor(str(path), (1, 3, 18, 20), sizes=(12, 24))
    assert summary(od) == summary(d, folded(model, path, exporter))
    modules = dict(model.named_modules())
    for layer in od.layers:  # a layer's where is a module path, or a module and the function its forward calls
        assert layer.where.split("#")[0].split(":")[0] in modules, layer.where
    capsys.readouterr()
    assert main(["onnx", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\ndecoder.0.up (" in out and "\ndecoder.1.up (" in out and ".bn (" not in out


class Pix2PixBlock(nn.Module):
    """pix2pix's UnetSkipConnectionBlock (junyanz/pytorch-CycleGAN-and-pix2pix, BSD licence), shortened: one
    nn.Sequential per level, nested, each joining its input with its output."""

    def __init__(self, outer: int, inner: int, sub: nn.Module | None = None, outermost: bool = False) -> None:
        super().__init__()
        self.outermost = outermost
        down = nn.Conv2d(outer if not outermost else 3, inner, 4, 2, 1, bias=False)
        up_in = inner if sub is None else 2 * inner
        layers: list[nn.Module] = [nn.LeakyReLU(0.2), down, nn.BatchNorm2d(inner)]
        if sub is not None:
            layers.append(sub)
        layers += [nn.ReLU(), nn.ConvTranspose2d(up_in, outer, 4, 2, 1, bias=False), nn.BatchNorm2d(outer)]
        self.model = nn.Sequential(*layers[1:] if outermost else layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x) if self.outermost else torch.cat([x, self.model(x)], 1)


def pix2pix() -> nn.Module:
    block = Pix2PixBlock(8, 8)
    block = Pix2PixBlock(4, 8, block)
    return Pix2PixBlock(2, 4, block, outermost=True)


@pytest.mark.parametrize("exporter", EXPORTERS)
def test_nested_sequential_chains_are_whole(exporter: str, tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = pix2pix().eval()
    d = tconv.doctor(model, (1, 3, 60, 64), sizes=(48, 72))
    assert d.problems and all(len(p.chains[0].split(" → ")) >= 4 for p in d.problems)
    path = export(model, (1, 3, 64, 64), tmp_path / "p2p.onnx", exporter, dynamic=True)
    od = tconv.doctor(str(path), (1, 3, 60, 64), sizes=(48, 72))
    # the same layers, joins and chains; the torch diagnosis alone reads the source, where nn.Sequential's forward
    # cannot pass output_size, so whether a fix was verified may differ
    assert summary(od, verified=False) == summary(d, folded(model, path, exporter), verified=False)


class Gated(nn.Module):
    """A context branch pooled three times, then halved by F.interpolate, averaged and used as a gate: at 8×8
    the branch reaches 1×1 and the interpolate makes it 0×0."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.pool = nn.Sequential(*[nn.MaxPool2d(2) for _ in range(3)])
        self.fc = nn.Conv2d(4, 4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        context = F.interpolate(self.pool(y), scale_factor=0.5, mode="nearest")
        return y * torch.sigmoid(self.fc(context.mean(dim=(2, 3), keepdim=True)))


def _ort_output(path: Path, shape: tuple[int, ...]) -> Any:
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(str(path))
    return session.run(None, {session.get_inputs()[0].name: np.ones(shape, np.float32)})[0]


@pytest.mark.parametrize("exporter", EXPORTERS)
def test_a_graph_run_through_empty_tensors_is_warned_about(exporter: str, tmp_path: Path) -> None:
    model = Gated().eval()
    path = export(model, (1, 3, 32, 32), tmp_path / "gated.onnx", exporter, dynamic=True)
    with pytest.raises(RuntimeError, match="greater than 0"), torch.no_grad():  # PyTorch refuses 8×8
        model(torch.ones(1, 3, 8, 8))
    assert _ort_output(path, (1, 3, 8, 8)).shape == (1, 4, 8, 8)  # ONNX Runtime runs it
    d = tconv.doctor(str(path), (1, 3, 8, 8), sizes=(4, 40))
    assert d.ok and d.output_shape == (1, 4, 8, 8)
    assert d.notes[0] == ("interpolate makes 1×1 into 0×0, an empty tensor: ONNX Runtime runs the graph through "
                          "it, but PyTorch refuses it, so the torch model this was exported from fails at this size")
    # the size rules say the same of the sizes where it happens: not counted as valid
    assert all("(PyTorch refuses it): not counted as valid" in note for note in d.notes[1:])
    assert "note: interpolate makes 1×1 into 0×0" in d.to_text()
    at16 = tconv.doctor(str(path), (1, 3, 16, 16), sizes=(4, 40)).notes  # 16: 2×2 → 1×1, nothing empty
    assert not any("an empty tensor" in note for note in at16)


class Strided(nn.Module):
    """The same gate from three stride-2 valid convs: at 8×8 the third sees 1×1 with its 3×3 kernel."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.branch = nn.Sequential(*[nn.Conv2d(4, 4, 3, stride=2) for _ in range(3)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        return y * torch.sigmoid(self.branch(y).mean(dim=(2, 3), keepdim=True))


def test_a_conv_smaller_than_its_kernel_fails_as_onnx_runtime_fails(tmp_path: Path) -> None:
    path = export(Strided(), (1, 3, 32, 32), tmp_path / "strided.onnx", "legacy", dynamic=True)
    with pytest.raises(Exception, match="Invalid input shape"):
        _ort_output(path, (1, 3, 8, 8))
    d = tconv.doctor(str(path), (1, 3, 8, 8), sizes=(4, 40))
    assert not d.ok and d.problems[0].where == ("branch.2",)
    assert "Conv input 1×1 (padded 1×1) is smaller than its kernel 3×3" in d.problems[0].message
    assert _ort_output(path, (1, 3, 16, 16)).shape == (1, 4, 16, 16)
    assert tconv.doctor(str(path), (1, 3, 16, 16), sizes=(4, 40)).ok
