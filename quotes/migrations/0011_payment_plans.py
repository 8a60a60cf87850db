"""Products say how a customer may pay (annual, quarterly, monthly) and what each instalment
adds; the sample catalogue offers instalments."""

from decimal import Decimal

import django.core.validators
from django.db import migrations, models

import quotes.models

SAMPLE = {
    "personal-accident": (["annual", "quarterly", "monthly"], Decimal("2.00")),
    "term-life": (["annual", "monthly"], Decimal("0.00")),
    "critical-illness": (["annual", "quarterly", "monthly"], Decimal("5.00")),
}


def offer_instalments(apps, schema_editor):
    Product = apps.get_model("quotes", "Product")
    for code, (plans, fee) in SAMPLE.items():
        for product in Product.objects.filter(code=code):
            product.payment_plans, product.instalment_fee = plans, fee
            product.save(update_fields=["payment_plans", "instalment_fee"])


def fee_field():
    return models.DecimalField(
        decimal_places=2,
        default=0,
        help_text="Added to each instalment of a quarterly or monthly plan.",
        max_digits=12,
        validators=[django.core.validators.MinValueValidator(0)],
    )


def plans_field():
    return models.JSONField(
        default=quotes.models.annual_only,
        help_text="How a customer may pay: annual, and any of quarterly and monthly.",
        validators=[quotes.models.validate_payment_plans],
    )


class Migration(migrations.Migration):
    dependencies = [("quotes", "0010_sample_tax_and_fee")]

    operations = [
        migrations.AddField("historicalproduct", "instalment_fee", fee_field()),
        migrations.AddField("historicalproduct", "payment_plans", plans_field()),
        migrations.AddField("product", "instalment_fee", fee_field()),
        migrations.AddField("product", "payment_plans", plans_field()),
        migrations.RunPython(offer_instalments, migrations.RunPython.noop),
    ]
