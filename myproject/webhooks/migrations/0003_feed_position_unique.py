"""Each owner's feed positions are unique; a migration of its own, so that the numbering's
updates are committed before the table is altered (PostgreSQL refuses to alter a table with
pending trigger events in the same transaction)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("webhooks", "0002_feed_positions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='event',
            constraint=models.UniqueConstraint(fields=('owner', 'position'), name='event_owner_position'),
        ),
    ]
