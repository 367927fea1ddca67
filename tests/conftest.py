"""Test configuration: hypothesis profiles (``HYPOTHESIS_PROFILE=thorough`` for a long run)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=int(os.environ.get("TCONV_EXAMPLES", "60")), deadline=None,
    suppress_health_check=[HealthCheck.too_slow], derandomize=True,
)
settings.register_profile("thorough", max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
