"""Notification e-mail goes through Django's e-mail framework: printed to the console unless
settings name an SMTP server (EMAIL_URL), as in production; `make run` prints it."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRINT = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.EMAIL_HOST_USER)"
)


def _settings(**env):
    base = {k: v for k, v in os.environ.items() if k != "EMAIL_URL"}
    base.update(DJANGO_SETTINGS_MODULE="resultsframework.settings", DJANGO_DEBUG="true", **env)
    out = subprocess.run(
        [sys.executable, "-c", PRINT], cwd=ROOT, env=base, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_without_a_setting_email_is_printed_to_the_console():
    assert _settings()[0] == "django.core.mail.backends.console.EmailBackend"


def test_an_smtp_server_is_configured_by_settings():
    backend, host, port, tls, user = _settings(
        EMAIL_URL="smtp+tls://rf:secret@mail.example.org:587"
    )
    assert backend == "django.core.mail.backends.smtp.EmailBackend"
    assert (host, port, tls, user) == ("mail.example.org", "587", "True", "rf")


def test_make_run_prints_email_to_the_console():
    assert 'env.setdefault("EMAIL_URL", "consolemail://")' in (ROOT / "scripts/dev.py").read_text()
