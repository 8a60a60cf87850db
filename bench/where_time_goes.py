"""Where one endpoint's time goes, in-process, on the benchmark database.

    python bench/where_time_goes.py /api/v1/policies/ [/api/v1/search?name=an ...] [--requests 300]
    python bench/where_time_goes.py --spec endpoints.json     # what bench/run.py asks for

For each path: the mean time per request (unprofiled, through Django's full stack as gunicorn
would call it, minus gunicorn itself), then a cProfile of as many requests split into the
parts of the stack (authentication, throttle, the database, query building, model instances,
serializers, JSON, PDF) and the functions costing most. With --spec (a JSON file of
`{"token", "endpoints": [{"name", "method", "path", "body", "ids"}]}`), one JSON line per
endpoint instead; a path with `{id}` takes each of `ids` once. Reads the PostgreSQL database
that DATABASE_URL names (`bench`, which bench/run.py seeds, by default).
"""

import argparse
import cProfile
import io
import itertools
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Parts of a request, by the functions that contain them (cumulative time). They may nest
# (a query built while rendering counts in both), but seldom do.
PARTS = {
    "database round trips": ("psycopg/connection.py", "wait"),
    "authentication": ("customers/access.py", "authenticate_credentials"),
    "throttle": ("myproject/http/throttling.py", "allow_request"),
    "query building": ("django/db/models/sql/compiler.py", "as_sql"),
    "model instances": ("django/db/models/base.py", "from_db"),
    "serializers": ("rest_framework/serializers.py", "data"),
    "JSON": ("myproject/http/rendering.py", "render"),
    "PDF": ("policies/documents.py", "render"),
}


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench")
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "s" * 50)
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def requests_of(endpoint: dict):
    """Endless (method, path, body) for an endpoint; each id once, if it has ids."""
    ids = endpoint.get("ids")
    if not ids:
        return itertools.repeat((endpoint["method"], endpoint["path"], endpoint.get("body")))
    return (
        (endpoint["method"], endpoint["path"].replace("{id}", str(i)), endpoint.get("body"))
        for i in ids
    )


def send(client, request) -> int:
    method, path, body = request
    call = getattr(client, method.lower())
    if method != "GET":  # as wrk sends them: JSON, the body possibly empty
        return call(path, body or "", content_type="application/json").status_code
    return call(path).status_code


def profile(client, endpoint: dict, count: int) -> dict:
    """The mean time unprofiled, the share of each part, and the costliest functions."""
    stream = requests_of(endpoint)
    if not endpoint.get("ids"):
        for _ in range(30):  # warm connections and caches
            send(client, next(stream))
    else:
        count = min(count, len(endpoint["ids"]) // 2)
    started = time.perf_counter()
    statuses = [send(client, next(stream)) for _ in range(count)]
    mean = (time.perf_counter() - started) / max(count, 1) * 1000
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        send(client, next(stream))
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = max(row[3] for row in stats.stats.values())
    parts = {
        part: 100
        * sum(
            row[3]
            for (filename, _, name), row in stats.stats.items()
            if file_part in filename and name == function
        )
        / total
        for part, (file_part, function) in PARTS.items()
    }
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(8)
    costliest = [
        line.split(None, 5)[5][-90:]
        for line in out.getvalue().split("ncalls", 1)[1].splitlines()[1:9]
        if line.strip()
    ]
    return {"ms": mean, "statuses": sorted(set(statuses)), "parts": parts, "top": costliest}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--spec", help="a JSON file of endpoints (bench/run.py writes one)")
    args = parser.parse_args()
    setup()
    from django.test import Client
    from knox.models import AuthToken

    from customers.models import Partner

    if args.spec:
        spec = json.loads(Path(args.spec).read_text())
        client = Client(HTTP_AUTHORIZATION=f"Token {spec['token']}")
        for endpoint in spec["endpoints"]:
            result = profile(client, endpoint, min(args.requests, 200))
            print(json.dumps({"name": endpoint["name"], **result}), flush=True)
        return
    partner = Partner.objects.get(name="Demo Partner")
    instance, token = AuthToken.objects.create(user=partner.user, expiry=None)
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    try:
        for path in args.paths:
            result = profile(client, {"method": "GET", "path": path}, args.requests)
            print(f"\n{path} -> {result['statuses']}: {result['ms']:.2f} ms a request")
            for part, share in result["parts"].items():
                print(f"  {part:<34} {share:5.1f} %")
            print("  costliest functions (own time):")
            for line in result["top"]:
                print(f"    {line}")
    finally:
        instance.delete()


if __name__ == "__main__":
    main()
