"""myproject.http.rendering: a compiled serializer renders what DRF's rendering does for every
kind of field and value, and the orjson renderer writes DRF's bytes."""

import datetime as dt
import enum
from decimal import Decimal
from types import SimpleNamespace

from django.core.exceptions import ObjectDoesNotExist
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from myproject.http.fields import MoneyField, StrictDateField, UTCDateTimeField
from myproject.http.rendering import FastJSONRenderer, OutputSerializer


class Colour(enum.Enum):
    RED = "red"


class LineSerializer(OutputSerializer):
    amount = MoneyField(read_only=True)
    note = serializers.CharField(read_only=True, allow_null=True)


class ThingSerializer(OutputSerializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=[("a", "A"), ("red", "Red")], read_only=True)
    rate = serializers.DecimalField(max_digits=8, decimal_places=4, read_only=True)
    price = MoneyField(read_only=True)
    born = StrictDateField(read_only=True, allow_null=True)
    at = UTCDateTimeField()
    flag = serializers.BooleanField(read_only=True)
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    data = serializers.JSONField(read_only=True)
    owner_name = serializers.CharField(source="owner.name", read_only=True, default="nobody")
    missing = serializers.CharField(read_only=True, required=False)
    gone = serializers.CharField(source="gone_relation.name", read_only=True, allow_null=True)
    shout = serializers.CharField(source="shouted", read_only=True)
    first = LineSerializer(read_only=True, allow_null=True)
    lines = LineSerializer(many=True, read_only=True)
    total = serializers.SerializerMethodField()

    def get_total(self, thing) -> str:
        return f"{sum(line.amount for line in thing.lines):.2f} {self.context.get('unit', '')}"


class Thing(SimpleNamespace):
    @property
    def gone_relation(self):
        raise ObjectDoesNotExist

    def shouted(self):
        return self.name.upper()


def thing(**overrides):
    fields = {
        "id": 7,
        "name": "Ben\u2028Stokès",
        "kind": Colour.RED,
        "rate": Decimal("1.5"),
        "price": Decimal("10"),
        "born": dt.date(1991, 6, 25),
        "at": dt.datetime(2026, 12, 6, 10, 0, 0, 123456, tzinfo=dt.UTC),
        "flag": 1,
        "tags": ["x", "y"],
        "data": {"nested": [1, "two", None]},
        "owner": SimpleNamespace(name="Ana"),
        "first": SimpleNamespace(amount=Decimal("1.005"), note=None),
        "lines": [SimpleNamespace(amount=Decimal("2.50"), note="n")],
    }
    return Thing(**{**fields, **overrides})


def drf(serializer, instance):
    return serializers.Serializer.to_representation(serializer, instance)


def test_a_compiled_serializer_renders_every_kind_of_field_as_drf_does():
    serializer = ThingSerializer(context={"unit": "AED"})
    for instance in (
        thing(),
        thing(owner=None, born=None, first=None, lines=[], kind="", missing="here"),
        thing(price=12.3, rate=Decimal("-0.00005"), kind="a", flag=0),
    ):
        fast = serializer.to_representation(instance)
        assert list(fast.items()) == list(drf(serializer, instance).items())
    assert serializer.to_representation(thing())["total"] == "2.50 AED"


def test_mappings_are_read_by_key_as_drf_reads_them():
    serializer = LineSerializer()
    row = {"amount": Decimal("3"), "note": "by key"}

    assert (
        serializer.to_representation(row)
        == drf(serializer, row)
        == {
            "amount": "3.00",
            "note": "by key",
        }
    )


def test_a_list_renders_each_item_with_its_own_context():
    rendered = ThingSerializer([thing(), thing(id=8)], many=True, context={"unit": "EUR"}).data

    assert [item["id"] for item in rendered] == [7, 8]
    assert {item["total"] for item in rendered} == {"2.50 EUR"}


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64)
    | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.dates()
    | st.datetimes(timezones=st.just(dt.UTC)),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_the_orjson_renderer_writes_drfs_bytes(data):
    try:
        expected = JSONRenderer().render(data)
    except UnicodeEncodeError:  # a lone surrogate: neither can write it
        return
    assert FastJSONRenderer().render(data) == expected


def test_pretty_printing_is_left_to_drf():
    data = {"a": [1, 2]}

    rendered = FastJSONRenderer().render(data, "application/json; indent=2")

    assert rendered == JSONRenderer().render(data, "application/json; indent=2")
    assert b"\n" in rendered
