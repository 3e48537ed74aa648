"""Which way a Ray job runs: the pooled driver or the Jobs API; which shuffle it uses.

The pool answers a small query in a fraction of a second but shares its task workers between
jobs and dies with the supervisor (a job then runs again); the Jobs API gives each job its own
driver and survives supervisor restarts, for 5-20 s of start-up. Small inputs go to the pool;
large or unknown ones, and every job when the pool is off, go to the Jobs API. A job keeps the
way it started (its backend id says which) so a restart never moves a running job.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

POOL_PREFIX = "pool/"
MIB = 1024 * 1024


@dataclass(frozen=True)
class DispatchRule:
    pool_enabled: bool
    pool_max_input_bytes: int
    sort_shuffle_max_bytes: int


def input_bytes(uris: Iterable[str]) -> int | None:
    """Total size of local input files; None when one is remote or missing (size unknown)."""
    total = 0
    for uri in uris:
        path = uri.removeprefix("file://")
        if "://" in path:
            return None
        try:
            total += os.stat(path).st_size
        except OSError:
            return None
    return total


def use_pool(rule: DispatchRule, backend_id: str, uris: Iterable[str]) -> bool:
    if backend_id:
        return backend_id.startswith(POOL_PREFIX)
    if not rule.pool_enabled:
        return False
    size = input_bytes(uris)
    return size is not None and size <= rule.pool_max_input_bytes


def shuffle(rule: DispatchRule, uris: Iterable[str]) -> str:
    size = input_bytes(uris)
    return "sort" if size is not None and size <= rule.sort_shuffle_max_bytes else "default"
