"""Conventions every request and response follows: no body the app cannot frame, and no
caching of API responses."""

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpResponse

from ..metrics import observe_request
from ..problems import problem_json_response
from .throttling import budget_headers


class RefuseUnframedBodiesMiddleware:
    """A body sent with Transfer-Encoding (chunked) gets 411: WSGI frames bodies by
    Content-Length, so Django would read such a body as empty and act on a request the client
    never sent. The proxy in deploy/nginx.conf buffers chunked bodies and forwards them with a
    Content-Length, so clients behind it may still send them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "HTTP_TRANSFER_ENCODING" in request.META:
            return problem_json_response(
                411, "length_required", "Send the body with a Content-Length, not chunked."
            )
        return self.get_response(request)


class NoStoreAPIMiddleware:
    """API responses hold personal data and change with every write: no cache may keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response: HttpResponse = self.get_response(request)
        if request.path.startswith("/api/v1"):
            response["Cache-Control"] = "no-store"
        return response


class RateLimitHeadersMiddleware:
    """An API answer to a counted request tells its caller's budgets (see throttling.Budget),
    the 429 that ends one included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response: HttpResponse = self.get_response(request)
        budgets = getattr(request, "rate_limits", None)
        if budgets:
            for name, value in budget_headers(budgets).items():
                response[name] = value
        return response


access_log = logging.getLogger("myproject.request")


# Who a signed-in user acts for, as fields of its request's log line: an app that knows
# (customers: the partner) installs its lookup with `describe_callers_with`.
def _no_caller_fields(user) -> dict:
    return {}


_caller_fields: Callable[[object], dict] = _no_caller_fields


def describe_callers_with(lookup: Callable[[object], dict]) -> None:
    global _caller_fields
    _caller_fields = lookup


class AccessLogMiddleware:
    """One line per request: method, route (the view's name, never the query string), status,
    duration and who called (see `describe_callers_with`); the log filters add the request
    id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        seconds = time.perf_counter() - started
        observe_request(
            method=request.method,
            route=match.view_name if match else None,
            status=response.status_code,
            seconds=seconds,
        )
        if settings.ACCESS_LOG != "app" or not access_log.isEnabledFor(logging.INFO):
            return response  # gunicorn writes the line, or no one reads it
        access_log.info(
            "request",
            extra={
                "method": request.method,
                "route": match.view_name if match else None,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
                **_caller_fields(getattr(request, "user", None)),
            },
        )
        return response
