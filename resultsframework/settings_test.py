"""Test settings: the real PostgreSQL and Redis of settings.py, with faster hashing."""

import os

# Tests run with DEBUG off, which needs a key; this one exists only for tests.
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-any-deployment-0123456789")

from .settings import *  # noqa: E402, F403
from .settings import env  # noqa: E402

DEBUG = False
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "private": {"BACKEND": "core.files.PrivateFileSystemStorage"},
}
# pytest-xdist runs the suite in several processes ("gw0", "gw1", ...): each gets its own test
# database (pytest-django), and here its own files, cache keys and Celery queue, so that one
# process's worker never takes another's tasks and no process clears another's cache keys.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_suffix = f"-{XDIST_WORKER}" if XDIST_WORKER else ""
MEDIA_ROOT = BASE_DIR / ".run" / f"test-media{_suffix}"  # noqa: F405
AXES_FAILURE_LIMIT = 3
CACHES["default"]["KEY_PREFIX"] = f"rf-test{_suffix}"  # noqa: F405
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TEST_QUEUE", default="rf-test") + _suffix
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
