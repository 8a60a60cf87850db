"""How a customer may pay: each product lists its plans, and every quote and offer shows what
each plan comes to, its instalments adding up to the total exactly, part by part."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from customers.tests.factories import CustomerFactory
from quotes.models import Product, validate_payment_plans
from quotes.pricing import PLAN_INSTALMENTS
from quotes.serializers import InstalmentPlanSerializer, InstalmentPlansField
from tests.helpers import born_years_ago

from .helpers import product_form

pytestmark = pytest.mark.django_db

PARTS = ("premium", "net_premium", "tax", "fees", "commission")


def money(value: str) -> Decimal:
    assert isinstance(value, str)  # never a float on the wire
    return Decimal(value)


def check_plans_add_up(quote: dict, product: Product) -> None:
    """Every plan the product allows, in order; each plan's instalments sum to its total,
    part by part, and the total is the quote's price with one fee per instalment."""
    plans = quote["instalment_plans"]
    assert [plan["plan"] for plan in plans] == product.payment_plans
    for plan in plans:
        count = plan["instalments"]
        assert count == PLAN_INSTALMENTS[plan["plan"]]
        fee = product.current_version.instalment_fee if count > 1 else Decimal(0)
        first, later, total = plan["first_instalment"], plan["later_instalments"], plan["total"]
        for part in PARTS:
            added = money(first[part]) + money(later[part]) * (count - 1)
            assert added == money(total[part]), (plan["plan"], part)
        for part in ("net_premium", "tax", "commission"):
            assert money(total[part]) == money(quote[part])
        assert money(total["fees"]) == money(quote["fees"]) + fee * count
        assert money(total["premium"]) == money(quote["premium"]) + fee * count
        # The rounding remainder goes in the first: less than a cent per later instalment.
        for part in ("net_premium", "tax", "fees", "commission"):
            remainder = money(first[part]) - money(later[part])
            assert Decimal(0) <= remainder <= Decimal("0.01") * (count - 1)


def test_a_quote_shows_what_each_plan_of_its_product_comes_to(api, customer):
    response = api.post(
        "/api/v1/quotes/", {"customer": customer.pk, "type": "critical-illness"}, format="json"
    )

    assert response.status_code == 201
    quote = response.json()
    annual, quarterly, monthly = quote["instalment_plans"]
    assert annual == {
        "plan": "annual",
        "instalments": 1,
        "first_instalment": {part: quote[part] for part in PARTS},
        "later_instalments": {part: quote[part] for part in PARTS},
        "total": {part: quote[part] for part in PARTS},
    }
    # 100,000 at 2.90 per mille: 290.00 net, 14.50 tax, 15.00 policy fee; 5.00 an instalment.
    assert quote["premium"] == "319.50"
    assert monthly["instalments"] == 12
    assert monthly["later_instalments"]["premium"] == "31.61"  # 24.16 + 1.20 + 1.25 + 5.00
    assert monthly["first_instalment"]["premium"] == "31.79"  # 24.24 + 1.30 + 1.25 + 5.00
    assert monthly["total"]["premium"] == "379.50"
    assert quarterly["total"]["fees"] == "35.00"
    check_plans_add_up(quote, Product.objects.get(code="critical-illness"))
    assert api.get(f"/api/v1/quotes/{quote['id']}/").json() == quote


@pytest.mark.parametrize("code", ["personal-accident", "term-life", "critical-illness"])
def test_every_plan_adds_up_exactly_for_every_product_over_a_range_of_covers(api, partner, code):
    product = Product.objects.get(code=code)
    customer = CustomerFactory(partner=partner, dob=born_years_ago(40))
    terms = product.current_version
    step = (terms.max_cover - terms.min_cover) / 23
    covers = {terms.min_cover, terms.max_cover} | {
        (terms.min_cover + step * n + Decimal("0.07") * n).quantize(Decimal("0.01"))
        for n in range(1, 23)
    }
    for cover in sorted(covers):
        response = api.post(
            "/api/v1/quotes/",
            {"customer": customer.pk, "type": code, "cover": str(cover)},
            format="json",
        )
        assert response.status_code == 201, response.json()
        check_plans_add_up(response.json(), product)


def test_offers_show_each_quotes_plans(api, customer):
    body = api.post("/api/v1/offers/", {"customer": customer.pk}, format="json").json()

    assert len(body["quotes"]) == 3
    for quote in body["quotes"]:
        check_plans_add_up(quote, Product.objects.get(code=quote["type"]))


def test_a_product_paid_only_annually_shows_one_plan(api, customer, personal_accident):
    personal_accident.payment_plans = ["annual"]
    personal_accident.save()

    quote = api.post(
        "/api/v1/quotes/", {"customer": customer.pk, "type": "personal-accident"}, format="json"
    ).json()

    assert [plan["plan"] for plan in quote["instalment_plans"]] == ["annual"]
    product = api.get(f"/api/v1/products/{personal_accident.pk}/").json()
    assert product["payment_plans"] == ["annual"]


def test_the_catalogue_says_how_each_product_may_be_paid(api):
    products = {p["code"]: p for p in api.get("/api/v1/products/").json()["results"]}

    assert products["term-life"]["payment_plans"] == ["annual", "monthly"]
    assert products["term-life"]["instalment_fee"] == "0.00"
    assert products["critical-illness"]["payment_plans"] == ["annual", "quarterly", "monthly"]
    assert products["critical-illness"]["instalment_fee"] == "5.00"


@pytest.mark.parametrize(
    ("plans", "message"),
    [
        (["monthly"], "keep annual"),
        (["annual", "weekly"], "Unknown plan weekly"),
        (["annual", "annual"], "Each plan once"),
        ("annual", "A list of plans"),
        ([1], "A list of plans"),
    ],
)
def test_a_products_plans_are_known_plans_each_once_annual_among_them(plans, message):
    with pytest.raises(ValidationError, match=message):
        validate_payment_plans(plans)


def test_staff_tick_a_products_plans_in_admin_and_get_them_in_order(
    admin_client, personal_accident
):
    form = product_form(personal_accident, code="pa-monthly", payment_plans=["monthly", "annual"])

    response = admin_client.post("/admin/quotes/product/add/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    made = Product.objects.get(code="pa-monthly")
    assert made.payment_plans == ["annual", "monthly"]
    refused = admin_client.post(
        "/admin/quotes/product/add/", form | {"code": "pa-none", "payment_plans": ["monthly"]}
    )
    assert refused.status_code == 200
    assert "keep annual" in refused.content.decode()
    assert not Product.objects.filter(code="pa-none").exists()


@pytest.mark.parametrize("currency", ["AED", "KWD", "JPY"])  # two, three and no places
def test_plans_render_by_function_exactly_as_their_serializer_does(quote, currency):
    quote.product.currency, quote.rate_version.instalment_fee = currency, Decimal("1.35")
    quote.net_premium, quote.tax = Decimal("61.733"), Decimal("3.087")  # as KWD has them
    quote.commission = Decimal("6.17")

    plans = quote.instalment_plans

    assert len(plans) == 3
    assert InstalmentPlansField().to_representation(plans) == (
        InstalmentPlanSerializer(plans, many=True).data
    )
