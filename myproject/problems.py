"""The API's one error format: RFC 9457 problem details.

Every 4xx and 5xx under /api is a JSON object with `type`, `title`, `status`, `detail` and a
stable `code`; invalid fields add `errors: {"field": ["message", ...]}`. Services raise
`Conflict` (409) or Django's `ValidationError` (400) and know nothing about HTTP.
"""

import sys
from http import HTTPStatus

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from .http.exceptions import RETRY_AFTER_SECONDS, ServiceUnavailable
from .http.parsers import PayloadTooLarge
from .http.request_ids import request_id_var
from .http.throttling import AnonymousRateThrottle

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:problem-type:"
# An error body stays a few kilobytes whatever the request: at most this many fields are
# listed (`more_errors` counts the rest), with names and messages cut to these lengths.
MAX_FIELD_ERRORS = 20
MAX_NAME_LENGTH = 64
MAX_MESSAGE_LENGTH = 300


class Conflict(Exception):
    """A request that is valid but clashes with the current state of the data (HTTP 409)."""

    status_code = status.HTTP_409_CONFLICT

    def __init__(self, detail: str, *, code: str = "conflict", **extra):
        super().__init__(detail)
        self.detail = detail
        self.code = code
        self.extra = extra


def problem(status_code: int, code: str, detail: str, **extra) -> dict:
    body = {
        "type": f"{PROBLEM_TYPE_PREFIX}{code}",
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
        "code": code,
    }
    request_id = request_id_var.get()
    if request_id != "-":
        body["request_id"] = request_id
    body.update(extra)
    return body


def _flatten(errors, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into `{"field": [...], "nested.field": [...]}`."""
    if isinstance(errors, dict):
        flat: dict[str, list[str]] = {}
        for key, value in errors.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(_flatten(value, name))
        return flat
    if isinstance(errors, list) and any(isinstance(item, dict | list) for item in errors):
        flat = {}
        for index, value in enumerate(errors):
            flat.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    items = errors if isinstance(errors, list) else [errors]
    return {prefix or "non_field_errors": [str(item) for item in items]}


def _throttle_anonymous(exc: exceptions.APIException, context) -> exceptions.APIException:
    """Count a request refused for want of a valid token against its client address; over
    API_ANON_THROTTLE_RATE it is a 429 rather than a 401 until the window ends."""
    throttle = AnonymousRateThrottle()
    if throttle.allow_request(context["request"], context.get("view")):
        return exc
    return exceptions.Throttled(wait=throttle.wait())


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bounded(errors: dict[str, list[str]]) -> dict:
    """The first MAX_FIELD_ERRORS fields, each name and message cut short; a count of the rest."""
    shown = {
        _cut(name, MAX_NAME_LENGTH): [_cut(message, MAX_MESSAGE_LENGTH) for message in messages[:5]]
        for name, messages in list(errors.items())[:MAX_FIELD_ERRORS]
    }
    members = {"errors": shown}
    if len(errors) > MAX_FIELD_ERRORS:
        members["more_errors"] = len(errors) - MAX_FIELD_ERRORS
    return members


def problem_exception_handler(exc, context):
    """DRF exception handler that renders every error as problem details."""
    if isinstance(exc, Conflict):
        body = problem(exc.status_code, exc.code, exc.detail, **exc.extra)
        return _problem_response(body)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        exc = _throttle_anonymous(exc, context)
    elif isinstance(exc, OperationalError | InterfaceError):
        exc = ServiceUnavailable()  # the database is unreachable or restarting

    response = exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's handler500 renders it

    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        detail = "The request has invalid fields." if errors else "Invalid input."
        body = problem(response.status_code, "validation_error", detail, **_bounded(errors))
    else:
        detail = exc.detail
        code = getattr(detail, "code", None) or exc.default_code
        # An exception may carry members of its own (the scope a key lacks, say).
        body = problem(response.status_code, str(code), str(detail), **getattr(exc, "extra", {}))
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    if isinstance(exc, ServiceUnavailable):
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _problem_response(body: dict) -> Response:
    return Response(body, status=body["status"], content_type=PROBLEM_CONTENT_TYPE)


def problem_json_response(status_code: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse(
        problem(status_code, code, detail), status=status_code, content_type=PROBLEM_CONTENT_TYPE
    )


# Django's own error views, for what never reaches DRF (unknown routes, CSRF, crashes).


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def handler400(request, exception=None):
    if _is_api(request):
        return problem_json_response(400, "bad_request", "The request could not be understood.")
    return defaults.bad_request(request, exception)


def handler403(request, exception=None):
    if _is_api(request):
        return problem_json_response(403, "permission_denied", "You may not do this.")
    return defaults.permission_denied(request, exception)


def handler404(request, exception=None):
    if _is_api(request):
        return problem_json_response(404, "not_found", f"Nothing is found at {request.path}.")
    return defaults.page_not_found(request, exception)


def handler500(request):
    # Called while the error is being handled: a database that is unreachable or restarting
    # (outside DRF: middleware, admin, sessions) is a 503 to retry, not a bug.
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        response = problem_json_response(
            503, "service_unavailable", "The service is briefly unavailable; retry shortly."
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if _is_api(request):
        return problem_json_response(500, "server_error", "An unexpected error occurred.")
    return defaults.server_error(request)
