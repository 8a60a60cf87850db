import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myproject.settings")

application = get_wsgi_application()

from .serving import refuse_to_serve_without_a_secret_key  # noqa: E402  (settings are loaded)

refuse_to_serve_without_a_secret_key()
