from decimal import Decimal

import django.db.models.expressions
from django.db import migrations, models

from myproject.backfills import copy_field


class Migration(migrations.Migration):
    # Every existing price and payment was all net premium (no tax, fees or commission):
    # copied in batches that commit on their own (see myproject.backfills).
    atomic = False

    dependencies = [
        ('customers', '0009_partner_commission_rate'),
        ('policies', '0007_dashboard_indexes'),
        ('quotes', '0009_premium_parts'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalpayment',
            name='commission',
            field=models.DecimalField(decimal_places=2, default=0, help_text="The partner's, out of the premium.", max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='historicalpayment',
            name='fees',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='historicalpayment',
            name='net_premium',
            field=models.DecimalField(decimal_places=2, default=0, help_text='Before tax and fees.', max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='historicalpayment',
            name='tax',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='historicalpolicy',
            name='commission',
            field=models.DecimalField(decimal_places=2, default=0, help_text="The partner's, out of the premium.", max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='historicalpolicy',
            name='fees',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='historicalpolicy',
            name='net_premium',
            field=models.DecimalField(decimal_places=2, default=0, help_text='Before tax and fees.', max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='historicalpolicy',
            name='tax',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='payment',
            name='commission',
            field=models.DecimalField(decimal_places=2, default=0, help_text="The partner's, out of the premium.", max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='payment',
            name='fees',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='payment',
            name='net_premium',
            field=models.DecimalField(decimal_places=2, default=0, help_text='Before tax and fees.', max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='payment',
            name='tax',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='policy',
            name='commission',
            field=models.DecimalField(decimal_places=2, default=0, help_text="The partner's, out of the premium.", max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='policy',
            name='fees',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='policy',
            name='net_premium',
            field=models.DecimalField(decimal_places=2, default=0, help_text='Before tax and fees.', max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='policy',
            name='tax',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12),
            preserve_default=False,
        ),
        *[
            migrations.RunPython(
                copy_field("policies", model, source=source, target="net_premium"),
                migrations.RunPython.noop,
            )
            for model, source in [
                ("Policy", "premium"),
                ("HistoricalPolicy", "premium"),
                ("Payment", "amount"),
                ("HistoricalPayment", "amount"),
            ]
        ],
        migrations.AddConstraint(
            model_name='payment',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gte', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('net_premium'), '+', models.F('tax')), '+', models.F('fees')), '-', models.Value(Decimal('0.001')))), ('amount__lte', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('net_premium'), '+', models.F('tax')), '+', models.F('fees')), '+', models.Value(Decimal('0.001'))))), name='payment_amount_parts'),
        ),
        migrations.AddConstraint(
            model_name='policy',
            constraint=models.CheckConstraint(condition=models.Q(('premium__gte', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('net_premium'), '+', models.F('tax')), '+', models.F('fees')), '-', models.Value(Decimal('0.001')))), ('premium__lte', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('net_premium'), '+', models.F('tax')), '+', models.F('fees')), '+', models.Value(Decimal('0.001'))))), name='policy_premium_parts'),
        ),
    ]
