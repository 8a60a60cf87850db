"""The product catalogue a fresh database starts with; staff edit it in admin afterwards."""

from decimal import Decimal

from django.db import migrations

CATALOGUE = [
    {
        "code": "personal-accident",
        "name": "Personal Accident",
        "currency": "AED",
        "min_cover": Decimal("10000.00"),
        "max_cover": Decimal("1000000.00"),
        "default_cover": Decimal("50000.00"),
        "min_age": 18,
        "max_age": 75,
        "minimum_premium": Decimal("50.00"),
        "quote_validity_days": 30,
        "bands": [(18, 29, "1.60"), (30, 44, "2.00"), (45, 59, "2.90"), (60, 75, "4.50")],
    },
    {
        "code": "term-life",
        "name": "Term Life",
        "currency": "AED",
        "min_cover": Decimal("100000.00"),
        "max_cover": Decimal("5000000.00"),
        "default_cover": Decimal("500000.00"),
        "min_age": 18,
        "max_age": 65,
        "minimum_premium": Decimal("300.00"),
        "quote_validity_days": 14,
        "bands": [
            (18, 29, "0.90"),
            (30, 39, "1.30"),
            (40, 49, "2.40"),
            (50, 59, "4.80"),
            (60, 65, "8.50"),
        ],
    },
    {
        "code": "critical-illness",
        "name": "Critical Illness",
        "currency": "AED",
        "min_cover": Decimal("25000.00"),
        "max_cover": Decimal("1000000.00"),
        "default_cover": Decimal("100000.00"),
        "min_age": 18,
        "max_age": 64,
        "minimum_premium": Decimal("150.00"),
        "quote_validity_days": 30,
        "bands": [(18, 34, "1.80"), (35, 44, "2.90"), (45, 54, "5.20"), (55, 64, "9.60")],
    },
]


def create_catalogue(apps, schema_editor):
    Product = apps.get_model("quotes", "Product")
    AgeBand = apps.get_model("quotes", "AgeBand")
    for entry in CATALOGUE:
        fields = {key: value for key, value in entry.items() if key != "bands"}
        product, created = Product.objects.get_or_create(code=fields.pop("code"), defaults=fields)
        if created:
            for min_age, max_age, rate in entry["bands"]:
                AgeBand.objects.create(
                    product=product, min_age=min_age, max_age=max_age, rate_per_mille=Decimal(rate)
                )


def remove_catalogue(apps, schema_editor):
    Product = apps.get_model("quotes", "Product")
    Product.objects.filter(code__in=[entry["code"] for entry in CATALOGUE]).delete()


class Migration(migrations.Migration):
    dependencies = [("quotes", "0001_initial")]

    operations = [migrations.RunPython(create_catalogue, remove_catalogue)]
