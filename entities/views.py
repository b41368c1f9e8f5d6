from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.choices import SystemReason

from . import permissions, selectors, services
from .filters import EntityFilter
from .models import ApiToken, BoardSession, Entity, GoverningBody, Membership


@login_required
def entity_list(request):
    qs = Entity.objects.visible_to(request.user).select_related("governing_body")
    filterset = EntityFilter(request.GET, queryset=qs)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    template = "entities/partials/entity_rows.html" if request.htmx else "entities/entity_list.html"
    return render(request, template, {"filter": filterset, "page": page})


@login_required
def entity_detail(request, code):
    # Not visible and not existing look the same: 404, so codes cannot be probed.
    entity = get_object_or_404(
        Entity.objects.visible_to(request.user).select_related("governing_body"), code=code
    )
    return render(
        request,
        "entities/entity_detail.html",
        {
            "entity": entity,
            "org_units": entity.org_units.select_related("parent"),
            "can_change": permissions.can_change_entity(request.user, entity),
        },
    )


@login_required
def board_list(request):
    if not permissions.can_view_governing_bodies(request.user):
        raise PermissionDenied
    bodies = GoverningBody.objects.prefetch_related("entities")
    sessions = BoardSession.objects.select_related("body")
    return render(request, "entities/board_list.html", {"bodies": bodies, "sessions": sessions})


@login_required
def team(request):
    if not permissions.can_view_team(request.user):
        raise PermissionDenied
    members = (
        Membership.objects.visible_to(request.user)
        .select_related("user", "entity", "org_unit")
        .order_by("entity__code", "role", "user__username")
    )
    page = Paginator(members, 100).get_page(request.GET.get("page"))
    return render(request, "entities/team.html", {"page": page})


@login_required
def api_tokens(request):
    """The signed-in user's own API tokens, each with a button that revokes it."""
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created")
    return render(request, "entities/api_tokens.html", {"tokens": tokens})


@login_required
@require_POST
def api_token_revoke(request, token_key):
    # Only one's own tokens here (token managers use the administration); others' are 404.
    token = get_object_or_404(ApiToken.objects.filter(user=request.user), token_key=token_key)
    services.api_token_revoke(token=token, actor=request.user, reason=SystemReason.ACCOUNT_PAGE)
    messages.success(request, _("The API token was revoked."))
    return redirect("api-tokens")


def _language_cookie(response, language):
    """Django's language cookie, set as its own set_language view sets it."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


class SignInView(auth_views.LoginView):
    """Django's sign-in; then the interface speaks the language the user chose (their profile's,
    set with the language switcher), whatever the browser asks for. A user who chose none keeps
    the browser's (or the cookie's) language."""

    def form_valid(self, form):
        response = super().form_valid(form)
        language = selectors.language_chosen(form.get_user())
        if language:
            _language_cookie(response, language)
        return response


def set_language(request):
    """Django's language switcher (the cookie, the redirect back), and for a signed-in user
    their choice remembered: their e-mail is then written in it too, and their next sign-in
    opens in it."""
    from django.views.i18n import set_language as django_set_language

    response = django_set_language(request)
    language = request.POST.get("language")
    if (
        request.method == "POST"
        and request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
    ):
        services.profile_language_set(user=request.user, language=language, actor=request.user)
    return response
