from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


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
