from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from entities.views import SignInView, api_token_revoke, api_tokens, set_language
from resultsframework.views import healthz, home

api_v1 = [
    path("", include("entities.api.urls")),
    path("", include("indicators.api.urls")),
    path("", include("compacts.api.urls")),
    path("", include("oversight.api.urls")),
    path("", include("reports.api.urls")),
    path("", include("notifications.api.urls")),
]

urlpatterns = [
    path("", home, name="home"),
    path("healthz/", healthz, name="healthz"),
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/tokens/", api_tokens, name="api-tokens"),
    path("accounts/tokens/<str:token_key>/revoke/", api_token_revoke, name="api-token-revoke"),
    # Django's switcher, remembering a signed-in user's choice (entities.Profile).
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("entities/", include("entities.urls")),
    path("audit/", include("audit.urls")),
    path("indicators/", include("indicators.urls")),
    path("compacts/", include("compacts.urls")),
    path("oversight/", include("oversight.urls")),
    path("reports/", include("reports.urls")),
    path("notifications/", include("notifications.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

admin.site.site_header = "resultsframework"
admin.site.site_title = "resultsframework"

handler400 = "resultsframework.views.bad_request"
handler403 = "resultsframework.views.permission_denied"
handler404 = "resultsframework.views.page_not_found"
handler500 = "resultsframework.views.server_error"
