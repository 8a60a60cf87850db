from myproject.http.routers import Router

from .views import PolicyViewSet, QuotePaymentViewSet

router = Router()
router.register("policies", PolicyViewSet, basename="policy")
router.register("quotes", QuotePaymentViewSet, basename="quote-payment")

urlpatterns = router.urls
