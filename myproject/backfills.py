"""Data steps for migrations on large tables, in batches that each commit on their own.

A migration's single transaction would hold the lock of its `ALTER TABLE` while it rewrites
every row: on a book of a million customers, a minute without reads or writes of the table.
A migration using these steps sets `atomic = False`, so that its schema changes commit at
once and each batch locks only its own rows, briefly. Every step can run again safely.
"""

from django.db import models, transaction

BATCH = 20_000


def copy_field(app_label: str, model_name: str, *, source: str, target: str):
    """A RunPython function setting `target` to `source` on every row, a range of primary
    keys at a time."""

    def run(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        pk = model._meta.pk.attname
        bounds = model.objects.aggregate(low=models.Min(pk), high=models.Max(pk))
        if bounds["low"] is None:
            return
        for start in range(bounds["low"], bounds["high"] + 1, BATCH):
            with transaction.atomic():
                model.objects.filter(**{f"{pk}__gte": start, f"{pk}__lt": start + BATCH}).update(
                    **{target: models.F(source)}
                )

    return run
