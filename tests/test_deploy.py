"""Production configuration: `check --deploy` is clean with the documented variables, and the
health check answers."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "k" * 20 + "-production-secret-with-enough-entropy-0123456789",
    "DJANGO_ALLOWED_HOSTS": "results.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://results.example.org",
}


def run_manage(*args, extra_env):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(extra_env)
    env["DJANGO_SETTINGS_MODULE"] = "resultsframework.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_check_deploy_is_clean_with_production_variables():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", extra_env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_complains_without_a_secret_key():
    env = {**PRODUCTION_ENV}
    del env["DJANGO_SECRET_KEY"]
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", extra_env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr


@pytest.mark.django_db
def test_healthz_reports_database_and_redis(client):
    r = client.get("/healthz/")
    assert r.status_code == 200
    assert r.json() == {"database": "ok", "redis": "ok"}


def test_production_refuses_to_start_without_a_secret_key():
    """With DEBUG off and no DJANGO_SECRET_KEY the settings raise: no production runs on the
    development key that is in the repository."""
    env = {**PRODUCTION_ENV}
    del env["DJANGO_SECRET_KEY"]
    result = run_manage("check", extra_env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "DJANGO_SECRET_KEY" in result.stderr


def test_a_developer_machine_starts_without_a_secret_key():
    result = run_manage("check", extra_env={"DJANGO_DEBUG": "true"})
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_pages_have_the_content_security_policy():
    result = run_manage("diffsettings", "--all", extra_env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "core.middleware.ContentSecurityPolicyMiddleware" in result.stdout
    assert "'private'" in result.stdout and "core.files.PrivateFileSystemStorage" in result.stdout


def test_a_worker_process_past_its_memory_limit_fails_the_allocation_not_the_machine():
    """The cap each Celery pool process gets (resultsframework/celery.py): an allocation past
    it raises MemoryError in that process; within it, allocations work."""
    script = (
        "from resultsframework.celery import limit_memory\n"
        "limit_memory(1024)\n"
        "small = bytearray(64 * 1024 * 1024)\n"
        "try:\n"
        "    bytearray(2 * 1024 * 1024 * 1024)\n"
        "except MemoryError:\n"
        "    print('refused')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "resultsframework.settings_test"}
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "refused"


def test_worker_memory_settings_are_on_by_default():
    from django.conf import settings

    assert settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD == 512 * 1024
    assert settings.CELERY_WORKER_MEMORY_LIMIT_MB == 4096


def test_gunicorn_workers_and_threads_come_from_the_environment():
    """gunicorn.conf.py, read by `make run` and the image: defaults for the machine, each
    setting overridable."""
    import runpy

    path = str(ROOT / "gunicorn.conf.py")
    default = runpy.run_path(path)
    assert default["workers"] == os.cpu_count() * 2 + 1
    assert default["threads"] == 2 and default["worker_class"] == "gthread"
    env = {"GUNICORN_WORKERS": "3", "GUNICORN_THREADS": "1", "GUNICORN_MAX_REQUESTS": "200"}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        chosen = runpy.run_path(path)
    assert chosen["workers"] == 3 and chosen["worker_class"] == "sync"
    assert chosen["max_requests"] == 200 and chosen["max_requests_jitter"] == 100
    assert "--config gunicorn.conf.py" in (ROOT / "Dockerfile").read_text()
