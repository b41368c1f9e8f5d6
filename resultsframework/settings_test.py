"""Test settings: the real PostgreSQL and Redis of settings.py, with faster hashing."""

from .settings import *  # noqa: F403
from .settings import env

DEBUG = False
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / ".run" / "test-media"  # noqa: F405
AXES_FAILURE_LIMIT = 3
CACHES["default"]["KEY_PREFIX"] = "rf-test"  # noqa: F405
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TEST_QUEUE", default="rf-test")
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
