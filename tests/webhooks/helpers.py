"""What the webhooks tests share: registering an endpoint, selling through the API, what a
receiver got, and a name that resolves where a test says."""

import socket


def register(client, url: str, events=("*",)):
    return client.post("/api/v1/webhook-endpoints/", {"url": url, "events": events}, format="json")


def sell(client, customer, capture) -> dict:
    """Quote, accept and pay through the API; what each request commits is enqueued."""
    with capture(execute=True):
        quote = client.post(
            "/api/v1/quotes/", {"customer": customer.pk, "type": "personal-accident"}, format="json"
        ).json()
    with capture(execute=True):
        client.post(f"/api/v1/quotes/{quote['id']}/accept/")
    with capture(execute=True):
        return client.post(f"/api/v1/quotes/{quote['id']}/pay/").json()


def received(httpserver) -> list:
    return [request for request, _ in httpserver.log]


def resolving_to(monkeypatch, address: str):
    def fake(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
