"""Benchmark every endpoint against the fastest this stack serves, in the same run.

    python bench/run.py                       # seed 1,000,000 customers, then load everything
    python bench/run.py --reuse               # the database is seeded already
    python bench/run.py --customers 50000 --seconds 5   # a quick look

It (1) seeds PostgreSQL with `seed_demo --customers N` unless --reuse, (2) serves the app with
gunicorn (deploy/gunicorn.conf.py, 4 sync workers) on 127.0.0.1 under bench/settings.py, which
adds a bare Django read and insert to compare with, (3) loads each endpoint in turn with wrk
(`apt-get install wrk`; 2 threads, 16 connections, --seconds each) and (4) prints requests/s,
p50/p95/p99, SQL queries per request and the ratio to the bare view, and writes
bench/RESULTS.md with the machine and versions. Loopback only; it stops what it started.
Never part of CI: a full run takes about 10 minutes, most of it seeding.
"""

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def run(*args, env=None, capture=True) -> str:
    result = subprocess.run(args, cwd=ROOT, env=env, check=True, capture_output=capture, text=True)
    return result.stdout if capture else ""


def manage(env, *args) -> str:
    return run(PYTHON, "manage.py", *args, env=env)


def sql(env, query: str) -> list[tuple]:
    script = (
        "import json; from django.db import connection\n"
        "with connection.cursor() as c:\n"
        f"    c.execute({query!r}); print(json.dumps(c.fetchall(), default=str))"
    )
    return [tuple(row) for row in json.loads(manage(env, "shell", "-c", script).splitlines()[-1])]


def wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


def probe(base: str, method: str, path: str, token: str | None, body: str | None):
    """One request: its status and how many SQL queries it ran."""
    request = urllib.request.Request(
        base + path, method=method, data=body.encode() if body else None
    )
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        response = urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as error:
        response = error
    return response.status, int(response.headers.get("X-Queries", "0"))


def load(base, endpoint, *, token, seconds, connections, workdir) -> dict:
    env = {
        **os.environ,
        "BENCH_METHOD": endpoint["method"],
        "BENCH_PATH": endpoint["path"],
        "BENCH_THREADS": "2",
    }
    if endpoint.get("auth", True):
        env["BENCH_TOKEN"] = token
    if endpoint.get("body"):
        env["BENCH_BODY"] = endpoint["body"]
    if endpoint.get("ids"):
        ids_file = Path(workdir) / f"ids-{abs(hash(endpoint['name']))}.txt"
        ids_file.write_text("\n".join(str(i) for i in endpoint["ids"]) + "\n")
        env["BENCH_IDS"] = str(ids_file)
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(ROOT / "bench/wrk.lua"),
         base],
        env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    numbers = dict(re.findall(r"(\w+)=(\d+)", output.split("RESULT", 1)[1]))
    duration = int(numbers["duration_us"]) / 1e6
    return {
        "rps": int(numbers["requests"]) / duration,
        "p50": int(numbers["p50_us"]) / 1000,
        "p95": int(numbers["p95_us"]) / 1000,
        "p99": int(numbers["p99_us"]) / 1000,
        "failed": int(numbers["non2xx"]) + int(numbers["errors"]),
        "requests": int(numbers["requests"]),
    }


