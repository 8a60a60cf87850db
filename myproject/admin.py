"""What every app's admin shares: actions that call the services the API calls."""

from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from .problems import Conflict


def run_action(modeladmin, request, queryset, act: Callable, done: str) -> None:
    """Apply a service to each selected object, telling staff what happened to each: the
    rules' refusals (409s and 400s in the API) become error messages, not crashes."""
    for obj in queryset:
        try:
            act(obj)
        except Conflict as exc:
            modeladmin.message_user(request, f"{obj}: {exc.detail}", messages.ERROR)
        except ValidationError as exc:
            modeladmin.message_user(request, f"{obj}: {'; '.join(exc.messages)}", messages.ERROR)
        else:
            modeladmin.message_user(request, f"{obj}: {done}.", messages.SUCCESS)


class ReadOnlyInline(admin.TabularInline):
    """Rows shown on their parent's page, changed only through the services (and their own
    pages): nothing is added, edited or deleted here."""

    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        return self.fields or [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False


# The platform's own models in admin (events and webhooks), registered once the helpers
# above exist.
from .webhooks import admin as _webhooks_admin  # noqa: E402, F401
