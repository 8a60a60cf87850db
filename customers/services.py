import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from knox.models import AuthToken

from myproject.problems import Conflict

from .models import SCOPES, Customer, Partner, TestClock, TokenGrant, validate_scopes


def _refuse_known_ref(partner_id: int, external_ref: str | None, *, other_than=None) -> None:
    """409 `customer_exists` if the partner already has a customer with this reference."""
    if not external_ref:
        return
    known = Customer.objects.filter(partner_id=partner_id, external_ref=external_ref)
    existing = known.exclude(pk=other_than).values_list("pk", flat=True).first()
    if existing is not None:
        raise Conflict(
            f"Customer {existing} already has the reference {external_ref!r}.",
            code="customer_exists",
            id=existing,
        )


def _save(customer: Customer, *, by, reason: str | None = None, **kwargs) -> Customer:
    # The caller names the partner; the date-of-birth constraints are checked by clean() too.
    customer.full_clean(exclude=["partner"], validate_constraints=False)
    customer._history_user = by
    customer._change_reason = reason
    try:
        with transaction.atomic():
            customer.save(**kwargs)
    except IntegrityError:  # the same reference, registered at the same moment
        _refuse_known_ref(customer.partner_id, customer.external_ref, other_than=customer.pk)
        raise
    return customer


@transaction.atomic
def customer_create(
    *,
    partner: Partner,
    first_name: str,
    last_name: str,
    dob: dt.date,
    external_ref: str = "",
    test_clock: TestClock | None = None,
    by: AbstractBaseUser | None = None,
) -> Customer:
    """Register a partner's customer; the model's rules (trimmed names, birth date) apply. A
    reference the partner already uses is a 409 naming that customer (nothing changes). A
    sandbox partner's customer may live at one of its test clocks."""
    _refuse_known_ref(partner.pk, external_ref)
    if test_clock is not None and test_clock.partner_id != partner.pk:
        raise ValidationError({"test_clock": "Choose one of the partner's own test clocks."})
    customer = Customer(
        partner=partner,
        first_name=first_name,
        last_name=last_name,
        dob=dob,
        external_ref=external_ref,
        test_clock=test_clock,
    )
    return _save(customer, by=by)


@transaction.atomic
def customer_update(*, customer_id: int, by: AbstractBaseUser | None = None, **changes) -> Customer:
    """Change a customer's names or reference; the date of birth only while no quote was
    priced with it (a price already given depends on it)."""
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    if not changes:
        return customer  # nothing to save, nothing to record in history
    if "dob" in changes and changes["dob"] != customer.dob and customer.quotes.exists():
        raise Conflict(
            "The date of birth cannot change: quotes were priced with it.",
            code="customer_quoted",
        )
    if "external_ref" in changes:
        _refuse_known_ref(customer.partner_id, changes["external_ref"], other_than=customer.pk)
    for field, value in changes.items():
        setattr(customer, field, value if value is not None else "")
    return _save(customer, by=by, reason="updated")


@transaction.atomic
def partner_create(
    *, name: str, commission_rate: Decimal = Decimal(0), is_sandbox: bool = False
) -> Partner:
    """A partner with its own user, which signs in with API tokens only (no password), and
    its default commission rate (percent of the net premium); live, or a sandbox."""
    User = get_user_model()
    base = f"partner-{slugify(name)[:100] or 'unnamed'}"
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    user = User(username=username, is_staff=False)
    user.set_unusable_password()
    user.save()
    return Partner.objects.create(
        name=name, user=user, commission_rate=commission_rate, is_sandbox=is_sandbox
    )


@transaction.atomic
def partner_token_create(
    *,
    name: str,
    expires_in: dt.timedelta | None = None,
    scopes: list[str] | None = None,
    sandbox: bool = False,
) -> tuple:
    """Create the partner called `name` if it is new (a sandbox one if `sandbox`), and a new
    API token for it, limited to `scopes` if given (every scope otherwise). A partner is live
    or sandbox for good: asking an existing one for the other kind is refused.

    Returns (partner, token); the token is shown once: only its hash is stored.
    """
    if scopes is not None:
        validate_scopes(scopes)
    partner = Partner.objects.filter(name=name).select_related("user").first()
    if partner is None:
        partner = partner_create(name=name, is_sandbox=sandbox)
    elif partner.is_sandbox != sandbox:
        kind = "a sandbox" if partner.is_sandbox else "a live"
        raise ValidationError({"sandbox": f"{name} is {kind} partner."})
    auth_token, token = AuthToken.objects.create(user=partner.user, expiry=expires_in)
    if scopes is not None and set(scopes) != set(SCOPES):
        TokenGrant.objects.create(token=auth_token, scopes=sorted(scopes))
    return partner, token
