from django.urls import path

from . import views

app_name = "indicators"
urlpatterns = [
    path("", views.plan_list, name="plans"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:plan_id>/indicators/new/", views.indicator_create, name="indicator-new"),
    path("periods/<int:pk>/close/", views.period_close, name="period-close"),
    path("periods/<int:pk>/edit/", views.period_edit, name="period-edit"),
    path("entry/", views.entry_index, name="entry-index"),
    path("entry/<int:period_id>/", views.entry_grid, name="entry"),
    path("entry/<int:period_id>/bulk/", views.entry_bulk, name="entry-bulk"),
    path("entry/<int:period_id>/<int:indicator_id>/check/", views.entry_check, name="entry-check"),
    path("entry/<int:period_id>/<int:indicator_id>/save/", views.entry_save, name="entry-save"),
    path(
        "entry/<int:period_id>/<int:indicator_id>/attach/",
        views.entry_attach,
        name="entry-attach",
    ),
    path("entry/<int:period_id>/template.xlsx", views.template_download, name="template"),
    path("entry/<int:period_id>/import/", views.import_upload, name="import-upload"),
    path("imports/<int:pk>/", views.import_detail, name="import"),
    path("imports/<int:pk>/commit/", views.import_commit, name="import-commit"),
    path("review/", views.review_queue, name="review"),
    path("review/bulk/", views.review_bulk, name="review-bulk"),
    path("review/export.xlsx", views.review_export, name="review-export"),
    path("values/export.xlsx", views.values_export, name="values-export"),
    path("values/<int:pk>/", views.value_detail, name="value"),
    path("values/<int:pk>/comment/", views.value_comment, name="value-comment"),
    path("values/<int:pk>/evidence/", views.evidence_upload, name="evidence-upload"),
    path(
        "values/<int:pk>/evidence/<int:evidence_id>/",
        views.evidence_download,
        name="evidence",
    ),
    path(
        "values/<int:pk>/<str:action>/",
        views.value_transition,
        name="value-action",
    ),
    path("indicators/<int:pk>/", views.indicator_detail, name="indicator"),
    path("indicators/<int:pk>/edit/", views.indicator_edit, name="indicator-edit"),
    path("indicators/<int:pk>/baseline/", views.baseline_edit, name="baseline-edit"),
    path("indicators/<int:pk>/targets/new/", views.target_edit, name="target-new"),
    path("indicators/<int:pk>/targets/<int:year>/", views.target_edit, name="target-edit"),
]

# Progress dashboards (indicators/views/progress.py).
urlpatterns += [
    path("plans/<int:pk>/progress/", views.plan_progress, name="plan-progress"),
    path("progress/export.xlsx", views.progress_export, name="progress-export"),
    path(
        "plans/<int:pk>/progress/nodes/<int:node_id>/",
        views.plan_progress_section,
        name="plan-progress-section",
    ),
    path(
        "indicators/<int:pk>/progress/",
        views.indicator_progress,
        name="indicator-progress",
    ),
    path(
        "entities/<str:code>/dashboard/",
        views.entity_dashboard,
        name="entity-dashboard",
    ),
]
