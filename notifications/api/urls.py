from django.urls import path

from . import views

urlpatterns = [
    path("notifications/", views.NotificationList.as_view(), name="api-notification-list"),
    path("notifications/read/", views.MarkRead.as_view(), name="api-notification-read"),
    path(
        "notifications/preferences/",
        views.Preferences.as_view(),
        name="api-notification-preferences",
    ),
]
