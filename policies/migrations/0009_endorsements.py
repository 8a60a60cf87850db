import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('policies', '0008_premium_parts'),
    ]

    operations = [
        migrations.CreateModel(
            name='Endorsement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('effective_date', models.DateField()),
                ('old_cover', models.DecimalField(decimal_places=2, max_digits=12)),
                ('new_cover', models.DecimalField(decimal_places=2, max_digits=12)),
                ('old_net_premium', models.DecimalField(decimal_places=2, max_digits=12)),
                ('old_tax', models.DecimalField(decimal_places=2, max_digits=12)),
                ('old_fees', models.DecimalField(decimal_places=2, max_digits=12)),
                ('old_commission', models.DecimalField(decimal_places=2, max_digits=12)),
                ('new_premium', models.DecimalField(decimal_places=2, help_text='The annual premium after.', max_digits=12)),
                ('premium_change', models.DecimalField(decimal_places=2, help_text='Charged for the rest of the term; negative when refunded.', max_digits=12)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ['id'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='payment',
            name='payment_one_charge_per_policy',
        ),
        migrations.RemoveConstraint(
            model_name='payment',
            name='payment_one_refund_per_policy',
        ),
        migrations.AddField(
            model_name='endorsement',
            name='payment',
            field=models.OneToOneField(blank=True, help_text='None when the change rounds to nothing.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='endorsement', to='policies.payment'),
        ),
        migrations.AddField(
            model_name='endorsement',
            name='policy',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='endorsements', to='policies.policy'),
        ),
        migrations.AddConstraint(
            model_name='endorsement',
            constraint=models.CheckConstraint(condition=models.Q(('new_cover', models.F('old_cover')), _negated=True), name='endorsement_changes_cover'),
        ),
    ]
