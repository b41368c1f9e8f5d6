from django.urls import path

from . import views

app_name = "entities"
urlpatterns = [
    path("", views.entity_list, name="list"),
    path("boards/", views.board_list, name="boards"),
    path("team/", views.team, name="team"),
    path("<str:code>/", views.entity_detail, name="detail"),
]
