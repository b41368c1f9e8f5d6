from rest_framework.routers import SimpleRouter

from .exports import ExportRunViewSet
from .views import ReportRunViewSet, ReportViewSet

router = SimpleRouter()
router.register("reports", ReportViewSet, basename="api-report")
router.register("report-runs", ReportRunViewSet, basename="api-report-run")
router.register("exports", ExportRunViewSet, basename="api-export")
urlpatterns = router.urls
