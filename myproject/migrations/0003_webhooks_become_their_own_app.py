"""Events and webhooks move to their own app (label `webhooks`): in this app's state only.
The tables stay where they are, with their rows; webhooks' 0001 takes them over."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('myproject', '0002_webhooks'),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=[
        migrations.RemoveField(
            model_name='delivery',
            name='endpoint',
        ),
        migrations.RemoveField(
            model_name='delivery',
            name='event',
        ),
        migrations.RemoveField(
            model_name='event',
            name='owner',
        ),
        migrations.RemoveField(
            model_name='webhookendpoint',
            name='owner',
        ),
        migrations.DeleteModel(
            name='Attempt',
        ),
        migrations.DeleteModel(
            name='Delivery',
        ),
        migrations.DeleteModel(
            name='Event',
        ),
        migrations.DeleteModel(
            name='WebhookEndpoint',
        ),
    ])]
