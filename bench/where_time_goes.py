"""Where one endpoint's time goes, in-process, on the benchmark database.

    python bench/where_time_goes.py /api/v1/policies/ [/api/v1/search?name=an ...] [--requests 300]

For each path: the mean time per request (unprofiled, through Django's full stack as gunicorn
would call it, minus gunicorn itself), then a cProfile of as many requests split into the
parts of the stack (middleware, authentication, throttle, the view's queries, rendering) and
the functions costing most. Reads the PostgreSQL database `bench` that bench/run.py seeded.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Parts of a request, by the functions that contain them (cumulative time).
PARTS = {
    "database round trips": ("psycopg/connection.py", "wait"),
    "authentication (token)": ("customers/access.py", "authenticate_credentials"),
    "throttle": ("myproject/http/throttling.py", "allow_request"),
    "serializers (to_representation)": ("rest_framework/serializers.py", "data"),
    "JSON rendering": ("rest_framework/renderers.py", "render"),
    "query building (ORM)": ("django/db/models/sql/compiler.py", "as_sql"),
    "model instances": ("django/db/models/base.py", "from_db"),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench")
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "s" * 50)
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test import Client
    from knox.models import AuthToken

    from customers.models import Partner

    partner = Partner.objects.get(name="Demo Partner")
    instance, token = AuthToken.objects.create(user=partner.user, expiry=None)
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    try:
        for path in args.paths:
            profile_path(client, path, args.requests)
    finally:
        instance.delete()


def profile_path(client, path: str, count: int) -> None:
    for _ in range(30):  # warm connections and caches
        client.get(path)
    started = time.perf_counter()
    for _ in range(count):
        status = client.get(path).status_code
    mean = (time.perf_counter() - started) / count * 1000
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        client.get(path)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = max(row[3] for row in stats.stats.values())
    print(f"\n{path} -> {status}: {mean:.2f} ms a request (unprofiled)")
    for part, (file_part, function) in PARTS.items():
        spent = sum(
            row[3]
            for (filename, _, name), row in stats.stats.items()
            if file_part in filename and name == function
        )
        print(f"  {part:<34} {100 * spent / total:5.1f} %")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(8)
    body = out.getvalue().split("ncalls", 1)[1].splitlines()[1:9]
    print("  costliest functions (own time):")
    for line in body:
        if line.strip():
            fields = line.split(None, 5)
            print(f"    {fields[1]:>7} s  {fields[5][-90:]}")


if __name__ == "__main__":
    main()
