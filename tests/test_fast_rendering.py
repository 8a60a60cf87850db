"""The compiled serializers and the orjson renderer (myproject.http.rendering) answer exactly
what DRF's own rendering would, for every output serializer of the project, in every state an
object can be in: each response of a whole book's life is rendered both ways and compared, and
the reads are compared byte for byte with DRF's rendering restored."""

import datetime as dt
import json

import pytest
from django.utils import timezone
from freezegun import freeze_time
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from customers.services import partner_token_create
from customers.tests.factories import CustomerFactory
from myproject.http.rendering import FastJSONRenderer, OutputSerializer
from myproject.webhooks.models import Attempt, Delivery
from policies.tests.factories import policy_for
from quotes.tests.factories import next_rate_version, quote_for
from tests.helpers import DAY, born_years_ago, client_with_token, ddmmyyyy

pytestmark = pytest.mark.django_db

FAST_REPRESENTATION = OutputSerializer.to_representation
FAST_RENDER = FastJSONRenderer.render


def ordered(data) -> str:
    """The data with its keys in order at every level, as the JSON would have them."""
    return json.dumps(data, default=str)


@pytest.fixture(autouse=True)
def _local_receiver(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True


@pytest.fixture
def rendered_both_ways(monkeypatch):
    """Every output rendered by the compiled plan and by DRF, and every body encoded by orjson
    and by DRF's encoder: a difference fails the request. Yields what was compared."""
    compared = {"serializers": set(), "bodies": 0}

    def representation(self, instance):
        fast = FAST_REPRESENTATION(self, instance)
        drf = serializers.Serializer.to_representation(self, instance)
        assert ordered(fast) == ordered(drf), type(self).__name__
        compared["serializers"].add(type(self).__name__)
        return fast

    def render(self, data, accepted_media_type=None, renderer_context=None):
        fast = FAST_RENDER(self, data, accepted_media_type, renderer_context)
        assert fast == JSONRenderer.render(self, data, accepted_media_type, renderer_context)
        compared["bodies"] += 1
        return fast

    monkeypatch.setattr(OutputSerializer, "to_representation", representation)
    monkeypatch.setattr(FastJSONRenderer, "render", render)
    return compared


def output_serializers() -> set[str]:
    """Every output serializer the project declares (the event schemas' generated classes
    document events; their data is rendered by the serializers they name)."""
    found, pending = set(), [OutputSerializer]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            module = subclass.__module__
            if not module.startswith("myproject.http") and ".tests." not in f".{module}.":
                found.add(subclass)
    return {cls.__name__ for cls in found if not cls.__name__.endswith("Event")}


def a_book_in_every_state(api, partner, httpserver) -> list[str]:
    """Customers, quotes and policies in each of their states, an endpoint with a delivery
    tried once, through the API where it can; returns the reads that show them."""

    def post(path, body=None):
        response = api.post(path, body, format="json")
        assert response.status_code in (200, 201, 202), (path, response.content)
        return response.json()

    endpoint = post(
        "/api/v1/webhook-endpoints/", {"url": httpserver.url_for("/hooks"), "events": ["*"]}
    )
    post(f"/api/v1/webhook-endpoints/{endpoint['id']}/test/")
    # A sandbox partner's test clock, read as it renders.
    sandbox = client_with_token(partner_token_create(name="Sandbox", sandbox=True)[1])
    clock = sandbox.post("/api/v1/test-clocks/", {}, format="json")
    assert sandbox.get(f"/api/v1/test-clocks/{clock.json()['id']}/").status_code == 200
    ben = post(
        "/api/v1/create_customer/",
        {"first_name": "Ben", "last_name": "Stokès", "dob": "25-06-1991", "external_ref": "B1"},
    )
    ana = CustomerFactory(
        partner=partner, first_name="Ana\u2028Line", last_name="O'Neil", dob=born_years_ago(70)
    )
    offer = post("/api/v1/offers/", {"customer": ana.pk})
    assert offer["unavailable"]
    quoted = post("/api/v1/quotes/", {"customer": ben["id"], "type": "term-life"})
    declined = post("/api/v1/quotes/", {"customer": ben["id"], "type": "personal-accident"})
    post(f"/api/v1/quotes/{declined['id']}/decline/", {"reason": "Too dear"})
    accepted = post("/api/v1/quote/", {"customer_id": ben["id"], "type": "personal-accident"})
    post("/api/v1/quote/", {"quote_id": accepted["id"], "status": "accepted"})
    customer = ana.__class__.objects.get(pk=ben["id"])
    with freeze_time(timezone.now() - 40 * DAY):
        expired = quote_for(customer, "critical-illness")
    next_rate_version("personal-accident", timezone.localdate() + 30 * DAY, tax_rate=5)
    paid = quote_for(customer, "personal-accident")
    post(f"/api/v1/quotes/{paid.pk}/accept/", {"disclosure": "personal-accident.v1"})
    issued = post(f"/api/v1/quotes/{paid.pk}/pay/")
    monthly = quote_for(customer, "critical-illness", state="accepted")
    by_instalments = post(f"/api/v1/quotes/{monthly.pk}/pay/", {"plan": "monthly"})
    second = by_instalments["instalments"][1]["id"]
    post(f"/api/v1/instalments/{second}/fail/", {"reason": "card declined"})
    endorsed = policy_for(customer, "term-life")
    post(
        f"/api/v1/policies/{endorsed.pk}/endorse/",
        {"cover": "150000.00", "effective_date": ddmmyyyy(timezone.localdate() + 10 * DAY)},
    )
    cancelled = policy_for(customer, "personal-accident", started=timezone.localdate() - 100 * DAY)
    post(f"/api/v1/policies/{cancelled.pk}/cancel/", {"reason": "customer_request"})
    scheduled = policy_for(customer, "personal-accident")
    post(
        f"/api/v1/policies/{scheduled.pk}/cancel/",
        {"reason": "other", "effective_date": ddmmyyyy(timezone.localdate() + 30 * DAY)},
    )
    lapsed = policy_for(customer, "critical-illness", started=timezone.localdate() - 400 * DAY)
    renewing = policy_for(customer, "personal-accident", started=timezone.localdate() - 350 * DAY)
    post(f"/api/v1/policies/{renewing.pk}/renew/")
    delivery = Delivery.objects.filter(endpoint_id=endpoint["id"]).first()
    Attempt.objects.create(
        delivery=delivery, at=timezone.now(), status_code=500, duration_ms=12, response="no"
    )
    Attempt.objects.create(
        delivery=delivery, at=timezone.now(), status_code=None, duration_ms=5000, error="timeout"
    )
    policies = [issued["id"], endorsed.pk, cancelled.pk, scheduled.pk, lapsed.pk, renewing.pk]
    policies.append(by_instalments["id"])
    later = ddmmyyyy(timezone.localdate() + 20 * DAY)
    return [
        "/api/v1/customers/",
        f"/api/v1/customers/{ben['id']}/",
        "/api/v1/search?name=st",
        "/api/v1/search?dob=25-06-1991",
        "/api/v1/products/",
        f"/api/v1/products/{expired.product_id}/",
        "/api/v1/products/personal-accident/",
        "/api/v1/quotes/",
        *(f"/api/v1/quotes/{q}/" for q in (quoted["id"], declined["id"], accepted["id"])),
        f"/api/v1/quotes/{expired.pk}/",
        "/api/v1/policies/",
        "/api/v1/policies/?state=cancelled",
        *(f"/api/v1/policies/{pk}/" for pk in policies),
        *(f"/api/v1/policies/{pk}/history/" for pk in policies),
        f"/api/v1/policies/{endorsed.pk}/cancellation-quote/?effective_date={later}",
        f"/api/v1/policies/{issued['id']}/endorsement-quote/?cover=20000.00",
        f"/api/v1/policies/{by_instalments['id']}/endorsement-quote/?cover=150000.00",
        f"/api/v1/policies/{by_instalments['id']}/cancellation-quote/",
        "/api/v1/instalments/",
        f"/api/v1/instalments/{second}/",
        "/api/v1/events/",
        "/api/v1/webhook-endpoints/",
        f"/api/v1/webhook-endpoints/{endpoint['id']}/deliveries/",
    ]


def test_every_response_renders_as_drf_would(api, partner, httpserver, rendered_both_ways):
    reads = a_book_in_every_state(api, partner, httpserver)
    for path in reads:
        assert api.get(path).status_code == 200, path

    assert rendered_both_ways["serializers"] == output_serializers()
    assert rendered_both_ways["bodies"] > len(reads)


def test_the_reads_are_the_same_bytes_as_with_drfs_rendering(api, partner, httpserver, monkeypatch):
    reads = a_book_in_every_state(api, partner, httpserver)
    fast = {path: api.get(path).content for path in reads}
    monkeypatch.setattr(
        OutputSerializer, "to_representation", serializers.Serializer.to_representation
    )
    monkeypatch.setattr(FastJSONRenderer, "render", JSONRenderer.render)

    drf = {path: api.get(path).content for path in reads}

    assert fast == drf
    assert b"\\u2028" in fast["/api/v1/customers/"]  # escaped as DRF does
    assert "Stokès".encode() in fast[reads[1]]  # UTF-8, not \\u escapes
    assert dt.date  # the book spans dates in the past and future
