"""What every app's admin shares: actions that call the services the API calls."""

import datetime as dt
from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import formats
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

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


def choice_label(field, value) -> str | None:
    """The label of `value` among a field's choices; None if it is not one of them."""
    return next((str(label) for choice, label in field.flatchoices if str(choice) == value), None)


def readable_reason(record) -> str:
    """A change reason that is a choice's value (`customer_request`, or `customer_request,
    from 06-12-2026`) by the choice's label; any other reason as it was written."""
    reason = record.history_change_reason or ""
    code, separator, rest = reason.partition(", ")
    for field in record.instance_type._meta.fields:
        label = choice_label(field, code)
        if label is not None:
            return f"{label}{separator}{rest}"
    return reason


class _System:
    """Who made a change no one signed in made: a scheduled job or a command."""

    def __str__(self) -> str:
        return "system"


class StaffHistoryContext(HistoricalRecordContextHelper):
    """What changed, as staff read it: a choice by its label, a date as DD-MM-YYYY."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if field.choices and value not in (None, ""):
            return choice_label(field, str(value)) or value
        if isinstance(value, dt.date | dt.datetime):
            return formats.localize(value)
        return super().prepare_delta_change_value(change, value)


class StaffHistoryAdmin(SimpleHistoryAdmin):
    """simple-history's admin, its history list as staff read it: reasons and choices by
    their label, `system` for changes made by jobs and commands, dates as everywhere in
    admin."""

    def get_historical_record_context_helper(self, request, historical_record):
        return StaffHistoryContext(self.model, historical_record)

    def set_history_delta_changes(self, request, historical_records, **kwargs):
        super().set_history_delta_changes(request, historical_records, **kwargs)
        for record in historical_records:
            record.history_change_reason = readable_reason(record)
            if record.history_user_id is None:
                # Read by the list as `record.history_user`, never saved.
                record._state.fields_cache["history_user"] = _System()


def money_display(field: str, *, description: str | None = None):
    """An admin column or read-only field showing a money field with its currency."""

    @admin.display(description=description or field.replace("_", " "), ordering=field)
    def show(self, obj) -> str:
        value = getattr(obj, field)
        return "-" if value is None else f"{value:,.2f} {obj.currency}"

    return show


def with_currency(names: list[str], money: tuple[str, ...]) -> list[str]:
    """Field names with each money field replaced by its `<name>_money` display (see
    `shows_money`)."""
    return [f"{name}_money" if name in money else name for name in names]


def shows_money(*fields: str):
    """Class decorator for an admin or inline: a `<field>_money` display for each field."""

    def decorate(cls):
        for field in fields:
            setattr(cls, f"{field}_money", money_display(field))
        return cls

    return decorate


class ReadOnlyInline(admin.TabularInline):
    """Rows shown on their parent's page, changed only through the services (and their own
    pages): nothing is added, edited or deleted here."""

    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        shown = list(self.fields or [field.name for field in self.model._meta.fields])
        # The row's key must still go back with the parent's form, as a hidden field; Django
        # renders it only for automatic keys or excluded ones (a policy's key is its quote).
        return [*shown, self.model._meta.pk.name]

    def has_add_permission(self, request, obj=None):
        return False
