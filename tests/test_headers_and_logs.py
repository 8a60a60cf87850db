"""What responses and logs give away: caching, script sources, proxies, personal data."""

import logging
import re

import pytest
from django.conf import settings

from myproject.http.logs import RedactQueryStringFilter, RequestIDLogFilter

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("client_name", "path"),
    [
        ("api", "/api/v1/customers/"),
        ("api", "/api/v1/policies/999/"),
        ("anonymous", "/api/v1/customers/"),
        ("api", "/api/v1/nowhere"),
    ],
)
def test_no_api_response_may_be_stored_by_a_cache(request, client_name, path):
    response = request.getfixturevalue(client_name).get(path)

    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/", "/admin/login/"])
def test_pages_allow_scripts_and_styles_from_this_origin_and_their_own_nonce_only(client, path):
    response = client.get(path)

    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
    )
    # A nonce appears only on pages with inline code of their own (not admin's login).
    found = re.search(r"'nonce-([^']+)'", policy["script-src"])
    nonce = found.group(1) if found else None
    allowed = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == policy["style-src"] == allowed
    assert policy["frame-ancestors"] == "'none'"
    html = response.content.decode()
    inline = re.findall(r"<(script|style)(?![^>]*\bsrc=)([^>]*)>", html)
    assert all(f'nonce="{nonce}"' in attributes for _, attributes in inline), inline
    assert not re.search(r'(src|href)="https?://', html)  # nothing loaded from elsewhere


def test_x_forwarded_proto_is_believed_only_when_configured(rf):
    assert (
        not hasattr(settings, "SECURE_PROXY_SSL_HEADER") or settings.SECURE_PROXY_SSL_HEADER is None
    )
    request = rf.get("/", HTTP_X_FORWARDED_PROTO="https")

    assert request.is_secure() is False


def test_a_trusted_proxys_x_forwarded_proto_is_believed(rf, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    assert rf.get("/", HTTP_X_FORWARDED_PROTO="https").is_secure() is True


def log_line(message: str, *args, request=None) -> str:
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, message, args, None)
    if request is not None:
        record.request = request
    for log_filter in (RequestIDLogFilter(), RedactQueryStringFilter()):
        log_filter.filter(record)
    return f"[{record.request_id}] {record.getMessage()}"


def test_log_lines_name_the_query_parameters_never_their_values():
    line = log_line('"%s" %s %s', "GET /api/v1/search?name=Alice&dob=25-06-1991 HTTP/1.1", 200, 9)

    assert "/api/v1/search?name&dob" in line
    assert "Alice" not in line and "25-06-1991" not in line


def test_the_console_handler_redacts_and_tags_every_line():
    console = settings.LOGGING["handlers"]["console"]

    assert {"request_id", "redact"} <= set(console["filters"])
    assert settings.LOGGING["loggers"]["django.server"]["handlers"] == ["console"]


def test_a_4xx_log_line_carries_its_request_id(api, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = api.get("/api/v1/customers/?dob=nonsense", HTTP_X_REQUEST_ID="trace-400")

    assert response.status_code == 400
    record = next(r for r in caplog.records if r.name == "django.request")
    line = log_line(record.msg, *record.args, request=record.request)
    assert line.startswith("[trace-400]")
    assert "nonsense" not in line


@pytest.fixture
def json_lines():
    """What the console handler writes, as production formats it: parsed JSON lines."""
    import io
    import json

    from myproject.http.logs import JsonLineFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLineFormatter())
    handler.addFilter(RequestIDLogFilter())
    handler.addFilter(RedactQueryStringFilter())
    loggers = [logging.getLogger(name) for name in ("myproject", "django.request")]
    for logger in loggers:
        logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for logger in loggers:
        logger.removeHandler(handler)


def test_one_json_line_per_request_and_per_transition_without_personal_data(
    api, partner, accepted_quote, json_lines
):
    api.post(f"/api/v1/quotes/{accepted_quote.pk}/pay/", HTTP_X_REQUEST_ID="trace-pay")
    api.get("/api/v1/search?name=Stokes&dob=25-06-1991", HTTP_X_REQUEST_ID="trace-search")

    lines = json_lines()
    requests = [line for line in lines if line["message"] == "request"]
    assert [(r["method"], r["route"], r["status"], r["request_id"]) for r in requests] == [
        ("POST", "quote-payment-pay", 200, "trace-pay"),
        ("GET", "search", 200, "trace-search"),
    ]
    assert all(r["partner_id"] == partner.pk and r["duration_ms"] >= 0 for r in requests)
    transitions = [line for line in lines if line["message"] == "transition"]
    assert {(t["model"], t["from"], t["to"]) for t in transitions} >= {
        ("quotes.Quote", "accepted", "paid")
    }
    assert {"time", "level", "logger"} <= set(lines[0])
    text = "\n".join(map(str, lines))
    assert "Stokes" not in text and "25-06-1991" not in text and "Ben" not in text


def test_logs_are_json_in_production_and_text_with_debug():
    assert settings.LOGGING["handlers"]["console"]["formatter"] == (
        "plain" if settings.DEBUG else "json"
    )


@pytest.mark.parametrize(("writer", "gunicorn_line"), [("app", None), ("gunicorn", "-")])
def test_one_access_line_per_request_written_by_the_app_or_by_gunicorn(
    writer, gunicorn_line, api, settings, caplog, monkeypatch
):
    import runpy
    from pathlib import Path

    monkeypatch.setenv("ACCESS_LOG", writer)
    settings.ACCESS_LOG = writer
    conf = runpy.run_path(str(Path(__file__).resolve().parents[1] / "deploy" / "gunicorn.conf.py"))

    with caplog.at_level("INFO", logger="myproject.request"):
        api.get("/api/v1/products/")

    app_lines = [r for r in caplog.records if r.name == "myproject.request"]
    assert conf["accesslog"] == gunicorn_line
    assert len(app_lines) == (1 if writer == "app" else 0)
