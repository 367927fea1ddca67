"""The model doctor on a zoo of models written as people write them (tests/doctor_zoo.py), as torch modules and as
exported ONNX files: problems located, every fix applied for real (to the module, then run on meta tensors), every
valid-size rule checked against brute force, models that run reported ok."""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")

import torch.nn.functional as F  # noqa: E402
from torch.overrides import TorchFunctionMode  # noqa: E402

import doctor_zoo as zoo  # noqa: E402
import tconv  # noqa: E402
from tconv.cli import main  # noqa: E402
from tconv.doctor import Diagnosis, Fix  # noqa: E402

# (name, model factory, an input shape it fails or runs at, whether it runs there, the range searched)
ZOO: list[tuple[str, Callable[[], Any], tuple[int, ...], bool, tuple[int, int]]] = [
    ("unet", zoo.UNet, (1, 3, 50, 75), False, (40, 90)),
    ("milesial", zoo.MilesialUNet, (1, 3, 50, 75), True, (40, 90)),
    ("smp", zoo.SmpUNet, (1, 3, 50, 75), False, (40, 90)),
    ("attention", zoo.AttentionUNet, (1, 3, 50, 75), False, (40, 90)),
    ("unet3d", zoo.UNet3d, (1, 3, 9, 10, 11), False, (4, 20)),
    ("stack1d", zoo.Stack1d, (1, 3, 50), False, (16, 80)),
    ("dcgan", zoo.DCGANGenerator, (1, 8, 3, 3), True, (1, 12)),
]
IDS = [z[0] for z in ZOO]


@pytest.fixture(scope="module")
def diagnoses() -> dict[str, tuple[Any, Diagnosis]]:
    torch.manual_seed(0)
    found = {}
    for name, make, shape, _, sizes in ZOO:
        model = make()
        found[name] = (model, tconv.doctor(model, shape, sizes=sizes))
    return found


