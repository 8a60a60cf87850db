import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from .models import Customer


@transaction.atomic
def customer_create(
    *, first_name: str, last_name: str, dob: dt.date, by: AbstractBaseUser | None = None
) -> Customer:
    """Register a customer; the model's rules (trimmed names, plausible birth date) apply."""
    customer = Customer(first_name=first_name, last_name=last_name, dob=dob)
    customer.full_clean()
    customer.save()
    return customer
