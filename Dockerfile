FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The fonts policy documents embed (myproject/pdf.py): Latin, Greek, Cyrillic, Arabic; CJK.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Static files (admin, Swagger UI) are collected into the image and served by WhiteNoise.
RUN python manage.py collectstatic --noinput --verbosity 0 \
    && useradd --create-home --uid 10001 app \
    && chown app /app

USER app
EXPOSE 8000

# Serve behind deploy/nginx.conf, never directly: sync workers must not face slow clients
# (docker-compose.yml shows the whole stack). Set SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL at
# run time. Migrations run at start; with several replicas, run `python manage.py migrate` once
# as a release step instead and set MIGRATE_ON_START=0.
ENV GUNICORN_BIND=0.0.0.0:8000
CMD ["sh", "-c", "if [ \"${MIGRATE_ON_START:-1}\" = 1 ]; then python manage.py migrate --noinput; fi && exec gunicorn -c deploy/gunicorn.conf.py myproject.wsgi"]
