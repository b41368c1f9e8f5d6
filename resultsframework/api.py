"""API conventions shared by every app: error format and the small views of the API root."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """DRF's handler, plus Django's ValidationError from services turned into HTTP 400.

    Services raise django.core.exceptions.ValidationError; the API answers with the same
    messages the pages show, keyed by field, so no surface needs its own validation copy.
    """
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        else:
            detail = {"detail": [str(m) for m in exc.messages]}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)


def lockout_response(request, response=None, credentials=None, *args, **kwargs):
    """django-axes lockout: JSON for API clients, the locked-out page for people (HTTP 429)."""
    from django.http import JsonResponse
    from django.shortcuts import render
    from django.utils.translation import gettext as _

    if request.path.startswith("/api/"):
        message = _("Too many failed sign-in attempts. Try again later.")
        return JsonResponse({"detail": message}, status=429)
    return render(request, "registration/locked_out.html", status=429)
