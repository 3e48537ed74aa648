"""Crash points for fault-injection tests. NEVER set in production.

`CODEINTERP_FAULT_CRASH_AT=<point>` makes the process SIGKILL itself the first time the job
life cycle reaches `<point>` — the same as `kill -9` from outside, at an exact place:

  before_record               a create arrived; nothing is recorded yet
  after_record_before_launch  the job is recorded (PENDING); the engine was not called
  after_launch                the engine launched the work (Ray submission accepted, Spark worker told RUN)
  while_polling               the supervisor is following the running job (first status/log event)
  while_writing_results       the terminal state is being written (inside the store transaction, before commit)

`CODEINTERP_FAULT_CRASH_JOB=<job id>` (optional) limits the crash to that job, so a restarted
process can reconcile earlier jobs while it waits to crash at a later one.

Unset (the default), a crash point is one comparison of a module constant with a string.
"""

from __future__ import annotations

import os
import signal

ENV = "CODEINTERP_FAULT_CRASH_AT"
POINTS = frozenset(
    {"before_record", "after_record_before_launch", "after_launch", "while_polling", "while_writing_results"}
)
_AT = os.environ.get(ENV, "")
_JOB = os.environ.get("CODEINTERP_FAULT_CRASH_JOB", "")
if _AT and _AT not in POINTS:
    raise SystemExit(f"{ENV}={_AT!r} is not one of {sorted(POINTS)}")


def crash_point(name: str, job_id: str = "") -> None:
    if _AT == name and (not _JOB or _JOB == job_id):
        os.kill(os.getpid(), signal.SIGKILL)
