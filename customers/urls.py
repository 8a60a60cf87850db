from django.urls import re_path

from myproject.http.routers import Router

from .views import CustomerViewSet

router = Router()
router.register("customers", CustomerViewSet, basename="customer")

urlpatterns = [
    # Seed contract: POST create_customer.
    re_path(
        r"^create_customer/?$",
        CustomerViewSet.as_view({"post": "create"}),
        name="create-customer",
    ),
    *router.urls,
]
