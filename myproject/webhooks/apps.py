from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Events, the events feed and webhooks: a feature of the platform with its own tables
    (kept under the names they were created with, `myproject_*`)."""

    name = "myproject.webhooks"
    label = "webhooks"
    verbose_name = "Events and webhooks"
    default_auto_field = "django.db.models.BigAutoField"
