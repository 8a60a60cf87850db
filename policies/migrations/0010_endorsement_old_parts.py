from django.db import migrations, models


def before_it_was_all_net_premium(apps, schema_editor):
    """Endorsements made before the parts were kept: their old premium as net premium."""
    Endorsement = apps.get_model("policies", "Endorsement")
    Endorsement.objects.update(old_net_premium=models.F("old_premium"))


class Migration(migrations.Migration):

    dependencies = [
        ('policies', '0009_endorsements'),
    ]

    operations = [
        migrations.AddField(
            model_name='endorsement',
            name='old_commission',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='endorsement',
            name='old_fees',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='endorsement',
            name='old_net_premium',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='endorsement',
            name='old_tax',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12),
            preserve_default=False,
        ),
        migrations.RunPython(before_it_was_all_net_premium, migrations.RunPython.noop),
    ]
