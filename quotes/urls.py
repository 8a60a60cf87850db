from myproject.http.routers import Router

from .views import OfferViewSet, ProductViewSet, QuoteViewSet

router = Router()
router.register("products", ProductViewSet, basename="product")
router.register("quotes", QuoteViewSet, basename="quote")
router.register("offers", OfferViewSet, basename="offer")

urlpatterns = router.urls
