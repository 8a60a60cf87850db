"""The API's one error format: RFC 9457 problem details.

Every 4xx and 5xx under /api is a JSON object with `type`, `title`, `status`, `detail` and a
stable `code`; invalid fields add `errors: {"field": ["message", ...]}`. Services raise
`Conflict` (409) or Django's `ValidationError` (400) and know nothing about HTTP.
"""

from http import HTTPStatus

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from .api import PayloadTooLarge
from .middleware import request_id_var

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:problem-type:"


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


def problem_exception_handler(exc, context):
    """DRF exception handler that renders every error as problem details."""
    if isinstance(exc, Conflict):
        body = problem(exc.status_code, exc.code, exc.detail, **exc.extra)
        return _problem_response(body)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, IntegrityError):
        # A constraint caught a concurrent change (a second policy or charge for one quote).
        exc = Conflict(
            "The request clashes with a change made at the same time; read the data again.",
            code="concurrent_change",
        )
        return _problem_response(problem(exc.status_code, exc.code, exc.detail))
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's handler500 renders it

    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        detail = "The request has invalid fields." if errors else "Invalid input."
        body = problem(response.status_code, "validation_error", detail, errors=errors)
    else:
        detail = exc.detail
        code = getattr(detail, "code", None) or exc.default_code
        body = problem(response.status_code, str(code), str(detail))
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def _problem_response(body: dict) -> Response:
    return Response(body, status=body["status"], content_type=PROBLEM_CONTENT_TYPE)


def problem_json_response(status_code: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse(
        problem(status_code, code, detail), status=status_code, content_type=PROBLEM_CONTENT_TYPE
    )
