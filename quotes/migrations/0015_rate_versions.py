"""Rate versions: a product's prices and terms move into versions, each in force from its
day. This step adds them beside the old columns; 0016 turns the catalogue into version 1 and
0017 drops what the products kept."""

import django.core.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

import myproject.text


class Migration(migrations.Migration):
    dependencies = [
        ("quotes", "0014_test_clocks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalRateVersion',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, verbose_name='ID')),
                ('number', models.PositiveSmallIntegerField(editable=False, help_text="1 for the product's first version, then 2, 3, ...")),
                ('effective_from', models.DateField(help_text='Prices quotes made (and renewals starting) from this day on.')),
                ('min_cover', models.DecimalField(decimal_places=2, max_digits=12, validators=[django.core.validators.MinValueValidator(0)])),
                ('max_cover', models.DecimalField(decimal_places=2, max_digits=12, validators=[django.core.validators.MinValueValidator(0)])),
                ('default_cover', models.DecimalField(decimal_places=2, max_digits=12, validators=[django.core.validators.MinValueValidator(0)])),
                ('minimum_premium', models.DecimalField(decimal_places=2, help_text='The least net premium, before tax and fees.', max_digits=12, validators=[django.core.validators.MinValueValidator(0)])),
                ('tax_rate', models.DecimalField(decimal_places=2, default=0, help_text='Insurance premium tax, percent of the net premium.', max_digits=5, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)])),
                ('policy_fee', models.DecimalField(decimal_places=2, default=0, help_text='Charged once per policy.', max_digits=12, validators=[django.core.validators.MinValueValidator(0)])),
                ('instalment_fee', models.DecimalField(decimal_places=2, default=0, help_text='Added to each instalment of a quarterly or monthly plan.', max_digits=12, validators=[django.core.validators.MinValueValidator(0)])),
                ('cooling_off_days', models.PositiveSmallIntegerField(default=14, help_text='Cancellations in the first days of cover refund the whole premium.')),
                ('cover_summary', models.TextField(blank=True, help_text='What is insured, in plain words, for the product information document.', max_length=1500, validators=[myproject.text.validate_plain_text])),
                ('exclusions', models.TextField(blank=True, help_text='What is not insured, one item a line, for the product information document.', max_length=1500, validators=[myproject.text.validate_plain_lines])),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('history_change_reason', models.CharField(max_length=200, null=True)),
                ('history_id', models.BigAutoField(editable=False, primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField()),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
            ],
            options={
                'verbose_name': 'historical rate version',
                'verbose_name_plural': 'historical rate versions',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='RateVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveSmallIntegerField(editable=False, help_text="1 for the product's first version, then 2, 3, ...")),
                ('effective_from', models.DateField(help_text='Prices quotes made (and renewals starting) from this day on.')),
                ('min_cover', models.DecimalField(decimal_places=2, max_digits=12, validators=[django.core.validators.MinValueValidator(0)])),
                ('max_cover', models.DecimalField(decimal_places=2, max_digits=12, validators=[django.core.validators.MinValueValidator(0)])),
                ('default_cover', models.DecimalField(decimal_places=2, max_digits=12, validators=[django.core.validators.MinValueValidator(0)])),
                ('minimum_premium', models.DecimalField(decimal_places=2, help_text='The least net premium, before tax and fees.', max_digits=12, validators=[django.core.validators.MinValueValidator(0)])),
                ('tax_rate', models.DecimalField(decimal_places=2, default=0, help_text='Insurance premium tax, percent of the net premium.', max_digits=5, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)])),
                ('policy_fee', models.DecimalField(decimal_places=2, default=0, help_text='Charged once per policy.', max_digits=12, validators=[django.core.validators.MinValueValidator(0)])),
                ('instalment_fee', models.DecimalField(decimal_places=2, default=0, help_text='Added to each instalment of a quarterly or monthly plan.', max_digits=12, validators=[django.core.validators.MinValueValidator(0)])),
                ('cooling_off_days', models.PositiveSmallIntegerField(default=14, help_text='Cancellations in the first days of cover refund the whole premium.')),
                ('cover_summary', models.TextField(blank=True, help_text='What is insured, in plain words, for the product information document.', max_length=1500, validators=[myproject.text.validate_plain_text])),
                ('exclusions', models.TextField(blank=True, help_text='What is not insured, one item a line, for the product information document.', max_length=1500, validators=[myproject.text.validate_plain_lines])),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ['product', 'effective_from'],
            },
        ),
        migrations.AddField(
            model_name='historicalproduct',
            name='disclosure_required',
            field=models.BooleanField(default=False, help_text='Accepting a quote must name the product information document the customer was given (its `disclosure` id).'),
        ),
        migrations.AddField(
            model_name='historicalquote',
            name='disclosed_at',
            field=models.DateTimeField(blank=True, help_text="When the customer was given its version's product information document, as recorded on accepting.", null=True),
        ),
        migrations.AddField(
            model_name='product',
            name='disclosure_required',
            field=models.BooleanField(default=False, help_text='Accepting a quote must name the product information document the customer was given (its `disclosure` id).'),
        ),
        migrations.AddField(
            model_name='quote',
            name='disclosed_at',
            field=models.DateTimeField(blank=True, help_text="When the customer was given its version's product information document, as recorded on accepting.", null=True),
        ),
        migrations.AddField(
            model_name='historicalrateversion',
            name='history_user',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicalrateversion',
            name='product',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='quotes.product'),
        ),
        migrations.AddField(
            model_name='rateversion',
            name='product',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='rate_versions', to='quotes.product'),
        ),
        migrations.AddField(
            model_name='ageband',
            name='version',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='bands', to='quotes.rateversion'),
        ),
        migrations.AddField(
            model_name='historicalageband',
            name='version',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='quotes.rateversion'),
        ),
        migrations.AddField(
            model_name='historicalquote',
            name='rate_version',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, help_text="The product's rate version in force on the day it was priced.", null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='quotes.rateversion'),
        ),
        migrations.AddField(
            model_name='quote',
            name='rate_version',
            field=models.ForeignKey(help_text="The product's rate version in force on the day it was priced.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='quotes', to='quotes.rateversion'),
        ),
        migrations.AddIndex(
            model_name='historicalrateversion',
            index=models.Index(fields=['id', 'history_date'], name='quotes_hist_id_a3dd8e_idx'),
        ),
        migrations.AddConstraint(
            model_name='rateversion',
            constraint=models.UniqueConstraint(fields=('product', 'number'), name='rateversion_number'),
        ),
        migrations.AddConstraint(
            model_name='rateversion',
            constraint=models.UniqueConstraint(fields=('product', 'effective_from'), name='rateversion_effective_from'),
        ),
        migrations.AddConstraint(
            model_name='rateversion',
            constraint=models.CheckConstraint(condition=models.Q(('min_cover__gt', 0), ('min_cover__lte', models.F('default_cover')), ('default_cover__lte', models.F('max_cover'))), name='rateversion_cover_limits'),
        ),
    ]
