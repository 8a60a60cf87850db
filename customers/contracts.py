"""The published client contracts' customer endpoint: `POST create_customer`, in the seed
README and the assessment alike. It is the resource's own create under another path."""

from django.urls import re_path

from .views import CustomerViewSet

urlpatterns = [
    re_path(
        r"^create_customer/?$",
        CustomerViewSet.as_view({"post": "create"}),
        name="create-customer",
    ),
]
