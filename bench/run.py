"""Benchmark every endpoint against the fastest this stack serves, in the same run.

    python bench/run.py                       # seed 1,000,000 customers, then load everything
    python bench/run.py --reuse               # the database is seeded already
    python bench/run.py --sizes 10000,100000,1000000   # the same at each size: the ratios as
                                              # the book grows (a database per size)
    python bench/run.py --pool 4              # and the reads again with DATABASE_POOL_SIZE=4
    python bench/run.py --customers 50000 --seconds 5   # a quick look

For each size it (1) seeds PostgreSQL with `seed_demo --customers N` (and 100,000 events in
the demo partner's feed) unless --reuse finds it seeded, (2) serves the app with gunicorn
(deploy/gunicorn.conf.py, 4 sync workers) on 127.0.0.1 under bench/settings.py, which adds a
bare Django read and insert to compare with, (3) loads each endpoint in turn with wrk
(`apt-get install wrk`; 2 threads, 16 connections, --seconds each), and (4) prints
requests/s, p50/p95/p99, SQL statements per request and the ratio to the bare view. For the
largest size it then profiles each endpoint in-process (bench/where_time_goes.py) and writes
bench/RESULTS.md: that size's table, where each request's time goes, and the ratios at every
size. Loopback only; it stops what it started. Never part of CI: a full run at three sizes
takes about half an hour, a quarter of it seeding.
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
FEED_EVENTS = 100_000


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
    """One request: its status and how many SQL statements it ran."""
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
        "first_failure": int(numbers["first_failure"]),
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


def environment(args, database: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "SECRET_KEY": "bench-only-" + "s" * 50,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "WEB_CONCURRENCY": "4",
        "GUNICORN_BIND": f"127.0.0.1:{args.port}",
        "LOG_LEVEL": "warning",
        "PYTHONPATH": str(ROOT),
        # Throttle counts and the token cache in Redis, as in production.
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"),
    }
    env.pop("DATABASE_POOL_SIZE", None)
    return env


def seed(env, args, database: str, customers: int) -> tuple[str, str]:
    """The database seeded with `customers` customers (kept if --reuse finds it so) and a
    token of the demo partner; and how long seeding took."""
    admin = "postgres://postgres@127.0.0.1:5432/postgres"
    exists = run("psql", admin, "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{database}'")
    if args.reuse and exists.strip():
        token = manage(env, "create_partner", "Demo Partner").splitlines()[-1]
        seed_feed(env)
        return token, "reused"
    for statement in (f"DROP DATABASE IF EXISTS {database}", f"CREATE DATABASE {database}"):
        run("psql", admin, "-q", "-c", statement)
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    print(f"Seeding {customers:,} customers into {database} ...", flush=True)
    started = time.monotonic()
    token = manage(env, "seed_demo", "--customers", str(customers)).splitlines()[-1]
    seed_feed(env)
    run("psql", env["DATABASE_URL"], "-q", "-c", "VACUUM ANALYZE")  # as autovacuum would have
    return token, f"{time.monotonic() - started:.0f} s"


def seed_feed(env) -> None:
    """The demo partner's events feed with at least FEED_EVENTS events, each carrying a
    policy as the API renders it (what a busy partner's feed holds)."""
    script = f"""
import json
from django.db import connection
from customers.models import Partner
from policies.selectors import policies_for_reading, ready_to_render
from policies.serializers import PolicySerializer
from myproject.webhooks.models import Event, FeedPosition
partner = Partner.objects.get(name="Demo Partner")
missing = {FEED_EVENTS} - Event.objects.filter(owner_id=partner.user_id).count()
if missing > 0:
    policy = ready_to_render([policies_for_reading().filter(partner=partner)[0]])[0]
    data = json.dumps(PolicySerializer(policy).data)
    feed, _ = FeedPosition.objects.get_or_create(owner_id=partner.user_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO myproject_event (position, uid, type, owner_id, created, data) "
            "SELECT %s + n, 'evt_' || substr(md5(random()::text || n::text), 1, 24), "
            "'policy.issued', %s, now(), %s::jsonb FROM generate_series(1, %s) n",
            [feed.last, partner.user_id, data, missing],
        )
    FeedPosition.objects.filter(pk=feed.pk).update(last=feed.last + missing)
"""
    manage(env, "shell", "-c", script)


def top_up(env, needed: int) -> None:
    """Enough open quotes, accepted quotes and term-life policies for the writes that use
    each once (a small book has too few), made by the services as the API would."""
    script = f"""
from django.db import transaction
from django.utils import timezone
from customers.models import Customer, Partner
from policies.models import Policy
from policies.services import policy_issue
from quotes.models import Product, Quote
from quotes.services import quote_accept, quote_create
partner = Partner.objects.get(name="Demo Partner")
people = list(Customer.objects.filter(partner=partner, dob__year__gte=1970, dob__year__lte=1990)
              .values_list("pk", flat=True)[:500])
open_quotes = Quote.objects.filter(partner=partner, valid_until__gt=timezone.now())
products = {{p.code: p for p in Product.objects.all()}}
def make(code, state, count):
    for n in range(max(count, 0)):
        with transaction.atomic():
            customer = Customer.objects.get(pk=people[n % len(people)])
            quote = quote_create(customer=customer, product=products[code])
            if state != "quoted":
                quote_accept(quote_id=quote.pk)
            if state == "issued":
                policy_issue(quote_id=quote.pk)
make("personal-accident", "quoted", {needed} - open_quotes.filter(state="quoted").count())
make("personal-accident", "accepted", {needed} - open_quotes.filter(state="accepted").count())
term_life = Policy.objects.filter(partner=partner, state="active", product__code="term-life")
make("term-life", "issued", {needed} - term_life.count())
"""
    manage(env, "shell", "-c", script)


def endpoints(env) -> tuple[list, list]:
    """The reads and the writes to load, with ids from the seeded book."""
    partner = sql(env, "SELECT id FROM customers_partner WHERE name = 'Demo Partner'")[0][0]
    customer = sql(env, f"SELECT min(id) FROM customers_customer WHERE partner_id = {partner}")
    customer = customer[0][0]

    def active(product: str, limit: int, offset: int = 0, where: str = "TRUE") -> list[int]:
        return [row[0] for row in sql(
            env,
            f"SELECT p.quote_id FROM policies_policy p JOIN quotes_product r "
            f"ON r.id = p.product_id WHERE p.partner_id = {partner} AND p.state = 'active' "
            f"AND p.cancelled_on IS NULL AND p.end_date > now() + interval '60 days' "
            f"AND r.code = '{product}' AND {where} "
            f"ORDER BY p.quote_id DESC LIMIT {limit} OFFSET {offset}",
        )]  # fmt: skip

    policy = active("personal-accident", 1)[0]
    policies = sql(env, f"SELECT count(*) FROM policies_policy WHERE partner_id = {partner}")
    far_page = max(1, min(2000, policies[0][0] // 40))  # half way through, 2000 at 1M
    documents = active("personal-accident", 8000, offset=1)
    endorsed = active("term-life", 8000, where="p.cover <> 600000")  # not yet endorsed
    open_quotes = {
        state: [row[0] for row in sql(
            env,
            f"SELECT id FROM quotes_quote WHERE partner_id = {partner} AND state = '{state}' "
            "AND valid_until > now() + interval '1 hour' ORDER BY id LIMIT 40000",
        )]
        for state in ("quoted", "accepted")
    }  # fmt: skip
    ben = json.dumps({"first_name": "Ben", "last_name": "Stokes", "dob": "25-06-1991"})
    ahead = time.strftime("%d-%m-%Y", time.gmtime(time.time() + 20 * 86400))
    reads = [
        {
            "name": "bare Django GET by pk (baseline)",
            "path": f"/bench/bare/{customer}/",
            "auth": False,
            "baseline": True,
        },
        {"name": "GET customers/<id>/", "path": f"/api/v1/customers/{customer}/"},
        {"name": "GET quotes/<id>/", "path": f"/api/v1/quotes/{policy}/"},
        {"name": "GET policies/<id>/", "path": f"/api/v1/policies/{policy}/"},
        {"name": "GET policies/<id>/history/", "path": f"/api/v1/policies/{policy}/history/"},
        {
            "name": "GET policies/<id>/cancellation-quote/",
            "path": f"/api/v1/policies/{policy}/cancellation-quote/?effective_date={ahead}",
        },
        {
            "name": "GET policies/<id>/endorsement-quote/",
            "path": f"/api/v1/policies/{policy}/endorsement-quote/?cover=60000.00",
        },
        {
            "name": "GET policies/<id>/document/ (cached)",
            "path": f"/api/v1/policies/{policy}/document/",
        },
        {
            "name": "GET policies/<id>/document/ (made)",
            "path": "/api/v1/policies/{id}/document/",
            "ids": documents,
        },
        {"name": "GET search?dob=", "path": "/api/v1/search?dob=25-06-1991", "list": True},
        {"name": "GET search?name=an", "path": "/api/v1/search?name=an", "list": True},
        {
            "name": "GET search?policy_type=",
            "path": "/api/v1/search?policy_type=term-life",
            "list": True,
        },
        {"name": "GET policies/ first page", "path": "/api/v1/policies/", "list": True},
        {
            "name": "GET policies/?page= half way (2000 at 1M)",
            "path": f"/api/v1/policies/?page={far_page}",
            "list": True,
        },
        {"name": "GET events/ first page", "path": "/api/v1/events/", "list": True},
    ]
    writes = [
        {"name": "bare Django insert (baseline)", "method": "POST",
         "path": "/bench/bare-insert/", "auth": False, "baseline": True},
        {"name": "POST create_customer", "method": "POST", "path": "/api/v1/create_customer",
         "body": ben},
        {"name": "POST quotes/", "method": "POST", "path": "/api/v1/quotes/",
         "body": json.dumps({"customer": customer, "type": "personal-accident"})},
        {"name": "POST offers/ (3 quotes)", "method": "POST", "path": "/api/v1/offers/",
         "body": json.dumps({"customer": customer})},
        {"name": "POST quotes/<id>/accept/", "method": "POST",
         "path": "/api/v1/quotes/{id}/accept/", "ids": open_quotes["quoted"]},
        {"name": "POST quotes/<id>/pay/", "method": "POST", "path": "/api/v1/quotes/{id}/pay/",
         "ids": open_quotes["accepted"]},
        {"name": "POST policies/<id>/endorse/", "method": "POST",
         "path": "/api/v1/policies/{id}/endorse/", "ids": endorsed,
         "body": json.dumps({"cover": "600000.00"})},
    ]  # fmt: skip
    for endpoint in reads + writes:
        endpoint.setdefault("method", "GET")
    return reads, writes


def serve(env):
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "myproject.wsgi"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return server


def measure(args, env, groups, token, label="") -> list[dict]:
    """Each endpoint of each group under load, its ratio to the group's first (baseline).

    The baseline is loaded first and again last, and the faster of the two counts: on a
    shared machine a slow moment under the baseline would flatter every ratio after it."""
    base = f"http://127.0.0.1:{args.port}"
    server = serve(env)
    rows = []
    try:
        wait_until_up(base + "/api/v1/")
        with tempfile.TemporaryDirectory() as workdir:
            for group in groups:
                measured = [one(args, base, endpoint, token, workdir) for endpoint in group]
                again = one(args, base, group[0], token, workdir)
                baseline = measured[0]
                if again["rps"] > baseline["rps"]:
                    measured[0] = baseline = again
                for row in measured:
                    row["ratio"] = row["rps"] / baseline["rps"]
                    print(
                        f"{label}{row['name']:<42} {row['status']} {row['rps']:8.0f} req/s"
                        f"  p50 {row['p50']:6.1f}  p95 {row['p95']:6.1f}  p99 {row['p99']:6.1f} ms"
                        f"  {row['queries']} SQL"
                        f"  x{row['ratio']:.2f}  {row['failed']} failed"
                        + (f" (first: {row['first_failure']})" if row["failed"] else ""),
                        flush=True,
                    )
                rows += measured
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rows


def one(args, base, endpoint, token, workdir) -> dict:
    ids = endpoint.get("ids")
    probe_path = endpoint["path"].replace("{id}", str(ids[-1] if ids else 0))
    status, queries = probe(
        base, endpoint["method"], probe_path,
        token if endpoint.get("auth", True) else None, endpoint.get("body"),
    )  # fmt: skip
    loaded = dict(endpoint, ids=ids[:-1] if ids else None)
    warm = load(
        base, loaded, token=token, seconds=2, connections=args.connections, workdir=workdir
    )  # warms the workers' caches and connections; not counted
    if ids:  # each id once, while they last (a small book has few)
        loaded["ids"] = loaded["ids"][warm["requests"] + 64 :] or ids[-2:-1]
        endpoint["unused_ids"] = loaded["ids"][-400:]  # for the profile
    result = load(
        base, loaded, token=token, seconds=args.seconds, connections=args.connections,
        workdir=workdir,
    )  # fmt: skip
    if ids:
        endpoint["unused_ids"] = loaded["ids"][result["requests"] + 64 :][-400:]
    if endpoint.get("list"):  # its latency at what nginx lets one partner have in flight
        result["p95_at_limit"] = load(
            base, loaded, token=token, seconds=args.seconds,
            connections=args.partner_connections, workdir=workdir,
        )["p95"]  # fmt: skip
    return {
        "name": endpoint["name"],
        "status": status,
        "queries": queries,
        "write": endpoint["method"] != "GET",
        "list": endpoint.get("list", False),
        **result,
    }


def breakdown(env, groups, token) -> dict:
    """Where each endpoint's time goes, profiled in-process (bench/where_time_goes.py)."""
    specs = []
    for endpoint in (e for group in groups for e in group if not e.get("baseline")):
        spec = {k: endpoint.get(k) for k in ("name", "method", "path", "body")}
        if endpoint.get("ids"):
            spec["ids"] = endpoint.get("unused_ids") or []
        specs.append(spec)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as spec_file:
        json.dump({"token": token, "endpoints": specs}, spec_file)
    try:
        output = run(PYTHON, "bench/where_time_goes.py", "--spec", spec_file.name, env=env)
    finally:
        os.unlink(spec_file.name)
    rows = (json.loads(line) for line in output.splitlines() if line.startswith("{"))
    return {row["name"]: row for row in rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="bench", help="PostgreSQL database (recreated)")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--sizes", help="comma-separated customer counts, e.g. 10000,100000")
    parser.add_argument("--reuse", action="store_true", help="keep a database seeded already")
    parser.add_argument("--seconds", type=int, default=10, help="per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--partner-connections",
        type=int,
        default=4,
        help="lists' p95 again at this many (deploy/nginx.conf's limit_conn per partner)",
    )
    parser.add_argument("--pool", type=int, default=0, help="reads again with a pool this big")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--output", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    sizes = [int(n) for n in args.sizes.split(",")] if args.sizes else [args.customers]

    by_size = {}
    for size in sizes:
        database = args.database if size == sizes[-1] else f"{args.database}_{size}"
        env = environment(args, database)
        token, seeded = seed(env, args, database, size)
        top_up(env, needed=5000)
        reads, writes = endpoints(env)
        rows = measure(args, env, [reads, writes], token, label=f"{size:>9,}  ")
        by_size[size] = rows
    largest = sizes[-1]
    sizes_found = dict(
        sql(env, "SELECT 'customers', count(*) FROM customers_customer UNION ALL "
                 "SELECT 'quotes', count(*) FROM quotes_quote UNION ALL "
                 "SELECT 'policies', count(*) FROM policies_policy UNION ALL "
                 "SELECT 'payments', count(*) FROM policies_payment UNION ALL "
                 "SELECT 'events', count(*) FROM myproject_event UNION ALL "
                 "SELECT 'history rows', (SELECT count(*) FROM quotes_historicalquote) + "
                 "(SELECT count(*) FROM policies_historicalpolicy) + "
                 "(SELECT count(*) FROM policies_historicalpayment) + "
                 "(SELECT count(*) FROM customers_historicalcustomer)")
    )  # fmt: skip
    pooled = []
    if args.pool:
        pooled_env = dict(env, DATABASE_POOL_SIZE=str(args.pool))
        pooled = measure(args, pooled_env, [reads], token, label=f"pool {args.pool}  ")
    parts = breakdown(env, [reads, writes], token)
    write_results(
        args, by_size[largest], sizes_found, seeded, versions(env), parts, by_size, pooled
    )
    return 0


def verdict(row) -> str:
    if row["name"].startswith("bare"):
        return "baseline"
    met = row["ratio"] >= (0.35 if row["write"] else 0.5)
    if row["list"]:
        met = row["p95_at_limit"] < 50
    return "met" if met and row["failed"] == 0 else "missed"


def write_results(args, rows, sizes, seeded, versions, parts, by_size, pooled) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python bench/run.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
        f" ({seeded} to seed). Each endpoint: wrk, 2 threads, {args.connections} connections, "
        f"{args.seconds} s; gunicorn with deploy/gunicorn.conf.py, 4 sync workers; wrk, "
        "gunicorn and PostgreSQL share the machine. Ratio: requests/s over the bare view's (reads) "
        "or the bare insert's (writes), in the same run, each baseline loaded first and last "
        "and the faster counted. Targets: reads 0.5x, writes 0.35x, "
        f"lists and search p95 under 50 ms with {args.partner_connections} requests in flight, "
        "the most deploy/nginx.conf lets one partner have (at 16, p95 is mostly the time "
        "waiting for one of the 4 workers).",
        "",
        "Data: " + ", ".join(f"{int(count):,} {name}" for name, count in sizes.items()) + ".",
        "",
        f"| endpoint | req/s | p50 / p95 / p99 ms | p95 ms at {args.partner_connections} | SQL "
        "| ratio | target | failed |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for row in rows:
        at_limit = f"{row['p95_at_limit']:.1f}" if "p95_at_limit" in row else ""
        lines.append(
            f"| {row['name']} | {row['rps']:,.0f} | {row['p50']:.1f} / {row['p95']:.1f} / "
            f"{row['p99']:.1f} | {at_limit} | {row['queries']} | {row['ratio']:.2f} | "
            f"{verdict(row)} | {row['failed']} |"
        )
    if parts:
        names = list(next(iter(parts.values()))["parts"])
        lines += [
            "",
            "## Where the time goes",
            "",
            "In-process (bench/where_time_goes.py, no gunicorn): the mean per request "
            "unprofiled, then the share of profiled time in each part; the rest is Django's "
            "and DRF's own work (middleware, routing, negotiation, the view) and Python.",
            "",
            "| endpoint | ms | " + " | ".join(names) + " | the rest |",
            "|---|---:|" + "---:|" * (len(names) + 1),
        ]
        for name, row in parts.items():
            shares = " | ".join(f"{row['parts'][part]:.0f} %" for part in names)
            rest = max(0.0, 100 - sum(row["parts"].values()))
            answered = "" if row["statuses"][-1] < 300 else f" (answered {row['statuses']})"
            lines.append(f"| {name}{answered} | {row['ms']:.2f} | {shares} | {rest:.0f} % |")
    if len(by_size) > 1:
        sizes_list = list(by_size)
        lines += [
            "",
            "## As the book grows",
            "",
            "The ratio to the bare view (for lists, and their p95 ms at the partner's limit), each "
            "size its own database and run.",
            "",
            "| endpoint | " + " | ".join(f"{size:,} customers" for size in sizes_list) + " |",
            "|---|" + "---:|" * len(sizes_list),
        ]
        for index, row in enumerate(by_size[sizes_list[-1]]):
            cells = []
            for size in sizes_list:
                other = by_size[size][index]
                cell = f"{other['ratio']:.2f}"
                if other["list"]:
                    cell += f" ({other['p95_at_limit']:.0f} ms)"
                cells.append(cell)
            lines.append(f"| {row['name']} | " + " | ".join(cells) + " |")
    if pooled:
        lines += [
            "",
            f"## A psycopg pool (DATABASE_POOL_SIZE={args.pool}) against CONN_MAX_AGE",
            "",
            "| endpoint | req/s, persistent connection | req/s, pool | p95 ms, pool |",
            "|---|---:|---:|---:|",
        ]
        for plain, pool in zip(rows, pooled, strict=False):
            lines.append(
                f"| {plain['name']} | {plain['rps']:,.0f} | {pool['rps']:,.0f} | "
                f"{pool['p95']:.1f} |"
            )
    lines += ["", "Machine and versions:", ""]
    lines += [f"- {name}: {value}" for name, value in versions.items()]
    existing = Path(args.output).read_text() if Path(args.output).exists() else ""
    analysis = existing.split("<!-- analysis -->", 1)[1] if "<!-- analysis -->" in existing else ""
    Path(args.output).write_text("\n".join(lines) + "\n\n<!-- analysis -->" + (analysis or "\n"))
    print(f"Wrote {args.output}")


if __name__ == "__main__":
    sys.exit(main())
