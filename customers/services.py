import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.text import slugify
from knox.models import AuthToken

from .models import Customer, Partner


@transaction.atomic
def customer_create(
    *,
    partner: Partner,
    first_name: str,
    last_name: str,
    dob: dt.date,
    by: AbstractBaseUser | None = None,
) -> Customer:
    """Register a partner's customer; the model's rules (trimmed names, birth date) apply."""
    customer = Customer(partner=partner, first_name=first_name, last_name=last_name, dob=dob)
    # The caller names the partner; the date-of-birth constraints are checked by clean() too.
    customer.full_clean(exclude=["partner"], validate_constraints=False)
    customer._history_user = by
    customer.save()
    return customer


@transaction.atomic
def partner_create(*, name: str) -> Partner:
    """A partner with its own user, which signs in with API tokens only (no password)."""
    User = get_user_model()
    base = f"partner-{slugify(name)[:100] or 'unnamed'}"
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    user = User(username=username, is_staff=False)
    user.set_unusable_password()
    user.save()
    return Partner.objects.create(name=name, user=user)


@transaction.atomic
def partner_token_create(*, name: str, expires_in: dt.timedelta | None = None) -> tuple:
    """Create the partner called `name` if it is new, and a new API token for it.

    Returns (partner, token); the token is shown once: only its hash is stored.
    """
    partner = Partner.objects.filter(name=name).select_related("user").first()
    if partner is None:
        partner = partner_create(name=name)
    _, token = AuthToken.objects.create(user=partner.user, expiry=expires_in)
    return partner, token
