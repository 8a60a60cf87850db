"""Fixtures shared by every app's tests."""

import datetime as dt
import uuid
from collections import deque

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from customers.tests.factories import CustomerFactory, PartnerFactory, partner_token
from myproject.lifecycle import transition
from quotes.models import Product, Quote
from quotes.services import lock_quote, quote_accept, quote_create


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # Staff passwords need not resist brute force in tests; hashing them slowly costs time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Production serves hashed files collected by collectstatic; tests never collect them.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


# Queries every token-authenticated request makes: the token with its user and partner.
AUTH_QUERIES = 1


@pytest.fixture(autouse=True)
def _private_cache(settings):
    # Throttle counts live in the cache: each test starts with its own, empty one.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": uuid.uuid4().hex,
        }
    }


def client_with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def partner(db):
    return PartnerFactory()


@pytest.fixture
def api(partner):
    """A client signed in as Partner A with a real token."""
    return client_with_token(partner_token(partner))


@pytest.fixture
def other_partner(db):
    return PartnerFactory(name="Partner B")


@pytest.fixture
def other_api(other_partner):
    """A client signed in as Partner B."""
    return client_with_token(partner_token(other_partner))


@pytest.fixture
def anonymous():
    return APIClient()


@pytest.fixture
def staff_api(admin_user):
    client = APIClient()
    client.force_login(admin_user)
    return client


def born_years_ago(years: int, *, days_later: int = 0) -> dt.date:
    """A date of birth that makes someone `years` old today (turning so today)."""
    today = timezone.localdate()
    try:
        birthday = today.replace(year=today.year - years)
    except ValueError:  # today is 29 February
        birthday = dt.date(today.year - years, 3, 1)
    return birthday + dt.timedelta(days=days_later)


@pytest.fixture
def customer(partner):
    return CustomerFactory(
        partner=partner, first_name="Ben", last_name="Stokes", dob=born_years_ago(35)
    )


@pytest.fixture
def personal_accident(db):
    return Product.objects.get(code="personal-accident")


@pytest.fixture
def quote(customer, personal_accident):
    return quote_create(customer=customer, product=personal_accident)


@pytest.fixture
def accepted_quote(quote):
    return quote_accept(quote_id=quote.pk)


def move_quote_to(quote, state: str):
    """Walk a quote to `state` through the declared transitions, as the services would."""
    paths = {quote.state: []}
    queue = deque([quote.state])
    while queue:
        current = queue.popleft()
        for following in Quote.TRANSITIONS[current]:
            if following not in paths:
                paths[following] = [*paths[current], following]
                queue.append(following)
    for step in paths[state]:
        quote = transition(lock_quote(quote.pk), step)
    return quote
