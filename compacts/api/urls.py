from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("compacts", views.CompactViewSet, basename="compact")
router.register("compact-system-values", views.SystemValueViewSet, basename="compact-system-value")

urlpatterns = router.urls
