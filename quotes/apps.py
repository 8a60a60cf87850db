from django.apps import AppConfig


class QuotesConfig(AppConfig):
    name = "quotes"

    def ready(self):
        from . import events  # noqa: F401  (connects the quote events)
