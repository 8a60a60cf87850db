"""Fast output: serializers rendered by a plan compiled once per class, and JSON by orjson.

Both give the same bytes as DRF's own `Serializer.to_representation` and `JSONRenderer`
(tests compare them for every output serializer and on a seeded book); they only skip work
DRF repeats on every request: a deep copy of every declared field for each serializer, each
value's `get_attribute` with its exception handling, a copy of the decimal context for each
amount, and the pure-Python JSON encoder. The serializers stay the one description of each
response, for the schema and for this plan alike.
"""

import decimal
import enum
import functools
import json
import types
from collections.abc import Mapping

import orjson
from django.core.exceptions import ObjectDoesNotExist
from rest_framework import serializers
from rest_framework.fields import SkipField, empty
from rest_framework.relations import PKOnlyObject
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings

_CALLABLES = (types.FunctionType, types.MethodType, functools.partial)
_MISSING = object()
# Whether values of a type are read by key (a dict) or by attribute (a model), as DRF decides
# for each value; known once per type.
_MAPPINGS: dict[type, bool] = {}


def _own_getter(field):
    """A field that reads its value its own way (a related field's primary key)."""

    def get(instance):
        try:
            value = field.get_attribute(instance)
        except SkipField:
            return _MISSING
        return None if isinstance(value, PKOnlyObject) and value.pk is None else value

    return get


def _attribute(field) -> str | None:
    """The one attribute a field reads, when it reads one the ordinary way."""
    plain = type(field).get_attribute is serializers.Field.get_attribute
    if plain and field.source != "*" and len(field.source_attrs) == 1:
        return field.source_attrs[0]
    return None


def _getter(field):
    """A function of the instance giving the field's attribute, as `field.get_attribute`
    does, or `_MISSING` where DRF would skip the field."""
    if type(field).get_attribute is not serializers.Field.get_attribute:
        return _own_getter(field)
    attrs = tuple(field.source_attrs)
    if field.source == "*" or not attrs:
        return lambda instance: instance
    if field.default is not empty:
        fallback = field.get_default
    elif field.allow_null:

        def fallback():
            return None
    elif not field.required:

        def fallback():
            return _MISSING
    else:
        fallback = None

    def get(instance):
        value = instance
        try:
            for attr in attrs:
                try:
                    mapping = _MAPPINGS.get(type(value))
                    if mapping is None:
                        mapping = _MAPPINGS.setdefault(type(value), isinstance(value, Mapping))
                    value = value[attr] if mapping else getattr(value, attr)
                except ObjectDoesNotExist:
                    return None
                if isinstance(value, _CALLABLES):
                    value = value()
            return value
        except (KeyError, AttributeError):
            if fallback is None:
                return field.get_attribute(instance)  # DRF's own error message
            return fallback()

    return get


# Fields whose rendering reads nothing but the value (no request, no context): their
# prototype's `to_representation` serves every serializer instance.
_CONTEXT_FREE = (
    serializers.BooleanField,
    serializers.CharField,
    serializers.ChoiceField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.DecimalField,
    serializers.IntegerField,
    serializers.JSONField,
)


def _converter(field):
    """`(convert, bound)`: the field's `to_representation` of a non-null value, inlined where
    DRF's is slow; `bound` when it must run on the serializer being rendered (its method
    fields, and any field that may read the request)."""
    kind = type(field)
    if kind is serializers.IntegerField:
        return int, False
    if kind is serializers.CharField:
        return str, False
    if kind is serializers.ChoiceField:
        labels = field.choice_strings_to_values

        def choice(value):
            if value == "":
                return value
            if isinstance(value, enum.Enum) and str(value) != str(value.value):
                value = value.value
            return labels.get(str(value), value)

        return choice, False
    if isinstance(field, serializers.DecimalField) and kind.to_representation is (
        serializers.DecimalField.to_representation
    ):
        coerce = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
        if not coerce or field.localize or field.normalize_output or field.decimal_places is None:
            return field.to_representation, False
        exponent = decimal.Decimal(1).scaleb(-field.decimal_places)
        context = decimal.Context(prec=field.max_digits, rounding=field.rounding)

        def money(value):
            if not isinstance(value, decimal.Decimal):
                value = decimal.Decimal(str(value).strip())
            return format(value.quantize(exponent, context=context), "f")

        return money, False
    if isinstance(field, serializers.SerializerMethodField):
        method = field.method_name
        return (lambda serializer, value: getattr(serializer, method)(value)), True
    nested = field.child if isinstance(field, serializers.ListSerializer) else field
    if isinstance(nested, OutputSerializer) and nested.context_free():
        return field.to_representation, False
    if isinstance(field, _CONTEXT_FREE) or (
        isinstance(field, serializers.ListField) and isinstance(field.child, _CONTEXT_FREE)
    ):
        return field.to_representation, False
    name = field.field_name
    return (lambda serializer, value: serializer.fields[name].to_representation(value)), True


