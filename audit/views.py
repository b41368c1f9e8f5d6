from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from .choices import EventAction
from .display import describe
from .models import Event
from .permissions import can_view_events


@login_required
def event_list(request):
    """The domain events of the entities the auditor may see, newest first."""
    if not can_view_events(request.user):
        raise PermissionDenied
    events = Event.objects.visible_to(request.user).select_related("actor", "entity")
    action = request.GET.get("action", "").strip()
    if action:
        events = events.filter(action__startswith=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    page.object_list = describe(page.object_list)
    return render(
        request,
        "audit/event_list.html",
        {"page": page, "action": action, "actions": EventAction.choices},
    )
