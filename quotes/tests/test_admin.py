import pytest

from quotes.models import Quote

pytestmark = pytest.mark.django_db


def test_the_admin_accept_action_uses_the_quote_rules(admin_client, quote, accepted_quote):
    response = admin_client.post(
        "/admin/quotes/quote/",
        {"action": "accept_quotes", "_selected_action": [quote.pk]},
        follow=True,
    )

    assert response.status_code == 200
    quote.refresh_from_db()
    assert quote.state == Quote.State.ACCEPTED  # the fixture accepted it already: refused
    assert "cannot become accepted" in response.content.decode()


def test_the_admin_accept_action_records_the_staff_user(admin_client, admin_user, quote):
    admin_client.post(
        "/admin/quotes/quote/", {"action": "accept_quotes", "_selected_action": [quote.pk]}
    )

    quote.refresh_from_db()
    assert quote.state == Quote.State.ACCEPTED
    assert quote.history.latest().history_user == admin_user


def band_form(product, bands):
    data = {
        "code": product.code,
        "name": product.name,
        "currency": product.currency,
        "min_cover": product.min_cover,
        "max_cover": product.max_cover,
        "default_cover": product.default_cover,
        "min_age": product.min_age,
        "max_age": product.max_age,
        "minimum_premium": product.minimum_premium,
        "quote_validity_days": product.quote_validity_days,
        "is_active": "on",
        "bands-TOTAL_FORMS": len(bands),
        "bands-INITIAL_FORMS": 0,
        "bands-MIN_NUM_FORMS": 0,
        "bands-MAX_NUM_FORMS": 1000,
    }
    for index, (min_age, max_age, rate) in enumerate(bands):
        data[f"bands-{index}-min_age"] = min_age
        data[f"bands-{index}-max_age"] = max_age
        data[f"bands-{index}-rate_per_mille"] = rate
    return data


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ([(18, 40, "1"), (40, 75, "2")], "overlap"),
        ([(18, 30, "1"), (32, 75, "2")], "gap"),
        ([(20, 75, "1")], "cover every age"),
    ],
)
def test_admin_refuses_age_bands_that_overlap_or_leave_gaps(
    admin_client, personal_accident, bands, message
):
    personal_accident.bands.all().delete()
    response = admin_client.post(
        "/admin/quotes/product/add/",
        band_form(personal_accident, bands) | {"code": "pa-copy"},
    )

    assert response.status_code == 200
    assert message in response.content.decode()
