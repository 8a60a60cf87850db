"""Log filters: the request id on every line, and no personal data from query strings."""

import logging
import re

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from .request_ids import request_id_var


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


class JsonLineFormatter(JsonFormatter):
    """One JSON object a line: time, level, logger, message, request id, and what the line
    adds (`extra`). Django's `request` object is left out: its repr holds the query string."""

    def __init__(self, *args, **kwargs):
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            datefmt="%Y-%m-%dT%H:%M:%S%z",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            reserved_attrs=[*RESERVED_ATTRS, "request", "server_time", "status_code"],
        )
