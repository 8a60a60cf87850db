"""Request bodies as the API takes them: strict JSON objects, bounded in size and shape."""

import json

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser


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
