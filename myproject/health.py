"""Probes for the engineer on call and the orchestrator: is the process alive, can it serve?

- `GET /healthz`: the process answers; it touches nothing else (a liveness probe: failing it
  means restart the process).
- `GET /readyz`: the database answers and every migration is applied (a readiness probe:
  failing it means send no traffic here yet). With REDIS_URL the cache is checked too: while
  it is down the node still serves (throttles fail open), so it reads `degraded`, 200, unless
  THROTTLE_FAIL_CLOSED makes every request a 503, when the probe is a 503 too. Each check is
  named in the body; it recovers by itself when what failed comes back.

Both are public, answer `application/json`, are never cached, and carry no personal data.
"""

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

# Once every migration has been found applied, it stays so until the next deploy restarts us.
_migrations_applied = False


def _database(alias: str = "default") -> str:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        connections[alias].close()  # the next probe opens a fresh connection
        return "unreachable"
    return "ok"


def _migrations(alias: str = "default") -> str:
    global _migrations_applied
    if not _migrations_applied:
        try:
            executor = MigrationExecutor(connections[alias])
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError:
            return "unknown"
        if plan:
            return f"{len(plan)} pending"
        _migrations_applied = True
    return "ok"


def _cache() -> str:
    try:
        cache = caches["default"]
        cache.set("readyz", "1", timeout=10)
        return "ok" if cache.get("readyz") == "1" else "unreachable"
    except Exception:  # any client error means the same thing here: not ready
        return "unreachable"


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    checks = {"database": _database()}
    checks["migrations"] = _migrations() if checks["database"] == "ok" else "unknown"
    ready = all(value == "ok" for value in checks.values())
    if settings.REDIS_URL:
        checks["cache"] = _cache()
        if checks["cache"] != "ok" and settings.THROTTLE_FAIL_CLOSED:
            ready = False
    if not ready:
        status = "unavailable"
    else:
        status = "ok" if all(value == "ok" for value in checks.values()) else "degraded"
    return JsonResponse({"status": status, "checks": checks}, status=200 if ready else 503)
