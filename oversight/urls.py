from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "oversight"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="oversight:list"), name="home"),
    path("recommendations/", views.recommendation_list, name="list"),
    path("export.xlsx", views.recommendation_export, name="export"),
    path("import/", views.import_recommendations, name="import"),
    path("import/<int:pk>/", views.import_job, name="import-job"),
    path("reports/", views.report_list, name="reports"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics.xlsx", views.statistics_export, name="statistics-export"),
    path("recommendations/<int:pk>/", views.recommendation_detail, name="detail"),
    path("recommendations/<int:pk>/<slug:action>/", views.recommendation_act, name="act"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("resolutions/", views.resolution_list, name="resolutions"),
    path("resolutions/<int:pk>/", views.resolution_detail, name="resolution"),
    path("action-plans/", views.action_plan, name="action-plans"),
    path("action-plans/items/<int:pk>/", views.action_item_detail, name="action-item"),
]
