"""History for every domain model staff or partners can change (django-simple-history)."""

from django.db import models
from simple_history.models import HistoricalRecords

# The longest reason a client may give for a change (a decline, a cancellation note); the
# history's reason column holds exactly this much.
REASON_MAX_LENGTH = 200


class TrackedHistory(HistoricalRecords):
    """History tables written on every change and read one object at a time: one index,
    (object, time), instead of one per copied foreign key and unique column."""

    def copy_fields(self, model):
        fields = super().copy_fields(model)
        for field in fields.values():
            field.db_index = False
        return fields

    def get_meta_options(self, model):
        options = super().get_meta_options(model)
        options["indexes"] = (models.Index(fields=[model._meta.pk.name, "history_date"]),)
        return options


def tracked() -> HistoricalRecords:
    """`history = tracked()`: every save recorded with who made it and why."""
    return TrackedHistory(
        history_id_field=models.BigAutoField(primary_key=True),
        history_change_reason_field=models.CharField(max_length=REASON_MAX_LENGTH, null=True),
    )


def backfill(app_label: str, model_name: str):
    """A migration step giving every existing row of a model that just gained history its
    first record ("created"), so that its history starts with what is already there."""

    def run(apps, schema_editor):
        from django.utils import timezone

        model = apps.get_model(app_label, model_name)
        historical = apps.get_model(app_label, f"Historical{model_name}")
        fields = [field.attname for field in model._meta.concrete_fields]
        now = timezone.now()
        rows = (
            historical(
                **{name: getattr(row, name) for name in fields},
                history_date=now,
                history_type="+",
                history_change_reason="history begins",
            )
            for row in model.objects.iterator(chunk_size=2000)
        )
        historical.objects.bulk_create(rows, batch_size=2000)

    return run
