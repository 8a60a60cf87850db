"""Prometheus metrics: requests and their latency by route and status, and the quotes,
policies and payments made, by state and product.

Off by default: /metrics answers 404 until METRICS_TOKEN is set, and then only to
`Authorization: Bearer <METRICS_TOKEN>` (Prometheus's `authorization` setting). With several
gunicorn workers, set PROMETHEUS_MULTIPROC_DIR to an empty directory so that every worker's
counts are added up (deploy/gunicorn.conf.py removes a dead worker's).
"""

import os
from hmac import compare_digest

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter(
    "insurance_requests_total", "HTTP requests answered.", ["method", "route", "status"]
)
LATENCY = Histogram(
    "insurance_request_seconds",
    "Time to answer a request.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
CREATED = Counter(
    "insurance_objects_created_total",
    "Quotes, policies and payments made, by the state they were made in.",
    ["model", "state", "product"],
)
DEPENDENCY_FAILURES = Counter(
    "insurance_dependency_failures_total",
    "Calls to a dependency that failed and were answered around (Redis down: throttles "
    "failing open, documents not cached).",
    ["dependency", "use"],
)
STATE_CHANGES_TOTAL = Counter(
    "insurance_transitions_total", "State changes, by model and new state.", ["model", "to"]
)


# Methods counted by name; any other a client makes up is `other`, so that no request can add
# a series of its own.
KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def observe_request(*, method: str, route: str | None, status: int, seconds: float) -> None:
    method = method if method in KNOWN_METHODS else "other"
    REQUESTS.labels(method, route or "unrouted", str(status)).inc()
    LATENCY.labels(route or "unrouted").observe(seconds)


@never_cache
def metrics(request):
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404
    offered = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not compare_digest(offered.encode(), token.encode()):
        return HttpResponse(status=401, headers={"WWW-Authenticate": "Bearer"})
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
