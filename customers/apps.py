from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "customers"

    def ready(self):
        from . import schema  # noqa: F401  registers the token scheme with drf-spectacular
