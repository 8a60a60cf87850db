"""Today's catalogue becomes each product's rate version 1, and every band and quote is its
version 1's. Those rates priced every quote there is, whenever it was made: version 1 is in
force from 1 January 2000, before anything was sold, and a later version starts today or
later (quotes.services.check_rate_version). The product's own history of its prices
(each edit staff made in admin) becomes version 1's history, so that what the columns said
and when stays readable after 0017 drops them from the product.

Quotes are numbered in batches that commit on their own (see myproject.backfills)."""

import datetime as dt

from django.db import migrations, models, transaction
from django.utils import timezone

from myproject.backfills import BATCH

SINCE = dt.date(2000, 1, 1)
TERMS = (
    "min_cover",
    "max_cover",
    "default_cover",
    "minimum_premium",
    "tax_rate",
    "policy_fee",
    "instalment_fee",
    "cooling_off_days",
)

# What the sample catalogue's documents say; products staff made have theirs written in admin.
KEY_FACTS = {
    "personal-accident": (
        "A lump sum if an accident causes death or permanent disability, anywhere in the world.",
        "Illness or disease\nSelf-inflicted injury\nInjury under the influence of alcohol or "
        "drugs\nWar, riot and terrorism\nProfessional or dangerous sports",
    ),
    "term-life": (
        "A lump sum paid to the people you name if you die during the term.",
        "Suicide in the first year\nDeath from a condition you did not disclose\nWar and "
        "terrorism\nDeath while committing a crime",
    ),
    "critical-illness": (
        "A lump sum if you are diagnosed with a covered serious illness (cancer, heart attack, "
        "stroke and others the policy lists) during the term.",
        "Illness that began or showed symptoms before the cover started\nIllness diagnosed in "
        "the first 90 days\nSelf-inflicted illness and the effects of alcohol or drugs\nAny "
        "illness the policy does not list",
    ),
}


def to_version_1(apps, schema_editor):
    Product = apps.get_model("quotes", "Product")
    RateVersion = apps.get_model("quotes", "RateVersion")
    AgeBand = apps.get_model("quotes", "AgeBand")
    Quote = apps.get_model("quotes", "Quote")
    for product in Product.objects.order_by("pk"):
        if RateVersion.objects.filter(product=product).exists():
            continue  # run before, up to a batch of quotes
        with transaction.atomic():
            summary, exclusions = KEY_FACTS.get(product.code, ("", ""))
            version = RateVersion.objects.create(
                product=product,
                number=1,
                effective_from=SINCE,
                cover_summary=summary,
                exclusions=exclusions,
                **{term: getattr(product, term) for term in TERMS},
            )
            RateVersion.objects.filter(pk=version.pk).update(created_at=product.created_at)
            _history_to_version(apps, product, version)
            AgeBand.objects.filter(product=product).update(version=version)
            apps.get_model("quotes", "HistoricalAgeBand").objects.filter(
                product_id=product.pk
            ).update(version_id=version.pk)


def _history_to_version(apps, product, version):
    """Each recorded state of the product's prices, as a record of version 1 (a creation
    first, then each change that touched them, with who, when and why)."""
    HistoricalProduct = apps.get_model("quotes", "HistoricalProduct")
    HistoricalRateVersion = apps.get_model("quotes", "HistoricalRateVersion")

    def record(source, **when):
        return HistoricalRateVersion(
            id=version.pk,
            product_id=product.pk,
            number=1,
            effective_from=version.effective_from,
            cover_summary=version.cover_summary,
            exclusions=version.exclusions,
            created_at=product.created_at,
            **{term: getattr(source, term) for term in TERMS},
            **when,
        )

    records, previous = [], None
    for past in HistoricalProduct.objects.filter(id=product.pk).order_by("history_date"):
        terms = [getattr(past, term) for term in TERMS]
        if terms == previous:
            continue  # a change of something else: its name, its plans
        records.append(
            record(
                past,
                history_date=past.history_date,
                history_type="+" if previous is None else "~",
                history_user_id=past.history_user_id,
                history_change_reason=past.history_change_reason,
            )
        )
        previous = terms
    if not records:  # a product older than its history: its version is made now
        records.append(
            record(
                product,
                history_date=timezone.now(),
                history_type="+",
                history_change_reason="the catalogue as version 1",
            )
        )
    HistoricalRateVersion.objects.bulk_create(records)


def number_quotes(apps, schema_editor):
    Quote = apps.get_model("quotes", "Quote")
    RateVersion = apps.get_model("quotes", "RateVersion")
    for product_id, version_id in RateVersion.objects.filter(number=1).values_list(
        "product_id", "pk"
    ):
        bounds = Quote.objects.filter(product_id=product_id).aggregate(
            low=models.Min("pk"), high=models.Max("pk")
        )
        if bounds["low"] is None:
            continue
        for start in range(bounds["low"], bounds["high"] + 1, BATCH):
            with transaction.atomic():
                # A new column filled once, not a change of state: no history to record.
                Quote.objects.filter(
                    product_id=product_id,
                    rate_version__isnull=True,
                    pk__gte=start,
                    pk__lt=start + BATCH,
                ).update(rate_version_id=version_id)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("quotes", "0015_rate_versions"),
        # The catalogue as it stands: after pure protection got 30 days' cooling-off.
        ("policies", "0014_cooling_off_as_sold"),
    ]

    operations = [
        migrations.RunPython(to_version_1, migrations.RunPython.noop),
        migrations.RunPython(number_quotes, migrations.RunPython.noop),
    ]