def versions(env) -> dict:
    import django
    import rest_framework

    server = sql(env, "SHOW server_version")[0][0]
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    cpu = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if "model name" in line),
        platform.processor(),
    )
    return {
        "machine": f"{os.cpu_count()} vCPUs ({cpu}), "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB",
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "DRF": rest_framework.VERSION,
        "PostgreSQL": server,
        "gunicorn": run(PYTHON, "-m", "gunicorn", "--version").strip(),
        "wrk": (wrk.stdout or wrk.stderr).split("\n")[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="bench", help="PostgreSQL database (recreated)")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep the seeded database")
    parser.add_argument("--seconds", type=int, default=10, help="per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--output", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")

    url = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "SECRET_KEY": "bench-only-" + "s" * 50,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "WEB_CONCURRENCY": "4",
        "GUNICORN_BIND": f"127.0.0.1:{args.port}",
        "LOG_LEVEL": "warning",
        "PYTHONPATH": str(ROOT),
    }
    # Throttle counts in Redis, as in production (one round trip a request).
    env["REDIS_URL"] = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")
    if not args.reuse:
        admin = "postgres://postgres@127.0.0.1:5432/postgres"
        for statement in (
            f"DROP DATABASE IF EXISTS {args.database}",
            f"CREATE DATABASE {args.database}",
        ):
            run("psql", admin, "-q", "-c", statement)
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        print(f"Seeding {args.customers:,} customers ...", flush=True)
        started = time.monotonic()
        token = manage(env, "seed_demo", "--customers", str(args.customers)).splitlines()[-1]
        seeded = f"{time.monotonic() - started:.0f} s"
    else:
        token = manage(env, "create_partner", "Demo Partner").splitlines()[-1]
        seeded = "reused"
    run("psql", url, "-q", "-c", "VACUUM ANALYZE")  # as autovacuum would have by now
    sizes = dict(
        sql(env, "SELECT 'customers', count(*) FROM customers_customer UNION ALL "
                 "SELECT 'quotes', count(*) FROM quotes_quote UNION ALL "
                 "SELECT 'policies', count(*) FROM policies_policy UNION ALL "
                 "SELECT 'history rows', (SELECT count(*) FROM quotes_historicalquote) + "
                 "(SELECT count(*) FROM policies_historicalpolicy) + "
                 "(SELECT count(*) FROM policies_historicalpayment) + "
                 "(SELECT count(*) FROM customers_historicalcustomer)")
    )  # fmt: skip
    partner = sql(env, "SELECT id FROM customers_partner WHERE name = 'Demo Partner'")[0][0]
    customer = sql(env, f"SELECT min(id) FROM customers_customer WHERE partner_id = {partner}")[0][
        0
    ]
    policy = sql(
        env,
        f"SELECT max(quote_id) FROM policies_policy WHERE partner_id = {partner} "
        "AND state = 'active'",
    )[0][0]
    open_quotes = {
        state: [row[0] for row in sql(
            env,
            f"SELECT id FROM quotes_quote WHERE partner_id = {partner} AND state = '{state}' "
            "AND valid_until > now() + interval '1 hour' ORDER BY id LIMIT 40000",
        )]
        for state in ("quoted", "accepted")
    }  # fmt: skip
    ben = json.dumps({"first_name": "Ben", "last_name": "Stokes", "dob": "25-06-1991"})
    reads = [
        {
            "name": "bare Django GET by pk (baseline)",
            "method": "GET",
            "path": f"/bench/bare/{customer}/",
            "auth": False,
            "baseline": True,
        },
        {"name": "GET customers/<id>/", "path": f"/api/v1/customers/{customer}/"},
        {"name": "GET quotes/<id>/", "path": f"/api/v1/quotes/{policy}/"},
        {"name": "GET policies/<id>/", "path": f"/api/v1/policies/{policy}/"},
        {"name": "GET policies/<id>/history/", "path": f"/api/v1/policies/{policy}/history/"},
        {"name": "GET search?dob=", "path": "/api/v1/search?dob=25-06-1991"},
        {"name": "GET search?name=an", "path": "/api/v1/search?name=an"},
        {"name": "GET search?policy_type=", "path": "/api/v1/search?policy_type=term-life"},
        {"name": "GET policies/ first page", "path": "/api/v1/policies/"},
        {"name": "GET policies/?page=2000", "path": "/api/v1/policies/?page=2000"},
    ]
    writes = [
        {"name": "bare Django insert (baseline)", "method": "POST",
         "path": "/bench/bare-insert/", "auth": False, "baseline": True},
        {"name": "POST create_customer", "method": "POST", "path": "/api/v1/create_customer",
         "body": ben},
        {"name": "POST quotes/", "method": "POST", "path": "/api/v1/quotes/",
         "body": json.dumps({"customer": customer, "type": "personal-accident"})},
        {"name": "POST quotes/<id>/accept/", "method": "POST",
         "path": "/api/v1/quotes/{id}/accept/", "ids": open_quotes["quoted"]},
        {"name": "POST quotes/<id>/pay/", "method": "POST", "path": "/api/v1/quotes/{id}/pay/",
         "ids": open_quotes["accepted"]},
    ]  # fmt: skip

    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "myproject.wsgi"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    rows = []
    try:
        wait_until_up(base + "/api/v1/")
        with tempfile.TemporaryDirectory() as workdir:
            for group in (reads, writes):
                baseline = None
                for endpoint in group:
                    endpoint.setdefault("method", "GET")
                    probe_path = endpoint["path"].replace("{id}", str(endpoint.get("ids", [0])[-1]))
                    status, queries = probe(
                        base, endpoint["method"], probe_path,
                        token if endpoint.get("auth", True) else None, endpoint.get("body"),
                    )  # fmt: skip
                    if endpoint.get("ids"):
                        endpoint["ids"] = endpoint["ids"][:-1]  # the probe used the last
                    warm = load(
                        base,
                        endpoint,
                        token=token,
                        seconds=2,
                        connections=args.connections,
                        workdir=workdir,
                    )  # fmt: skip  (warm the workers' caches and connections; not counted)
                    if endpoint.get("ids"):
                        endpoint["ids"] = endpoint["ids"][warm["requests"] + 64 :]
                    result = load(
                        base, endpoint, token=token, seconds=args.seconds,
                        connections=args.connections, workdir=workdir,
                    )  # fmt: skip
                    baseline = baseline or result["rps"]
                    row = {"name": endpoint["name"], "status": status, "queries": queries,
                           "ratio": result["rps"] / baseline, "write": group is writes,
                           **result}  # fmt: skip
                    rows.append(row)
                    print(
                        f"{row['name']:<34} {row['rps']:8.0f} req/s  p50 {row['p50']:6.1f}  "
                        f"p95 {row['p95']:6.1f}  p99 {row['p99']:6.1f} ms  "
                        f"{queries} queries  x{row['ratio']:.2f}  {row['failed']} failed",
                        flush=True,
                    )
    finally:
        server.terminate()
        server.wait(timeout=30)
    write_results(args, rows, sizes, seeded, versions(env))
    return 0


def write_results(args, rows, sizes, seeded, versions) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python bench/run.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
        f" ({seeded} to seed). Each endpoint: wrk, 2 threads, {args.connections} connections, "
        f"{args.seconds} s; gunicorn with deploy/gunicorn.conf.py, 4 sync workers; wrk, "
        "gunicorn and PostgreSQL share the machine. Ratio: requests/s over the bare view's (reads) "
        "or the bare insert's (writes), in the same run.",
        "",
        "Data: " + ", ".join(f"{int(count):,} {name}" for name, count in sizes.items()) + ".",
        "",
        "| endpoint | req/s | p50 / p95 / p99 ms | SQL queries | ratio | target | failed |",
        "|---|---:|---:|---:|---:|---|---:|",
    ]
    for row in rows:
        target = 0.35 if row["write"] else 0.5
        baseline = row["name"].startswith("bare")
        met = "baseline" if baseline else (
            "met" if row["ratio"] >= target and (row["write"] or row["p95"] < 50) else "missed"
        )  # fmt: skip
        lines.append(
            f"| {row['name']} | {row['rps']:,.0f} | {row['p50']:.1f} / {row['p95']:.1f} / "
            f"{row['p99']:.1f} | {row['queries']} | {row['ratio']:.2f} | {met} | {row['failed']} |"
        )
    lines += ["", "Machine and versions:", ""]
    lines += [f"- {name}: {value}" for name, value in versions.items()]
    existing = Path(args.output).read_text() if Path(args.output).exists() else ""
    analysis = existing.split("<!-- analysis -->", 1)[1] if "<!-- analysis -->" in existing else ""
    Path(args.output).write_text("\n".join(lines) + "\n\n<!-- analysis -->" + (analysis or "\n"))
    print(f"Wrote {args.output}")


if __name__ == "__main__":
    sys.exit(main())
