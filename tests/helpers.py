"""Helpers the tests share (fixtures are in conftest.py): clients, dates, walking a quote
through its states, raw requests and the problem format."""

import datetime as dt
import io
from collections import deque

from django.utils import timezone
from pypdf import PdfReader
from rest_framework.test import APIClient

from myproject.lifecycle import transition
from quotes.models import Quote
from quotes.services import lock_quote

# Queries every token-authenticated request makes: the token with its user and partner.
AUTH_QUERIES = 1
DAY = dt.timedelta(days=1)
PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


def client_with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def born_years_ago(years: int, *, days_later: int = 0) -> dt.date:
    """A date of birth that makes someone `years` old today (turning so today)."""
    today = timezone.localdate()
    try:
        birthday = today.replace(year=today.year - years)
    except ValueError:  # today is 29 February
        birthday = dt.date(today.year - years, 3, 1)
    return birthday + dt.timedelta(days=days_later)


def ddmmyyyy(day: dt.date) -> str:
    return day.strftime("%d-%m-%Y")


def half_way(policy):
    """Test set-up: a 365-day term begun 182 days ago, so that today is day 183 and the
    183 days from today to the end are left."""
    policy.start_date = timezone.localdate() - 182 * DAY
    policy.end_date = policy.start_date + 364 * DAY
    policy.save()
    return policy


def move_quote_to(quote, state: str):
    """Walk a quote to `state` through the declared transitions, as the services would."""
    paths = {quote.state: []}
    queue = deque([quote.state])
    while queue:
        current = queue.popleft()
        for following in Quote.TRANSITIONS[current]:
            if following not in paths:
                paths[following] = [*paths[current], following]
                queue.append(following)
    for step in paths[state]:
        quote = transition(lock_quote(quote.pk), step)
    return quote


def post_raw(api, path, raw: bytes | str, content_type="application/json"):
    return api.generic("POST", path, raw, content_type=content_type)


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert PROBLEM_KEYS <= set(body)
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:problem-type:{code}"
    return body


def pdf_text(data: bytes) -> str:
    """The text of a PDF's pages, as a reader extracts it."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
