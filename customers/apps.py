from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "customers"

    def ready(self):
        from myproject.http.middleware import describe_callers_with

        from . import schema  # noqa: F401  registers the token scheme with drf-spectacular
        from .access import partner_of

        def caller(user) -> dict:
            partner = partner_of(user)
            return {"partner_id": partner.pk if partner else None}

        describe_callers_with(caller)
