"""Valid sizes by arithmetic and fit warnings: each derived rule against brute force (plain forward passes of the
model on the meta device, at every size of a range per axis and at the products of sizes across axes), the nearest
valid sizes at any distance, the axes' interactions, and the warnings of models that run but do not fit."""

from __future__ import annotations

import copy
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import doctor_zoo as zoo  # noqa: E402
import tconv  # noqa: E402
from tconv.cli import main  # noqa: E402
from tconv.doctor import Diagnosis  # noqa: E402

# (name, model factory, an input shape, the sizes per axis brute-forced, the rule expected on each axis)
ZOO: list[tuple[str, Callable[[], Any], tuple[int, ...], range, dict[int, str]]] = [
    ("unet", zoo.UNet, (1, 3, 50, 75), range(1, 70), {2: "multiples of 16", 3: "multiples of 16"}),
    ("milesial", zoo.MilesialUNet, (1, 3, 50, 75), range(1, 40), {2: "every size from 16", 3: "every size from 16"}),
    ("smp", zoo.SmpUNet, (1, 3, 50, 75), range(1, 70), {2: "≡ 0, 15 (mod 16)", 3: "≡ 0, 15 (mod 16)"}),
    ("attention", zoo.AttentionUNet, (1, 3, 50, 75), range(1, 40), {2: "multiples of 4", 3: "multiples of 4"}),
    ("stack1d", zoo.Stack1d, (1, 3, 50), range(1, 80), {2: "≡ 7 (mod 8), from 15"}),
    ("dcgan", zoo.DCGANGenerator, (1, 8, 3, 3), range(1, 12), {2: "every size", 3: "every size"}),
    ("inorm", zoo.InstanceNormUNet, (1, 3, 50, 75), range(1, 70), {2: "multiples of 16", 3: "multiples of 16"}),
    ("valid", zoo.ValidUNet, (1, 3, 75, 61), range(1, 70), {2: "every size from 44", 3: "every size from 44"}),
    ("resgen", zoo.ResnetGenerator, (1, 3, 250, 129), range(1, 30), {2: "every size from 5", 3: "every size from 5"}),
]
IDS = [z[0] for z in ZOO]


def _runs(meta: Any, shape: tuple[int, ...]) -> bool:
    try:
        with torch.no_grad():
            meta(torch.empty(shape, device="meta"))
    except Exception:  # any refusal: a cat's RuntimeError, a pooling's "Output size is too small", InstanceNorm
        return False
    return True


@pytest.fixture(scope="module")
def diagnoses() -> dict[str, tuple[Any, Diagnosis]]:
    torch.manual_seed(0)
    return {name: (model := make(), tconv.doctor(model, shape)) for name, make, shape, _, _ in ZOO}


@pytest.mark.parametrize("name", IDS)
def test_rules_are_derived_and_read_as_people_say_them(name: str, diagnoses) -> None:
    _, d = diagnoses[name]
    expected = ZOO[IDS.index(name)][4]
    assert {a: s.rule for a, s in d.valid_sizes.items()} == expected
    assert all(s.source == "derived" and s.checked for s in d.valid_sizes.values())


@pytest.mark.parametrize("name", IDS)
def test_each_axis_agrees_with_plain_forward_passes(name: str, diagnoses) -> None:
    """Each axis over a range from 1 (its minimum, the sizes below it and past it), the other axes at the valid
    size nearest above the request: the rule accepts n exactly when the plain model runs."""
    model, d = diagnoses[name]
    sizes = ZOO[IDS.index(name)][3]
    meta = copy.deepcopy(model).to("meta").eval()
    other = {a: s.nearest[-1] for a, s in d.valid_sizes.items()}
    for axis, rule in d.valid_sizes.items():
        ran = [n for n in sizes if _runs(meta, tuple(n if a == axis else other.get(a, v)
                                                     for a, v in enumerate(d.input_shape)))]
        assert ran == [n for n in sizes if rule.accepts(n)], (axis, rule.rule)
        assert rule.minimum == ran[0]  # the minimum is the first size that runs, not a square input's


