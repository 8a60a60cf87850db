"""Request-level conventions: request ids in responses and logs, no personal data in logs,
no caching of API responses, and no body the app cannot frame."""

import contextvars
import logging
import re
import uuid

from django.http import HttpResponse

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# A caller's id is echoed only if it is short and plain, so it cannot forge log lines.
ACCEPTED_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestIDMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if ACCEPTED_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RefuseUnframedBodiesMiddleware:
    """A body sent with Transfer-Encoding (chunked) gets 411: WSGI frames bodies by
    Content-Length, so Django would read such a body as empty and act on a request the client
    never sent. The proxy in deploy/nginx.conf buffers chunked bodies and forwards them with a
    Content-Length, so clients behind it may still send them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "HTTP_TRANSFER_ENCODING" in request.META:
            from .exceptions import problem_json_response  # it imports request_id_var from here

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


class RequestIDLogFilter(logging.Filter):
    """Adds `request_id`. Django logs 4xx and 5xx (`django.request`) after the middleware has
    returned, so the id is also read from the request such records carry."""

    def filter(self, record):
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", None) or request_id_var.get()
        return True


# A query string in a logged request line: `/path?name=Alice&dob=...`.
QUERY_STRING = re.compile(r"(/[^\s?\"']*)\?([^\s\"']*)")


def _parameter_names(match: re.Match) -> str:
    names = [part.split("=", 1)[0] for part in match.group(2).split("&") if part]
    return f"{match.group(1)}?{'&'.join(names)}" if names else match.group(1)


class RedactQueryStringFilter(logging.Filter):
    """Keep query string values (names, dates of birth) out of logs: only parameter names."""

    def filter(self, record):
        message = record.getMessage()
        if "?" in message:
            redacted = QUERY_STRING.sub(_parameter_names, message)
            if redacted != message:
                record.msg, record.args = redacted, ()
        return True
