"""Prometheus metrics: switched off by default, behind a token when on, counting requests by
route and status and what the business makes."""

import pytest

pytestmark = pytest.mark.django_db


def test_there_is_no_metrics_path_unless_switched_on(client, settings):
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_metrics_want_the_token(client, settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"

    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_metrics_count_requests_by_route_and_what_was_made(client, api, customer, settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    api.post("/api/v1/quotes/", {"customer": customer.pk, "type": "term-life"}, format="json")

    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")

    text = response.content.decode()
    assert response.status_code == 200
    assert 'insurance_requests_total{method="POST",route="quote-list",status="201"}' in text
    assert 'insurance_request_seconds_bucket{le="0.005",route="quote-list"}' in text
    assert 'insurance_objects_created_total{model="quotes.Quote",product="' in text
    assert "Ben" not in text and "Stokes" not in text


def test_a_made_up_method_is_counted_as_other_not_as_a_series_of_its_own(client, settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    for n in range(5):
        client.generic(f"XMETHOD{n}", "/healthz")

    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token").content
    text = text.decode()

    assert "XMETHOD" not in text
    assert 'insurance_requests_total{method="other",route="healthz",status="405"}' in text
