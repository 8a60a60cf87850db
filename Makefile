# The two commands a newcomer needs: `make run` (serve the API) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# Where `make run` and `make serve` listen: `make run PORT=8080`, `make serve HOST=0.0.0.0`.
HOST ?= 127.0.0.1
PORT ?= 8000

# Local serving runs like production (DEBUG off) with a throwaway key and the SQLite file.
run serve: export SECRET_KEY ?= local-development-only-not-secret-long-enough-to-pass-the-serving-check
run serve: export DEBUG ?= 0

.PHONY: install prepare run serve test test-serving test-browser check

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@echo "Installing the dependencies into $(VENV) (a minute or so the first time)..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --progress-bar on -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

prepare: install
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) seed_demo --url http://$(HOST):$(PORT) --token-file .demo-token

# Serve on http://$(HOST):$(PORT) with the product catalogue and a staff login, and a
# background worker beside it (webhook deliveries), stopped with the server. Local webhooks
# may go to http://127.0.0.1:<port>.
run: export WEBHOOKS_ALLOW_LOOPBACK ?= 1
run: prepare
	$(MANAGE) run_worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) runserver $(HOST):$(PORT)

# The same with gunicorn and several workers sharing the SQLite file (production puts
# deploy/nginx.conf in front; see README, Security), and one background worker. Production
# runs as many `manage.py run_worker` processes as it needs, on any machines, sharing
# PostgreSQL (or `rqworker` with TASKS_BACKEND=django_tasks_rq.RQBackend).
serve: prepare
	$(MANAGE) run_worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	GUNICORN_BIND=$(HOST):$(PORT) $(BIN)/gunicorn -c deploy/gunicorn.conf.py myproject.wsgi

# The whole test suite; DATABASE_URL=postgres://... runs it on PostgreSQL.
test: install
	$(BIN)/pytest

# The serving recipe (deploy/) under slow clients: nginx in front of gunicorn on loopback;
# reads from a real streaming replica of the local PostgreSQL (deploy/replica.sh, as root,
# on port 5433); and two app nodes, two workers, PostgreSQL and Redis through a node killed,
# Redis cut from a node, PostgreSQL restarted (it restarts the machine's) and a worker
# killed; and a node behind PgBouncer in transaction mode. Needs nginx and pgbouncer
# (`apt-get install nginx pgbouncer`); CI installs them.
test-serving: install
	bash deploy/replica.sh
	$(BIN)/pytest deploy/tests

# Swagger UI, ReDoc and admin in headless Chromium (`apt-get install chromium
# chromium-driver`; CI installs them). Screenshots land in .browser-screenshots/.
test-browser: install
	$(BIN)/pytest -m browser

# Lint, formatting, migrations and the OpenAPI schema.
check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) spectacular --validate --fail-on-warn --file /dev/null
