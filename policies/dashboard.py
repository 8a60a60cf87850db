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

from quotes.models import Quote

from .models import Payment, Policy

DAYS = 30
CHART_WIDTH, CHART_HEIGHT = 900, 160
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


def figures(*, today: dt.date) -> dict:
    since = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=DAYS - 1), dt.time()))
    measures = {
        "quotes": daily(
            Quote.objects.filter(created_at__gte=since).annotate(code=_code("product")), Count("id")
        ),
        "policies sold": daily(
            Policy.objects.filter(created_at__gte=since).annotate(code=_code("product")),
            Count("quote"),
        ),
        "premium written": money(
            daily(
                Policy.objects.filter(created_at__gte=since).annotate(code=_code("product")),
                Sum("premium"),
            )
        ),
        "refunds": money(
            daily(
                Payment.objects.filter(created_at__gte=since, kind=Payment.Kind.REFUND).annotate(
                    code=_code("policy__product")
                ),
                Sum("amount"),
            )
        ),
    }
    days = [today - dt.timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
    products = sorted({code for values in measures.values() for _, code in values})
    quotes = sum(measures["quotes"].values())
    sold = sum(measures["policies sold"].values())
    return {
        "days": days,
        "products": products,
        "measures": measures,
        "conversion": f"{100 * sold / quotes:.1f} %" if quotes else "-",
        "totals": {name: sum(values.values(), 0) for name, values in measures.items()},
    }


def _code(relation: str) -> F:
    return F(f"{relation}__code")


def bar_chart(days, series: dict[tuple[dt.date, str], Decimal]) -> str:
    """An SVG bar chart of one measure per day (all products together)."""
    per_day = [sum(v for (day, _), v in series.items() if day == d) for d in days]
    top = max(per_day) or 1
    step = CHART_WIDTH / len(days)
    bars = []
    for index, value in enumerate(per_day):
        height = float(value) / float(top) * (CHART_HEIGHT - 20)
        x, y = index * step + 2, CHART_HEIGHT - height - 14
        bars.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{step - 4:.1f}" height="{height:.1f}" '
            f'fill="#417690"><title>{days[index]:%d-%m}: {value}</title></rect>'
        )
    labels = [
        f'<text x="{i * step + step / 2:.1f}" y="{CHART_HEIGHT - 2}" font-size="9" '
        f'text-anchor="middle">{day:%d}</text>'
        for i, day in enumerate(days)
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" height="{CHART_HEIGHT}" '
        f'role="img">{"".join(bars)}{"".join(labels)}</svg>'
    )


def dashboard(request):
    data = figures(today=timezone.localdate())
    measures = data["measures"].values()
    charts = {name: bar_chart(data["days"], values) for name, values in data["measures"].items()}
    rows = [
        [code, *(sum(v for (_, c), v in values.items() if c == code) for values in measures)]
        for code in data["products"]
    ]
    context = {
        **admin.site.each_context(request),
        "title": f"Sales, last {DAYS} days",
        "charts": charts,
        "rows": rows,
        "totals": list(data["totals"].values()),
        "conversion": data["conversion"],
        "measures": list(data["measures"]),
    }
    return TemplateResponse(request, "admin/dashboard.html", context)


urlpatterns = [path("", admin.site.admin_view(dashboard), name="dashboard")]
