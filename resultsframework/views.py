from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from audit.tasks import last_heartbeat
from entities import permissions
from notifications.selectors import work_lists


@login_required
def home(request):
    """The user's roles and their work lists: what waits for them, each with a count and the
    first rows (the project package may read every app; entities may not read upward)."""
    return render(
        request,
        "home.html",
        {
            "memberships": permissions.memberships(request.user),
            "work": work_lists(request.user),
            "show_worker_status": request.user.is_superuser,
            "last_heartbeat": last_heartbeat() if request.user.is_superuser else None,
        },
    )


@never_cache
def healthz(request):
    """Liveness for load balancers and docker-compose: the database and Redis both answer."""
    status = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["database"] = "ok"
    except Exception as exc:  # any failure means unhealthy; the message helps the operator
        status["database"] = f"error: {exc.__class__.__name__}"
    try:
        cache.set("healthz", "ok", 10)
        status["redis"] = "ok" if cache.get("healthz") == "ok" else "error: no round trip"
    except Exception as exc:
        status["redis"] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in status.values())
    return JsonResponse(status, status=200 if healthy else 503)
