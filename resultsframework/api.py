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


ERROR_SCHEMA = {
    "type": "object",
    "description": "An error the API answers with, and why.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# Invalid input: field name (or `detail`, `non_field_errors`, `__all__`) → messages; nested
# input (a list of levels, say) answers its own errors in the same shape, item by item.
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Invalid input: each field with its messages.",
    "additionalProperties": {
        "anyOf": [{"type": "string"}, {"type": "array", "items": {}}, {"type": "object"}]
    },
}
ERROR_RESPONSES = {
    "400": ("Invalid input (nothing was written).", "ValidationError"),
    "401": ("No credentials, or credentials that are not valid.", "Error"),
    "403": ("The caller's roles do not allow this.", "Error"),
    "404": ("Not found, or not visible to the caller.", "Error"),
}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents the errors it may answer
    with, in the shapes the exception handler above gives them, unless it declares its own."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    schemas["ValidationError"] = VALIDATION_ERROR_SCHEMA
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code, (description, component) in ERROR_RESPONSES.items():
                ref = {"$ref": f"#/components/schemas/{component}"}
                responses.setdefault(
                    code,
                    {"description": description, "content": {"application/json": {"schema": ref}}},
                )
    return result
