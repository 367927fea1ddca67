"""What the notebook tests share: the packages they need (skipped without them, required under CI) and the one
kernel they run, this interpreter with the tconv under test first on its path.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

import tconv


def require(*names: str) -> None:
    """Skip the importing module, with the reason, when a package it needs is missing; under CI (CI=true) the test
    extra installs them, so a missing one fails."""
    missing = [name for name in names if importlib.util.find_spec(name) is None]
    if missing:
        reason = f"the notebook tests need {', '.join(missing)}: pip install -e '.[test]'"
        if os.environ.get("CI"):
            raise RuntimeError(f"CI must run the notebook tests, but {reason}")
        pytest.skip(reason, allow_module_level=True)


def python_kernel(kernels: Path) -> Path:
    """Write the kernel spec ``python3`` under the folder kernels: this interpreter, with the tconv this test run
    imported first on PYTHONPATH (a checkout's src/ or site-packages alike) and an IPython profile folder beside
    kernels. Its folder."""
    src = str(Path(tconv.__file__).resolve().parents[1])
    spec = kernels / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)", "language": "python",
        "env": {"PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH", "")) if p),
                # a profile of its own: no user's startup files run in it
                "IPYTHONDIR": str(kernels.parent / "ipython")}}))
    return spec
