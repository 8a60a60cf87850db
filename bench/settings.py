"""Settings for benchmarks only: the project's own, plus a bare Django view to compare with,
a count of SQL queries in each response (X-Queries), and a throttle that never refuses."""

from myproject.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.views.QueryCountMiddleware", *MIDDLEWARE]  # noqa: F405
API_THROTTLE_RATE = "100000000/min"
API_ANON_THROTTLE_RATE = "100000000/min"
LOGGING = {"version": 1, "disable_existing_loggers": False}
