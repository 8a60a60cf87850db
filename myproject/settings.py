"""Settings for the insurance API, read from the environment.

Production differs from local use by values only; `.env.example` lists every variable.
"""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# ================================================================================================
# Django
# ================================================================================================

DEBUG = env_bool("DEBUG", False)

# Required to serve unless DEBUG is on: wsgi.py and asgi.py refuse to start without it
# (see serving.py). Management commands such as makemigrations and collectstatic run without.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "myproject",
    "myproject.webhooks",
    "customers",
    "quotes",
    "policies",
]

MIDDLEWARE = [
    "myproject.http.request_ids.RequestIDMiddleware",
    "myproject.http.middleware.AccessLogMiddleware",
    "myproject.http.middleware.RefuseUnframedBodiesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "myproject.http.middleware.NoStoreAPIMiddleware",
    "myproject.http.middleware.RateLimitHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "myproject.replicas.PinAfterWritesMiddleware",
    # Last, as django-axes asks: it answers a locked-out admin login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "myproject.urls"
WSGI_APPLICATION = "myproject.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "myproject" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite file by default so a fresh clone runs with no server; PostgreSQL in production.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers share the file: WAL lets readers run beside the writer,
    # IMMEDIATE takes the write lock when a transaction starts (so it cannot fail halfway
    # on upgrade), and the timeout makes a concurrent writer wait instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file too (not the in-memory default), so that concurrency tests with real
    # threads run on SQLite with the same locking as production.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}

# A streaming replica for reads that may lag a little (lists, search, the events feed, the
# dashboard: myproject/replicas.py); a caller's reads stay on the primary for
# REPLICA_PIN_SECONDS after it writes. Tests read the primary through it.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["myproject.replicas.ReplicaRouter"]
REPLICA_PIN_SECONDS = int(os.environ.get("REPLICA_PIN_SECONDS", "5"))
# Behind PgBouncer in transaction mode (DATABASE_POOLER=pgbouncer): no server-side cursors
# (iterator() would lose its cursor between transactions) and no session-level locks.
DATABASE_POOLER = os.environ.get("DATABASE_POOLER", "")
if DATABASE_POOLER == "pgbouncer":
    for alias in DATABASES.values():
        alias["DISABLE_SERVER_SIDE_CURSORS"] = True
# Instead of one persistent connection per process (CONN_MAX_AGE), a pool of at most
# DATABASE_POOL_SIZE (Django's psycopg pool): for threaded or ASGI workers. Sync gunicorn
# workers gain nothing from it (bench/RESULTS.md), and behind PgBouncer it pools twice.
DATABASE_POOL_SIZE = int(os.environ.get("DATABASE_POOL_SIZE", "0"))
if DATABASE_POOL_SIZE and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    for alias in DATABASES.values():
        alias["CONN_MAX_AGE"] = 0  # the pool keeps them; Django refuses both
        alias.setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": DATABASE_POOL_SIZE,
            "timeout": 5,  # then a 503, as for a database that is down
        }  # each connection checked before use (conn_health_checks)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# Dates as DD-MM-YYYY in admin too (myproject/formats/en/formats.py).
