from django.urls import path

from . import views

app_name = "compacts"
urlpatterns = [
    path("", views.compact_list, name="list"),
    path("<slug:code>/", views.compact_detail, name="detail"),
    path("<slug:code>/export.xlsx", views.compact_export, name="export"),
    path("<slug:code>/indicators/<int:pk>/", views.indicator_detail, name="indicator"),
]
