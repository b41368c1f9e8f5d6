"""Project-wide middleware: requests no view can answer properly are refused before any view
runs, and the HTTP security headers that Django 5.2 does not set by itself are added."""

import json

from django.conf import settings
from django.core.exceptions import BadRequest
from django.urls import get_resolver, get_urlconf
from django.utils.translation import gettext as _

JSON_TYPES = ("application/json",)


class SharedCacheMiddleware:
    """A GET or HEAD reads the shared cache's generations (core/cache.py) once, every scope in
    one round trip with the first that is needed (usually the signed-in user's), and keeps
    them for the rest of the request. First in MIDDLEWARE, so that the session, the user and
    every cached part of the page share that one read. Other methods write, and read each
    generation afresh."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        from core.cache import request_generations_end, request_generations_start

        token = request_generations_start()
        try:
            return self.get_response(request)
        finally:
            request_generations_end(token)


class NulCharacter(BadRequest):
    """PostgreSQL text cannot hold a NUL character (U+0000)."""


def _has_nul(value):
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class RejectNulMiddleware:
    """A NUL character in the path, the query string, a form field or a JSON body answers
    HTTP 400 (JSON under /api/, the error page elsewhere), whatever field it is meant for:
    stored or looked up, it would reach PostgreSQL and fail there with a server error.
    Files in multipart uploads are left alone (a workbook is binary)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._refused(request):
            error = NulCharacter(
                _("The request contains a NUL character (U+0000), which is not allowed.")
            )
            # The project's handler400 answers (JSON under /api/, the page elsewhere); called
            # here rather than raised, so an expected refusal logs no traceback.
            handler = get_resolver(get_urlconf()).resolve_error_handler(400)
            return handler(request, error)
        return self.get_response(request)

    def _refused(self, request):
        if "\x00" in request.path_info or _has_nul(dict(request.GET.lists())):
            return True
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return False
        content_type = request.content_type or ""
        if content_type in JSON_TYPES:
            try:
                return _has_nul(json.loads(request.body or b"null"))
            except (ValueError, UnicodeDecodeError):
                return False  # the parser answers malformed JSON with its own 400
        if content_type == "application/x-www-form-urlencoded":
            return _has_nul(dict(request.POST.lists()))
        return False


def _policy(directives):
    return "; ".join(f"{name} {' '.join(values)}".strip() for name, values in directives.items())


class ContentSecurityPolicyMiddleware:
    """Send settings.CONTENT_SECURITY_POLICY on every response that has no policy of its own
    (a private download sets a stricter one). Written here rather than taken from django-csp:
    one fixed policy without nonces is all the pages need, and Django 6.0 brings its own
    (django.middleware.csp) to switch to."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = _policy(settings.CONTENT_SECURITY_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.header
        return response
