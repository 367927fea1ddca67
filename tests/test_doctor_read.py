"""The doctor reads models as they come from training: weight-normed and spectrally normed layers in both of
PyTorch's forms (the hooks of torch.nn.utils and the parametrizations), after a training step with gradients; and
models that print in their forward, whose prints must not reach the report on stdout. Oracles: real forward passes
of the trained model on the CPU."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402
from torch.nn.utils import parametrizations  # noqa: E402

import tconv  # noqa: E402
from tconv.cli import main  # noqa: E402


def _hook_weight_norm(layer: nn.Module) -> nn.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # deprecated in favour of the parametrization, still used
        return nn.utils.weight_norm(layer)


NORMS: dict[str, Callable[[nn.Module], nn.Module]] = {
    "weight_norm-hook": _hook_weight_norm,
    "spectral_norm-hook": nn.utils.spectral_norm,
    "weight_norm-parametrization": parametrizations.weight_norm,
    "spectral_norm-parametrization": parametrizations.spectral_norm,
}


class AudioUNet(nn.Module):
    """A 1-D U-Net with normed layers: stride-2 convs down, ConvTranspose up, skips added (fails at odd sizes)."""

    def __init__(self, norm: Callable[[nn.Module], nn.Module]) -> None:
        super().__init__()
        self.down = nn.ModuleList([norm(nn.Conv1d(1, 4, 4, stride=2, padding=1)),
                                   norm(nn.Conv1d(4, 4, 4, stride=2, padding=1))])
        self.ups = nn.ModuleList([norm(nn.ConvTranspose1d(4, 4, 4, stride=2, padding=1)),
                                  norm(nn.ConvTranspose1d(4, 1, 4, stride=2, padding=1))])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for conv in self.down:
            skips.append(x)
            x = nn.functional.leaky_relu(conv(x), 0.1)
        for up in self.ups:
            x = up(x) + skips.pop()
        return x


class ResBlock(nn.Module):
    """HiFi-GAN's residual block: dilated convs, each added to its input (the lengths are kept by padding)."""

    def __init__(self, norm: Callable[[nn.Module], nn.Module], c: int) -> None:
        super().__init__()
        self.convs = nn.ModuleList(norm(nn.Conv1d(c, c, 3, dilation=d, padding=d)) for d in (1, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv in self.convs:
            x = x + conv(nn.functional.leaky_relu(x, 0.1))
        return x


class Vocoder(nn.Module):
    """A HiFi-GAN-style generator: mel frames (N, 8, T) to audio (N, 1, 8·T), upsampled ×4 then ×2."""

    def __init__(self, norm: Callable[[nn.Module], nn.Module]) -> None:
        super().__init__()
        self.conv_pre = norm(nn.Conv1d(8, 8, 7, padding=3))
        self.ups = nn.ModuleList(norm(nn.ConvTranspose1d(c, c // 2, 2 * u, stride=u, padding=u // 2))
                                 for c, u in ((8, 4), (4, 2)))
        self.resblocks = nn.ModuleList(ResBlock(norm, c) for c in (4, 2))
        self.conv_post = norm(nn.Conv1d(2, 1, 7, padding=3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_pre(x)
        for up, res in zip(self.ups, self.resblocks):
            x = res(up(nn.functional.leaky_relu(x, 0.1)))
        return torch.tanh(self.conv_post(x))


def trained(model: nn.Module, shape: tuple[int, ...]) -> nn.Module:
    """``model`` after one SGD step in train mode, as a training script leaves it (no no_grad forward after)."""
    torch.manual_seed(0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    model.train()
    model(torch.randn(shape)).pow(2).mean().backward()
    optimizer.step()
    return model


def real_output(model: nn.Module, shape: tuple[int, ...]) -> tuple[int, ...] | None:
    """The output shape of a real forward of ``model`` on the CPU in eval mode, None when it raises."""
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            return tuple(model(torch.randn(shape)).shape)
    except RuntimeError:
        return None
    finally:
        model.train(was)


@pytest.mark.parametrize("norm", list(NORMS))
def test_trained_normed_unet_is_diagnosed_as_a_real_forward_runs(norm: str) -> None:
    model = trained(AudioUNet(NORMS[norm]), (2, 1, 16))
    if "hook" in norm:  # what the copy must get past: a weight computed with gradients, not a leaf
        assert not model.ups[0].weight.is_leaf
    before = {k: v.detach().clone() for k, v in model.state_dict().items()}
    d = tconv.doctor(model, (1, 1, 18), sizes=(8, 24))
    assert not d.ok and [p.where for p in d.problems] == [("ups.0", "down.0", "add")]
    assert d.problems[0].chains == ("dim 2: 18 → 9 → 4 (down.1: 4·2 = 8 ≠ 9: a row lost); ups.0: 4 → 8 ≠ 9 "
                                    "(down.0)",)
    for n in range(8, 25):  # the rule against the trained model's real forward, size by size
        assert d.valid_sizes[2].accepts(n) is (real_output(model, (1, 1, n)) is not None), n
    fix = next(f for f in d.problems[0].fixes if f.kind == "output_padding")
    assert fix.verified and fix.target == "ups.0" and fix.values["output_padding"] == [1]
    model.eval()
    model.ups[0].output_padding = (1,)  # the fix, applied to the real layer: the real forward now runs at 18
    assert real_output(model, (1, 1, 18)) == (1, 1, 18)
    model.ups[0].output_padding = (0,)
    after = model.state_dict()
    assert all(v.device.type == "cpu" and torch.equal(v, before[k]) for k, v in after.items())


@pytest.mark.parametrize("norm", list(NORMS))
def test_trained_vocoder_runs_with_the_real_output_shape(norm: str) -> None:
    model = trained(Vocoder(NORMS[norm]), (2, 8, 10))
    d = tconv.doctor(model, (1, 8, 13), sizes=(1, 20))
    assert d.ok and d.problems == ()
    assert d.output_shape == real_output(model, (1, 8, 13)) == (1, 1, 104)
    assert [layer.where for layer in d.layers if layer.kind == "conv_transpose"] == ["ups.0", "ups.1"]
    assert d.valid_sizes[2].rule == "every size"


class Chatty(nn.Module):
    """A model that prints while it is built and in every forward, as debugging code does."""

    def __init__(self) -> None:
        super().__init__()
        print("building Chatty")
        self.down, self.up = nn.MaxPool1d(2), nn.ConvTranspose1d(2, 2, 2, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        print("forward at", tuple(x.shape))
        return torch.cat([x, self.up(self.down(x))], dim=1)


def test_the_library_sends_the_models_prints_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    model = Chatty()
    capsys.readouterr()
    d = tconv.doctor(model, (1, 2, 9), sizes=(4, 12))
    out, err = capsys.readouterr()
    assert out == "" and "forward at (1, 2, 9)" in err
    assert not d.ok and d.problems[0].where == ("up", "input", "cat")


def test_cli_json_stays_parseable_when_the_model_prints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "chatty.py").write_text(
        f"import sys\nsys.path.insert(0, {str(Path(__file__).parent)!r})\nprint('importing chatty')\n"
        "from test_doctor_read import Chatty\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["doctor", "chatty:Chatty", "--input-shape", "1,2,9", "--sizes", "4:12", "--json"]) == 1
    out, err = capsys.readouterr()
    data: dict[str, Any] = json.loads(out)  # the whole of stdout is the report
    assert data["ok"] is False and data["problems"][0]["where"] == ["up", "input", "cat"]
    assert "importing chatty" in err and "building Chatty" in err and "forward at (1, 2, 9)" in err


class InPlace(nn.Module):
    """Pointwise functions, in place and not, which the trace gives without running them on the meta device."""

    def __init__(self) -> None:
        super().__init__()
        self.down, self.up = nn.Conv1d(2, 2, 3, stride=2, padding=1), nn.ConvTranspose1d(2, 2, 2, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = nn.functional.leaky_relu(x, 0.1, inplace=True)  # the same tensor: x is the skip
        y = torch.sigmoid(nn.functional.dropout(self.down(skip), 0.5, training=False)).relu_()
        return torch.cat([skip, self.up(y)], dim=1)


@pytest.mark.parametrize("n", [8, 9])
def test_pointwise_functions_keep_the_trace_of_a_real_forward(n: int) -> None:
    d = tconv.doctor(InPlace(), (1, 2, n), sizes=(4, 12))
    real = real_output(InPlace(), (1, 2, n))
    assert d.ok is (real is not None) and (real is None or d.output_shape == real == (1, 4, 8))
    assert [layer.where for layer in d.layers] == ["down", "up", "cat"]
    if not d.ok:
        assert d.problems[0].where == ("up", "input", "cat")
        assert d.problems[0].chains == ("dim 2: 9 → 5 (down: 5·2 = 10 ≠ 9: a row gained); up: 5 → 10 ≠ 9 (input)",)
