"""Reads from a real streaming replica (deploy/replica.sh makes one on port 5433; CI runs it):
a list comes from the replica, and a partner's own write is on its next read all the same.

The replica's replay is paused, so that what it serves is visibly behind the primary: a
list read from it misses the customer just written, unless the partner's reads are pinned
to the primary by its write.
"""

import json
import subprocess
import sys
import time
import urllib.request

import psycopg
import pytest
from serving_helpers import ROOT, free_port, node_env, wait_for_port
from serving_helpers import manage as run_manage

PRIMARY = "postgres://postgres@127.0.0.1:5432"
REPLICA = "postgres://postgres@127.0.0.1:5433"
DATABASE = "insurance_replica_test"


def sql(url: str, statement: str, *, database: str = "postgres"):
    with psycopg.connect(f"{url}/{database}", autocommit=True) as connection:
        cursor = connection.execute(statement)
        return cursor.fetchall() if cursor.description else None


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    """An app node on the primary with DATABASE_REPLICA_URL set, and a partner's token."""
    work = tmp_path_factory.mktemp("replica")
    sql(PRIMARY, f"DROP DATABASE IF EXISTS {DATABASE}")
    sql(PRIMARY, f"CREATE DATABASE {DATABASE}")
    port = free_port()
    env = node_env(
        work,
        DATABASE_URL=f"{PRIMARY}/{DATABASE}",
        DATABASE_REPLICA_URL=f"{REPLICA}/{DATABASE}",
        REPLICA_PIN_SECONDS="1",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
    )

    def manage(*args):
        return run_manage(env, *args)

    manage("migrate", "--noinput", "--verbosity", "0")
    token = manage("create_partner", "Replica test").splitlines()[-1]
    log = open(work / "gunicorn.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "myproject.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, server)
        yield port, token
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
        sql(REPLICA, "SELECT pg_wal_replay_resume()")
        sql(PRIMARY, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def call(port: int, token: str, method: str, path: str, body=None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/{path}",
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def listed(port: int, token: str) -> list[int]:
    return [customer["id"] for customer in call(port, token, "GET", "customers/")[1]["results"]]


def caught_up() -> None:
    """Wait until the replica has replayed everything the primary wrote."""
    (target,) = sql(PRIMARY, "SELECT pg_current_wal_lsn()::text")[0]
    for _ in range(100):
        replayed = sql(REPLICA, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")
        if replayed[0][0]:
            return
        time.sleep(0.1)
    raise TimeoutError("the replica did not catch up")


def test_lists_come_from_the_replica_and_a_partners_own_write_from_the_primary(node):
    port, token = node
    assert sql(REPLICA, "SELECT pg_is_in_recovery()")[0][0] is True  # a real standby
    caught_up()
    sql(REPLICA, "SELECT pg_wal_replay_pause()")  # from now on the replica lags

    status, customer = call(
        port,
        token,
        "POST",
        "customers/",
        {"first_name": "Ann", "last_name": "Lee", "dob": "01-02-1990"},
    )
    right_after = listed(port, token)  # pinned to the primary by the write
    time.sleep(1.5)  # REPLICA_PIN_SECONDS passes
    from_replica = listed(port, token)
    sql(REPLICA, "SELECT pg_wal_replay_resume()")
    caught_up()
    once_replayed = listed(port, token)

    assert status == 201
    assert customer["id"] in right_after  # read-your-writes
    assert customer["id"] not in from_replica  # the list came from the lagging replica
    assert customer["id"] in once_replayed
