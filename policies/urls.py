from django.urls import re_path

from myproject.http.fields import ID_PATH_PATTERN
from myproject.http.routers import Router

from .views import BordereauView, InstalmentViewSet, PolicyViewSet, QuotePaymentViewSet

router = Router()
router.register("policies", PolicyViewSet, basename="policy")
router.register("instalments", InstalmentViewSet, basename="instalment")

urlpatterns = [
    *router.urls,
    re_path(r"^reports/bordereau/?$", BordereauView.as_view(), name="report-bordereau"),
    # quotes/ is quotes' prefix; paying a quote issues a policy, so policies serves this one.
    re_path(
        rf"^quotes/(?P<pk>{ID_PATH_PATTERN})/pay/?$",
        QuotePaymentViewSet.as_view({"post": "pay"}),
        name="quote-payment-pay",
    ),
]
