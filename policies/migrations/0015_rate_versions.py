"""Each policy records the rate version that priced it, its quote's (copied in batches that
commit on their own, see myproject.backfills), and when its product information document
was given; 0016 makes the version required."""

import django.db.models.deletion
from django.db import migrations, models, transaction

from myproject.backfills import BATCH


def copy_rate_versions(apps, schema_editor):
    Policy = apps.get_model("policies", "Policy")
    Quote = apps.get_model("quotes", "Quote")
    bounds = Policy.objects.aggregate(low=models.Min("pk"), high=models.Max("pk"))
    if bounds["low"] is None:
        return
    for start in range(bounds["low"], bounds["high"] + 1, BATCH):
        with transaction.atomic():
            # A new column filled once, not a change of state: no history to record.
            Policy.objects.filter(
                rate_version__isnull=True, pk__gte=start, pk__lt=start + BATCH
            ).update(
                rate_version_id=models.Subquery(
                    Quote.objects.filter(pk=models.OuterRef("pk")).values("rate_version_id")
                )
            )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('policies', '0014_cooling_off_as_sold'),
        ('quotes', '0016_catalogue_to_version_1'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalpolicy',
            name='disclosed_at',
            field=models.DateTimeField(blank=True, help_text='When the customer was given the product information document, as recorded on accepting its quote; cooling-off counts from the later of this day and the start.', null=True),
        ),
        migrations.AddField(
            model_name='historicalpolicy',
            name='rate_version',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, help_text="The product's rate version that priced it, in force on its quote's day.", null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='quotes.rateversion'),
        ),
        migrations.AddField(
            model_name='policy',
            name='disclosed_at',
            field=models.DateTimeField(blank=True, help_text='When the customer was given the product information document, as recorded on accepting its quote; cooling-off counts from the later of this day and the start.', null=True),
        ),
        migrations.AddField(
            model_name='policy',
            name='rate_version',
            field=models.ForeignKey(db_index=False, help_text="The product's rate version that priced it, in force on its quote's day.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='policies', to='quotes.rateversion'),
        ),
        migrations.AlterField(
            model_name='historicalpolicy',
            name='cooling_off_days',
            field=models.PositiveSmallIntegerField(help_text="The cooling-off period it was sold with, its rate version's: a later version's applies to policies sold after it."),
        ),
        migrations.AlterField(
            model_name='policy',
            name='cooling_off_days',
            field=models.PositiveSmallIntegerField(help_text="The cooling-off period it was sold with, its rate version's: a later version's applies to policies sold after it."),
        ),
        migrations.RunPython(copy_rate_versions, migrations.RunPython.noop),
    ]
