"""Jobs shared by both supervisors: the record and its state machine, the durable store,
the manager that runs jobs on an engine, and the generate → validate → run → repair loop.

Engines (the warm local Spark executor, Lambda, EMR Serverless, the Ray Jobs API) plug in
through the `Engine` protocol; everything else is the same for Spark and Ray.
"""

from codeinterp_common.jobs.model import JobRecord, JobState, RunOutcome
from codeinterp_common.jobs.store import JobStore

__all__ = ["JobRecord", "JobState", "JobStore", "RunOutcome"]
