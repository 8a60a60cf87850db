from myproject.http.routers import Router

from .views import CustomerViewSet

router = Router()
router.register("customers", CustomerViewSet, basename="customer")

urlpatterns = router.urls
