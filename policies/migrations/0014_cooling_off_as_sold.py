"""Each policy keeps the cooling-off days it was sold with; then the sample catalogue's pure
protection products (term life, critical illness) get 30 days (UK ICOBS 7.1.1), the others
keep 14. In this order, so that the policies sold before keep their 14 days; here rather than
in quotes, whose migrations come before the policies they would have to wait for."""

from django.db import migrations, models

PURE_PROTECTION = ("term-life", "critical-illness")


def as_sold(apps, schema_editor):
    Product = apps.get_model("quotes", "Product")
    Policy = apps.get_model("policies", "Policy")
    for product_id, days in Product.objects.values_list("pk", "cooling_off_days"):
        # A new column filled once, not a change of state: no history to record.
        Policy.objects.filter(product_id=product_id).exclude(cooling_off_days=days).update(
            cooling_off_days=days
        )


def thirty_days_for_pure_protection(apps, schema_editor):
    Product = apps.get_model("quotes", "Product")
    for product in Product.objects.filter(code__in=PURE_PROTECTION, cooling_off_days=14):
        product.cooling_off_days = 30
        product.save(update_fields=["cooling_off_days"])


def field():
    return models.PositiveSmallIntegerField(
        default=14,
        help_text="The cooling-off period it was sold with, its product's then: a later change "
        "of the product's applies to policies sold after it.",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0013_test_clocks"),
        ("quotes", "0014_test_clocks"),
    ]

    operations = [
        migrations.AddField("historicalpolicy", "cooling_off_days", field(), preserve_default=False),
        migrations.AddField("policy", "cooling_off_days", field(), preserve_default=False),
        migrations.RunPython(as_sold, migrations.RunPython.noop),
        migrations.RunPython(thirty_days_for_pure_protection, migrations.RunPython.noop),
    ]
