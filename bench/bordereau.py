"""The premium bordereau on a large book: memory that stays flat as the book grows, and
totals that are the payments table's, part by part.

    python bench/bordereau.py                          # 100,000 then 1,000,000 customers
    python bench/bordereau.py --sizes 10000 --reuse    # a database seeded already

For each size it seeds PostgreSQL as bench/run.py does (`seed_demo --customers N`, a database
per size, kept with --reuse), then writes the bordereau of the month with the most payments
with `manage.py bordereau` in a process of its own, measuring its peak resident memory (the
kernel's ru_maxrss) and time, and sums the lines it wrote against SQL sums over the payments
table. It prints a table and writes it to bench/BORDEREAU.md. Loopback only; never part of CI.
"""

import argparse
import csv
import datetime as dt
import io
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.run import ROOT, environment, seed, sql  # noqa: E402

PARTS = {"gross": "amount", "tax": "tax", "fees": "fees", "commission": "commission"}
# A month with no business: the command's own memory, to tell from what its lines add.
EMPTY_MONTH = "2001-01"


def busiest_month(env) -> str:
    ((month,),) = sql(
        env,
        "SELECT to_char(created_at, 'YYYY-MM') AS m FROM policies_payment "
        "GROUP BY m ORDER BY count(*) DESC LIMIT 1",
    )
    return month


def expected(env, month: str) -> dict[str, Decimal]:
    """The month's live money by the payments table: charges received less refunds."""
    sums = ", ".join(
        f"coalesce(sum(CASE WHEN p.kind = 'refund' THEN -p.{column} ELSE p.{column} END), 0)"
        for column in PARTS.values()
    )
    ((*values,),) = sql(
        env,
        f"SELECT {sums} FROM policies_payment p JOIN customers_partner c ON c.id = p.partner_id "
        f"WHERE to_char(p.created_at, 'YYYY-MM') = '{month}' AND NOT c.is_sandbox "
        "AND (p.kind = 'refund' OR p.status IN ('succeeded', 'partially_refunded', 'refunded'))",
    )
    return {name: Decimal(str(value)) for name, value in zip(PARTS, values, strict=True)}


# Runs the command with its output in a file, and prints the peak resident memory of the
# command alone (its own process's, not this script's or the seeding's).
MEASURE = """
import resource, subprocess, sys
with open(sys.argv[2], "w") as out:
    subprocess.run([sys.executable, "manage.py", "bordereau", "--month", sys.argv[1]],
                   check=True, stdout=out)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def write(env, month: str, workdir: Path) -> tuple[str, float, int]:
    """The bordereau as the command writes it, its seconds, and its peak RSS in KiB."""
    target = workdir / f"bordereau-{month}.csv"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, month, str(target)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - started
    return target.read_text(), seconds, int(result.stdout.split()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--port", type=int, default=8765)  # environment() asks for one
    args = parser.parse_args()
    rows = []
    for size in (int(n) for n in args.sizes.split(",")):
        database = f"bench_{size}" if size != 1_000_000 else "bench"
        env = environment(args, database)
        _, seeded = seed(env, args, database, size)
        month = busiest_month(env)
        with tempfile.TemporaryDirectory() as workdir:
            _, _, empty_kib = write(env, EMPTY_MONTH, Path(workdir))  # the process alone
            out, seconds, peak_kib = write(env, month, Path(workdir))
        lines = list(csv.DictReader(io.StringIO(out)))
        body = [line for line in lines if line["transaction"] != "total"]
        totals = {part: sum(Decimal(line[part]) for line in body) for part in PARTS}
        ties = totals == expected(env, month)
        rows.append(
            (size, month, len(body), seconds, empty_kib / 1024, peak_kib / 1024, ties, seeded)
        )
        print(rows[-1], flush=True)
    table = [
        "| customers | month | lines | seconds | peak MiB, empty month | peak MiB | totals tie "
        "| seeded |",
        "|---:|---|---:|---:|---:|---:|---|---|",
        *(
            f"| {size:,} | {month} | {count:,} | {seconds:.1f} | {empty:.0f} | {mib:.0f} | "
            f"{'yes' if ties else 'NO'} | {seeded} |"
            for size, month, count, seconds, empty, mib, ties, seeded in rows
        ),
    ]
    report = ROOT / "bench" / "BORDEREAU.md"
    report.write_text(
        "# The premium bordereau on a large book\n\n"
        f"Measured on {dt.date.today():%d-%m-%Y} by `python bench/bordereau.py` "
        "(`manage.py bordereau --month` of the busiest month, in its own process; peak "
        "memory is its maximum resident set). The totals tie when the lines' sums equal SQL "
        "sums over the month's live payments, part by part. The empty month's peak is the "
        "process with Django and a connection, before any line: what the lines add is the "
        "difference: the rows of one chunk (2,000, read by a server-side cursor) in memory at "
        "a time, so a month of fewer rows adds less and a longer month no more.\n\n"
        + "\n".join(table)
        + "\n"
    )
    print("\n".join(table))
    return 0 if all(row[6] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