@pytest.mark.parametrize("name", [n for n in IDS if len(ZOO[IDS.index(n)][2]) == 4])
def test_products_of_sizes_agree_except_where_the_axes_interact(name: str, diagnoses) -> None:
    """Every pair of sizes the rules accept near their minimums runs, except the pairs the interactions name."""
    model, d = diagnoses[name]
    meta = copy.deepcopy(model).to("meta").eval()
    near = {a: [n for n in range(s.minimum or 1, (s.minimum or 1) + 3 * (s.period or 1) + 1) if s.accepts(n)][:4]
            for a, s in d.valid_sizes.items()}
    said = " ".join(i for s in d.valid_sizes.values() for i in s.interactions)
    for h, w in itertools.product(near[2], near[3]):
        runs = _runs(meta, (*d.input_shape[:2], h, w))
        assert runs is (f"{h}×{w} fails" not in said), (h, w, said)


def test_instance_norm_bottleneck_interaction_is_said(diagnoses) -> None:
    """16×16 makes the bottleneck 1×1, where InstanceNorm refuses; 16×32 runs, so 16 is each axis' minimum."""
    _, d = diagnoses["inorm"]
    assert d.valid_sizes[2].minimum == d.valid_sizes[3].minimum == 16
    assert d.valid_sizes[2].interactions == (
        "16×16 fails although each of its sizes runs with the other axes larger: down.3.1: Expected more than 1 "
        "spatial element when training, got input size torch.Size([1, 32, 1, 1])",)
    text = d.to_text()
    assert "dim 2: multiples of 16 (derived from the size arithmetic" in text and "    interacts: 16×16 fails" in text


def test_seven_levels_nearest_at_any_distance_and_the_pad_fix() -> None:
    """A 7-level U-Net at 350×525: 256/384 and 512/640 (a ±48 window never reached 640), so pad_input is offered."""
    model = zoo.UNet(depth=7)
    tconv.doctor(zoo.UNet(depth=2), (1, 3, 16, 16))  # torch's one-time warm-up, outside the time measured
    start = time.perf_counter()
    d = tconv.doctor(model, (1, 3, 350, 525))
    took = time.perf_counter() - start
    assert {a: (s.rule, s.nearest) for a, s in d.valid_sizes.items()} == {
        2: ("multiples of 128", (256, 384)), 3: ("multiples of 128", (512, 640))}
    pad = next(f for f in d.problems[0].fixes if f.kind == "pad_input")
    assert pad.verified and pad.values == {"pad": [[17, 17], [57, 58]], "size": [384, 640]}
    assert took < 20  # the whole diagnosis, fixes included; the rule's own time is in docs/doctor.md


def test_resnet_generator_runs_but_warns_with_the_chain_and_the_sizes_that_fit(diagnoses) -> None:
    _, d = diagnoses["resgen"]
    assert d.ok and d.output_shape == (1, 3, 252, 132) and not d.problems
    (w,) = d.warnings
    assert w.kind == "fit" and w.message == ("the output is 252×132, not 250×129 (the input's size): the model runs "
                                             "but does not fit")
    assert w.details[1] == (
        "dim 3: 129 → 65 (model.4: 65·2 = 130 ≠ 129: a row gained) → 33 (model.7: 33·2 = 66 ≠ 65: a row gained) → 66 "
        "(model.12) → 132 (model.15) ≠ 129; an output of its own size at input sizes multiples of 4, from 8 (nearest "
        "to 129: 128, 132)")
    assert w.values == {"output": [252, 132], "target": [250, 129], "fit": {"2": [248, 252], "3": [128, 132]}}
    meta = copy.deepcopy(diagnoses["resgen"][0]).to("meta").eval()
    for n in range(5, 40):  # the sizes where the output is the input's, by plain forward passes
        out = meta(torch.empty((1, 3, n, 8), device="meta")).shape[2]
        assert (out == n) is (n % 4 == 0 and n >= 8), n
    data = json.loads(json.dumps(d.to_dict()))
    assert data["ok"] is True and data["warnings"][0]["values"]["fit"]["3"] == [128, 132]
    assert "1 warning(s):\n- the output is 252×132, not 250×129" in d.to_text()


