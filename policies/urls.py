from django.urls import re_path

from myproject.http.routers import Router

from .views import AssessmentQuoteView, CustomerSearchViewSet, PolicyViewSet, QuotePaymentViewSet

router = Router()
router.register("policies", PolicyViewSet, basename="policy")
router.register("quotes", QuotePaymentViewSet, basename="quote-payment")

urlpatterns = [
    re_path(r"^quote/?$", AssessmentQuoteView.as_view(), name="assessment-quote"),
    re_path(r"^search/?$", CustomerSearchViewSet.as_view({"get": "list"}), name="search"),
    *router.urls,
]