class OutputSerializer(serializers.Serializer):
    """A read-only serializer rendered by a plan compiled once per class.

    DRF copies every declared field for each serializer it builds (most of a small response's
    rendering) and looks each value up through `get_attribute`; this renders the same dict
    from a prototype's fields. A `SerializerMethodField` runs on the serializer being
    rendered, as usual; so does a field of a kind not known to ignore the request."""

    @classmethod
    def _render_plan(cls):
        plan = cls.__dict__.get("_compiled_plan")
        if plan is None:
            prototype = cls()
            plan = tuple(
                (field.field_name, _attribute(field), _getter(field), *_converter(field))
                for field in prototype._readable_fields
            )
            cls._compiled_plan = plan
        return plan

    @classmethod
    def context_free(cls) -> bool:
        """Whether rendering reads nothing but the object (so a parent may share it)."""
        return not any(entry[-1] for entry in cls._render_plan())

    def to_representation(self, instance):
        rendered = {}
        by_key = _MAPPINGS.get(type(instance))
        if by_key is None:
            by_key = _MAPPINGS.setdefault(type(instance), isinstance(instance, Mapping))
        for name, attribute, get, convert, bound in self._render_plan():
            if attribute is None or by_key:
                value = get(instance)
            else:  # the common case, inline: one attribute of an object
                try:
                    value = getattr(instance, attribute)
                except (AttributeError, ObjectDoesNotExist):
                    value = get(instance)  # its fallback, or DRF's error
                else:
                    if isinstance(value, _CALLABLES):
                        value = value()
            if value is None:
                rendered[name] = None
            elif value is _MISSING:
                continue
            elif bound:
                rendered[name] = convert(self, value)
            else:
                rendered[name] = convert(value)
        return rendered


_DRF_ENCODER = JSONRenderer.encoder_class()


def _drf_default(value):
    """What DRF's encoder makes of a value orjson does not write itself; a float it returns
    (for a bare Decimal) as Python's json writes it, which orjson's shorter form is not."""
    encoded = _DRF_ENCODER.default(value)
    if isinstance(encoded, float):
        return orjson.Fragment(json.dumps(encoded, allow_nan=not JSONRenderer.strict))
    return encoded


# What DRF's encoder writes, not orjson's own format: times with milliseconds and "Z".
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class FastJSONRenderer(JSONRenderer):
    """DRF's `JSONRenderer`, byte for byte, encoding with orjson.

    Pretty-printing (`Accept: application/json; indent=4`), non-ASCII escaping and anything
    orjson refuses (a number beyond 64 bits, a non-string key) go to DRF's encoder as before.
    Floats would differ in exponent form (1e16, not 1e+16); the API sends none: money, dates
    and times are strings."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if (
            self.ensure_ascii
            or not self.compact
            or self.get_indent(accepted_media_type, renderer_context or {}) is not None
        ):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            encoded = orjson.dumps(data, default=_drf_default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        # As DRF: the line and paragraph separators escaped, so the JSON is also JavaScript.
        if b"\xe2\x80\xa8" in encoded or b"\xe2\x80\xa9" in encoded:
            encoded = encoded.replace(b"\xe2\x80\xa8", b"\\u2028").replace(
                b"\xe2\x80\xa9", b"\\u2029"
            )
        return encoded
