import datetime as dt

import factory
from django.contrib.auth import get_user_model
from knox.models import AuthToken

from customers.models import Customer, Partner


class PartnerFactory(factory.django.DjangoModelFactory):
    """Partner A unless named otherwise; the same name gives the same partner."""

    class Meta:
        model = Partner
        django_get_or_create = ("name",)

    name = "Partner A"
    user = factory.LazyAttribute(
        lambda partner: get_user_model().objects.get_or_create(
            username=f"partner-{partner.name.lower().replace(' ', '-')}"
        )[0]
    )


def partner_token(partner: Partner) -> str:
    return AuthToken.objects.create(user=partner.user, expiry=None)[1]


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    partner = factory.SubFactory(PartnerFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    dob = factory.Faker(
        "date_between", start_date=dt.date(1955, 1, 1), end_date=dt.date(2000, 1, 1)
    )
