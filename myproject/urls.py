"""The API's table of contents: resources, then the published contracts. Everything under
/api/v1 answers with or without a slash."""

from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.response import Response
from rest_framework.views import APIView

from customers import contracts as customer_contracts
from policies import contracts as policy_contracts

from . import health, metrics
from .http.fields import ID_PATH_PATTERN


class ApiRoot(APIView):
    # What a caller finds at /api/v1/: where the resources and the reference are. Like every
    # /api/v1 route it wants a token (the docs pages do not).

    @extend_schema(exclude=True)
    def get(self, request):
        return Response(
            {
                "docs": request.build_absolute_uri("/api/docs/"),
                "schema": request.build_absolute_uri("/api/schema/"),
                "resources": {
                    name: request.build_absolute_uri(f"/api/v1/{name}/")
                    for name in (
                        "customers",
                        "products",
                        "offers",
                        "quotes",
                        "policies",
                        "events",
                        "webhook-endpoints",
                    )
                },
            }
        )


def favicon(request):
    return redirect(static("drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png"))


resources = [
    path("", include("customers.urls")),  # customers/, test-clocks/
    path("", include("quotes.urls")),  # products/, quotes/ (accept, decline), offers/
    # policies/..., instalments/..., and quotes/<id>/pay/, served by policies: paying issues a
    # policy.
    path("", include("policies.urls")),
    path("", include("myproject.webhooks.urls")),  # events/, webhook-endpoints/
]

# The two published client contracts (the seed README's and the assessment's): the routes
# they name that are not resources' own, each an adapter onto the same services.
contracts = [
    re_path(r"^create_customer/?$", customer_contracts.create_customer, name="create-customer"),
    re_path(
        r"^search/?$",
        policy_contracts.CustomerSearchViewSet.as_view({"get": "list"}),
        name="search",
    ),
    re_path(
        rf"^quotes/(?P<pk>{ID_PATH_PATTERN})/update/?$",
        policy_contracts.PaymentByUpdateViewSet.as_view({"put": "update"}),
        name="quote-update",
    ),
    re_path(r"^quote/?$", policy_contracts.QuoteCommandView.as_view(), name="quote-command"),
]

urlpatterns = [
    path("", RedirectView.as_view(url="/api/docs/")),
    path("api/v1/", ApiRoot.as_view(), name="api-root"),
    path("api/v1/", include(resources + contracts)),
    path("favicon.ico", favicon),
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics, name="metrics"),  # 404 unless METRICS_TOKEN is set
    path("readyz", health.readyz, name="readyz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The docs pages load their scripts from this server only (see CONTENT_SECURITY_POLICY).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="schema", template_name="docs/swagger_ui.html"
        ),
        name="swagger-ui",
    ),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="docs/redoc.html"),
        name="redoc",
    ),
    # Staff: the sales dashboard (policies, which sees quotes, policies and payments).
    path("admin/dashboard/", include("policies.dashboard")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "Insurance administration"
admin.site.site_url = "/api/docs/"  # "View site": the API's documentation
admin.site.site_title = "Insurance administration"

handler400 = "myproject.problems.handler400"
handler403 = "myproject.problems.handler403"
handler404 = "myproject.problems.handler404"
handler500 = "myproject.problems.handler500"