@pytest.fixture(scope="session")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each zoo model exported once (legacy exporter, dynamic batch), at a size where it runs."""
    folder = tmp_path_factory.mktemp("onnx")
    paths = {}
    for name, make, shape, _, _ in ZOO:
        size = {"unet3d": 8, "stack1d": 47, "dcgan": 1}.get(name, 64)
        x = torch.zeros((1, shape[1], *([size] * (len(shape) - 2))))
        path = folder / f"{name}.onnx"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(make().eval(), (x,), str(path), dynamo=False, input_names=["x"],
                              dynamic_axes={"x": {0: "batch"}})
        paths[name] = path
    return paths


# --------------------------------------------------------------------------------------------------
# applying a fix for real: the fix's target and values, applied to the module, then a plain run on meta
# --------------------------------------------------------------------------------------------------


class _ApplyAtJoins(TorchFunctionMode):
    """Applies interpolate sizes and join fixes inside the named modules' forwards (the test's own code)."""

    def __init__(self, model: Any, fixes: list[Fix]) -> None:
        super().__init__()
        self.fixes, self.stack = fixes, [""]
        self.counts: dict[str, int] = {}
        self.handles = []
        leaves = {p for p, m in model.named_modules() if not any(True for _ in m.children())}
        self.leaves = leaves
        for path, sub in model.named_modules():
            self.handles.append(sub.register_forward_pre_hook(lambda m, a, p=path: self.stack.append(p)))
            self.handles.append(sub.register_forward_hook(self._leave))

    def _leave(self, module: Any, args: Any, output: Any) -> None:
        self.stack.pop()  # returns None: a forward hook's return value would replace the output

    def _where(self, fname: str) -> str:
        path = self.stack[-1]
        base = path if path in self.leaves and path else f"{path}:{fname}" if path else fname
        self.counts[base] = self.counts.get(base, 0) + 1
        n = self.counts[base]
        return base if n == 1 else f"{base}#{n}"

    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        joins = {"cat": "cat", "add": "add", "mul": "mul"}
        if name == "interpolate":
            where = self._where("interpolate")
            for fix in self.fixes:
                if fix.kind == "output_size" and fix.target == where:
                    rest = {k: v for k, v in kwargs.items() if k not in ("size", "scale_factor")}
                    return func(args[0], size=fix.values["size"], **rest)
        if name in joins:
            where = self._where(name)
            # the fix's code goes in the joining block's forward, so it acts at every join that mismatches:
            # crop_skip crops the larger operand to the smaller, pad_up zero-pads the smaller to the larger
            kinds = {f.kind for f in self.fixes} & {"pad_up", "crop_skip"}
            ops = list(args[0]) if name == "cat" else [args[0], args[1]]
            if kinds and all(isinstance(o, torch.Tensor) and o.dim() > 2 for o in ops) and \
                    len({tuple(o.shape[2:]) for o in ops}) > 1:
                pick = min if "crop_skip" in kinds else max
                target = [pick(o.shape[a] for o in ops) for a in range(2, ops[0].dim())]
                for i, o in enumerate(ops):
                    d = [t - n for t, n in zip(target, o.shape[2:])]
                    if "pad_up" in kinds:  # the code the fix gives: F.pad with d // 2, d - d // 2 per axis
                        ops[i] = F.pad(o, [v for dd in reversed(d) for v in (dd // 2, dd - dd // 2)])
                    else:
                        ops[i] = o[(..., *(slice(-dd // 2, -dd // 2 + t) for dd, t in zip(d, target)))]
                if name == "cat":
                    return func(ops, *args[1:], **kwargs)
                return func(ops[0], ops[1], *args[2:], **kwargs)
        return func(*args, **kwargs)

    def close(self) -> None:
        for h in self.handles:
            h.remove()


@contextlib.contextmanager
def applied(model: Any, fixes: list[Fix]) -> Iterator[Any]:
    """The model (a meta copy) with ``fixes`` applied: output_size as the forward's argument, output_padding on
    the layer, interpolate sizes and join fixes in the forwards."""
    import copy

    m = copy.deepcopy(model).to("meta").eval()
    modules = dict(m.named_modules())
    handles = []
    for fix in fixes:
        target = modules.get(fix.target)
        if fix.kind == "output_size" and isinstance(target, torch.nn.modules.conv._ConvTransposeNd):
            handles.append(target.register_forward_pre_hook(
                lambda mod, args, kwargs, size=fix.values["output_size"]: (args, {**kwargs, "output_size": size}),
                with_kwargs=True))
        elif fix.kind == "output_padding" and target is not None:
            target.output_padding = tuple(fix.values["output_padding"])
        elif fix.kind == "output_size" and isinstance(target, torch.nn.Upsample):
            target.forward = lambda x, size=fix.values["size"], mode=target.mode: F.interpolate(x, size=size,
                                                                                              mode=mode)
    mode = _ApplyAtJoins(m, fixes)
    try:
        with mode:
            yield m
    finally:
        mode.close()
        for h in handles:
            h.remove()


def _run(model: Any, shape: tuple[int, ...]) -> tuple[int, ...]:
    with torch.no_grad():
        return tuple(model(torch.empty(shape, device="meta")).shape)


def _runs(model: Any, shape: tuple[int, ...]) -> bool:
    try:
        _run(model, shape)
    except RuntimeError:
        return False
    return True


# --------------------------------------------------------------------------------------------------
# torch modules
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", IDS)
def test_verdict_matches_a_plain_run(name: str, diagnoses) -> None:
    """ok exactly when the model runs; a model that runs has no problem at all."""
    model, d = diagnoses[name]
    _, _, shape, runs, _ = ZOO[IDS.index(name)]
    import copy

    assert _runs(copy.deepcopy(model).to("meta"), shape) is runs
    assert d.ok is runs and (d.problems == ()) is runs
    if runs:
        assert d.output_shape == _run(copy.deepcopy(model).to("meta"), shape)


@pytest.mark.parametrize("name", [n for n, *_ in ZOO if n not in ("milesial", "dcgan")])
def test_every_fix_kind_applied_for_real_runs(name: str, diagnoses) -> None:
    """Each fix kind, applied at every problem by the test's own code, makes the model run; verified says so."""
    model, d = diagnoses[name]
    shape = d.input_shape
    kinds: dict[str, list[Fix]] = {}
    for p in d.problems:
        for f in p.fixes:
            kinds.setdefault(f.kind, []).append(f)
    assert "output_size" in kinds and "pad_up" in kinds
    for kind, fixes in kinds.items():
        # a kind a join cannot take has no code there, says why, and is verified nowhere
        assert all(f.code.strip() or (not f.verified and f.cost.startswith("not offered")) for f in fixes)
        if not all(f.code for f in fixes):
            assert not any(f.verified for f in fixes)
            fixes = [f for f in fixes if f.code]
            if not fixes:
                continue
        if not all(f.verified for f in fixes):  # said so: then applying it really fails
            with applied(model, fixes) as m, pytest.raises(RuntimeError):
                _run(m, shape)
            continue
        if kind == "pad_input":
            pads = fixes[0].values["pad"]
            x = F.pad(torch.empty(shape, device="meta"), [v for b, e in reversed(pads) for v in (b, e)])
            with applied(model, []) as m:
                out = m(x)
            assert out.dim() == len(shape)
            continue
        with applied(model, fixes) as m:
            out = _run(m, shape)
        if kind in ("output_size", "output_padding", "pad_up") and name in ("unet", "unet3d", "attention"):
            assert out[2:] == shape[2:], (kind, out)


