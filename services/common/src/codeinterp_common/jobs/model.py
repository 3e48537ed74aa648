"""Job records and their state machine (terminal states are final)."""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any


class JobState(enum.StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    CANCELLING = "CANCELLING"
    CANCELLED = "CANCELLED"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"

    def is_terminal(self) -> bool:
        return self in (JobState.CANCELLED, JobState.SUCCEEDED, JobState.FAILED)


# Allowed transitions. Anything else is refused by the store (a terminal state never changes).
TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    JobState.PENDING: frozenset({JobState.RUNNING, JobState.CANCELLING, JobState.CANCELLED, JobState.FAILED}),
    JobState.RUNNING: frozenset(
        {JobState.CANCELLING, JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED}
    ),
    JobState.CANCELLING: frozenset({JobState.CANCELLED, JobState.FAILED, JobState.SUCCEEDED}),
    JobState.CANCELLED: frozenset(),
    JobState.SUCCEEDED: frozenset(),
    JobState.FAILED: frozenset(),
}


@dataclass(frozen=True)
class JobRecord:
    """One job. `inputs` and `limits` are opaque serialized protos the engine understands;
    `manifest` is the runner's result manifest as a JSON-able dict."""

    id: str
    uid: str
    code: str
    code_sha256: str
    inputs: bytes = b""
    limits: bytes = b""
    platform: str = ""
    effective_platform: str = ""
    platform_reason: str = ""
    session: str = ""
    state: JobState = JobState.PENDING
    state_message: str = ""
    state_time: float = 0.0
    error_class: str = ""
    failing_line: int = 0
    manifest: dict[str, Any] | None = None
    create_time: float = 0.0
    labels: dict[str, str] = field(default_factory=dict)
    backend_id: str = ""
    request_id: str = ""
    request_hash: str = ""

    def with_state(self, state: JobState, message: str, now: float, **changes: Any) -> JobRecord:
        return replace(self, state=state, state_message=message, state_time=now, **changes)


@dataclass(frozen=True)
class RunOutcome:
    """What an engine reports when a run ends."""

    ok: bool
    manifest: dict[str, Any] | None = None
    error: str = ""
    error_class: str = ""  # CODE, DATA, RESOURCE, PERMISSION, TIMEOUT, CANCELLED_BY_USER, INFRASTRUCTURE
    failing_line: int = 0
    duration_s: float = 0.0
    backend_id: str = ""


def request_fingerprint(*parts: bytes | str) -> str:
    """Hash of a create request's payload: the same request id with a different payload is refused."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
