"""Fixtures shared by every app's tests."""

import uuid

import pytest
from rest_framework.test import APIClient

from customers.tests.factories import CustomerFactory, PartnerFactory, partner_token
from quotes.models import Product
from quotes.tests.factories import quote_for
from tests.helpers import born_years_ago, client_with_token, move_quote_to


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # Staff passwords need not resist brute force in tests; hashing them slowly costs time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Production serves hashed files collected by collectstatic; tests never collect them.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _private_cache(settings):
    # Throttle counts live in the cache: each test starts with its own, empty one.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": uuid.uuid4().hex,
        }
    }


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
    return quote_for(customer, personal_accident)


@pytest.fixture
def accepted_quote(quote):
    return move_quote_to(quote, "accepted")
