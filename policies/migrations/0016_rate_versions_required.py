"""Every policy has its rate version now (0015): it must."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0015_rate_versions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="policy",
            name="rate_version",
            field=models.ForeignKey(
                db_index=False,
                help_text="The product's rate version that priced it, in force on its quote's day.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="policies",
                to="quotes.rateversion",
            ),
        ),
    ]
