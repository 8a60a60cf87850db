"""Rate versions: a product's prices and terms, each version in force from its day; quotes
keep the version that priced them; staff add versions in admin by the rules."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from freezegun import freeze_time

from quotes.models import AgeBand, Product, Quote, RateVersion
from quotes.services import check_rate_version, rate_version_save
from quotes.tests.factories import next_rate_version, quote_for
from quotes.tests.helpers import version_form
from tests.helpers import ddmmyyyy

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def next_month() -> dt.date:
    today = timezone.localdate()
    return (today.replace(day=1) + 32 * DAY).replace(day=1)


def post_quote(api, customer, code="personal-accident", **body):
    return api.post(
        "/api/v1/quotes/", {"customer": customer.pk, "type": code, **body}, format="json"
    )


def test_a_rate_change_dated_next_month_prices_quotes_from_that_day_only(api, customer):
    # Ben is 35: personal accident's 30-44 band, 2.00 per mille, 50,000 cover.
    starts = next_month()
    next_rate_version(
        "personal-accident", starts, rates={30: Decimal("2.40")}, tax_rate=Decimal("5.00")
    )

    before = post_quote(api, customer).json()
    with freeze_time(starts - DAY):
        eve = post_quote(api, customer).json()
    with freeze_time(starts):
        on_the_day = post_quote(api, customer).json()

    assert (before["rate_version"], before["net_premium"], before["tax"]) == (1, "100.00", "0.00")
    assert (eve["rate_version"], eve["premium"]) == (1, "100.00")
    assert on_the_day["rate_version"] == 2
    assert (on_the_day["net_premium"], on_the_day["tax"]) == ("120.00", "6.00")
    assert on_the_day["premium"] == "126.00"


def test_a_quote_made_before_a_rate_change_and_paid_after_keeps_its_price(api, customer):
    starts = next_month()
    next_rate_version("personal-accident", starts, rates={30: Decimal("2.40")})
    quoted = post_quote(api, customer).json()
    api.post(f"/api/v1/quotes/{quoted['id']}/accept/", {}, format="json")

    with freeze_time(starts + DAY):
        assert api.get(f"/api/v1/quotes/{quoted['id']}/").json()["premium"] == "100.00"
        policy = api.post(f"/api/v1/quotes/{quoted['id']}/pay/", {}, format="json").json()

    assert (policy["premium"], policy["rate_version"]) == ("100.00", 1)
    assert policy["payment"]["amount"] == "100.00"


def test_a_product_shows_the_version_in_force_and_the_next_one(api):
    starts = next_month()
    next_rate_version("personal-accident", starts, tax_rate=Decimal("5.00"))

    by_code = api.get("/api/v1/products/personal-accident/").json()
    by_id = api.get(f"/api/v1/products/{by_code['id']}/").json()

    assert by_code == by_id
    assert by_code["rate_version"] == {
        "number": 1,
        "effective_from": "01-01-2000",
        "document": "personal-accident.v1",
    }
    assert by_code["tax_rate"] == "0.00"  # today's terms at the top, as always
    upcoming = by_code["next_rate_version"]
    assert (upcoming["number"], upcoming["effective_from"]) == (2, ddmmyyyy(starts))
    assert upcoming["tax_rate"] == "5.00"
    assert upcoming["document"] == "personal-accident.v2"
    assert [band["label"] for band in upcoming["bands"]] == ["18-29", "30-44", "45-59", "60-75"]
    assert api.get("/api/v1/products/term-life/").json()["next_rate_version"] is None
    with freeze_time(starts):
        then = api.get("/api/v1/products/personal-accident/").json()
    assert (then["rate_version"]["number"], then["tax_rate"]) == (2, "5.00")
    assert then["next_rate_version"] is None


def test_an_unknown_product_code_is_a_404(api):
    assert api.get("/api/v1/products/no-such-thing/").status_code == 404
    assert api.get("/api/v1/products/99999/").status_code == 404


def test_a_product_with_no_version_in_force_yet_is_not_on_sale(api, customer):
    product = Product.objects.create(code="pet", name="Pet", currency="AED", min_age=18, max_age=75)
    version = RateVersion(
        product=product,
        effective_from=next_month(),
        min_cover=Decimal(1000),
        max_cover=Decimal(9000),
        default_cover=Decimal(5000),
        minimum_premium=Decimal(10),
    )
    rate_version_save(version=version)
    AgeBand.objects.create(version=version, min_age=18, max_age=75, rate_per_mille=Decimal(1))

    codes = [p["code"] for p in api.get("/api/v1/products/").json()["results"]]
    refused = post_quote(api, customer, "pet")

    assert "pet" not in codes
    assert refused.status_code == 400
    assert "no rates in force" in refused.json()["errors"]["type"][0]
    assert not Quote.objects.filter(product=product).exists()
    with freeze_time(next_month()):
        assert post_quote(api, customer, "pet").json()["rate_version"] == 1


def test_offers_price_each_product_by_its_version_in_force(api, customer):
    next_rate_version("term-life", timezone.localdate(), rates={30: Decimal("2.00")})

    offer = api.post("/api/v1/offers/", {"customer": customer.pk}, format="json").json()

    versions = {quote["type"]: quote["rate_version"] for quote in offer["quotes"]}
    assert versions == {"personal-accident": 1, "term-life": 2, "critical-illness": 1}
    life = next(quote for quote in offer["quotes"] if quote["type"] == "term-life")
    assert life["net_premium"] == "1000.00"  # 500,000 at 2.00 per mille


# Staff make versions in admin.


def test_staff_save_a_version_as_new_with_its_bands_for_a_later_day(admin_client, customer):
    quote_for(customer, "personal-accident")  # the product has quotes now
    current = Product.objects.get(code="personal-accident").current_version
    starts = next_month()
    form = version_form(current, effective_from=starts, tax_rate="5.00") | {"_saveasnew": "1"}

    response = admin_client.post(f"/admin/quotes/rateversion/{current.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:3000]
    made = RateVersion.objects.get(product=current.product, number=2)
    assert (made.effective_from, made.tax_rate) == (starts, Decimal("5.00"))
    assert [(b.min_age, b.rate_per_mille) for b in made.bands.all()] == [
        (b.min_age, b.rate_per_mille) for b in current.bands.all()
    ]
    assert made.history.latest().history_user.is_staff
    current.refresh_from_db()
    assert current.tax_rate == Decimal("0.00")  # version 1 unchanged


def test_a_version_that_priced_quotes_cannot_change(admin_client, customer):
    quote_for(customer, "personal-accident")
    current = Product.objects.get(code="personal-accident").current_version

    response = admin_client.post(
        f"/admin/quotes/rateversion/{current.pk}/change/",
        version_form(current, minimum_premium="75.00"),
    )

    assert response.status_code == 200
    assert "has priced quotes" in response.content.decode()
    current.refresh_from_db()
    assert current.minimum_premium == Decimal("50.00")
    assert current.history.count() == 1


@pytest.mark.parametrize(
    ("effective_from", "message"),
    [
        (dt.date(2000, 1, 1), "Effective from already exists"),  # version 1's day
        (dt.date.today() - DAY, "never in the past"),
    ],
)
def test_a_version_overlapping_another_or_dated_in_the_past_is_refused(
    admin_client, customer, effective_from, message
):
    quote_for(customer, "personal-accident")
    current = Product.objects.get(code="personal-accident").current_version

    response = admin_client.post(
        "/admin/quotes/rateversion/add/", version_form(current, effective_from=effective_from)
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert RateVersion.objects.filter(product=current.product).count() == 1
    assert not AgeBand.objects.exclude(version=current).filter(version__product=current.product)


def test_a_past_dated_version_is_allowed_while_the_product_has_no_quotes():
    product = Product.objects.get(code="term-life")
    version = RateVersion(
        product=product,
        effective_from=timezone.localdate() - 10 * DAY,
        **{
            name: getattr(product.current_version, name)
            for name in ("min_cover", "max_cover", "default_cover", "minimum_premium")
        },
    )

    saved = rate_version_save(version=version)  # no quotes: nothing is repriced

    assert (saved.number, saved.effective_from) == (2, timezone.localdate() - 10 * DAY)
    assert product.version_on(timezone.localdate()) == saved


def test_a_version_stays_with_its_product():
    version = Product.objects.get(code="term-life").current_version
    version.product = Product.objects.get(code="critical-illness")

    with pytest.raises(ValidationError, match="stays with its product"):
        check_rate_version(version)


def test_two_versions_are_numbered_in_order_per_product():
    first = next_rate_version("term-life", next_month())
    second = next_rate_version("term-life", next_month() + 40 * DAY)
    other = next_rate_version("critical-illness", next_month())

    assert (first.number, second.number, other.number) == (2, 3, 2)


def test_staff_read_the_versions_and_a_products_page_lists_them(admin_client):
    product = Product.objects.get(code="critical-illness")
    next_rate_version(product, next_month(), policy_fee=Decimal("20.00"))

    listed = admin_client.get("/admin/quotes/rateversion/")
    page = admin_client.get(f"/admin/quotes/product/{product.pk}/change/")
    version = admin_client.get(f"/admin/quotes/rateversion/{product.current_version.pk}/change/")

    assert listed.status_code == page.status_code == version.status_code == 200
    assert "20.00 AED" in listed.content.decode()
    assert "Save as new" in version.content.decode()


def test_the_bands_of_a_version_that_priced_quotes_cannot_change_either(admin_client, customer):
    quote_for(customer, "personal-accident")
    current = Product.objects.get(code="personal-accident").current_version
    bands = [(b.min_age, b.max_age, b.rate_per_mille) for b in current.bands.all()]
    form = version_form(current, bands=[(18, 75, "9.99")]) | {
        "bands-INITIAL_FORMS": 0,
    }

    response = admin_client.post(f"/admin/quotes/rateversion/{current.pk}/change/", form)

    assert response.status_code == 200
    assert "has priced quotes" in response.content.decode()
    assert [(b.min_age, b.max_age, b.rate_per_mille) for b in current.bands.all()] == bands
