"""Where webhooks may go (myproject.webhooks.safety): public https addresses only."""

import pytest

from myproject.webhooks.models import WebhookEndpoint
from tests.webhooks.helpers import register, resolving_to

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/hooks",
        "https://127.0.0.1/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
        "https://[::ffff:10.0.0.1]/hooks",
        # IPv6 forms that embed a private IPv4 address: NAT64, local-use NAT64, 6to4,
        # IPv4-compatible, and Teredo.
        "https://[64:ff9b::a00:1]/hooks",
        "https://[64:ff9b:1::a00:1]/hooks",
        "https://[2002:a00:1::1]/hooks",
        "https://[::a00:1]/hooks",
        "https://[::127.0.0.1]/hooks",
        "https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/hooks",
        "https://100.64.0.1/hooks",
        "https://0.0.0.0/hooks",
        "http://example.com/hooks",
        "ftp://example.com/hooks",
        "https://user:secret@example.com/hooks",
        "not a url",
    ],
)
def test_a_url_on_a_private_address_or_without_https_is_refused(api, url):
    response = register(api, url)

    assert response.status_code == 400
    assert "url" in response.json()["errors"]
    assert not WebhookEndpoint.objects.exists()


def test_loopback_is_refused_unless_allowed(api, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False

    assert register(api, "http://127.0.0.1:8123/hooks").status_code == 400
    assert register(api, "http://localhost:8123/hooks").status_code == 400


def test_a_name_resolving_to_a_private_address_is_refused(api, monkeypatch):
    resolving_to(monkeypatch, "192.168.1.10")

    response = register(api, "https://hooks.partner.example/in")

    assert response.status_code == 400
    assert response.json()["errors"]["url"] == ["hooks.partner.example is not a public address."]


@pytest.mark.parametrize("url", ["https://localhost/", "https://no-such-name.invalid/"])
def test_a_refusal_tells_nothing_of_the_networks_names(api, settings, url):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False  # as in production

    response = register(api, url)

    assert response.status_code == 400
    (message,) = response.json()["errors"]["url"]
    assert message.endswith("is not a public address.")
    assert "127.0.0.1" not in message and "resolve" not in message


def test_a_public_address_written_in_an_ipv6_form_that_embeds_it_is_allowed():
    from myproject.webhooks.safety import is_public

    assert is_public("64:ff9b::5db8:d822")  # NAT64 of 93.184.216.34
    assert is_public("2606:4700::1111")
    assert not is_public("64:ff9b::7f00:1")  # NAT64 of 127.0.0.1
