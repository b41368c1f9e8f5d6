from rest_framework.routers import SimpleRouter

from .views import ReportRunViewSet, ReportViewSet

router = SimpleRouter()
router.register("reports", ReportViewSet, basename="api-report")
router.register("report-runs", ReportRunViewSet, basename="api-report-run")
urlpatterns = router.urls
