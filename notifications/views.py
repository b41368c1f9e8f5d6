from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from entities.selectors import language_for
from entities.services import profile_language_set

from . import services, texts
from .forms import PreferencesForm
from .models import Notification


@login_required
def notification_list(request):
    qs = Notification.objects.visible_to(request.user)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for note in page:
        note.subject = texts.subject(note)
        note.detail = texts.detail(note)
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def mark_read(request):
    """Mark one notification (`id`) or all of the user's own read, then go back."""
    raw = request.POST.get("id")
    ids = None
    if raw is not None:
        ids = [int(raw)] if raw.isdigit() else []
    services.notifications_mark_read(actor=request.user, ids=ids)
    nxt = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(nxt, {request.get_host()}, request.is_secure()):
        nxt = "notifications:list"
    return redirect(nxt)


@login_required
def preferences(request):
    current = services.preferences_for(request.user)
    form = PreferencesForm(
        request.POST or None, initial_prefs=current, language=language_for(request.user)
    )
    if request.method == "POST" and form.is_valid():
        services.preferences_save(user=request.user, choices=form.choices(), actor=request.user)
        # Stored only when the reader changed it: saving the other choices must not turn the
        # language shown by default into a choice (it would then win over the browser's at
        # sign-in).
        if form.cleaned_data["language"] and "language" in form.changed_data:
            profile_language_set(
                user=request.user, language=form.cleaned_data["language"], actor=request.user
            )
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
