from myproject.http.routers import Router

from .views import ProductViewSet, QuoteViewSet

router = Router()
router.register("products", ProductViewSet, basename="product")
router.register("quotes", QuoteViewSet, basename="quote")

urlpatterns = router.urls
