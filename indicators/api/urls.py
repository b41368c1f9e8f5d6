from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("plans", views.PlanViewSet, basename="plan")
router.register("nodes", views.NodeViewSet, basename="node")
router.register("periods", views.PeriodViewSet, basename="period")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("baselines", views.BaselineViewSet, basename="baseline")
router.register("targets", views.TargetViewSet, basename="target")
router.register("values", views.ValueViewSet, basename="value")
router.register("imports", views.ImportJobViewSet, basename="import")
router.register("evidence", views.EvidenceViewSet, basename="evidence")

urlpatterns = router.urls

# Stored progress (indicators/api/progress.py), kept apart from the framework's endpoints.
from .progress import ProgressResultViewSet, ProgressRollupViewSet  # noqa: E402

router.register("progress/results", ProgressResultViewSet, basename="progress-result")
router.register("progress/rollups", ProgressRollupViewSet, basename="progress-rollup")
urlpatterns = router.urls