FORMAT_MODULE_PATH = ["myproject.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Behind a TLS-terminating proxy; all off by default so local HTTP keeps working. The
# proxy's X-Forwarded-Proto is believed only when it is known to set it (deploy/nginx.conf):
# otherwise any client could claim HTTPS.
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0

# How many proxies in front of the app append to X-Forwarded-For (1 behind deploy/nginx.conf):
# the client address is the entry that many from the end. 0 (the default) uses the socket's
# and ignores the header, which any client can write.
NUM_PROXIES = int(os.environ.get("NUM_PROXIES", "0"))

# Shared by all gunicorn workers: Redis when REDIS_URL is set (several machines), otherwise
# files on this machine.
REDIS_URL = os.environ.get("REDIS_URL", "")
# A Redis that does not answer must not hold a request: half a second, then each use of it
# does without (tokens read from the database, documents made, the throttle open or closed).
# Both the cache's client and the throttle's are made with these.
REDIS_CLIENT_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "myproject.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_CLIENT_OPTIONS,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("CACHE_DIR", str(BASE_DIR / ".cache")),
        }
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "myproject.http.logs.RequestIDLogFilter"},
        "redact": {"()": "myproject.http.logs.RedactQueryStringFilter"},
    },
    # JSON lines in production (one object a line, for the log pipeline); text when DEBUG is on.
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "myproject.http.logs.JsonLineFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain" if DEBUG else "json",
            "filters": ["request_id", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # runserver's access lines too, so that they are redacted and carry the request id.
    "loggers": {"django.server": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}

# ================================================================================================
# Third-party apps: axes, CSP, simple-history, DRF, knox, Tasks, RQ, drf-spectacular
# ================================================================================================

# django-axes checks every password login (the admin's) before Django does: after
# AXES_FAILURE_LIMIT wrong passwords for one username, that username is locked out, right
# password included, until AXES_COOLOFF_TIME has passed since the last failure.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Locking by username alone is deliberate: a staff account under attack is locked whichever
# addresses the guesses come from (axes warns that rotating clients is then not limited by
# address; the API's own per-address throttle does not cover the admin login).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Pages (docs, admin) may load scripts, styles, images and fonts from this origin only; their
# own inline scripts and styles carry a per-response nonce. JSON responses get the same header,
# which a browser applies to nothing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        # ReDoc's search runs in a worker it creates from its own code.
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# django-simple-history: reverting from admin would skip the transition rules. History is read
# per object (myproject.history indexes it so), never by date across objects.
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_DATE_INDEX = False

REST_FRAMEWORK = {
    # Partners send a token; staff may also use their admin session (e.g. in Swagger UI).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "customers.access.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "customers.access.IsPartnerOrStaff",
        "customers.access.HasScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["myproject.http.throttling.PartnerRateThrottle"],
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_PARSER_CLASSES": ["myproject.http.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["myproject.http.rendering.FastJSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "myproject.http.pagination.KeysetPagination",
    "DEFAULT_FILTER_BACKENDS": ["myproject.http.filters.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "myproject.schema.ProblemAutoSchema",
    "EXCEPTION_HANDLER": "myproject.problems.problem_exception_handler",
    "DATE_FORMAT": "%d-%m-%Y",
    "DATE_INPUT_FORMATS": ["%d-%m-%Y", "iso-8601"],
    "COERCE_DECIMAL_TO_STRING": True,
}

# API tokens (django-rest-knox): stored hashed; no expiry unless one is given when created.
REST_KNOX = {"TOKEN_TTL": None, "AUTH_HEADER_PREFIX": "Token"}
# Knox's token model is swappable; migrations that point at it (customers' TokenGrant) read it.
KNOX_TOKEN_MODEL = "knox.AuthToken"
# How long a token, its user and partner are kept in the shared cache once read, so that a
# request authenticates without a query; revoking a token removes it at once.
AUTH_CACHE_SECONDS = int(os.environ.get("AUTH_CACHE_SECONDS", "60"))

# Background work (Django's Tasks API): the database queue by default, which every worker
# (`manage.py db_worker`, any number on any machine) shares through the database; for larger
# deployments TASKS_BACKEND=django_tasks_rq.RQBackend queues on Redis (REDIS_URL), worked by
# `manage.py rqworker default`. Every task runs on the one `default` queue.
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0"}}
RQ_SHOW_ADMIN_LINK = False

# The docs' sections, in the order an integrator meets them, each with the paths it holds (the
# longest matching start wins; see myproject.schema.ProblemAutoSchema.get_tags).
API_TAGS = [
    (
        "Partners and tokens",
        "A partner (broker, bank, web front end) calls with its key: `Authorization: Token "
        "<key>`. The insurer's staff make partners and keys (`manage.py create_partner NAME`, "
        "or admin); `make run` prints a demo partner's key. In Swagger UI, paste the key "
        "alone under Authorize. A partner sees only its own customers, quotes, policies and "
        "events. A key may be limited to scopes (read, customers:write, quotes:write, "
        "payments:write, policies:write, webhooks:manage): outside them a request is 403 "
        "`insufficient_scope`. A sandbox partner's key works the same, its data kept out of "
        "the insurer's figures. Every answer tells the key's budget in `RateLimit-Policy` and "
        "`RateLimit`.",
        [],
    ),
    ("Customers", "The people a partner sells to.", ["/api/v1/customers"]),
    (
        "Quotes and offers",
        "The catalogue, priced quotes (one product, or every product at once as an offer), "
        "accepting and declining them.",
        ["/api/v1/products", "/api/v1/quotes", "/api/v1/offers"],
    ),
    (
        "Payment",
        "Paying an accepted quote issues its policy, at once or by instalments; the partner "
        "collects each instalment and reports it.",
        ["/api/v1/quotes/{id}/pay/", "/api/v1/instalments"],
    ),
    (
        "Policies",
        "Issued policies: reading them and their history, the schedule (PDF), cancelling, "
        "changing cover, renewing and reinstating after a lapse, with previews of what each "
        "would cost.",
        ["/api/v1/policies"],
    ),
    (
        "Sandbox",
        "For sandbox partners only (live ones get 404): test clocks, whose customers live at "
        "the clock's time, moved forward to see renewals, expiry, instalments and lapses "
        "happen in minutes.",
        ["/api/v1/test-clocks"],
    ),
    (
        "Reports",
        "For the insurer's staff (signed in to admin): the monthly premium bordereau.",
        ["/api/v1/reports"],
    ),
    (
        "Events and webhooks",
        "What happened to a partner's objects: a feed to poll, and signed webhooks pushed to "
        "its endpoints.",
        ["/api/v1/events", "/api/v1/webhook-endpoints"],
    ),
    (
        "Published contracts",
        "The endpoints of the two client contracts this API keeps as published (the seed "
        "README's and the assessment's), on the same rules as the resources above.",
        [
            "/api/v1/create_customer",
            "/api/v1/search",
            "/api/v1/quote/",
            "/api/v1/quotes/{id}/update/",
        ],
    ),
]

SPECTACULAR_SETTINGS = {
    "TITLE": "Insurance distribution API",
    "DESCRIPTION": (
        "Partners create customers, price quotes, accept and pay them; paying issues a "
        "policy whose state history can be read back.\n\n"
        "**Getting started** (Try it out runs each step here):\n"
        "1. *Authorize* with your partner key (paste the key alone).\n"
        "2. `POST /api/v1/customers/` the person you sell to; keep its `id`.\n"
        '3. `POST /api/v1/quotes/` `{"customer": <id>, "type": "personal-accident"}`, or '
        "`POST /api/v1/offers/` for every product at once; keep the quote's `id`.\n"
        "4. `POST /api/v1/quotes/<id>/accept/` when the customer agrees.\n"
        "5. `POST /api/v1/quotes/<id>/pay/`: the answer is the issued policy.\n"
        "6. `GET /api/v1/policies/<id>/` and `.../history/`; register a webhook endpoint to "
        "be told of every change.\n\n"
        "**Errors** are RFC 9457 problem details (`application/problem+json`) with `type`, "
        "`title`, `status`, `detail`, a stable `code` and, for invalid fields, "
        '`errors: {"field": ["message"]}`.\n\n'
        "**Money** is a decimal string with a `currency` (ISO 4217). **Dates** are "
        "DD-MM-YYYY (YYYY-MM-DD is accepted on input); times are ISO 8601 in UTC."
    ),
    "TAGS": [{"name": name, "description": description} for name, description, _ in API_TAGS],
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "myproject.schema.forbid_undocumented_fields",
        "myproject.schema.examples_that_work",
    ],
    # Swagger UI's Authorize dialog offers the partner token only; staff signed in to admin
    # are already authenticated by their session cookie.
    "AUTHENTICATION_WHITELIST": ["customers.access.TokenAuthentication"],
    "ENUM_NAME_OVERRIDES": {
        "QuoteStateEnum": "quotes.models.Quote.State",
        "PolicyStateEnum": "policies.models.Policy.State",
        "PaymentMethodEnum": "policies.models.Payment.Method",
        "CancellationReasonEnum": "policies.models.CancellationReason",
        "PaymentStatusEnum": "policies.models.Payment.Status",
        "OfferUnavailableCodeEnum": "quotes.models.UNAVAILABLE_CODES",
        "PaymentPlanEnum": "quotes.pricing.PLANS",
        "InstalmentStatusEnum": "policies.models.Instalment.Status",
    },
}

# ================================================================================================
# Platform (myproject): metrics, throttles, idempotency, webhooks, documents
# ================================================================================================

# Prometheus metrics at /metrics, for `Authorization: Bearer <METRICS_TOKEN>` only; unset, the
# path answers 404. See myproject/metrics.py (PROMETHEUS_MULTIPROC_DIR for several workers).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# Requests per partner, e.g. "600/min"; counted in the shared cache below.
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "600/min")
# Requests without a valid token (none, wrong, revoked) per client address; beyond it they
# get 429 instead of 401 until the window ends.
API_ANON_THROTTLE_RATE = os.environ.get("API_ANON_THROTTLE_RATE", "60/min")
# Webhook tests and redeliveries per partner, on top of its request rate.
WEBHOOK_SEND_THROTTLE_RATE = os.environ.get("WEBHOOK_SEND_THROTTLE_RATE", "10/min")
# Who writes the one access line per request: the app (a JSON line with route, status,
# duration and partner; the default) or gunicorn (deploy/gunicorn.conf.py).
ACCESS_LOG = os.environ.get("ACCESS_LOG", "app")
# Redis unreachable: let requests through uncounted (the default: an outage of the counter is
# no outage of the API), or with 1 answer them 503 with Retry-After.
THROTTLE_FAIL_CLOSED = env_bool("THROTTLE_FAIL_CLOSED", False)

# How long an Idempotency-Key and its stored response are kept (at least 24 hours).
IDEMPOTENCY_KEY_TTL = dt.timedelta(
    hours=max(24, int(os.environ.get("IDEMPOTENCY_KEY_HOURS", "24")))
)

# Webhooks: only https URLs on public addresses, unless local development and tests allow
# http://127.0.0.1:<port> and http://localhost:<port>.
WEBHOOKS_ALLOW_LOOPBACK = env_bool("WEBHOOKS_ALLOW_LOOPBACK", False)
# How long the events feed keeps events (`manage.py purge_events` deletes older ones).
EVENTS_KEEP = dt.timedelta(days=max(1, int(os.environ.get("EVENTS_KEEP_DAYS", "90"))))
# Where the fonts documents embed are (Debian's fonts-dejavu-core and fonts-wqy-microhei; see
# myproject/pdf.py).
PDF_FONT_DIRS = env_list(
    "PDF_FONT_DIRS", "/usr/share/fonts/truetype/dejavu,/usr/share/fonts/truetype/wqy"
)

# ================================================================================================
# Domain: the insurer the documents name
# ================================================================================================

# Who the policy documents name as the insurer, and how customers reach it to check one.
INSURER_NAME = os.environ.get("INSURER_NAME", "Example Insurance Company")
INSURER_CONTACT = os.environ.get("INSURER_CONTACT", "")
