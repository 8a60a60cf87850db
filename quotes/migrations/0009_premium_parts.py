from decimal import Decimal

import django.core.validators
import django.db.models.deletion
import django.db.models.expressions
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from myproject.backfills import copy_field


class Migration(migrations.Migration):
    # Every existing price was all net premium (no tax, fees or commission): copied in
    # batches that commit on their own (see myproject.backfills).
    atomic = False

    dependencies = [
        ('customers', '0009_partner_commission_rate'),
        ('quotes', '0008_dashboard_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Commission',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('rate', models.DecimalField(decimal_places=2, help_text='Percent.', max_digits=5, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)])),
            ],
            options={
                'ordering': ['partner', 'product'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalCommission',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, verbose_name='ID')),
                ('rate', models.DecimalField(decimal_places=2, help_text='Percent.', max_digits=5, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)])),
                ('history_change_reason', models.CharField(max_length=200, null=True)),
                ('history_id', models.BigAutoField(editable=False, primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField()),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
            ],
            options={
                'verbose_name': 'historical commission',
                'verbose_name_plural': 'historical commissions',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddField(
            model_name='historicalproduct',
            name='policy_fee',
            field=models.DecimalField(decimal_places=2, default=0, help_text='Charged once per policy.', max_digits=12, validators=[django.core.validators.MinValueValidator(0)]),
        ),
        migrations.AddField(
            model_name='historicalproduct',
            name='tax_rate',
            field=models.DecimalField(decimal_places=2, default=0, help_text='Insurance premium tax, percent of the net premium.', max_digits=5, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)]),
        ),
        migrations.AddField(
            model_name='historicalquote',
            name='commission',
            field=models.DecimalField(decimal_places=2, default=0, help_text="The partner's, out of the premium.", max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='historicalquote',
            name='fees',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='historicalquote',
            name='net_premium',
            field=models.DecimalField(decimal_places=2, default=0, help_text='Before tax and fees.', max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='historicalquote',
            name='tax',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='product',
            name='policy_fee',
            field=models.DecimalField(decimal_places=2, default=0, help_text='Charged once per policy.', max_digits=12, validators=[django.core.validators.MinValueValidator(0)]),
        ),
        migrations.AddField(
            model_name='product',
            name='tax_rate',
            field=models.DecimalField(decimal_places=2, default=0, help_text='Insurance premium tax, percent of the net premium.', max_digits=5, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)]),
        ),
        migrations.AddField(
            model_name='quote',
            name='commission',
            field=models.DecimalField(decimal_places=2, default=0, help_text="The partner's, out of the premium.", max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='quote',
            name='fees',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='quote',
            name='net_premium',
            field=models.DecimalField(decimal_places=2, default=0, help_text='Before tax and fees.', max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='quote',
            name='tax',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='historicalproduct',
            name='minimum_premium',
            field=models.DecimalField(decimal_places=2, help_text='The least net premium, before tax and fees.', max_digits=12, validators=[django.core.validators.MinValueValidator(0)]),
        ),
        migrations.AlterField(
            model_name='product',
            name='minimum_premium',
            field=models.DecimalField(decimal_places=2, help_text='The least net premium, before tax and fees.', max_digits=12, validators=[django.core.validators.MinValueValidator(0)]),
        ),
        migrations.AddField(
            model_name='commission',
            name='partner',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='commissions', to='customers.partner'),
        ),
        migrations.AddField(
            model_name='commission',
            name='product',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='commissions', to='quotes.product'),
        ),
        migrations.AddField(
            model_name='historicalcommission',
            name='history_user',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicalcommission',
            name='partner',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='customers.partner'),
        ),
        migrations.AddField(
            model_name='historicalcommission',
            name='product',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='quotes.product'),
        ),
        migrations.AddConstraint(
            model_name='commission',
            constraint=models.UniqueConstraint(fields=('partner', 'product'), name='commission_unique'),
        ),
        migrations.AddIndex(
            model_name='historicalcommission',
            index=models.Index(fields=['id', 'history_date'], name='quotes_hist_id_29e197_idx'),
        ),
        migrations.RunPython(
            copy_field("quotes", "Quote", source="premium", target="net_premium"),
            migrations.RunPython.noop,
        ),
        migrations.RunPython(
            copy_field("quotes", "HistoricalQuote", source="premium", target="net_premium"),
            migrations.RunPython.noop,
        ),
        migrations.AddConstraint(
            model_name='quote',
            constraint=models.CheckConstraint(condition=models.Q(('premium__gte', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('net_premium'), '+', models.F('tax')), '+', models.F('fees')), '-', models.Value(Decimal('0.001')))), ('premium__lte', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('net_premium'), '+', models.F('tax')), '+', models.F('fees')), '+', models.Value(Decimal('0.001'))))), name='quote_premium_parts'),
        ),
    ]
