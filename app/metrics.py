"""Prometheus metrics: requests and their latency per route, and model inference time. Each app has
its own registry, so several apps (tests) in one process never collide."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.batching import BatchObserver

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "iwae_http_requests", "HTTP requests answered", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "iwae_http_request_duration_seconds",
            "time from request to the end of the response",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.inference = Histogram(
            "iwae_inference_seconds",
            "time inside the model per engine call (holding the model's lock, or one of its lanes)",
            ["model", "operation"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

        self.batch_rows = Histogram(
            "iwae_batch_rows",
            "rows (latents or images) per micro-batched model call",
            ["operation"],
            buckets=(1, 2, 4, 8, 16, 32, 64, 128),
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "iwae_queue_depth", "requests waiting when the last one arrived", ["operation"], registry=self.registry
        )
        self.shed = Counter(
            "iwae_shed_requests",
            "requests refused with 503 because the queue was full",
            ["operation"],
            registry=self.registry,
        )

    def observe_inference(self, model: str, operation: str, seconds: float) -> None:
        self.inference.labels(model, operation).observe(seconds)

    def batch_observer(self) -> BatchObserver:
        return BatchObserver(
            batch=lambda operation, rows: self.batch_rows.labels(operation).observe(rows),
            depth=lambda operation, waiting: self.queue_depth.labels(operation).set(waiting),
            shed=lambda operation: self.shed.labels(operation).inc(),
        )


def route_template(scope: Scope) -> str:
    """The template of the route a request matched (e.g. /models/{name}/vectors); for one a middleware
    refused before routing (413 for a body over its limit), its path when the API documents it (every
    route a body is sent to has a fixed path); "unmatched" otherwise."""
    route = scope.get("route")
    if route is not None:
        return route.path
    app = scope.get("app")
    documented = app.openapi()["paths"] if hasattr(app, "openapi") else {}  # built once, then cached
    return scope["path"] if scope["path"] in documented else "unmatched"


class MetricsMiddleware:
    """Counts and times every HTTP request under its route template (e.g. /encode), never its raw path,
    so the label set stays small; requests that match no route count as "unmatched"."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = route_template(scope)
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(scope["method"], route).observe(time.perf_counter() - began)
