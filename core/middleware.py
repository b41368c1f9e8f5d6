"""HTTP security headers that Django 5.2 does not set by itself."""

from django.conf import settings


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
