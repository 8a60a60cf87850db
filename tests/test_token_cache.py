"""Authentication without a query: a token read once is kept in the shared cache, and
revoking it takes it out at once, on every node."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken

from customers.tests.factories import partner_token
from tests.helpers import client_with_token

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.django_db
def test_a_token_read_once_authenticates_without_a_query(partner, django_assert_num_queries):
    client = client_with_token(partner_token(partner))
    first = client.get("/api/v1/customers/")

    with django_assert_num_queries(2):  # the page: its count and its rows, no token
        again = client.get("/api/v1/customers/")

    assert (first.status_code, again.status_code) == (200, 200)


@pytest.mark.django_db
def test_a_revoked_token_is_refused_at_once(partner):
    token = partner_token(partner)
    client = client_with_token(token)
    assert client.get("/api/v1/customers/").status_code == 200  # now in the cache

    AuthToken.objects.filter(user=partner.user).delete()

    assert client.get("/api/v1/customers/").status_code == 401


@pytest.mark.django_db
def test_a_deactivated_partners_cached_token_is_refused_at_once(partner):
    client = client_with_token(partner_token(partner))
    assert client.get("/api/v1/customers/").status_code == 200

    partner.user.is_active = False
    partner.user.save()

    assert client.get("/api/v1/customers/").status_code == 401


@pytest.mark.django_db
def test_a_token_expiring_soon_is_kept_no_longer_than_it_lives(partner):
    instance, token = AuthToken.objects.create(user=partner.user, expiry=dt.timedelta(days=1))
    client = client_with_token(token)
    assert client.get("/api/v1/customers/").status_code == 200
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - dt.timedelta(1))

    # The cached copy still says a day; the database's expiry wins once the copy is gone,
    # and an expired token read is refused and deleted.
    from django.core.cache import cache

    cache.clear()
    assert client.get("/api/v1/customers/").status_code == 401
    assert not AuthToken.objects.filter(pk=instance.pk).exists()


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_token_revoked_on_another_node_is_refused_here_at_once(partner, settings):
    """Two processes sharing Redis, as two app nodes do: the other revokes the token (as
    admin does, deleting it); this one refuses it on its very next request."""
    url = "redis://127.0.0.1:6379/13"
    redis.Redis.from_url(url).flushdb()
    settings.CACHES = {"default": {"BACKEND": "myproject.cache.RedisCache", "LOCATION": url}}
    token = partner_token(partner)
    client = client_with_token(token)
    assert client.get("/api/v1/customers/").status_code == 200  # cached in Redis

    other_node = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from knox.models import AuthToken; AuthToken.objects.all().delete()",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": url},
        capture_output=True,
        text=True,
    )

    assert other_node.returncode == 0, other_node.stderr[-2000:]
    assert client.get("/api/v1/customers/").status_code == 401
    redis.Redis.from_url(url).flushdb()
