"""How many SQL queries each endpoint runs: a fixed number, whatever the page size or the
amount of data (never one per row)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.tests.factories import CustomerFactory
from myproject.webhooks.models import Delivery, Event
from myproject.webhooks.sending import deliver
from myproject.webhooks.services import endpoint_create
from policies.services import policy_issue
from quotes.models import Product
from quotes.services import quote_accept, quote_create
from tests.helpers import AUTH_QUERIES, born_years_ago

pytestmark = pytest.mark.django_db


def issued_policies(partner, count: int) -> list:
    product = Product.objects.get(code="personal-accident")
    policies = []
    for _ in range(count):
        customer = CustomerFactory(partner=partner, last_name="Stokes", dob=born_years_ago(35))
        quote = quote_create(customer=customer, product=product)
        quote_accept(quote_id=quote.pk)
        policies.append(policy_issue(quote_id=quote.pk))
    return policies


def queries(api, method: str, path: str, body=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(api, method)(path, body, format="json")
    assert response.status_code < 400, response.content
    return len(captured)


# Each read and its budget beyond authentication: the reason for each query.
READS = {
    "/api/v1/customers/": 2,  # count (bounded), page
    "/api/v1/customers/?page=2&page_size=1": 3,  # count, the page's keys, its rows
    "/api/v1/policies/?page=2&page_size=1": 5,
    "/api/v1/search?name=sto": 2,
    "/api/v1/search?policy_type=personal-accident": 3,  # + the product code
    "/api/v1/quotes/": 2,
    "/api/v1/quotes/?state=paid&type=personal-accident": 3,  # + the product code
    "/api/v1/policies/": 4,  # count, page, payments, endorsements
    "/api/v1/policies/?customer_id={customer}": 4,
    "/api/v1/policies/{policy}/": 3,  # the policy, its payments, its endorsements
    # the policy (scoped), the policy with its product, its payments, its endorsements
    "/api/v1/policies/{policy}/cancellation-quote/": 4,
    # the policy (scoped), with its product and quote, its payments, its endorsements, the
    # bands, the commission rate
    "/api/v1/policies/{policy}/endorsement-quote/?cover=60000.00": 6,
    "/api/v1/policies/{policy}/history/": 3,  # the policy, quote history, policy history
    "/api/v1/quotes/{policy}/": 1,
    "/api/v1/customers/{customer}/": 1,
    "/api/v1/products/": 4,  # count, page, rate versions, their bands
    "/api/v1/events/": 2,  # count, page
    "/api/v1/events/?type=quote.created&after={event}": 3,  # + the event it follows
    "/api/v1/webhook-endpoints/": 2,
    # the endpoint, count, page (with their events), attempts
    "/api/v1/webhook-endpoints/{endpoint}/deliveries/": 4,
}


@pytest.mark.parametrize(("path", "budget"), READS.items(), ids=list(READS))
def test_every_read_stays_within_its_query_budget_whatever_the_data(
    api, partner, settings, path, budget
):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    endpoint = endpoint_create(owner_id=partner.user_id, url="http://127.0.0.1:9/", events=["*"])
    first = issued_policies(partner, 2)[0]
    for delivery in Delivery.objects.all():
        deliver(delivery.pk)  # an attempt each (refused: nothing listens on port 9)
    event = Event.objects.order_by("seq").first()
    path = path.format(
        policy=first.pk, customer=first.customer_id, endpoint=endpoint.pk, event=event.uid
    )
    api.get("/api/v1/")  # the token is read once, then kept in the cache
    small = queries(api, "get", path)
    issued_policies(partner, 6)  # three times the data, pages still fuller

    assert small <= AUTH_QUERIES + budget
    assert queries(api, "get", path) == small


@pytest.mark.parametrize("path", ["/api/v1/policies/", "/api/v1/search", "/api/v1/quotes/"])
def test_a_larger_page_runs_no_more_queries(api, partner, path):
    issued_policies(partner, 6)
    api.get("/api/v1/")  # the token is read once, then kept in the cache

    assert queries(api, "get", f"{path}?page_size=2") == queries(api, "get", f"{path}?page_size=6")


# Writes, beyond authentication and the savepoints a test's transaction adds: what their rules
# read, the locks, the rows they write and a history row for each.
# Each with the times it writes events (EVENT_QUERIES each, however many events at once).
WRITES = [
    # customer and its history
    ("post", "/api/v1/create_customer/", lambda ids: BODY, 2, 0),
    # the customer with its partner, the product, its rate version in force, its bands, the
    # commission rate; quote and history
    ("post", "/api/v1/quotes/", lambda ids: {"customer": ids["customer"], "type": TYPE}, 7, 1),
    # the customer with its partner, the active products' rate versions with their products,
    # the bands of those in force, the commission rates; each
    # product's quote and history (three here); their events at once
    ("post", "/api/v1/offers/", lambda ids: {"customer": ids["customer"]}, 10, 1),
    # the quote as its partner sees it, locked; state and history
    ("post", "/api/v1/quotes/{quote}/accept/", lambda ids: {}, 3, 1),
    # the quote as its payer sees it with the policy it renews, the quote locked; state,
    # history; policy, history; charge, history; its two events at once: 10 in all
    ("post", "/api/v1/quotes/{quote}/pay/", lambda ids: {}, 8, 1),
    # the policy, locked; its payments, locked; the bands, the commission rate; the
    # endorsement, the charge and their history; the policy and its history; the endorsements
    ("post", "/api/v1/policies/{quote}/endorse/", lambda ids: {"cover": "60000.00"}, 13, 1),
    # the policy, locked; state, history; the payments, locked; refund, history; for each
    # charge it repays (here the first and the endorsement's) state, history; endorsements
    ("post", "/api/v1/policies/{quote}/cancel/", lambda ids: {"reason": "other"}, 12, 1),
    ("post", "/api/v1/quotes/{other}/decline/", lambda ids: {"reason": "no"}, 3, 1),
]
BODY = {"first_name": "Joe", "last_name": "Root", "dob": "30-12-1990"}
# The events a write tells partners of: their places in the owner's feed, the events (and, for
# an owner that ever registered an endpoint, the endpoints and the deliveries).
EVENT_QUERIES = 2
TYPE = "personal-accident"


def test_every_write_stays_within_its_query_budget(api, customer):
    ids = {"customer": customer.pk}
    for label in ("quote", "other"):
        ids[label] = api.post(
            "/api/v1/quotes/", {"customer": customer.pk, "type": TYPE}, format="json"
        ).json()["id"]
    for method, path, body, budget, events in WRITES:
        with CaptureQueriesContext(connection) as captured:
            response = getattr(api, method)(path.format(**ids), body(ids), format="json")
        assert response.status_code < 400, response.content
        written = [q for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
        assert len(written) <= AUTH_QUERIES + budget + EVENT_QUERIES * events, (path, len(written))


def monthly_policies(partner, count: int) -> list:
    product = Product.objects.get(code="critical-illness")
    policies = []
    for _ in range(count):
        customer = CustomerFactory(partner=partner, dob=born_years_ago(35))
        quote = quote_create(customer=customer, product=product)
        quote_accept(quote_id=quote.pk)
        policies.append(policy_issue(quote_id=quote.pk, plan="monthly"))
    return policies


# Policies paid monthly: their instalments are read in one query per page, never per policy.
INSTALMENT_READS = {
    "/api/v1/instalments/": 2,  # count, page with their payments
    "/api/v1/instalments/?status=due&due_before=01-01-2100": 2,
    "/api/v1/policies/": 5,  # count, page, payments, endorsements, instalments
    "/api/v1/policies/{policy}/": 4,  # the policy, payments, endorsements, instalments
}


@pytest.mark.parametrize(("path", "budget"), INSTALMENT_READS.items(), ids=list(INSTALMENT_READS))
def test_instalment_reads_stay_within_their_budget_whatever_the_schedules(
    api, partner, path, budget
):
    first = monthly_policies(partner, 2)[0]
    path = path.format(policy=first.pk)
    api.get("/api/v1/")  # the token is read once, then kept in the cache
    small = queries(api, "get", path)
    monthly_policies(partner, 4)

    assert small <= AUTH_QUERIES + budget
    assert queries(api, "get", path) == small
