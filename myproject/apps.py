from django.apps import AppConfig


class PlatformConfig(AppConfig):
    """The project package as an app, for the platform's own model (Idempotency-Keys)."""

    name = "myproject"
    verbose_name = "Platform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_save

        from .lifecycle import count_created

        post_save.connect(count_created, dispatch_uid="metrics-count-created")
