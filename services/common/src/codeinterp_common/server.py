"""The gRPC server bootstrap all four services use.

`build_server` assembles a grpc.aio server with the shared interceptor, the stock
grpc.health.v1 servicer, server reflection and explicit message-size limits;
`serve` runs it until SIGTERM/SIGINT, then drains: health goes NOT_SERVING first,
in-flight RPCs get `shutdown_grace_s` to finish, then the process exits.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from codeinterp_common.auth import ServiceAuthInterceptor
from codeinterp_common.config import ConfigError, ServerSettings
from codeinterp_common.interceptors import ServerInterceptor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceSpec:
    """One gRPC service implementation to register."""

    servicer: Any
    add_to_server: Callable[[Any, grpc.aio.Server], None]
    full_name: str


def channel_options(settings: ServerSettings) -> list[tuple[str, Any]]:
    limit = settings.max_message_mb * 1024 * 1024
    return [
        ("grpc.max_receive_message_length", limit),
        ("grpc.max_send_message_length", limit),
        ("grpc.keepalive_permit_without_calls", 0),
        ("grpc.http2.min_ping_interval_without_data_ms", 60_000),
    ]


@dataclass
class RunningServer:
    server: grpc.aio.Server
    port: int
    health: health.aio.HealthServicer
    services: Sequence[ServiceSpec]
    settings: ServerSettings
    _stopped: asyncio.Event = field(default_factory=asyncio.Event)

    async def set_serving(self, serving: bool = True) -> None:
        status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        await self.health.set("", status)
        for spec in self.services:
            await self.health.set(spec.full_name, status)

    async def shutdown(self, grace: float | None = None) -> None:
        """NOT_SERVING first, optional drain pause, then stop accepting and let in-flight RPCs finish."""
        if self._stopped.is_set():
            return
        await self.health.enter_graceful_shutdown()
        if self.settings.drain_s > 0:
            await asyncio.sleep(self.settings.drain_s)
        await self.server.stop(self.settings.shutdown_grace_s if grace is None else grace)
        self._stopped.set()

    async def wait(self) -> None:
        await self._stopped.wait()


async def build_server(
    settings: ServerSettings,
    services: Sequence[ServiceSpec],
    *,
    domain: str,
    extra_interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
    port: int | None = None,
    auth_interceptor: grpc.aio.ServerInterceptor | None = None,
) -> RunningServer:
    """Creates and starts the server; returns it with the bound port. Health starts NOT_SERVING
    for every service until the caller calls `set_serving()` (adapters ready).

    Authentication: `auth_interceptor` (the gateway passes its client authenticator); the
    default is the backends' `ServiceAuthInterceptor` (service token, principal metadata,
    role matrix). TLS: with `tls_cert_file`/`tls_key_file` the port is TLS, and with
    `tls_ca_file` too, client certificates are required (mTLS between services)."""
    auth = auth_interceptor if auth_interceptor is not None else ServiceAuthInterceptor(settings.service_token)
    if not settings.service_token and auth_interceptor is None and settings.host not in ("127.0.0.1", "::1", "localhost"):
        log.warning("no service token configured and the port is not loopback: any caller is trusted",
                    extra={"host": settings.host})
    server = grpc.aio.server(
        interceptors=[ServerInterceptor(domain, max_rpc_s=settings.max_rpc_s), auth, *extra_interceptors],
        options=channel_options(settings),
    )
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for spec in services:
        spec.add_to_server(spec.servicer, server)
    if settings.reflection:
        names = [spec.full_name for spec in services] + [
            health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
            reflection.SERVICE_NAME,
        ]
        reflection.enable_server_reflection(names, server)
    address = f"{settings.host}:{settings.grpc_port if port is None else port}"
    # Backends (default interceptor) require client certificates when a CA is set; the gateway's
    # client-facing port (its own auth interceptor) serves TLS without them.
    credentials = server_credentials(settings, require_client_auth=auth_interceptor is None)
    bound = server.add_secure_port(address, credentials) if credentials else server.add_insecure_port(address)
    if bound == 0:
        raise RuntimeError(f"could not bind gRPC port {settings.host}:{settings.grpc_port}")
    await server.start()
    running = RunningServer(server, bound, health_servicer, services, settings)
    await running.set_serving(False)
    log.info("grpc listening", extra={"port": bound, "services": [s.full_name for s in services]})
    return running


def _read(path: str, what: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.strerror}") from None


def server_credentials(settings: ServerSettings, *, require_client_auth: bool = True) -> grpc.ServerCredentials | None:
    """TLS credentials from the settings, or None (plaintext) when no certificate is set.
    With a CA bundle (and `require_client_auth`), clients must present a certificate it signed (mTLS)."""
    if not settings.tls_cert_file and not settings.tls_key_file:
        return None
    if not (settings.tls_cert_file and settings.tls_key_file):
        raise ConfigError("CODEINTERP_TLS_CERT_FILE and CODEINTERP_TLS_KEY_FILE must be set together")
    pair = [(_read(settings.tls_key_file, "TLS key"), _read(settings.tls_cert_file, "TLS certificate"))]
    ca = _read(settings.tls_ca_file, "CA bundle") if settings.tls_ca_file and require_client_auth else None
    return grpc.ssl_server_credentials(pair, root_certificates=ca, require_client_auth=ca is not None)


def install_signal_handlers(on_signal: Callable[[], Awaitable[None]]) -> None:
    """SIGTERM and SIGINT run `on_signal` once (as a task on the running loop)."""
    loop = asyncio.get_running_loop()
    fired = False

    def handler(signum: int) -> None:
        nonlocal fired
        if fired:
            return
        fired = True
        log.info("signal received, draining", extra={"signal": signal.Signals(signum).name})
        loop.create_task(on_signal())

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, handler, sig)


def remaining_timeout(context: grpc.aio.ServicerContext | None, default: float, margin: float = 0.05) -> float:
    """The deadline budget to pass to a downstream call: the caller's remaining time minus a
    small margin, or `default` when the caller set none. Never None: every call has a deadline."""
    if context is None:
        return default
    remaining = context.time_remaining()
    if remaining is None or remaining > 10**8:
        return default
    return max(0.001, remaining - margin)
