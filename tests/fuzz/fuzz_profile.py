"""Hypothesis settings for the fuzz suite (issue 7 item 8).

CI (default): derandomized, a fixed number of examples per test, no example database, so a run
is reproducible and the whole suite stays within its time budget. `HYPOTHESIS_PROFILE=long`
multiplies the examples by `FUZZ_SCALE` (default 100) and randomizes, for local bug hunting:

    HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/fuzz -q
    HYPOTHESIS_PROFILE=long FUZZ_SCALE=10 .venv/bin/python -m pytest tests/fuzz -q
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
_LONG = PROFILE == "long"
_SCALE = int(os.environ.get("FUZZ_SCALE", "100")) if _LONG else 1


def fuzz(examples: int) -> settings:
    """Settings for one fuzz test: `examples` in CI, FUZZ_SCALE times that in the long profile."""
    return settings(
        max_examples=examples * _SCALE,
        derandomize=not _LONG,
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture,
        ],
    )
