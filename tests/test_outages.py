"""A dependency that is down gets an answer to retry, never a 500: the database unreachable
or restarting is a 503 problem with Retry-After, in DRF's views and outside them; a cache
that is down costs a policy document its cache, not the document."""

import signal
import socket

import pytest
from django.db import OperationalError
from django.test import RequestFactory

from myproject import problems
from policies.tests.factories import policy_for

pytestmark = pytest.mark.django_db


def test_a_database_that_is_unreachable_is_a_503_to_retry(api, monkeypatch):
    from customers import services

    def unreachable(**kwargs):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")

    monkeypatch.setattr(services, "customer_create", unreachable)

    response = api.post(
        "/api/v1/customers/",
        {"first_name": "Ben", "last_name": "Stokes", "dob": "25-06-1991"},
        format="json",
    )

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "service_unavailable"
    assert response["Retry-After"] == "5"
    assert "5432" not in response.content.decode()  # nothing of the error is shown


@pytest.mark.parametrize("path", ["/api/v1/customers/", "/admin/"])
def test_a_database_error_outside_the_api_views_is_a_503_not_an_html_500(path):
    request = RequestFactory().get(path)
    try:
        raise OperationalError("the database system is starting up")
    except OperationalError:
        response = problems.handler500(request)

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "5"


def test_a_cache_that_is_down_still_gives_the_document(api, customer, monkeypatch):
    from django.core.cache import caches

    cache = caches["default"]

    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    policy = policy_for(customer)
    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)

    response = api.get(f"/api/v1/policies/{policy.pk}/document/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.django_db
def test_a_redis_that_accepts_but_never_answers_holds_no_request(api, settings, customer):
    """A hung Redis (the connection opens, no reply comes) as the cache and the throttle's
    store: the token is read from the database and the throttle fails open, each after the
    half second production allows, instead of holding the worker for its timeout."""

    class Held(BaseException):  # not an Exception: the cache's fallbacks must not catch it
        pass

    def waited_for_ever(signum, frame):
        raise Held("the request waited on Redis")

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # connections complete in the backlog; nothing ever reads them
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        settings.REDIS_URL = url
        settings.CACHES = {
            "default": {
                "BACKEND": "myproject.cache.RedisCache",
                "LOCATION": url,
                "OPTIONS": settings.REDIS_CLIENT_OPTIONS,
            }
        }
        previous = signal.signal(signal.SIGALRM, waited_for_ever)
        # Not a speed test: redis-py's own defaults hold it 5 s a call, three calls here.
        signal.alarm(5)
        try:
            response = api.get(f"/api/v1/customers/{customer.pk}/")
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)

    assert response.status_code == 200
    assert response.json()["id"] == customer.pk
