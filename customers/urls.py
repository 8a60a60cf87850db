from myproject.http.routers import Router

from .views import CustomerViewSet, TestClockViewSet

router = Router()
router.register("customers", CustomerViewSet, basename="customer")
router.register("test-clocks", TestClockViewSet, basename="test-clock")

urlpatterns = router.urls
