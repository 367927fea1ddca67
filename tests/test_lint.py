"""mypy --strict and ruff run with the test suite, so CI enforces them (the rule set is in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_mypy_strict_passes_on_the_package() -> None:
    result = _run("mypy", "--strict", "src/tconv")
    assert result.returncode == 0, f"mypy --strict src/tconv failed:\n{result.stdout}{result.stderr}"


def test_ruff_passes_on_the_package_and_the_tests() -> None:
    result = _run("ruff", "check", "src", "tests")
    assert result.returncode == 0, f"ruff check src tests failed:\n{result.stdout}{result.stderr}"
