from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def refuse_to_serve_without_a_secret_key() -> None:
    """A server must not start with DEBUG off and no SECRET_KEY: sessions, CSRF tokens and
    password resets would be signed with nothing. (Settings only default it under DEBUG.)"""
    try:
        key = settings.SECRET_KEY  # Django refuses to read an empty one
    except ImproperlyConfigured:
        key = ""
    if not key:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for local development only).")
