"""Test configuration: hypothesis profiles (``HYPOTHESIS_PROFILE=thorough`` for a long run)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=int(os.environ.get("TCONV_EXAMPLES", "60")), deadline=None,
    suppress_health_check=[HealthCheck.too_slow], derandomize=True,
)
settings.register_profile("thorough", max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True, scope="session")
def _run_in_a_scratch_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every test runs in a scratch folder: a fuzzer that passes a junk string as an output path writes there,
    never into the checkout (tests find their data from ``__file__``)."""
    previous = os.getcwd()
    # A relative PYTHONPATH (``PYTHONPATH=src``) would point elsewhere from the scratch folder, and the processes
    # tests start (the web pool's forkserver, CLI subprocesses) would import another checkout's tconv: make it
    # absolute first.
    if os.environ.get("PYTHONPATH"):
        os.environ["PYTHONPATH"] = os.pathsep.join(
            os.path.abspath(p) for p in os.environ["PYTHONPATH"].split(os.pathsep) if p)
    os.chdir(tmp_path_factory.mktemp("cwd"))
    yield
    os.chdir(previous)
