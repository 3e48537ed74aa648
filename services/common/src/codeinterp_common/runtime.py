"""Runs a service: logging, metrics, the gRPC server, readiness and graceful shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from codeinterp_common.config import ServerSettings
from codeinterp_common.logs import configure_logging
from codeinterp_common.metrics import serve_metrics
from codeinterp_common.server import RunningServer, ServiceSpec, build_server, install_signal_handlers

log = logging.getLogger(__name__)


async def run_service(
    name: str,
    settings: ServerSettings,
    services: Sequence[ServiceSpec],
    *,
    domain: str,
    on_started: Callable[[RunningServer], Awaitable[None]] | None = None,
    on_stopping: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Starts the server, marks it SERVING once `on_started` returns, and blocks until a
    signal has drained it. `on_started` must not block on slow warm-ups (start them as tasks)."""
    serve_metrics(settings.host, settings.metrics_port)
    running = await build_server(settings, services, domain=domain)

    install_signal_handlers(running.shutdown)
    if on_started is not None:
        await on_started(running)
    await running.set_serving(True)
    log.info(f"{name} serving", extra={"grpc_port": running.port})
    await running.wait()
    if on_stopping is not None:
        await on_stopping()
    log.info(f"{name} stopped")


def main_entry(name: str, coro_factory: Callable[[], Awaitable[None]], settings: ServerSettings) -> None:
    configure_logging(name, settings.log_level, settings.log_format)
    try:
        asyncio.run(coro_factory())
    except KeyboardInterrupt:  # pragma: no cover - signals are handled inside the loop
        pass
