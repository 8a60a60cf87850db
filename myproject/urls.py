"""The API's table of contents. Everything under /api/v1 answers with or without a slash."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

api_v1 = [
    # customers: customers/, customers/<id>/ and the seed's POST create_customer.
    path("", include("customers.urls")),
    # quotes: products/, quotes/, quotes/<id>/, quotes/<id>/accept/.
    path("", include("quotes.urls")),
    # policies: policies/..., plus routes that need policies: quotes/<id>/pay/ and the seed's
    # PUT quotes/<id>/update/ (paying issues a policy), the seed's GET search (filters by the
    # policies customers hold) and the assessment's POST quote/ (creates, accepts or pays).
    path("", include("policies.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
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
    path("admin/", admin.site.urls),
]

admin.site.site_header = "Insurance administration"
admin.site.site_title = "Insurance administration"

handler400 = "myproject.problems.handler400"
handler403 = "myproject.problems.handler403"
handler404 = "myproject.problems.handler404"
handler500 = "myproject.problems.handler500"
