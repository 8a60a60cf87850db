"""HTTP conventions shared by every app: strict JSON in, pages and DD-MM-YYYY dates out."""

import json
import re
from collections.abc import Mapping

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import pagination, serializers, status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

from .text import normalize_text, validate_plain_text


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than this API accepts."
    default_code = "payload_too_large"


# Bounds on the shape of a body, so that parsing and validating it stay cheap whatever is sent.
MAX_DEPTH = 32
MAX_KEYS = 1000


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a valid JSON number")


def _bounded_object(pairs):
    if len(pairs) > MAX_KEYS:
        raise ValueError(f"an object has more than {MAX_KEYS} keys")
    return dict(pairs)


def _check_shape(data) -> None:
    """Depth at most MAX_DEPTH and no NUL character anywhere, walked without recursion."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise ParseError("NUL characters are not allowed in the request body.")
            continue
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise ParseError(f"The request body is nested deeper than {MAX_DEPTH} levels.")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                stack.append((key, depth))
                stack.append((item, depth + 1))


class StrictJSONParser(JSONParser):
    """Standard JSON only: an object, no NaN/Infinity, no NUL characters, bounded in size,
    depth (MAX_DEPTH) and keys per object (MAX_KEYS).

    The size bound is DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB by default); larger bodies get 413.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        if stream is None:
            return {}
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise PayloadTooLarge()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(
                raw.decode(encoding),
                parse_constant=_refuse_constant,
                object_pairs_hook=_bounded_object,
            )
        except RecursionError as exc:
            raise ParseError(f"The request body is nested deeper than {MAX_DEPTH} levels.") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"The request body is not valid JSON: {str(exc)[:200]}") from exc
        if not isinstance(data, dict):
            raise ParseError("The request body must be a JSON object.")
        _check_shape(data)
        return data


class PageNumberPagination(pagination.PageNumberPagination):
    """20 a page; `page_size` up to 100 (larger asks are capped). Bad numbers are a 400."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        for name in (self.page_query_param, self.page_size_query_param):
            raw = request.query_params.get(name)
            if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
                raise serializers.ValidationError({name: ["Send a whole number of at least 1."]})
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters


DATE_PATTERN = r"^([0-9]{2}-[0-9]{2}-[0-9]{4}|[0-9]{4}-[0-9]{2}-[0-9]{2})$"
DATE_SCHEMA = {
    "type": "string",
    "pattern": DATE_PATTERN,
    "example": "25-06-1991",
    "description": "DD-MM-YYYY; YYYY-MM-DD is accepted on input.",
}
# ASCII digits only: Python reads "５０" or "٥٠" as 50, which no client means to send.
MONEY_PATTERN = r"^-?[0-9]{1,10}(\.[0-9]{1,2})?$"


@extend_schema_field(DATE_SCHEMA)
class DateField(serializers.DateField):
    """A date on the wire as DD-MM-YYYY (REST_FRAMEWORK's DATE_FORMAT), documented as such."""

    def to_internal_value(self, value):
        if not isinstance(value, str) or not re.match(DATE_PATTERN, value):
            self.fail("invalid", format="DD-MM-YYYY, YYYY-MM-DD")
        return super().to_internal_value(value)


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": MONEY_PATTERN, "example": "100.00"}
)
class MoneyField(serializers.DecimalField):
    """Money as a decimal string with at most two places, e.g. "100.00".

    JSON numbers are refused: a JSON parser reads them as binary floats.
    """

    default_error_messages = {"invalid": 'Send a decimal string such as "100.00".'}

    def __init__(self, **kwargs):
        super().__init__(max_digits=12, decimal_places=2, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not re.match(MONEY_PATTERN, data):
            self.fail("invalid")
        return super().to_internal_value(data)


class IntegerField(serializers.IntegerField):
    """A JSON integer: strings, floats and booleans are refused, not converted."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


MAX_ID = 2**63 - 1


def id_field(**kwargs) -> IntegerField:
    """An object id in a request body: a JSON integer that fits the id column."""
    return IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class BooleanField(serializers.BooleanField):
    """JSON true or false only."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class CharField(serializers.CharField):
    """Text input that must be a JSON string (numbers and booleans are not silently converted),
    printable and normalised to NFC (see myproject.text)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validate_plain_text)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return normalize_text(super().to_internal_value(data))


class StrictInputSerializer(serializers.Serializer):
    """An input serializer that refuses fields outside the operation's documented body."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: ["This field is not accepted by this operation."] for name in unknown}
                )
        return super().to_internal_value(data)


def acting_user(request):
    """The authenticated user behind a request, or None; services record it in history."""
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None
