"""ConvTranspose1d/2d/3d: PyTorch's constructor rules, initialisation, repr, state_dict and from_torch."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import tconv
from helpers import TORCH_MODULE, torch

LAYERS = {1: tconv.ConvTranspose1d, 2: tconv.ConvTranspose2d, 3: tconv.ConvTranspose3d}
CONFIGS = [
    (1, dict(in_channels=4, out_channels=6, kernel_size=3, stride=2, padding=1, output_padding=1)),
    (2, dict(in_channels=4, out_channels=8, kernel_size=(3, 5), stride=(2, 1), padding=(1, 2), groups=2)),
    (2, dict(in_channels=3, out_channels=3, kernel_size=2, dilation=3, output_padding=2, bias=False)),
    (3, dict(in_channels=2, out_channels=4, kernel_size=2, stride=2, groups=2)),
]


@pytest.mark.parametrize("nd,kw", CONFIGS, ids=[f"{nd}d-{i}" for i, (nd, _) in enumerate(CONFIGS)])
def test_from_torch_computes_what_torch_computes(nd: int, kw: dict) -> None:
    torch.manual_seed(0)
    module = TORCH_MODULE[nd](**kw, dtype=torch.float64)
    layer = LAYERS[nd].from_torch(module)
    assert repr(layer) == repr(module)
    x = np.random.default_rng(0).standard_normal((2, kw["in_channels"]) + (4,) * nd)
    with torch.no_grad():
        expected = module(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(layer(x), expected, atol=1e-12)
    # output_size, with and without the leading dims, chooses among the valid sizes exactly as torch does
    ranges = tconv.output_size_range(x.shape[2:], layer.kernel_size, layer.stride, layer.padding, layer.dilation)
    size = [lo for lo, _ in ranges]
    with torch.no_grad():
        expected2 = module(torch.from_numpy(x), output_size=size).numpy()
    np.testing.assert_allclose(layer(x, output_size=size), expected2, atol=1e-12)
    np.testing.assert_allclose(layer(x, output_size=list(expected2.shape)), expected2, atol=1e-12)
    assert layer.output_shape(x.shape, size) == expected2.shape


def test_state_dict_round_trip_with_a_torch_state_dict() -> None:
    torch.manual_seed(1)
    module = torch.nn.ConvTranspose2d(3, 5, 3, stride=2, padding=1)
    layer = tconv.ConvTranspose2d(3, 5, 3, stride=2, padding=1, rng=0)
    layer.load_state_dict({k: v.numpy() for k, v in module.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((1, 3, 6, 6)).astype(np.float32)
    with torch.no_grad():
        expected = module(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(layer(x), expected, atol=1e-5)
    assert sorted(layer.state_dict()) == ["bias", "weight"]
    layer.load_state_dict(module.state_dict())  # tensors directly
    np.testing.assert_array_equal(layer.weight, module.weight.detach().numpy())


def test_load_state_dict_refuses_wrong_keys_and_shapes() -> None:
    layer = tconv.ConvTranspose2d(3, 5, 3, rng=0)
    with pytest.raises(tconv.TconvError, match=r"missing \['bias'\]"):
        layer.load_state_dict({"weight": np.zeros((3, 5, 3, 3))})
    with pytest.raises(
        tconv.TconvError, match=r"state_dict\['weight'\] has shape \[5, 3, 3, 3\], expected \[3, 5, 3, 3\]"
    ):
        layer.load_state_dict({"weight": np.zeros((5, 3, 3, 3)), "bias": np.zeros(5)})


def test_initialisation_is_pytorchs_kaiming_uniform() -> None:
    """U(−1/√fan_in, 1/√fan_in), fan_in = out/groups · prod(kernel): groups=2, (4, 8, (3, 5)) gives 60 and 0.1291."""
    layer = tconv.ConvTranspose2d(4, 8, (3, 5), groups=2, rng=0)
    bound = 1 / math.sqrt(60)
    assert round(bound, 4) == 0.1291
    assert layer.weight.shape == (4, 4, 3, 5) and layer.weight.dtype == np.float32
    assert np.abs(layer.weight).max() <= bound and np.abs(layer.bias).max() <= bound
    big = tconv.ConvTranspose2d(64, 64, 4, rng=1)
    torch.manual_seed(0)
    ref = torch.nn.ConvTranspose2d(64, 64, 4).weight.detach().numpy()
    for w in (big.weight, ref):  # same distribution as torch's: fills the interval, mean 0, variance bound²/3
        b = 1 / math.sqrt(64 * 16)
        assert b * 0.99 < np.abs(w).max() <= b
        assert abs(w.mean()) < 0.01 * b
        assert abs(w.var() - b * b / 3) < 0.05 * b * b
    again = tconv.ConvTranspose2d(64, 64, 4, rng=1)
    np.testing.assert_array_equal(big.weight, again.weight)


@pytest.mark.parametrize(
    "kw",
    [
        dict(groups=0),
        dict(groups=3),
        dict(in_channels=4, out_channels=6, groups=4),
        dict(padding_mode="symmetric"),  # reflect, replicate and circular are tconv's beyond torch (test_padding)
        dict(stride=2, output_padding=2),
        dict(stride=0),
        dict(kernel_size=0),
    ],
    ids=str,
)
def test_constructor_refuses_what_torch_refuses(kw: dict) -> None:
    args = dict(in_channels=4, out_channels=8, kernel_size=3) | kw
    with pytest.raises((ValueError, RuntimeError)), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns before failing on an empty kernel
        m = torch.nn.ConvTranspose2d(**args)
        m(torch.zeros(1, args["in_channels"], 5, 5))  # some of torch's checks only run at forward
    with pytest.raises(tconv.TconvError):  # at construction, or at the call where torch's check is in its forward
        tconv.ConvTranspose2d(**args)(np.zeros((1, args["in_channels"], 5, 5), np.float32))


def test_dtype_float64_layer_and_repr_defaults() -> None:
    layer = tconv.ConvTranspose1d(2, 3, 4, bias=False, dtype=np.float64, rng=np.random.default_rng(0))
    assert layer.weight.dtype == np.float64 and layer.bias is None
    assert repr(layer) == "ConvTranspose1d(2, 3, kernel_size=(4,), stride=(1,), bias=False)"
    assert layer(np.ones((2, 5))).shape == (3, 8)


def _weight_normed(kind: str, module):
    if kind == "parametrizations":
        return torch.nn.utils.parametrizations.weight_norm(module)
    with warnings.catch_warnings():  # torch deprecates the legacy form, which checkpoints still use
        warnings.simplefilter("ignore", FutureWarning)
        return torch.nn.utils.weight_norm(module, dim=1 if kind == "legacy-dim1" else 0)


@pytest.mark.parametrize("kind", ["parametrizations", "legacy", "legacy-dim1"])
@pytest.mark.parametrize("nd", [1, 2, 3])
def test_from_torch_weight_normed_layers_compute_the_effective_weight(kind: str, nd: int) -> None:
    """HiFi-GAN-style vocoders weight-norm their upsamplers; the copy uses g · v / ‖v‖ as the forward does,
    also after g changed without a forward (the legacy hook's ``weight`` attribute is stale then)."""
    torch.manual_seed(nd)
    module = _weight_normed(kind, TORCH_MODULE[nd](4, 6, 3, stride=2, padding=1, groups=2, dtype=torch.float64))
    with torch.no_grad():
        g = module.parametrizations.weight.original0 if kind == "parametrizations" else module.weight_g
        g.mul_(torch.linspace(0.5, 2.0, g.numel(), dtype=torch.float64).reshape(g.shape))
    layer = LAYERS[nd].from_torch(module)
    x = torch.randn((2, 4) + (5,) * nd, dtype=torch.float64)
    with torch.no_grad():
        expected = module(x).numpy()
    assert layer.weight.dtype == np.float64
    np.testing.assert_allclose(layer(x.numpy()), expected, atol=1e-12)


def test_from_torch_accepts_subclasses_and_refuses_other_classes() -> None:
    class Upsample(torch.nn.ConvTranspose2d):
        pass

    module = Upsample(2, 3, 2, stride=2)
    layer = tconv.ConvTranspose2d.from_torch(module)
    np.testing.assert_array_equal(layer.weight, module.weight.detach().numpy())
    with pytest.raises(tconv.TconvError, match="expects a torch.nn.ConvTranspose1d, got Upsample"):
        tconv.ConvTranspose1d.from_torch(module)


def test_from_torch_lazy_module_must_have_run_once() -> None:
    module = torch.nn.LazyConvTranspose2d(6, 3, stride=2)
    with pytest.raises(tconv.TconvError, match=r"not initialised yet .* run the module once"):
        tconv.ConvTranspose2d.from_torch(module)
    x = torch.randn(1, 5, 4, 4)
    with torch.no_grad():
        expected = module(x).numpy()
    layer = tconv.ConvTranspose2d.from_torch(module)
    assert (layer.in_channels, layer.out_channels) == (5, 6)
    np.testing.assert_allclose(layer(x.numpy()), expected, atol=1e-5)


def test_from_torch_bfloat16_module_becomes_float32() -> None:
    module = torch.nn.ConvTranspose1d(2, 2, 3, dtype=torch.bfloat16)
    layer = tconv.ConvTranspose1d.from_torch(module)
    assert layer.weight.dtype == np.float32
    np.testing.assert_array_equal(layer.weight, module.weight.detach().float().numpy())
