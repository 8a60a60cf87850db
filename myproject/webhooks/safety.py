"""Where a webhook may be sent: never to this network's own machines (server-side request
forgery). A URL must be https on a public address; `WEBHOOKS_ALLOW_LOOPBACK` (local
development and tests) lets http://127.0.0.1:<port> and http://localhost:<port> through, and
nothing else. Checked when an endpoint is registered and again before each delivery, which
then connects to the very address checked, so a name cannot change its answer in between."""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

LOOPBACK_NAMES = {"127.0.0.1", "localhost"}


class UnsafeURL(ValueError):
    """A URL webhooks must not be sent to, and why."""


@dataclass(frozen=True)
class Target:
    """Where to connect: the address checked, and the name the request is for."""

    scheme: str
    host: str
    address: str
    port: int
    path: str


def resolve(url: str) -> Target:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL("Send a URL such as https://example.com/webhooks.") from exc
    host = (parts.hostname or "").lower()
    if parts.username or parts.password:
        raise UnsafeURL("A webhook URL carries no user name or password.")
    loopback = settings.WEBHOOKS_ALLOW_LOOPBACK and host in LOOPBACK_NAMES
    if loopback:
        if parts.scheme != "http" or port is None:
            raise UnsafeURL("A local webhook URL is http://127.0.0.1:<port>/...")
        return Target("http", host, "127.0.0.1", port, _path(parts))
    if parts.scheme != "https" or not host:
        raise UnsafeURL("A webhook URL must use https.")
    port = port or 443
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeURL(f"{host} does not resolve.") from exc
    addresses = {info[4][0] for info in found}
    for address in addresses:
        if not is_public(address):
            raise UnsafeURL(f"{host} resolves to {address}, which is not a public address.")
    return Target("https", host, sorted(addresses)[0], port, _path(parts))


def is_public(address: str) -> bool:
    """Routable on the internet: not private, loopback, link-local, shared, reserved or
    multicast, an IPv4 address written as IPv6 included."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _path(parts) -> str:
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
