"""Settings for resultsframework, read from the environment (django-environ).

Every variable is listed in README.md. Defaults suit a developer machine; production sets
DJANGO_DEBUG=false and the variables that `manage.py check --deploy` asks for.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from . import defaults

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        # A production must never run on a key that is in the repository.
        raise ImproperlyConfigured(
            "Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=true on a developer machine)."
        )
    # The "django-insecure-" prefix makes `check --deploy` flag it if it ever gets that far.
    SECRET_KEY = "django-insecure-development-key-set-DJANGO_SECRET_KEY-in-production"
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "django_celery_beat",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "axes",
    "core",
    "audit",
    "entities",
    "indicators",
    "compacts",
    "oversight",
    "reports",
    "notifications",
]

MIDDLEWARE = [
    # First: a GET reads the shared cache's generations in one round trip (core/cache.py).
    "core.middleware.SharedCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication, so that its 400 page shows the signed-in user's navigation.
    "core.middleware.RejectNulMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    # AxesMiddleware must be last: it turns locked-out logins into a clear page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "resultsframework.urls"
WSGI_APPLICATION = "resultsframework.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "resultsframework.context_processors.navigation",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/resultsframework"
    )
}
# A unix-socket directory is written percent-encoded in the URL's host
# (postgres://user@%2Fpath%2Fto%2Fdir/name); django-environ leaves it encoded.
DATABASES["default"]["HOST"] = unquote(DATABASES["default"]["HOST"])
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: each gunicorn thread (gthread worker) and each Celery process keeps
# its own connection for this many seconds instead of opening one per request (a new
# PostgreSQL backend costs a few milliseconds of both CPUs); checked before its first use in
# each request, so one the database closed meanwhile (a restart) is replaced, not an error.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")

CACHES = {
    "default": {
        # Django's Redis backend, with one redis-py client per pool instead of one per call.
        "BACKEND": "core.redis_cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="rf"),
    }
}

# Sessions are read from Redis and written through to PostgreSQL (a signed-in page asks the
# database nothing to know who is signed in); a session evicted from Redis is read back from
# the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # Axes first, so a locked-out username is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend with the signed-in user and their memberships read from the cache.
    "entities.backends.CachedModelBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed-login throttling (django-axes): lock a username+IP pair after AXES_FAILURE_LIMIT failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "resultsframework.api.lockout_response"
# Addresses (or networks) of the reverse proxies in front of the application. Only a request
# arriving from one of them may name its client in X-Forwarded-For; from anyone else the header
# is ignored, so rotating it cannot escape the lockout or the token endpoint's throttle.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Date and time display formats, the same in both languages (resultsframework/formats/).
FORMAT_MODULE_PATH = ["resultsframework.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Private files (evidence, uploaded workbooks, report archives) go to the "private" storage
# (core/files.py): by default MEDIA_ROOT/private, a directory no URL serves; views stream the
# files after a permission check. With several machines, point it at an S3-compatible bucket
# shared by web and workers (README, "Private files"): PRIVATE_STORAGE_BACKEND names the
# backend (e.g. storages.backends.s3.S3Storage, needs django-storages[s3]) and
# PRIVATE_STORAGE_OPTIONS its options as JSON.
PRIVATE_STORAGE = {
    "BACKEND": env.str("PRIVATE_STORAGE_BACKEND", default="core.files.PrivateFileSystemStorage"),
    "OPTIONS": env.json("PRIVATE_STORAGE_OPTIONS", default={}),
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "private": PRIVATE_STORAGE,
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / ".run" / "media")))
PRIVATE_FILES_MAX_BYTES = env.int("PRIVATE_FILES_MAX_BYTES", default=10 * 1024 * 1024)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "entities.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "resultsframework.api.exception_handler",
}

# API tokens (django-rest-knox): only a hash is stored; each expires after this many days, and
# every token of a user is revoked when their password changes or they are deactivated.
API_TOKEN_LIFETIME_DAYS = env.int("API_TOKEN_LIFETIME_DAYS", default=30)
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_LIFETIME_DAYS),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "resultsframework API",
    "DESCRIPTION": (
        "Results frameworks, indicator values, funding-compact commitments and oversight "
        "recommendations of UN entities. Authenticate with `Authorization: Token <key>` "
        "(POST /api/v1/auth/token/) or a browser session."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and docs are public: they describe the API, not its data.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Error responses (400/401/403/404) documented on every operation, as the API gives them.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "resultsframework.api.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ValueKindEnum": "indicators.choices.ValueKind",
        "PlanKindEnum": "indicators.choices.PlanKind",
    },
}
# Each app names its own choice sets in the schema (added here, one line per app).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "RecommendationStatusEnum": "oversight.choices.Status",
        "ResolutionStatusEnum": "oversight.choices.ResolutionStatus",
        "ActionItemStatusEnum": "oversight.choices.ActionItemStatus",
        "NotificationKindEnum": "notifications.choices.Kind",
    }
)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "ReportFormatEnum": "reports.choices.Format",
        "ReportLanguageEnum": "reports.choices.Language",
        "ReportRunStatusEnum": "reports.choices.RunStatus",
    }
)

# Celery: broker and result backend are Redis. The user-visible state of a job lives in our own
# models; the result backend only serves `AsyncResult` for operators.


def _celery_url(url):
    """Kombu names a Redis unix socket `redis+socket://PATH`; redis-py names it `unix://PATH`."""
    if url.startswith("unix://"):
        return "redis+socket://" + url[len("unix://") :].split("?")[0]
    return url


CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=_celery_url(REDIS_URL))
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=_celery_url(REDIS_URL))
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Memory of a worker's pool process: one that holds more than this (KiB, resident) after a
# task is replaced by a fresh one; and none may grow past CELERY_WORKER_MEMORY_LIMIT_MB of
# address space (resultsframework/celery.py): a parse that balloons fails with MemoryError
# instead of taking the machine down. 0 switches either off.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int(
    "CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=512 * 1024
)
CELERY_WORKER_MEMORY_LIMIT_MB = env.int("CELERY_WORKER_MEMORY_LIMIT_MB", default=4096)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# Limits of uploaded files and of imports read in the web process (bigger ones go to a worker).
INDICATORS_EVIDENCE_MAX_BYTES = env.int("INDICATORS_EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
INDICATORS_IMPORT_MAX_BYTES = env.int("INDICATORS_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
INDICATORS_IMPORT_INLINE_MAX_BYTES = env.int(
    "INDICATORS_IMPORT_INLINE_MAX_BYTES", default=256 * 1024
)
INDICATORS_IMPORT_INLINE_ROWS = env.int("INDICATORS_IMPORT_INLINE_ROWS", default=2000)
# Data rows one workbook may hold (core.excel.Limits): a sheet reaching further is refused.
INDICATORS_IMPORT_MAX_ROWS = env.int("INDICATORS_IMPORT_MAX_ROWS", default=500_000)
# A recommendations file is checked and written set-based in a job: 200,000 rows take seconds.
OVERSIGHT_IMPORT_MAX_ROWS = env.int("OVERSIGHT_IMPORT_MAX_ROWS", default=200_000)
OVERSIGHT_IMPORT_MAX_BYTES = env.int("OVERSIGHT_IMPORT_MAX_BYTES", default=100 * 1024 * 1024)
# Exports of lists (core/exports.py): up to this many rows the file streams at once; a larger
# list is written by a job and kept in the report archive (reports.ExportRun), files of at most
# EXPORT_MAX_BYTES.
EXPORT_INLINE_MAX_ROWS = env.int("EXPORT_INLINE_MAX_ROWS", default=5_000)
EXPORT_MAX_BYTES = env.int("EXPORT_MAX_BYTES", default=500 * 1024 * 1024)
# Smaller files are read (and, up to the rows, written) in the request; larger ones in a job.
OVERSIGHT_IMPORT_INLINE_MAX_BYTES = env.int("OVERSIGHT_IMPORT_INLINE_MAX_BYTES", default=256 * 1024)
OVERSIGHT_IMPORT_INLINE_ROWS = env.int("OVERSIGHT_IMPORT_INLINE_ROWS", default=2000)
OVERSIGHT_EVIDENCE_MAX_BYTES = env.int("OVERSIGHT_EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
# On-track band (indicators/progress.py): an indicator is on track when the share of the way
# covered is at least the share of time elapsed minus this tolerance (inclusive), e.g. 0.10 =
# 10 percentage points.
PROGRESS_ON_TRACK_TOLERANCE = env.float("PROGRESS_ON_TRACK_TOLERANCE", default=0.10)

# E-mail (notifications) through Django's e-mail framework. EMAIL_URL names the backend and
# server, e.g. smtp+tls://user:password@smtp.example.org:587 in production; `make run` prints
# mail to the console (consolemail://), tests use Django's in-memory outbox.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="resultsframework <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# Links in e-mails are made absolute with this address.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# A period "about to close" ends within this many days; a recommendation "due soon" falls due
# within this many days (work lists and the weekly digest).
NOTIFICATIONS_PERIOD_CLOSING_DAYS = env.int("NOTIFICATIONS_PERIOD_CLOSING_DAYS", default=7)
NOTIFICATIONS_DUE_SOON_DAYS = env.int("NOTIFICATIONS_DUE_SOON_DAYS", default=30)

# Shown by `make run` and used by `load_demo`.
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default=defaults.DEMO_PASSWORD)

# Production hardening; all on when DEBUG is off (see README, "Production").
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Content-Security-Policy of every page (core/middleware.py): scripts and everything else only
# from this site, no inline script; inline style attributes are allowed (templates and charts
# use them; styles cannot run code). A response that sets its own policy keeps it.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # django-axes logs every sign-in at INFO; lockouts still show as warnings.
    # WeasyPrint logs every layout step of every PDF at INFO.
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
