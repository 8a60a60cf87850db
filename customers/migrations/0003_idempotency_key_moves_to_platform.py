# The model moves to myproject (its 0001 takes it over); the table and its rows stay.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0002_idempotency_key"),
        ("myproject", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="IdempotencyKey")],
            database_operations=[],
        ),
    ]
