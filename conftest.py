"""Fixtures shared by every app's tests."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from customers.tests.factories import CustomerFactory
from quotes.models import Product
from quotes.services import quote_accept, quote_create


@pytest.fixture(autouse=True)
def _static_files_without_manifest(settings):
    # Production serves hashed files collected by collectstatic; tests never collect them.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def api():
    return APIClient()


def born_years_ago(years: int, *, days_later: int = 0) -> dt.date:
    """A date of birth that makes someone `years` old today (turning so today)."""
    today = timezone.localdate()
    try:
        birthday = today.replace(year=today.year - years)
    except ValueError:  # today is 29 February
        birthday = dt.date(today.year - years, 3, 1)
    return birthday + dt.timedelta(days=days_later)


@pytest.fixture
def customer(db):
    return CustomerFactory(first_name="Ben", last_name="Stokes", dob=born_years_ago(35))


@pytest.fixture
def personal_accident(db):
    return Product.objects.get(code="personal-accident")


@pytest.fixture
def quote(customer, personal_accident):
    return quote_create(customer=customer, product=personal_accident)


@pytest.fixture
def accepted_quote(quote):
    return quote_accept(quote_id=quote.pk)
