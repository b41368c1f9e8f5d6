from django.urls import path

from . import views, views_exports

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("new/", views.report_new, name="new"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/narrative/", views.narrative_save, name="narrative"),
    path("<int:pk>/runs/", views.run_start, name="start"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/files/<int:file_id>/", views.file_download, name="file"),
    path("runs/<int:pk>/issue/", views.run_issue, name="issue"),
    path("runs/<int:pk>/rerender/", views.run_rerender, name="rerender"),
    path("runs/<int:pk>/delete/", views.run_delete, name="run-delete"),
    path("publishing/<int:entity_id>/", views.publishing_set, name="publishing"),
    path("public/", views.public_list, name="public"),
    path("public/<int:pk>/", views.public_detail, name="public-run"),
    path("public/<int:pk>/files/<int:file_id>/", views.public_file, name="public-file"),
]

# Exports of lists kept in the archive (reports/views_exports.py).
urlpatterns += [
    path("exports/", views_exports.export_list, name="exports"),
    path("exports/<int:pk>/", views_exports.export_detail, name="export"),
    path("exports/<int:pk>/file/", views_exports.export_file, name="export-file"),
    path("exports/<int:pk>/delete/", views_exports.export_delete, name="export-delete"),
]
