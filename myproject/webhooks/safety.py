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
    # One answer whether the name is unknown or points inside: saying which (or where) would
    # let a caller map this network's names and addresses.
    refused = UnsafeURL(f"{host} is not a public address.")
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise refused from exc
    addresses = {info[4][0] for info in found}
    if not all(is_public(address) for address in addresses):
        raise refused
    return Target("https", host, sorted(addresses)[0], port, _path(parts))


# IPv6 forms that carry an IPv4 address a gateway translates to: NAT64 (RFC 6052, and the
# local-use prefix of RFC 8215) and the deprecated IPv4-compatible addresses (::a.b.c.d).
# 6to4 (2002::/16) and Teredo (2001::/32) have their own accessors in `ipaddress`.
EMBEDDING_IPV4 = [
    ipaddress.ip_network("64:ff9b::/96"),
    ipaddress.ip_network("64:ff9b:1::/48"),
    ipaddress.ip_network("::/96"),
]


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address stands for, if it is one of the forms that embed
    one: a request to it reaches them."""
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)
    if any(ip in network for network in EMBEDDING_IPV4):
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return []


def is_public(address: str) -> bool:
    """Routable on the internet: not private, loopback, link-local, shared, reserved or
    multicast, whether written as IPv4 or as an IPv6 form that embeds an IPv4 address."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if not ip.is_global or ip.is_multicast:
        return False
    if ip.version == 6:
        return all(is_public(str(inner)) for inner in embedded_ipv4(ip))
    return True


def _path(parts) -> str:
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
