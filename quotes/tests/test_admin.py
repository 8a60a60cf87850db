import datetime as dt

import pytest

from quotes.models import Quote
from quotes.tests.helpers import version_form

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


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ([(18, 40, "1"), (40, 75, "2")], "overlap"),
        ([(18, 30, "1"), (32, 75, "2")], "gap"),
        ([(20, 75, "1")], "cover every age"),
        ([], "needs its age bands"),
    ],
)
def test_admin_refuses_age_bands_that_overlap_or_leave_gaps(
    admin_client, personal_accident, bands, message
):
    current = personal_accident.version_on(dt.date.today())
    response = admin_client.post(
        "/admin/quotes/rateversion/add/",
        version_form(current, bands=bands, effective_from=dt.date.today() + dt.timedelta(days=9)),
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert personal_accident.rate_versions.count() == 1
