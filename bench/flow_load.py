"""Drive the whole quote-to-policy flow from many threads against a running server.

Usage: python bench/flow_load.py --token TOKEN [--base http://127.0.0.1:8000] [--threads 16]
       [--seconds 20]

TOKEN is a partner's API token (`python manage.py create_partner NAME` prints one).

Only loopback addresses are accepted. Each thread repeats create customer -> quote ->
accept -> pay -> read policy -> history, plus a second pay of the same quote that must be
refused with 409. It stops after --seconds (or --flows per thread) and exits non-zero if any
response was a 5xx or an unexpected status. It prints flows per second and latency
percentiles; compare runs on one machine (e.g. SQLite and PostgreSQL, 1 and 3 workers).
"""

import argparse
import json
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


TOKEN = ""


def call(base: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict, float]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Token {TOKEN}"}
    if data:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(
        f"{base}/api/v1/{path}", data=data, method=method, headers=headers
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, payload = error.code, error.read()
    elapsed = time.perf_counter() - started
    try:
        return status, json.loads(payload or b"null"), elapsed
    except ValueError:
        return status, {}, elapsed


def flow(base: str, n: int, record) -> None:
    status, customer, t = call(
        base, "POST", "create_customer/", {"first_name": f"Load{n}", "last_name": "Test",
                                           "dob": "25-06-1991"})  # fmt: skip
    record("create_customer", status, 201, t)
    if status != 201:
        return
    status, quote, t = call(
        base, "POST", "quote/", {"customer_id": customer["id"], "type": "personal-accident"}
    )
    record("quote", status, 201, t)
    if status != 201:
        return
    quote_id = quote["id"]
    status, _, t = call(base, "POST", "quote/", {"quote_id": quote_id, "status": "accepted"})
    record("accept", status, 200, t)
    status, _, t = call(base, "POST", f"quotes/{quote_id}/pay/", {})
    record("pay", status, 200, t)
    status, _, t = call(base, "POST", f"quotes/{quote_id}/pay/", {})
    record("pay again", status, 409, t)
    status, _, t = call(base, "GET", f"policies/{quote_id}/")
    record("policy", status, 200, t)
    status, _, t = call(base, "GET", f"policies/{quote_id}/history/")
    record("history", status, 200, t)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--token", required=True, help="a partner's API token")
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--flows", type=int, default=200, help="at most this many per thread")
    args = parser.parse_args()
    if urlsplit(args.base).hostname not in LOOPBACK:
        parser.error("load tests only target this machine (127.0.0.1, localhost or ::1)")
    global TOKEN
    TOKEN = args.token

    lock = threading.Lock()
    outcomes: Counter = Counter()
    latencies: list[float] = []
    unexpected: list[str] = []
    flows_done = [0]
    deadline = time.monotonic() + args.seconds

    def record(step: str, status: int, expected: int, elapsed: float) -> None:
        with lock:
            outcomes[(step, status)] += 1
            latencies.append(elapsed)
            if status != expected:
                unexpected.append(f"{step}: {status} (expected {expected})")

    def worker(index: int) -> None:
        for round_ in range(args.flows):
            if time.monotonic() > deadline:
                return
            flow(args.base, index * 100_000 + round_, record)
            with lock:
                flows_done[0] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    for (step, status), count in sorted(outcomes.items()):
        print(f"{step:16} {status}  x{count}")
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
    print(
        f"{flows_done[0]} flows in {elapsed:.1f}s = {flows_done[0] / elapsed:.1f} flows/s; "
        f"latency p50 {quantiles[49] * 1000:.0f} ms, p99 {quantiles[98] * 1000:.0f} ms"
    )
    if unexpected:
        print(f"{len(unexpected)} unexpected responses, e.g. {unexpected[:5]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
