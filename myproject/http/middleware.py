"""Conventions every request and response follows: no body the app cannot frame, and no
caching of API responses."""

import logging
import time

from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpResponse

from ..metrics import observe_request
from ..problems import problem_json_response


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


access_log = logging.getLogger("myproject.request")


class AccessLogMiddleware:
    """One line per request: method, route (the view's name, never the query string), status,
    duration and the partner behind it; the log filters add the request id."""

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
        access_log.info(
            "request",
            extra={
                "method": request.method,
                "route": match.view_name if match else None,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
                "partner_id": _partner_id(getattr(request, "user", None)),
            },
        )
        return response


def _partner_id(user) -> int | None:
    try:
        return user.partner.pk if user is not None and user.is_authenticated else None
    except ObjectDoesNotExist:  # staff, or a user that is no partner
        return None
