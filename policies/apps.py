from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "policies"

    def ready(self):
        from . import events  # noqa: F401  (connects the policy and payment events)
