from rest_framework.routers import SimpleRouter

from . import framework, views

router = SimpleRouter()
# Frameworks, results and periods are read and written through indicators/api/framework.py.
router.register("plans", framework.PlanViewSet, basename="plan")
router.register("nodes", framework.NodeViewSet, basename="node")
router.register("periods", framework.PeriodViewSet, basename="period")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("baselines", views.BaselineViewSet, basename="baseline")
router.register("targets", views.TargetViewSet, basename="target")
router.register("values", views.ValueViewSet, basename="value")
router.register("imports", views.ImportJobViewSet, basename="import")
router.register("evidence", views.EvidenceViewSet, basename="evidence")

urlpatterns = router.urls

# Stored progress (indicators/api/progress.py), kept apart from the framework's endpoints.
from .progress import (  # noqa: E402
    ProgressResultViewSet,
    ProgressRollupViewSet,
    ProgressRunViewSet,
)

router.register("progress/results", ProgressResultViewSet, basename="progress-result")
router.register("progress/rollups", ProgressRollupViewSet, basename="progress-rollup")
router.register("progress/runs", ProgressRunViewSet, basename="progress-run")
urlpatterns = router.urls
