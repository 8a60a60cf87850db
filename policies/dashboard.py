"""The staff dashboard: the last 30 days of sales, by product and day, as charts and a table.

Aggregates over indexed `created_at` columns: one query per measure, whatever the size of the
book. Charts are SVG drawn here (nothing from outside the server).
"""

import datetime as dt
from decimal import Decimal

from django.contrib import admin
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from myproject.replicas import replica_reads
from quotes.models import Product, Quote

from .models import Payment, Policy

DAYS = 30
CHART_WIDTH, CHART_HEIGHT = 960, 200
CENT = Decimal("0.01")


def daily(queryset, value) -> dict[tuple[dt.date, str], Decimal]:
    rows = (
        queryset.annotate(day=TruncDate("created_at"))
        .values("day", "code")
        .annotate(value=value)
        .order_by()
    )
    return {(row["day"], row["code"]): row["value"] or 0 for row in rows}


def money(series: dict) -> dict:
    """Sums of money to the cent (SQLite sums decimals without their places)."""
    return {key: Decimal(value).quantize(CENT) for key, value in series.items()}


# The measures that are sums of money, shown with their currency.
MONEY_MEASURES = ("premium written", "refunds")


def figures(*, today: dt.date) -> dict:
    since = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=DAYS - 1), dt.time()))
    # Live business only: sandbox partners' data is never the insurer's.
    live = {"created_at__gte": since, "partner__is_sandbox": False}
    measures = {
        "quotes": daily(Quote.objects.filter(**live).annotate(code=_code("product")), Count("id")),
        "policies sold": daily(
            Policy.objects.filter(**live).annotate(code=_code("product")), Count("quote")
        ),
        "premium written": money(
            daily(Policy.objects.filter(**live).annotate(code=_code("product")), Sum("premium"))
        ),
        "refunds": money(
            daily(
                Payment.objects.filter(**live, kind=Payment.Kind.REFUND).annotate(
                    code=_code("policy__product")
                ),
                Sum("amount"),
            )
        ),
    }
    days = [today - dt.timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
    products = sorted({code for values in measures.values() for _, code in values})
    currencies = dict(Product.objects.values_list("code", "currency"))
    shown = {currencies[code] for code in products} or set(currencies.values())
    quotes = sum(measures["quotes"].values())
    sold = sum(measures["policies sold"].values())
    return {
        "days": days,
        "products": products,
        "measures": measures,
        "currencies": currencies,
        # Sums of money across products mean something only in one currency.
        "currency": shown.pop() if len(shown) == 1 else None,
        "conversion": f"{100 * sold / quotes:.1f} %" if quotes else "-",
        "totals": {name: sum(values.values(), 0) for name, values in measures.items()},
    }


def _code(relation: str) -> F:
    return F(f"{relation}__code")


CHART_LEFT, CHART_BOTTOM, CHART_TOP = 56, 30, 16


def _short(value) -> str:
    """A bar's label: whole numbers, thousands as k."""
    number = float(value)
    if number >= 10_000:
        return f"{number / 1000:.0f}k"
    return f"{number:,.0f}" if number >= 100 or number == int(number) else f"{number:.2f}"


def bar_chart(days, series: dict[tuple[dt.date, str], Decimal], *, unit: str = "") -> str:
    """An SVG bar chart of one measure per day (all products together): each bar labelled
    with its value, a y axis from 0 to the largest day, and the days with their months."""
    per_day = [sum(v for (day, _), v in series.items() if day == d) for d in days]
    top = max(per_day) or 1
    plot_height = CHART_HEIGHT - CHART_BOTTOM - CHART_TOP
    step = (CHART_WIDTH - CHART_LEFT) / len(days)
    base = CHART_HEIGHT - CHART_BOTTOM
    parts = []
    for fraction in (0, 0.5, 1):  # the y axis: 0, half and the top, with grid lines
        if not unit and (top * Decimal(str(fraction))) % 1:
            continue  # a count has no half
        y = base - fraction * plot_height
        parts.append(
            f'<line x1="{CHART_LEFT}" y1="{y:.1f}" x2="{CHART_WIDTH}" y2="{y:.1f}" '
            f'stroke="#ddd"/><text x="{CHART_LEFT - 4}" y="{y + 3:.1f}" font-size="9" '
            f'text-anchor="end">{_short(top * Decimal(str(fraction)))}{unit}</text>'
        )
    for index, value in enumerate(per_day):
        height = float(value) / float(top) * plot_height
        x, y = CHART_LEFT + index * step + 2, base - height
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{step - 4:.1f}" height="{height:.1f}" '
            f'fill="#417690"><title>{days[index]:%d-%m-%Y}: {value}{unit}</title></rect>'
        )
        if value:
            parts.append(
                f'<text class="value" x="{x + (step - 4) / 2:.1f}" y="{y - 3:.1f}" '
                f'font-size="8" text-anchor="middle">{_short(value)}</text>'
            )
    for index, day in enumerate(days):
        middle = CHART_LEFT + index * step + step / 2
        parts.append(
            f'<text x="{middle:.1f}" y="{base + 11}" font-size="9" '
            f'text-anchor="middle">{day:%d}</text>'
        )
        if index == 0 or day.day == 1:  # the month, where it starts on the axis
            parts.append(
                f'<text class="month" x="{middle:.1f}" y="{base + 24}" font-size="9" '
                f'text-anchor="middle">{day:%b %Y}</text>'
            )
    parts.append(
        f'<line x1="{CHART_LEFT}" y1="{base}" x2="{CHART_LEFT}" y2="{CHART_TOP}" stroke="#666"/>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" height="{CHART_HEIGHT}" '
        f'role="img">{"".join(parts)}</svg>'
    )


def dashboard(request):
    with replica_reads(request.user):  # a day's sums may lag a few seconds
        data = figures(today=timezone.localdate())
    currency, currencies = data["currency"], data["currencies"]

    def title(name: str) -> str:
        if name in MONEY_MEASURES:
            return f"{name} ({currency})" if currency else f"{name} (mixed currencies)"
        return name

    def cell(name: str, value, code: str | None = None):
        if name not in MONEY_MEASURES:
            return value
        shown = currencies.get(code) if code else currency
        return f"{value:,.2f} {shown}" if shown else "-"

    charts = {
        title(name): bar_chart(
            data["days"], values, unit=f" {currency}" if name in MONEY_MEASURES and currency else ""
        )
        for name, values in data["measures"].items()
    }
    rows = [
        [
            code,
            *(
                cell(name, sum(v for (_, c), v in values.items() if c == code), code)
                for name, values in data["measures"].items()
            ),
        ]
        for code in data["products"]
    ]
    context = {
        **admin.site.each_context(request),
        "title": f"Sales, last {DAYS} days",
        "charts": charts,
        "rows": rows,
        "totals": [cell(name, total) for name, total in data["totals"].items()],
        "conversion": data["conversion"],
        "measures": [title(name) for name in data["measures"]],
    }
    return TemplateResponse(request, "admin/dashboard.html", context)


urlpatterns = [path("", admin.site.admin_view(dashboard), name="dashboard")]
