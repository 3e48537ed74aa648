"""Product settings: built-in defaults, range checks, partial updates by path, persistence.

Settings are three sections named like the seed's `settings.json` (`global`, `spark`,
`ray`). Every field is described once in `FIELDS` (path, default, check, meaning); the
proto, the REST view and the validation all follow that table. Enum values are kept
as their proto names (`SPARK`, `AUTO`...) so this module needs no generated code.

`SettingsService.current()` is a cheap in-process read (no I/O) for other gateway code;
writes validate everything first, then persist the whole document in one transaction,
then swap the cached copy — a failed update changes nothing.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Protocol

from codeinterp_common.errors import FieldViolation, InvalidArgument
from codeinterp_gateway.domain.clock import Clock, SystemClock

log = logging.getLogger(__name__)

SECTIONS = ("global", "spark", "ray")
# Accepted spellings of a section in update masks: the JSON name and the proto field name.
SECTION_ALIASES = {"global": "global", "global_settings": "global", "spark": "spark", "ray": "ray"}
# Output-only fields that may appear in a mask and are ignored (AIP-161).
IGNORED_MASK_PATHS = frozenset({"name", "update_time"})

FRAMEWORKS = ("SPARK", "RAY")
PLATFORMS = ("AUTO", "LOCAL", "LAMBDA", "EMR_SERVERLESS")
LLM_PROVIDERS = ("offline", "bedrock", "openai")


def _int_range(lo: int, hi: int) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            return f"must be an integer from {lo} to {hi}"
        return None

    return check


def _float_range(lo: float, hi: float) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        if isinstance(v, bool) or not isinstance(v, int | float) or not lo <= float(v) <= hi:
            return f"must be a number from {lo:g} to {hi:g}"
        return None

    return check


def _choice(values: Iterable[str]) -> Callable[[Any], str | None]:
    allowed = tuple(values)

    def check(v: Any) -> str | None:
        return None if v in allowed else f"must be one of {', '.join(allowed)}"

    return check


def _pattern(regex: str, what: str, *, allow_empty: bool = True, max_len: int = 256) -> Callable[[Any], str | None]:
    compiled = re.compile(regex)

    def check(v: Any) -> str | None:
        if not isinstance(v, str):
            return f"must be {what}"
        if v == "" and allow_empty:
            return None
        if len(v) > max_len or not compiled.fullmatch(v):
            return f"must be {what}" + ("" if not allow_empty else " or empty")
        return None

    return check


_REGION = r"[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d"
_URL = r"https?://[A-Za-z0-9.\-\[\]:]+(:\d{1,5})?(/[A-Za-z0-9._~/%-]*)?"
_DNS_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"


@dataclass(frozen=True)
class FieldSpec:
    path: str
    default: Any
    check: Callable[[Any], str | None]
    doc: str

    @property
    def section(self) -> str:
        return self.path.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.path.split(".", 1)[1]


_SPECS: tuple[FieldSpec, ...] = (
    # global
    FieldSpec("global.llm_provider", "offline", _choice(LLM_PROVIDERS),
              "code generation provider; `offline` is the plan generator, no network"),
    FieldSpec("global.bedrock_model", "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
              _pattern(r"[A-Za-z0-9._:/-]+", "a Bedrock model id, inference profile id or ARN", allow_empty=False),
              "Bedrock model or inference-profile id"),
    FieldSpec("global.bedrock_region", "us-east-1", _pattern(_REGION, "an AWS region such as us-east-1",
              allow_empty=False), "Bedrock region"),
    FieldSpec("global.openai_base_url", "", _pattern(_URL, "an http(s) URL", max_len=512),
              "base URL of an OpenAI-compatible endpoint (empty: not configured)"),
    FieldSpec("global.openai_model", "", _pattern(r"[A-Za-z0-9._:/@-]+", "a model name"),
              "model name for the OpenAI-compatible endpoint"),
    FieldSpec("global.default_framework", "SPARK", _choice(FRAMEWORKS), "framework used when a request names none"),
    FieldSpec("global.max_attempts", 3, _int_range(1, 10), "generate/run attempts of the solve loop"),
    FieldSpec("global.max_prompt_chars", 4000, _int_range(100, 100_000), "longest accepted prompt"),
    FieldSpec("global.max_upload_mb", 100, _int_range(1, 5120), "largest accepted upload, in MiB"),
    FieldSpec("global.job_timeout_seconds", 120, _int_range(10, 86_400), "job wall-clock limit"),
    # spark
    FieldSpec("spark.s3_bucket", "", _pattern(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", "an S3 bucket name", max_len=63),
              "bucket for data, results and scripts (AWS mode)"),
    FieldSpec("spark.lambda_function", "", _pattern(r"[A-Za-z0-9_:.-]+", "a Lambda function name or ARN", max_len=170),
              "Lambda function running Spark (AWS mode)"),
    FieldSpec("spark.emr_application_id", "", _pattern(r"[0-9a-z]+", "an EMR Serverless application id", max_len=64),
              "EMR Serverless application id (AWS mode)"),
    FieldSpec("spark.max_retries", 3, _int_range(1, 10), "attempts for Spark (seed name)"),
    FieldSpec("spark.file_size_threshold_mb", 500, _int_range(1, 1_000_000),
              "inputs above this size go to EMR Serverless"),
    FieldSpec("spark.result_preview_rows", 100, _int_range(1, 10_000), "rows kept in the result preview"),
    FieldSpec("spark.presigned_url_expiry_hours", 24, _int_range(1, 168),
              "expiry of presigned result URLs (SigV4 allows at most 7 days)"),
    FieldSpec("spark.lambda_timeout_seconds", 300, _int_range(1, 900), "Lambda timeout (Lambda allows 900 s)"),
    FieldSpec("spark.emr_timeout_minutes", 60, _int_range(1, 1440), "EMR Serverless job timeout"),
    FieldSpec("spark.default_platform", "AUTO", _choice(PLATFORMS), "platform used when a request names none"),
    # ray
    FieldSpec("ray.address", "", _pattern(r"(https?://)?[A-Za-z0-9.\-\[\]:]+(:\d{1,5})?/?", "an address such as "
              "http://127.0.0.1:8266", max_len=512), "Ray dashboard / Jobs API address (empty: the ray-supervisor's "
              "own configuration)"),
    FieldSpec("ray.cluster_name", "ray-cluster", _pattern(_DNS_LABEL, "a DNS label", max_len=63),
              "KubeRay RayCluster name"),
    FieldSpec("ray.namespace", "ray-system", _pattern(_DNS_LABEL, "a DNS label", max_len=63),
              "Kubernetes namespace of the RayCluster"),
    FieldSpec("ray.max_retries", 3, _int_range(1, 10), "attempts for Ray (seed name)"),
    FieldSpec("ray.entrypoint_num_cpus", 1.0, _float_range(0.0, 64.0), "CPUs reserved for each job's entrypoint"),
)
FIELDS: dict[str, FieldSpec] = {spec.path: spec for spec in _SPECS}
DEFAULTS: dict[str, Any] = {spec.path: spec.default for spec in _SPECS}


@dataclass(frozen=True)
class GlobalSettings:
    llm_provider: str
    bedrock_model: str
    bedrock_region: str
    openai_base_url: str
    openai_model: str
    default_framework: str
    max_attempts: int
    max_prompt_chars: int
    max_upload_mb: int
    job_timeout_seconds: int


@dataclass(frozen=True)
class SparkSettings:
    s3_bucket: str
    lambda_function: str
    emr_application_id: str
    max_retries: int
    file_size_threshold_mb: int
    result_preview_rows: int
    presigned_url_expiry_hours: int
    lambda_timeout_seconds: int
    emr_timeout_minutes: int
    default_platform: str


@dataclass(frozen=True)
class RaySettings:
    address: str
    cluster_name: str
    namespace: str
    max_retries: int
    entrypoint_num_cpus: float


_SECTION_TYPES = {"global": GlobalSettings, "spark": SparkSettings, "ray": RaySettings}


@dataclass(frozen=True)
class Settings:
    global_: GlobalSettings
    spark: SparkSettings
    ray: RaySettings
    update_time: datetime | None = None
    values: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def max_upload_bytes(self) -> int:
        return self.global_.max_upload_mb * 1024 * 1024

    def get(self, path: str) -> Any:
        """A value by canonical path, e.g. `spark.max_retries`."""
        return self.values[canonical_path(path)]

    @staticmethod
    def from_values(values: Mapping[str, Any], update_time: datetime | None = None) -> Settings:
        full = {**DEFAULTS, **{k: v for k, v in values.items() if k in FIELDS}}
        sections = {
            sec: cls(**{f.name: full[f"{sec}.{f.name}"] for f in fields(cls)}) for sec, cls in _SECTION_TYPES.items()
        }
        return Settings(sections["global"], sections["spark"], sections["ray"], update_time, full)


def canonical_path(path: str) -> str:
    section, _, rest = path.partition(".")
    return f"{SECTION_ALIASES.get(section, section)}.{rest}" if rest else SECTION_ALIASES.get(section, section)


def expand_mask(paths: Iterable[str], *, field_name: str = "update_mask") -> list[str]:
    """Canonical field paths named by a mask: `global_settings.x` → `global.x`, `spark` → all of spark.

    `*` means every field; `name` and `update_time` are output only and ignored.
    """
    out: list[str] = []
    bad: list[FieldViolation] = []
    for raw in paths:
        path = raw.strip()
        if path in IGNORED_MASK_PATHS:
            continue
        if path == "*":
            out.extend(FIELDS)
            continue
        canon = canonical_path(path)
        if canon in FIELDS:
            out.append(canon)
        elif canon in SECTIONS:
            out.extend(p for p in FIELDS if p.startswith(canon + "."))
        else:
            bad.append(raw)
    if bad:
        raise InvalidArgument(
            "update_mask names unknown settings: " + ", ".join(repr(p) for p in bad),
            field_violations=[FieldViolation(field_name, f"unknown settings path {p!r}") for p in bad],
            reason="SETTINGS_PATH_UNKNOWN",
            metadata={"paths": ",".join(bad)},
        )
    return list(dict.fromkeys(out))


def violation_field(path: str) -> str:
    """The request field a settings path corresponds to (proto field names)."""
    section, _, name = path.partition(".")
    return f"settings.{'global_settings' if section == 'global' else section}.{name}"


def validate(changes: Mapping[str, Any]) -> None:
    bad = []
    for path, value in changes.items():
        spec = FIELDS.get(path)
        if spec is None:
            bad.append(FieldViolation(violation_field(path), "unknown setting"))
            continue
        problem = spec.check(value)
        if problem:
            bad.append(FieldViolation(violation_field(path), f"{path} {problem} (got {value!r})"))
    if bad:
        raise InvalidArgument(
            "invalid settings: " + "; ".join(v.description for v in bad),
            field_violations=bad,
            reason="SETTINGS_INVALID",
            metadata={"fields": ",".join(v.field for v in bad)},
        )


class SettingsStore(Protocol):
    def load_settings(self) -> tuple[dict[str, Any], datetime] | None: ...

    def save_settings(self, values: Mapping[str, Any], update_time: datetime) -> None: ...


class SettingsService:
    def __init__(self, store: SettingsStore, clock: Clock | None = None) -> None:
        self._store = store
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._current = self._load()

    def _load(self) -> Settings:
        loaded = self._store.load_settings()
        if loaded is None:
            return Settings.from_values(DEFAULTS)
        values, update_time = loaded
        clean = {}
        for path, value in values.items():
            spec = FIELDS.get(path)
            if spec is None:
                continue
            if spec.check(value):
                log.warning("ignoring invalid persisted setting", extra={"setting": path})
                continue
            clean[path] = value
        return Settings.from_values(clean, update_time)

    def current(self) -> Settings:
        """The settings in force (no I/O)."""
        return self._current

    def get(self) -> Settings:
        return self._current

    def update(self, changes: Mapping[str, Any]) -> Settings:
        """Apply `{canonical path: value}` after checking every value; all or nothing."""
        changes = {canonical_path(k): _coerce(canonical_path(k), v) for k, v in changes.items()}
        validate(changes)
        with self._lock:
            values = {**self._current.values, **changes}
            now = self._clock.now()
            self._store.save_settings(values, now)
            self._current = Settings.from_values(values, now)
            return self._current

    def restore_defaults(self) -> Settings:
        with self._lock:
            now = self._clock.now()
            self._store.save_settings(DEFAULTS, now)
            self._current = Settings.from_values(DEFAULTS, now)
            return self._current


def _coerce(path: str, value: Any) -> Any:
    spec = FIELDS.get(path)
    if spec is not None and isinstance(spec.default, float) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if path == "spark.default_platform" and value in ("", "EXECUTION_PLATFORM_UNSPECIFIED"):
        return "AUTO"  # UNSPECIFIED means AUTO (types.proto)
    return value

