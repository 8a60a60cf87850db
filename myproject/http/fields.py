"""Strict input fields: JSON types are never coerced (a number is not a string, a string not a
boolean), digits are ASCII, text is printable NFC, dates are DD-MM-YYYY on the wire and money
is a decimal string. Named `Strict*` where DRF has a field of the same name."""

import datetime as dt
import re
from collections.abc import Mapping

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..text import normalize_text, validate_plain_text

# Days 01-31 and months 01-12, so that the schema admits no `00-00-0000` (the calendar, such
# as 31-02, is checked by the server).
_DAY, _MONTH = "(0[1-9]|[12][0-9]|3[01])", "(0[1-9]|1[0-2])"
DATE_PATTERN = rf"^({_DAY}-{_MONTH}-[0-9]{{4}}|[0-9]{{4}}-{_MONTH}-{_DAY})$"
DATE_SCHEMA = {
    "type": "string",
    "pattern": DATE_PATTERN,
    "example": "25-06-1991",
    "description": "DD-MM-YYYY; YYYY-MM-DD is accepted on input.",
}
# ASCII digits only: Python reads "５０" or "٥٠" as 50, which no client means to send.
MONEY_PATTERN = r"^-?[0-9]{1,10}(\.[0-9]{1,2})?$"


@extend_schema_field(DATE_SCHEMA)
class StrictDateField(serializers.DateField):
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


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: strings, floats and booleans are refused, not converted."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


MAX_ID = 2**63 - 1
# An id in a path: at most 18 digits, so that every such number fits the 64-bit id column
# (MAX_ID has 19) and a larger one is simply not found instead of overflowing the driver.
ID_PATH_PATTERN = f"[0-9]{{1,{len(str(MAX_ID)) - 1}}}"


def id_field(**kwargs) -> StrictIntegerField:
    """An object id in a request body: a JSON integer that fits the id column."""
    return StrictIntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false only."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictCharField(serializers.CharField):
    """Text input that must be a JSON string (numbers and booleans are not silently converted),
    printable and normalised to NFC (see myproject.text)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validate_plain_text)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return normalize_text(super().to_internal_value(data))


class UTCDateTimeField(serializers.DateTimeField):
    """A time on the wire, ISO 8601 in UTC ("2026-11-27T10:00:00.123456Z"), read-only.

    What DRF's field renders with TIME_ZONE UTC, without looking up the active time zone for
    every value (a thread-local read that is most of a list's date rendering)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        if value is None:
            return None
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


class StrictInputSerializer(serializers.Serializer):
    # An input serializer that refuses fields outside the operation's documented body. (A
    # comment: drf-spectacular would publish a docstring as every request body's description.)

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: ["This field is not accepted by this operation."] for name in unknown}
                )
        return super().to_internal_value(data)
