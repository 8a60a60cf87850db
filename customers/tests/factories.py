import datetime as dt

import factory

from customers.models import Customer


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    dob = factory.Faker(
        "date_between", start_date=dt.date(1955, 1, 1), end_date=dt.date(2000, 1, 1)
    )
