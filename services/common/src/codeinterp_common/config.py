"""Configuration from environment variables, with documented defaults.

Every service reads `CODEINTERP_*` variables once in its `main.py` through a frozen
dataclass built with `from_env`. Field metadata carries the variable's documentation,
which `describe()` renders for the README's configuration table.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

PREFIX = "CODEINTERP_"
T = TypeVar("T")


def setting(default: Any, doc: str, *, env: str | None = None) -> Any:
    """A dataclass field with a default and a one-line description."""
    return dataclasses.field(default=default, metadata={"doc": doc, "env": env})


class ConfigError(ValueError):
    """A configuration value is missing or malformed; raised at start-up, never later."""


def _convert(raw: str, typ: Any, name: str) -> Any:
    origin = typing.get_origin(typ)
    if origin is typing.Union or str(origin) == "types.UnionType":
        args = [a for a in typing.get_args(typ) if a is not type(None)]
        if raw == "":
            return None
        typ = args[0]
    try:
        if typ is bool:
            low = raw.strip().lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(raw)
        if typ is int:
            return int(raw)
        if typ is float:
            return float(raw)
        if typ is str:
            return raw
        if typ in (tuple, tuple[str, ...]) or typing.get_origin(typ) is tuple:
            return tuple(p.strip() for p in raw.split(",") if p.strip())
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not a valid {getattr(typ, '__name__', typ)}") from exc
    return typ(raw)


def env_name(field: dataclasses.Field) -> str:
    return field.metadata.get("env") or PREFIX + field.name.upper()


def from_env(cls: type[T], environ: Mapping[str, str] | None = None, **overrides: Any) -> T:
    """Builds the settings dataclass `cls` from `CODEINTERP_<FIELD>` variables."""
    environ = os.environ if environ is None else environ
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        if field.name in overrides:
            values[field.name] = overrides[field.name]
            continue
        name = env_name(field)
        if name in environ:
            values[field.name] = _convert(environ[name], hints[field.name], name)
    return cls(**values)


def describe(cls: type) -> list[tuple[str, str, str]]:
    """(variable, default, description) rows for documentation."""
    rows = []
    for field in dataclasses.fields(cls):
        default = field.default if field.default is not dataclasses.MISSING else ""
        rows.append((env_name(field), str(default), field.metadata.get("doc", "")))
    return rows


@dataclasses.dataclass(frozen=True)
class ServerSettings:
    """Settings every gRPC service shares."""

    host: str = setting("127.0.0.1", "Address the gRPC and metrics servers bind (0.0.0.0 in containers)")
    grpc_port: int = setting(50051, "gRPC port")
    metrics_port: int = setting(0, "Prometheus /metrics port (0: disabled)")
    log_level: str = setting("INFO", "Log level")
    log_format: str = setting("json", "`json` (one object per line) or `text`")
    max_message_mb: int = setting(16, "Largest gRPC message accepted or sent, MiB")
    shutdown_grace_s: float = setting(10.0, "Seconds in-flight RPCs get to finish after SIGTERM")
    drain_s: float = setting(0.0, "Seconds NOT_SERVING is reported before the server stops accepting RPCs")
    max_rpc_s: float = setting(900.0, "Longest a unary RPC may run when the caller set no deadline")
    reflection: bool = setting(True, "Serve gRPC server reflection (grpcurl list/describe)")
    service_token: str = setting(
        "", "Shared secret the services present to each other (x-codeinterp-service-token); backends refuse calls "
        "without it when set (a Kubernetes Secret in Helm). Empty: backends trust callers (bind 127.0.0.1)")
    tls_cert_file: str = setting("", "PEM certificate of this service (mTLS between services when set with the key and CA)")
    tls_key_file: str = setting("", "PEM private key of `tls_cert_file`")
    tls_ca_file: str = setting("", "PEM CA bundle: backends require client certificates signed by it; clients verify servers with it")
    max_code_chars: int = setting(100_000, "Supervisors: longest code accepted for validation and jobs, characters")
    quota_active_jobs: int = setting(0, "Supervisors: unfinished jobs per principal (0: unlimited); RESOURCE_EXHAUSTED beyond")
