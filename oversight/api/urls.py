from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("oversight/bodies", views.OversightBodyViewSet, basename="oversight-body")
router.register("oversight/reports", views.ReportViewSet, basename="oversight-report")
router.register(
    "oversight/recommendations", views.RecommendationViewSet, basename="oversight-recommendation"
)
router.register("oversight/imports", views.RecommendationImportViewSet, basename="oversight-import")
router.register("oversight/evidence", views.EvidenceViewSet, basename="oversight-evidence")
router.register("oversight/resolutions", views.ResolutionViewSet, basename="oversight-resolution")
router.register(
    "oversight/action-plan-items", views.ActionPlanItemViewSet, basename="oversight-action-item"
)

urlpatterns = [
    path("oversight/statistics/", views.StatisticsView.as_view(), name="oversight-statistics"),
    *router.urls,
]
