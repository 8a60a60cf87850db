"""The API's table of contents. Everything under /api/v1 answers with or without a slash."""

from django.contrib import admin
from django.urls import include, path
from django.views import defaults
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from .exceptions import problem_json_response

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


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def handler400(request, exception=None):
    if _is_api(request):
        return problem_json_response(400, "bad_request", "The request could not be understood.")
    return defaults.bad_request(request, exception)


def handler403(request, exception=None):
    if _is_api(request):
        return problem_json_response(403, "permission_denied", "You may not do this.")
    return defaults.permission_denied(request, exception)


def handler404(request, exception=None):
    if _is_api(request):
        return problem_json_response(404, "not_found", f"Nothing is found at {request.path}.")
    return defaults.page_not_found(request, exception)


def handler500(request):
    if _is_api(request):
        return problem_json_response(500, "server_error", "An unexpected error occurred.")
    return defaults.server_error(request)
