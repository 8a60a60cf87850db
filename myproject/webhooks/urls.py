from ..http.routers import Router
from .views import EventViewSet, WebhookEndpointViewSet

router = Router()
router.register("events", EventViewSet, basename="event")
router.register("webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")

urlpatterns = router.urls
