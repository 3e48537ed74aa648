"""Strips Ray's own noise from the lines users see (the seed's cleaning rules, seed-system.md §1.1).

Dropped: Ray internal log lines (job manager, worker.py connection banners, runtime-env
setup, the dashboard banner, Ray Data's dataset logger, execution-plan and shuffle-progress
lines, autoscaler and raylet chatter), `<thinking>` blocks, ANSI-only lines and progress
bars. Kept lines lose their ANSI escapes; a task's `(f pid=123)` prefix is kept (it tells
which task printed). Literal `\\n` sequences are unescaped. An empty cleaned output becomes
"Code executed successfully (no output)" only in `clean_output` (the final text), never per line.
"""

from __future__ import annotations

import re

NO_OUTPUT = "Code executed successfully (no output)"

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]|\x1b[=>]")
# "2026-11-28 07:21:08,972\tINFO job_manager.py:581 -- ..." : Ray's Python logger format.
_RAY_LOGGER = re.compile(
    r"^(?:\[\d{4}-\d{2}-\d{2}[^\]]*\]\s*|\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}[,.]\d+\s+)?"
    r"(?:\(\w+(?: pid=\d+)?(?:, ip=[\d.]+)?\)\s+)?"
    r"(?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL)\s+[\w.\-]+\.py:\d+\s+--\s"
)
_PATTERNS = [
    r"^Running entrypoint for job [\w\-]+:",
    r"^Runtime env is setting up",
    r"Connecting to existing Ray cluster at address",
    r"Connected to Ray cluster\.",
    r"View the dashboard at",
    r"^Using address \S+ set in the environment variable RAY_ADDRESS",
    r"^Started a local Ray instance",
    r"^\(autoscaler\s",
    r"^\((?:raylet|gcs_server|dashboard|monitor|log_monitor)(?:,[^)]*)?\)\s",
    r"Registered dataset logger for dataset",
    r"Starting execution of Dataset",
    r"Execution plan of Dataset",
    r"Dataset \S+ execution finished in",
    r"^✔️\s*Dataset",
    r"Full logs are in .*ray-data",
    r"^\s*[-–]\s*\S+.*\d+:\s.*\[\d+:\d+(?::\d+)?[,<]",  # per-operator progress lines
    r"^(?:Running|Sort Sample|Shuffle Map|Shuffle Reduce|Map Progress|Reduce Progress|Repartition|"
    r"Split Repartition|Aggregate|Read progress|Write Progress)\b.*(?:\d+%|\[\d+:\d+|row/s|it/s|bundle/s)",
    r"\d+%\|[█▏▎▍▌▋▊▉ #]*\|",  # tqdm bars
    r"\[\s*\d+:\d+(?::\d+)?<[^\]]*\]",  # tqdm "[00:01<00:02, 1.2it/s]"
    r"^\*\*\* SIGTERM received at time=",
    r"^PC: @ .* \(unknown\)",
    r"^\s*@ .* \(unknown\)$",
    r"Tip: set `?ray\.data",
    r"Usage stats collection",
    r"To disable this, add `?RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO",
    r"^Job '[\w\-]+' (?:succeeded|failed)$",
    r"^-{10,}$",
]
_NOISE = re.compile("|".join(f"(?:{p})" for p in _PATTERNS))
_THINKING = re.compile(r"<thinking>.*?</thinking>", re.DOTALL)


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def clean_line(line: str) -> str | None:
    """The user-facing form of one output line, or None when it is Ray noise."""
    line = line.rstrip("\r\n")
    if "\r" in line:  # carriage-return progress updates: keep the final frame only
        line = line.rsplit("\r", 1)[-1]
    plain = strip_ansi(line)
    if line and not plain.strip():
        return None  # ANSI-only line
    if _RAY_LOGGER.match(plain) or _NOISE.search(plain):
        return None
    return plain.rstrip()


def clean_lines(text: str) -> list[str]:
    text = _THINKING.sub("", text.replace("\\n", "\n"))
    out = []
    for line in text.split("\n"):
        cleaned = clean_line(line)
        if cleaned is not None:
            out.append(cleaned)
    while out and not out[-1].strip():
        out.pop()
    while out and not out[0].strip():
        out.pop(0)
    return out


def clean_output(text: str) -> str:
    """The whole cleaned output, or the seed's "no output" sentence."""
    lines = clean_lines(text)
    return "\n".join(lines) if lines else NO_OUTPUT
