"""Behind PgBouncer in transaction mode (Debian's pgbouncer; CI installs it), with
DATABASE_POOLER=pgbouncer: a node's requests share a few server connections, statement by
transaction, and every flow still works (psycopg prepares no statements a transaction could
lose, no server-side cursors, no session locks)."""

import json
import os
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from serving_helpers import ROOT, free_port, node_env, wait_for_port
from serving_helpers import manage as run_manage

PGBOUNCER = "/usr/sbin/pgbouncer"
PRIMARY = "postgres://postgres@127.0.0.1:5432"
DATABASE = "insurance_pgbouncer_test"


def sql(statement: str):
    with psycopg.connect(f"{PRIMARY}/postgres", autocommit=True) as connection:
        connection.execute(statement)


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    work = tmp_path_factory.mktemp("pgbouncer")
    work.chmod(0o777)
    bouncer_port, app_port = free_port(), free_port()
    (work / "users.txt").write_text('"postgres" ""\n')
    (work / "pgbouncer.ini").write_text(
        "[databases]\n* = host=127.0.0.1 port=5432\n"
        f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {bouncer_port}\n"
        f"auth_type = trust\nauth_file = {work / 'users.txt'}\npool_mode = transaction\n"
        "default_pool_size = 2\nunix_socket_dir =\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
    )
    sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    sql(f"CREATE DATABASE {DATABASE}")
    env = node_env(
        work,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{bouncer_port}/{DATABASE}",
        DATABASE_POOLER="pgbouncer",
        CONN_MAX_AGE="60",
        GUNICORN_BIND=f"127.0.0.1:{app_port}",
        WEB_CONCURRENCY="3",
    )
    user = ["-u", "postgres"] if os.geteuid() == 0 else []  # it will not run as root
    bouncer = subprocess.Popen(
        [PGBOUNCER, *user, str(work / "pgbouncer.ini")],
        stdout=open(work / "pgbouncer.log", "w"),
        stderr=subprocess.STDOUT,
    )

    def manage(*args):
        return run_manage(env, *args)

    try:
        wait_for_port(bouncer_port, bouncer)
        manage("migrate", "--noinput", "--verbosity", "0")
        token = manage("create_partner", "PgBouncer test").splitlines()[-1]
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "myproject.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=open(work / "gunicorn.log", "w"),
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(app_port, server)
            yield app_port, token, manage
        finally:
            server.terminate()
            server.wait(timeout=10)
    finally:
        bouncer.terminate()
        bouncer.wait(timeout=10)
        sys.stdout.write((work / "gunicorn.log").read_text()[-3000:])
        sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def call(port, token, method, path, body=None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/{path}",
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def sell(port, token, n: int) -> int:
    _, customer = call(
        port,
        token,
        "POST",
        "customers/",
        {"first_name": "Pg", "last_name": f"B{n}", "dob": "01-02-1985"},
    )
    _, quote = call(
        port, token, "POST", "quotes/", {"customer": customer["id"], "type": "term-life"}
    )
    call(port, token, "POST", f"quotes/{quote['id']}/accept/")
    status, policy = call(port, token, "POST", f"quotes/{quote['id']}/pay/")
    assert status == 200
    for _ in range(6):  # the same statements again and again: psycopg would prepare them
        assert call(port, token, "GET", f"policies/{policy['id']}/")[0] == 200
        assert call(port, token, "GET", "events/")[0] == 200
    return policy["id"]


def test_every_flow_works_through_pgbouncer_in_transaction_mode(node):
    port, token, manage = node

    with ThreadPoolExecutor(4) as pool:
        policies = list(pool.map(lambda n: sell(port, token, n), range(12)))
    manage("run_periodic", "--once")  # the jobs, their lock skipped behind the pooler
    manage("purge_events")  # iterates without a server-side cursor

    assert len(set(policies)) == 12
    status, page = call(port, token, "GET", "policies/?page_size=100")
    assert status == 200 and page["count"] == 12
