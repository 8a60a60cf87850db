"""Rate versions, last step: every band and quote now has its version, so they must; the
prices and terms the products kept are dropped (their past values live on in version 1's
history, see 0016)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("quotes", "0016_catalogue_to_version_1"),
        ("policies", "0016_rate_versions_required"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='ageband',
            options={'ordering': ['version', 'min_age']},
        ),
        migrations.RemoveConstraint(
            model_name='ageband',
            name='ageband_unique_start',
        ),
        migrations.RemoveConstraint(
            model_name='product',
            name='product_cover_limits',
        ),
        migrations.RemoveField(
            model_name='ageband',
            name='product',
        ),
        migrations.RemoveField(
            model_name='historicalageband',
            name='product',
        ),
        migrations.RemoveField(
            model_name='historicalproduct',
            name='cooling_off_days',
        ),
        migrations.RemoveField(
            model_name='historicalproduct',
            name='default_cover',
        ),
        migrations.RemoveField(
            model_name='historicalproduct',
            name='instalment_fee',
        ),
        migrations.RemoveField(
            model_name='historicalproduct',
            name='max_cover',
        ),
        migrations.RemoveField(
            model_name='historicalproduct',
            name='min_cover',
        ),
        migrations.RemoveField(
            model_name='historicalproduct',
            name='minimum_premium',
        ),
        migrations.RemoveField(
            model_name='historicalproduct',
            name='policy_fee',
        ),
        migrations.RemoveField(
            model_name='historicalproduct',
            name='tax_rate',
        ),
        migrations.RemoveField(
            model_name='product',
            name='cooling_off_days',
        ),
        migrations.RemoveField(
            model_name='product',
            name='default_cover',
        ),
        migrations.RemoveField(
            model_name='product',
            name='instalment_fee',
        ),
        migrations.RemoveField(
            model_name='product',
            name='max_cover',
        ),
        migrations.RemoveField(
            model_name='product',
            name='min_cover',
        ),
        migrations.RemoveField(
            model_name='product',
            name='minimum_premium',
        ),
        migrations.RemoveField(
            model_name='product',
            name='policy_fee',
        ),
        migrations.RemoveField(
            model_name='product',
            name='tax_rate',
        ),
        migrations.AddConstraint(
            model_name='ageband',
            constraint=models.UniqueConstraint(fields=('version', 'min_age'), name='ageband_unique_start'),
        ),
        migrations.AlterField(
            model_name="ageband",
            name="version",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="bands", to="quotes.rateversion"),
        ),
        migrations.AlterField(
            model_name="quote",
            name="rate_version",
            field=models.ForeignKey(help_text="The product's rate version in force on the day it was priced.", on_delete=django.db.models.deletion.PROTECT, related_name="quotes", to="quotes.rateversion"),
        ),
    ]
