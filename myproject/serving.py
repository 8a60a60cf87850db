from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# As Django's own deployment check asks: a short key, or one of few distinct characters, can
# be guessed offline from anything it signs (sessions, CSRF tokens, password reset links), and
# one that starts like those `startproject` writes was probably copied from somewhere.
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_DISTINCT_CHARACTERS = 5
INSECURE_PREFIX = "django-insecure-"


def refuse_to_serve_without_a_secret_key() -> None:
    """A server must not start with DEBUG off and no SECRET_KEY, or a short one: sessions,
    CSRF tokens and password resets would be signed with nothing worth the name. (Settings
    only default it under DEBUG.)"""
    try:
        key = settings.SECRET_KEY  # Django refuses to read an empty one
    except ImproperlyConfigured:
        key = ""
    if not key:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for local development only).")
    if settings.DEBUG:
        return
    weak = (
        len(key) < MIN_SECRET_KEY_LENGTH
        or len(set(key)) < MIN_SECRET_KEY_DISTINCT_CHARACTERS
        or key.startswith(INSECURE_PREFIX)
    )
    if weak:
        raise ImproperlyConfigured(
            f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} random characters (at least "
            f"{MIN_SECRET_KEY_DISTINCT_CHARACTERS} distinct, not starting with "
            f"{INSECURE_PREFIX!r}); generate one with "
            '`python -c "import secrets; print(secrets.token_urlsafe(50))"`.'
        )
