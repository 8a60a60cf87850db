from django.apps import AppConfig


class PlatformConfig(AppConfig):
    """The project package as an app, for the platform's own model (Idempotency-Keys)."""

    name = "myproject"
    verbose_name = "Platform"
    default_auto_field = "django.db.models.BigAutoField"
