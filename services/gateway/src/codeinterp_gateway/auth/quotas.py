"""Per-principal request rate (token bucket) and concurrent solve calls.

Both are in-process: with several gateway replicas each enforces its own share (N replicas
admit up to N × the limit); a shared limiter (Redis, or the mesh's rate limit service) is the
multi-replica answer. Exceeding either is RESOURCE_EXHAUSTED with RetryInfo (HTTP 429 with
Retry-After over REST).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from codeinterp_common.errors import ResourceExhausted


class RateLimiter:
    """Token bucket per key: `per_minute` requests, bursts up to `burst` (default per_minute)."""

    def __init__(
        self, per_minute: int, *, burst: int = 0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_minute = per_minute
        self.capacity = float(burst or per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> None:
        if self.per_minute <= 0:
            return
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                if len(self._buckets) > 10_000:
                    self._prune(now)
                return
            self._buckets[key] = (tokens, now)
            wait = (1.0 - tokens) / self.rate
        raise ResourceExhausted(
            f"more than {self.per_minute} requests per minute; retry in {math.ceil(wait)} s",
            reason="QUOTA_REQUESTS_PER_MINUTE",
            metadata={"limit_per_minute": self.per_minute},
            retry_after=max(wait, 0.001),
        )

    def _prune(self, now: float) -> None:
        full = self.capacity / self.rate if self.rate else 0.0
        for key, (_, last) in list(self._buckets.items()):
            if now - last > full:
                del self._buckets[key]


class ConcurrencyLimiter:
    """At most `limit` calls in flight per key (0: unlimited)."""

    def __init__(self, limit: int, *, retry_after_s: float = 5.0) -> None:
        self.limit = limit
        self.retry_after_s = retry_after_s
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str) -> Callable[[], None]:
        if self.limit <= 0:
            return _noop
        with self._lock:
            count = self._counts.get(key, 0)
            if count >= self.limit:
                raise ResourceExhausted(
                    f"{count} jobs are already running for you; the limit is {self.limit}",
                    reason="QUOTA_CONCURRENT_JOBS",
                    metadata={"limit": self.limit},
                    retry_after=self.retry_after_s,
                )
            self._counts[key] = count + 1
        released = False

        def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            with self._lock:
                left = self._counts.get(key, 1) - 1
                if left <= 0:
                    self._counts.pop(key, None)
                else:
                    self._counts[key] = left

        return release

    def in_flight(self, key: str) -> int:
        with self._lock:
            return self._counts.get(key, 0)


def _noop() -> None:
    return None
