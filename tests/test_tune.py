"""Measured planning (the ``tune`` option): the fastest engine is measured once per configuration, remembered in
a per-machine file that is safe to delete, and changes nothing but the speed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import tconv
from tconv.algorithms import choose, tune
from tconv.params import plan_conv_transpose

X = np.random.default_rng(0).standard_normal((4, 8, 6, 6)).astype(np.float32)
W = np.random.default_rng(1).standard_normal((8, 4, 4, 4)).astype(np.float32)


@pytest.fixture
def wisdom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "wisdom.json"
    monkeypatch.setenv("TCONV_WISDOM", str(path))
    tune.forget()
    yield path
    tune.forget()


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Engine timings made up per engine (phase fastest), recording which engines were timed."""
    timed: list[str] = []
    speed = {"col2im": 3.0, "phase": 1.0, "implicit": 2.0, "stacked": 4.0, "accumulate": 5.0, "fused": 1.5}

    def prepared_as(name: str, layer) -> object:
        try:
            return tconv.algorithms.prepared(name, layer)
        except tconv.TconvError:  # implicit and stacked refuse other strides
            return None

    def fake_time(call) -> float:
        name = call.args[0].layer and next(n for n in tune.CANDIDATES
                                           if prepared_as(n, call.args[0].layer) is call.args[0])
        timed.append(name)
        return speed[name]

    monkeypatch.setattr(tune, "_time", fake_time)
    return timed


def test_the_fastest_engine_is_measured_once_and_remembered(wisdom: Path, fake_clock: list[str]) -> None:
    with tconv.options(tune=True):
        first = tconv.conv_transpose(X, W, stride=2, padding=1)
        # implicit and stacked refuse stride 2; fused is timed where numba is installed
        assert sorted(fake_clock) == sorted(["accumulate", "col2im", "phase", *set(tune.CANDIDATES) & {"fused"}])
        second = tconv.conv_transpose(X, W, stride=2, padding=1)
    assert len(fake_clock) == len(set(tune.CANDIDATES) - {"implicit", "stacked"})  # the second call read the choice
    choices = json.loads(wisdom.read_text())["choices"]
    assert list(choices.values()) == ["phase"]
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(first, tconv.conv_transpose(X, W, stride=2, padding=1), rtol=1e-5, atol=1e-5)
    # another process reads the file: simulate by forgetting what this one read, keeping the file
    tune._wisdom = None
    plan = plan_conv_transpose(X.shape, W.shape, stride=2, padding=1, dtype="float32")
    with tconv.options(tune=True):
        assert tconv.algorithms.get("auto", plan).NAME == "phase"
    assert len(fake_clock) == len(set(tune.CANDIDATES) - {"implicit", "stacked"})


def test_without_the_option_auto_is_the_rule(wisdom: Path, fake_clock: list[str]) -> None:
    plan = plan_conv_transpose(X.shape, W.shape, stride=2, padding=1, dtype="float32")
    assert tconv.algorithms.get("auto", plan) is choose(plan)
    tconv.conv_transpose(X, W, stride=2, padding=1)
    assert fake_clock == [] and not wisdom.exists()


def test_a_damaged_file_is_ignored_and_rewritten(wisdom: Path, fake_clock: list[str]) -> None:
    wisdom.write_text("{not json")
    with tconv.options(tune=True):
        tconv.conv_transpose(X, W, stride=2)
    assert "phase" in json.loads(wisdom.read_text())["choices"].values()
    wisdom.write_text(json.dumps({"engines": list(tune.CANDIDATES),
                                  "choices": {"anything": "rm -rf", "other": 3}}))  # unknown names are dropped
    tune._wisdom = None
    assert tune._load() == {}


def test_forget_removes_the_file_and_the_next_call_measures_again(wisdom: Path, fake_clock: list[str]) -> None:
    with tconv.options(tune=True):
        tconv.conv_transpose(X, W, stride=2)
    assert wisdom.exists()
    tune.forget()
    assert not wisdom.exists()
    with tconv.options(tune=True):
        tconv.conv_transpose(X, W, stride=2)
    assert len(fake_clock) == 2 * len(set(tune.CANDIDATES) - {"implicit", "stacked"})  # measured twice


def test_an_unwritable_cache_costs_only_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   fake_clock: list[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("TCONV_WISDOM", str(blocker / "sub" / "wisdom.json"))  # a file where a folder should be
    tune.forget()
    with tconv.options(tune=True):
        y = tconv.conv_transpose(X, W, stride=2)
    assert y.shape == (4, 4, 14, 14)
    tune.forget()


def test_engines_that_do_not_fit_the_budget_are_not_timed(wisdom: Path, fake_clock: list[str]) -> None:
    """With a budget that holds the call but not a second copy of its arrays, nothing is timed: the rule decides."""
    plan = plan_conv_transpose(X.shape, W.shape, stride=2, dtype="float32")
    with tconv.options(tune=True, memory_budget=X.nbytes):
        assert tune.tuned(plan, choose(plan)) is choose(plan)
    assert fake_clock == []


def test_the_option_from_the_environment_and_its_refusals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TCONV_TUNE", "1")
    assert tconv.get_options().tune is True
    monkeypatch.setenv("TCONV_TUNE", "yes")
    with pytest.raises(tconv.TconvError, match="TCONV_TUNE 'yes' must be 1"):
        tconv.get_options()
    monkeypatch.delenv("TCONV_TUNE")
    assert tconv.get_options().tune is False
    with pytest.raises(tconv.TconvError, match="tune must be True or False, got 'yes'"):
        tconv.options(tune="yes").__enter__()


def test_real_timing_picks_an_engine_that_computes_the_same_numbers(wisdom: Path) -> None:
    """No fake clock: the engines are really timed and the one kept gives auto's numbers."""
    x = np.random.default_rng(2).standard_normal((2, 4, 5, 5))
    w = np.random.default_rng(3).standard_normal((4, 2, 3, 3))
    with tconv.options(tune=True):
        y = tconv.conv_transpose(x, w, padding=1)
    (choice,) = json.loads(wisdom.read_text())["choices"].values()
    assert choice in tune.CANDIDATES
    np.testing.assert_allclose(y, tconv.conv_transpose(x, w, padding=1, algorithm="scatter"), atol=1e-12)


def test_a_new_set_of_engines_measures_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """Choices made among fewer engines are not trusted once another engine exists: the file's name changes."""
    monkeypatch.delenv("TCONV_WISDOM", raising=False)
    now = tune.wisdom_path()
    monkeypatch.setattr(tune, "CANDIDATES", tuple(n for n in tune.CANDIDATES if n != "accumulate"))
    before = tune.wisdom_path()
    assert before != now and before.parent == now.parent and before.name.startswith("wisdom-")


def test_a_file_written_for_other_engines_is_not_trusted(wisdom: Path, fake_clock: list[str]) -> None:
    """A TCONV_WISDOM file keeps its name across versions: its choices count only if it lists the same engines."""
    with tconv.options(tune=True):
        tconv.conv_transpose(X, W, stride=2)
    data = json.loads(wisdom.read_text())
    assert data["engines"] == list(tune.CANDIDATES) and len(data["choices"]) == 1
    data["engines"] = [n for n in tune.CANDIDATES if n != "accumulate"]
    wisdom.write_text(json.dumps(data))
    tune._wisdom = None
    assert tune._load() == {}