def test_unet_names_the_layer_and_the_lost_row(diagnoses) -> None:
    _, d = diagnoses["unet"]
    first = d.problems[0]
    assert first.where == ("ups.0.up", "downs.2", "ups.0:cat") and first.op == "cat"
    assert first.sizes == ((1, 16, 6, 8), (1, 16, 6, 9))
    assert first.chains == ("dim 3: 75 → 37 (downs.0.pool: ⌊75/2⌋ loses a row) → 18 (downs.1.pool: ⌊37/2⌋ loses "
                            "a row) → 9 → 4 (downs.3.pool: ⌊9/2⌋ loses a row); ups.0.up: 4 → 8 ≠ 9 (downs.2)",)
    assert [p.where[0] for p in d.problems] == ["ups.0.up", "ups.2.up", "ups.3.up"]
    assert d.valid_sizes[2].rule == d.valid_sizes[3].rule == "multiples of 16"
    assert d.valid_sizes[2].nearest == (48, 64) and d.valid_sizes[3].nearest == (64, 80)
    codes = {f.kind: f.code for f in first.fixes}
    assert "x = self.up(x, output_size=skip.shape[-2:])" in codes["output_size"]
    assert "output_padding=(0, 1)" in codes["output_padding"]
    assert "x = F.pad(x, (2, 3, 7, 7))" in codes["pad_input"] and "y = y[..., 7:57, 2:77]" in codes["pad_input"]
    text = d.to_text()
    assert "3 problem(s) at 50×75" in text and "multiples of 16" in text


@pytest.mark.parametrize("name", IDS)
def test_valid_size_rules_agree_with_brute_force(name: str, diagnoses) -> None:
    """Per axis, over the searched range: the rule accepts n exactly when the plain model runs with that axis at n
    (the other axes at a size the doctor says they accept)."""
    import copy

    model, d = diagnoses[name]
    meta = copy.deepcopy(model).to("meta").eval()
    fine = {a: s.nearest[-1] for a, s in d.valid_sizes.items()}
    for axis, sizes in d.valid_sizes.items():
        assert sizes.valid, axis
        for n in range(sizes.low, sizes.high + 1):
            shape = tuple(n if a == axis else fine.get(a, v) for a, v in enumerate(d.input_shape))
            assert _runs(meta, shape) is sizes.accepts(n) is (n in sizes.valid), (axis, n, sizes.rule)


def test_rules_read_as_people_say_them(diagnoses) -> None:
    rules = {name: {a: s.rule for a, s in d.valid_sizes.items()} for name, (_, d) in diagnoses.items()}
    assert rules["unet"] == {2: "multiples of 16", 3: "multiples of 16"}
    assert rules["unet3d"] == {2: "multiples of 4", 3: "multiples of 4", 4: "multiples of 4"}
    assert rules["stack1d"] == {2: "≡ 7 (mod 8), from 15"}  # 7 fails: its third valid conv gets 1 < 3
    assert rules["dcgan"] == {2: "every size", 3: "every size"}
    assert rules["milesial"][2] == "every size from 16"  # four poolings need 16


def test_smp_interpolate_and_attention_gates(diagnoses) -> None:
    _, smp = diagnoses["smp"]
    assert smp.problems[0].where == ("blocks.0:interpolate", "encoder.2", "blocks.0:cat")
    assert "a row gained" in smp.problems[0].chains[0]
    assert '+        x = F.interpolate(x, size=skip.shape[-2:], mode="nearest")' in smp.problems[0].fixes[0].code
    _, att = diagnoses["attention"]
    assert [p.op for p in att.problems] == ["add", "cat", "add", "cat"]
    assert att.problems[0].where[-1] == "Att3:add"


def test_an_error_inside_the_model_is_located() -> None:
    d = tconv.doctor(zoo.UNet(), (1, 3, 8, 8), sizes=(8, 40))
    assert not d.ok and d.problems[-1].op == "error"
    assert d.problems[-1].where == ("downs.3.pool",) and "Output size is too small" in d.problems[-1].message
    assert d.problems[-1].fixes[0].kind == "pad_input" and d.problems[-1].fixes[0].verified


