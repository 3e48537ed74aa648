"""Prometheus metrics with go-grpc-prometheus names, served on each service's own HTTP port."""

from __future__ import annotations

import logging

from prometheus_client import Counter, Histogram, start_http_server

log = logging.getLogger(__name__)

STARTED = Counter(
    "grpc_server_started_total", "RPCs started on the server.", ["grpc_type", "grpc_service", "grpc_method"]
)
HANDLED = Counter(
    "grpc_server_handled_total",
    "RPCs completed on the server, regardless of success or failure.",
    ["grpc_type", "grpc_service", "grpc_method", "grpc_code"],
)
HANDLING_SECONDS = Histogram(
    "grpc_server_handling_seconds",
    "Response latency of RPCs handled by the server.",
    ["grpc_type", "grpc_service", "grpc_method"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
HTTP_HANDLED = Counter(
    "http_server_requests_total", "REST requests handled by the gateway.", ["method", "route", "status"]
)


def serve_metrics(host: str, port: int) -> int | None:
    """Starts the /metrics HTTP server in a daemon thread; returns its port (None when disabled)."""
    if port < 0:
        return None
    if port == 0:
        return None
    server, _thread = start_http_server(port, addr=host)
    bound = server.server_address[1]
    log.info("metrics listening", extra={"port": bound})
    return bound
