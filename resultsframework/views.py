import logging

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import BadRequest
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from audit.tasks import last_heartbeat
from entities import permissions
from notifications.selectors import work_lists

logger = logging.getLogger(__name__)


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


# --- error pages: JSON under /api/ (as the README promises), the site's pages elsewhere --------


def _is_api(request):
    return request.path.startswith("/api/")


def _error(request, status, template, message):
    if _is_api(request):
        return JsonResponse({"detail": str(message)}, status=status)
    try:
        return render(request, template, {"message": message}, status=status)
    except Exception:  # a broken page layout must not hide the error behind another one
        logger.exception("The error page %s could not be rendered", template)
        return HttpResponse(str(message), status=status, content_type="text/plain; charset=utf-8")


def bad_request(request, exception=None):
    """HTTP 400. A request refused on purpose (BadRequest) says why; others say no more."""
    message = _("The request could not be understood.")
    if isinstance(exception, BadRequest) and str(exception):
        message = str(exception)
    return _error(request, 400, "400.html", message)


def permission_denied(request, exception=None):
    message = str(exception) if exception is not None and str(exception) else ""
    return _error(request, 403, "403.html", message or _("You may not see or do this."))


def page_not_found(request, exception=None):
    return _error(request, 404, "404.html", _("Not found."))


def server_error(request):
    return _error(request, 500, "500.html", _("A server error occurred. It has been logged."))