def test_json_has_the_documented_shape(diagnoses) -> None:
    _, d = diagnoses["unet"]
    data = json.loads(json.dumps(d.to_dict()))
    assert {"ok", "input_shape", "layers", "problems", "valid_sizes"} <= set(data)
    assert set(data["layers"][0]) == {"where", "kind", "input_shape", "output_shape"}
    assert {"where", "sizes", "message", "fixes"} <= set(data["problems"][0])
    assert {"kind", "code", "verified"} <= set(data["problems"][0]["fixes"][0])
    assert data["valid_sizes"]["2"]["rule"] == "multiples of 16" and data["valid_sizes"]["2"]["nearest"] == [48, 64]


def test_the_users_module_is_left_alone() -> None:
    model = zoo.UNet()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    tconv.doctor(model, (1, 3, 50, 75), sizes=(60, 70))
    assert all(v.device.type == "cpu" and torch.equal(v, before[k]) for k, v in model.state_dict().items())


@pytest.mark.parametrize("bad,match", [
    (dict(model=3), "model must be a torch.nn.Module"),
    (dict(input_shape=(1, 3)), "input_shape must be"),
    (dict(input_shape=[1, 3, -2]), "input_shape"),
    (dict(sizes=(10, 5)), "sizes 10..5 must be a range"),
    (dict(sizes=(1, 10**6)), "at most 1024"),
    (dict(sizes="1:5"), "sizes must be a pair"),
])
def test_bad_arguments_name_the_parameter(bad: dict[str, Any], match: str) -> None:
    args = {"model": zoo.Stack1d(), "input_shape": (1, 3, 47), "sizes": (40, 50), **bad}
    with pytest.raises(tconv.TconvError, match=match):
        tconv.doctor(args.pop("model"), args.pop("input_shape"), **args)


# --------------------------------------------------------------------------------------------------
# ONNX exports (dynamic batch), and the default exporter's naming
# --------------------------------------------------------------------------------------------------


def _summary(d: Diagnosis) -> list[tuple[Any, ...]]:
    return [(p.where, p.op, tuple(s[1:] for s in p.sizes), p.chains,
             tuple((f.kind, f.verified, f.target,
                    json.dumps({k: v for k, v in f.values.items() if k != "checked"}, sort_keys=True))
                   for f in p.fixes))
            for p in d.problems]


@pytest.mark.parametrize("name", IDS)
def test_onnx_export_gets_the_same_diagnosis(name: str, exported, diagnoses) -> None:
    """At batch 2 (the export's batch is dynamic): the same problems, chains, fixes (verified) and rules."""
    _, d = diagnoses[name]
    _, _, shape, _, sizes = ZOO[IDS.index(name)]
    od = tconv.doctor(str(exported[name]), (2, *shape[1:]), sizes=sizes)
    assert od.source == "onnx" and od.ok is d.ok
    if name in ("smp", "attention", "stack1d"):  # functional joins and shared modules are named by ONNX nodes
        assert [(p.op, p.axes) for p in od.problems] == [(p.op, p.axes) for p in d.problems]
    else:
        assert _summary(od) == _summary(d)
        # the rule's sizes a fix ran at: ONNX edits the diagnosed nodes only, torch the source line that calls
        # every block's upsampling, so ONNX can run at fewer (the U-Net's ups.1 mismatches at 31 and says so)
        for p, q in zip(od.problems, d.problems):
            for f, g in zip(p.fixes, q.fixes):
                assert set(map(tuple, f.values.get("checked", ()))) <= set(map(tuple, g.values.get("checked", ())))
    assert all(f.verified for p in od.problems for f in p.fixes)
    assert {a: (s.rule, s.nearest) for a, s in od.valid_sizes.items()} == \
        {a: (s.rule, s.nearest) for a, s in d.valid_sizes.items()}


