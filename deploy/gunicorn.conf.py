"""gunicorn as production runs it: behind deploy/nginx.conf, which buffers whole requests and
responses, so that a sync worker is never held by a slow client (it only ever talks to nginx).

Every value comes from the environment; `gunicorn -c deploy/gunicorn.conf.py myproject.wsgi`.
"""

import os

# Loopback by default: only the proxy on this machine talks to the workers. In a container
# next to the proxy, GUNICORN_BIND=0.0.0.0:8000 (docker-compose.yml does) and publish nothing.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# A request taking longer than this is a bug or a stuck database: the worker is restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so that a slow leak never becomes an outage.
max_requests = 2000
max_requests_jitter = 200
# Bounds on what reaches Django at all (nginx applies the same first).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# One line per request with its route and request id, never its query string: query values
# are names and dates of birth. `%(U)s` is the path alone; `%(M)s` the time in milliseconds.
# One access line per request: the app's JSON line by default (ACCESS_LOG=app, with the
# route, status, duration and partner), or gunicorn's own (ACCESS_LOG=gunicorn), not both.
accesslog = "-" if os.environ.get("ACCESS_LOG", "app") == "gunicorn" else None
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'
errorlog = "-"


def child_exit(server, worker):
    """Prometheus counts of a worker that is gone leave the totals (myproject/metrics.py)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


loglevel = os.environ.get("LOG_LEVEL", "info").lower()
