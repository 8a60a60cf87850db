"""The sample catalogue shows a price with parts: critical illness cover carries 5 % tax and a
policy fee. Personal accident keeps neither, so its sample premiums are unchanged."""

from decimal import Decimal

from django.db import migrations

SAMPLE = {"critical-illness": {"tax_rate": Decimal("5.00"), "policy_fee": Decimal("15.00")}}


def add_tax_and_fee(apps, schema_editor):
    Product = apps.get_model("quotes", "Product")
    for code, fields in SAMPLE.items():
        # Only a product still as the catalogue made it: staff's own prices are theirs.
        Product.objects.filter(code=code, tax_rate=0, policy_fee=0).update(**fields)


def remove_tax_and_fee(apps, schema_editor):
    Product = apps.get_model("quotes", "Product")
    for code, fields in SAMPLE.items():
        Product.objects.filter(code=code, **fields).update(tax_rate=0, policy_fee=0)


class Migration(migrations.Migration):
    dependencies = [("quotes", "0009_premium_parts")]

    operations = [migrations.RunPython(add_tax_and_fee, remove_tax_and_fee)]