def test_valid_conv_unet_warns_that_no_size_fits_and_finds_a_target() -> None:
    model = zoo.ValidUNet()
    d = tconv.doctor(model, (1, 3, 75, 61))
    assert d.ok and d.output_shape == (1, 2, 32, 20)
    (w,) = d.warnings
    assert w.details[0].endswith("≠ 75; no input size gives an output of its own size")
    t = tconv.doctor(model, (1, 3, 75, 61), target_shape=(1, 2, 32, 24))
    (w,) = t.warnings
    assert w.message.startswith("the output is 32×20, not 32×24 (the target's size)") and len(w.details) == 1
    fits = w.values["fit"]["3"]
    meta = copy.deepcopy(model).to("meta").eval()
    outs = {n: meta(torch.empty((1, 3, 64, n), device="meta")).shape[3] for n in range(44, 90)}
    assert fits == [n for n, out in outs.items() if out == 24] and fits
    assert not tconv.doctor(model, (1, 3, 75, 61), target_shape=(1, 2, 32, 20)).warnings


def test_target_shape_is_checked() -> None:
    with pytest.raises(tconv.TconvError, match=r"target_shape \[1, 2, 8\] must have the input's 4 axes"):
        tconv.doctor(zoo.DCGANGenerator(), (1, 8, 1, 1), target_shape=(1, 2, 8))
    d = tconv.doctor(zoo.DCGANGenerator(), (1, 8, 2, 2), target_shape=(1, 3, 32, 32))
    (w,) = d.warnings
    assert w.values["fit"] == {"2": [1], "3": [1]}  # a 1×1 latent gives 32×32
    assert not tconv.doctor(zoo.DCGANGenerator(), (1, 8, 1, 1), target_shape=(1, 3, 32, 32)).warnings


def test_cli_target_shape_and_json_warnings(tmp_path, monkeypatch, capsys) -> None:
    from pathlib import Path

    (tmp_path / "gens.py").write_text(f"import sys\nsys.path.insert(0, {str(Path(__file__).parent)!r})\n"
                                      "from doctor_zoo import ResnetGenerator\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["doctor", "gens:ResnetGenerator", "--input-shape", "1,3,250,129", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True and [w["kind"] for w in data["warnings"]] == ["fit"]
    assert main(["doctor", "gens:ResnetGenerator", "--input-shape", "1,3,250,129", "--target-shape",
                 "1,3,252,132"]) == 0
    assert "warning" not in capsys.readouterr().out


@pytest.mark.parametrize("argv", [
    ["doctor_zoo:ResnetGenerator", "--input-shape", "1,3,250,129"],
    ["doctor_zoo:ValidUNet", "--input-shape", "1,3,75,61", "--target-shape", "1,2,32,24"],
    ["doctor_zoo:InstanceNormUNet", "--input-shape", "1,3,64,200"],
], ids=["resgen", "valid-target", "inorm"])
def test_docs_record_what_the_doctor_prints(argv: list[str], monkeypatch, capsys) -> None:
    """docs/doctor.md's section on fit and valid sizes shows these runs (from tests/) as they print now."""
    import re
    from pathlib import Path

    here = Path(__file__).parent
    monkeypatch.chdir(here)
    monkeypatch.syspath_prepend(str(here))
    doc = (here.parent / "docs" / "doctor.md").read_text(encoding="utf-8")
    blocks = [body for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", doc, flags=re.S | re.M) if not lang]
    main(["doctor", *argv])
    assert capsys.readouterr().out in blocks