def test_default_exporter_nodes_are_named_by_module_path(tmp_path: Path, capsys) -> None:
    """torch 2.13's default exporter (dynamo) names nodes node_convolution_3; the metadata has the module path."""
    pytest.importorskip("onnxscript")
    path = tmp_path / "unet.onnx"
    with warnings.catch_warnings(), contextlib.redirect_stderr(None):  # type: ignore[type-var]
        warnings.simplefilter("ignore")
        program = torch.onnx.export(zoo.UNet(depth=2).eval(), (torch.zeros(2, 3, 16, 16),),
                                    dynamic_shapes=({0: torch.export.Dim("batch")},), dynamo=True, verbose=False)
        program.save(str(path))
    d = tconv.doctor(str(path), (1, 3, 18, 16), sizes=(12, 24))
    assert [p.where for p in d.problems] == [("ups.0.up", "downs.0", "ups.0:cat")]
    assert d.valid_sizes[2].rule == "multiples of 4"
    capsys.readouterr()
    assert main(["onnx", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\nups.0.up (node_" in out and "PyTorch equivalent: torch.nn.ConvTranspose2d(8, 4" in out


def test_onnx_with_symbolic_spatial_sizes_gives_the_formula(tmp_path: Path, capsys) -> None:
    path = tmp_path / "hw.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(zoo.UNet(depth=2).eval(), (torch.zeros(1, 3, 16, 16),), str(path), dynamo=False,
                          input_names=["x"], dynamic_axes={"x": {0: "batch", 2: "h", 3: "w"}})
    assert main(["onnx", str(path)]) == 0
    out = capsys.readouterr().out
    assert "ups.0.up (/ups.0/up/ConvTranspose)" in out
    assert "PyTorch equivalent at any size: torch.nn.ConvTranspose2d(8, 4" in out and "output size (2·" in out
    d = tconv.doctor(str(path), (1, 3, 18, 20), sizes=(12, 24))
    assert [p.where[0] for p in d.problems] == ["ups.0.up"] and d.valid_sizes[3].rule == "multiples of 4"


# --------------------------------------------------------------------------------------------------
# the CLI
# --------------------------------------------------------------------------------------------------


def test_cli_doctor_import_spec_and_exit_codes(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "mymodels.py").write_text(
        f"import sys\nsys.path.insert(0, {str(Path(__file__).parent)!r})\nfrom doctor_zoo import UNet\n"
        "def build():\n    return UNet(depth=2)\nnet = UNet(depth=2)\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["doctor", "mymodels:build", "--input-shape", "1,3,18,16", "--sizes", "12:24"]) == 1
    out = capsys.readouterr().out
    assert "1. cat at ups.0:cat joins ups.0.up (8×8) with downs.0 (9×8): dim 2: 8 ≠ 9" in out
    assert "dim 2: 18 → 9 → 4 (downs.1.pool: ⌊9/2⌋ loses a row); ups.0.up: 4 → 8 ≠ 9 (downs.0)" in out
    assert ("dim 2: multiples of 4 (derived from the size arithmetic, checked by tracing 11 sizes; every size of "
            "12..24 traced agrees); nearest to 18: 16, 20") in out
    assert main(["doctor", "mymodels:net", "--input-shape", "1,3,16,16", "--sizes", "12:24", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True and data["problems"] == [] and data["valid_sizes"]["3"]["rule"] == "multiples of 4"
    assert main(["doctor", "mymodels:UNet", "--input-shape", "1,3,16,16", "--sizes", "12:24"]) == 0
    capsys.readouterr()
    for argv, message in (
            (["mymodels:nothing"], "could not be imported: AttributeError"),
            (["mymodels:sys"], "is module, not a torch.nn.Module"),
            (["missing.onnx"], "does not exist"),
            (["mymodels:net", "--sizes", "5"], "expected LO:HI"),
            (["mymodels:net", "--input-shape", "1,3"], "input_shape must be (N, C, *spatial)")):
        if "--input-shape" not in argv:
            argv = [*argv, "--input-shape", "1,3,16,16"]
        try:
            code = main(["doctor", *argv])
        except SystemExit as exc:  # argparse's own refusals
            code = exc.code
        assert code == 2
        err = capsys.readouterr().err
        assert err.startswith("tconv doctor: error: ") and message in err and len(err.splitlines()) == 1, err


def test_docs_walkthrough_shows_a_recorded_run(monkeypatch, capsys) -> None:
    """docs/doctor.md's output of `tconv doctor unet:UNet --input-shape 1,3,350,525` is what it prints now."""
    import re

    examples = Path(__file__).parent.parent / "docs" / "examples"
    monkeypatch.chdir(examples)
    monkeypatch.syspath_prepend(str(examples))
    doc = (examples.parent / "doctor.md").read_text(encoding="utf-8")
    blocks = [body for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", doc, flags=re.S | re.M) if not lang]
    assert main(["doctor", "unet:UNet", "--input-shape", "1,3,350,525"]) == 1
    assert capsys.readouterr().out in blocks
    assert "exit code 1" in doc
