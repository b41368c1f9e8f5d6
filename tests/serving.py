"""gunicorn as `make run` and the image start it (gunicorn.conf.py, production settings, DEBUG
off), on the test database, for tests of what only a served application shows."""

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(**gunicorn_env):
    """Serve until the block ends; yields (port, process). `gunicorn_env` sets GUNICORN_*
    variables; the machine's own are not passed on, so gunicorn.conf.py's defaults hold."""
    db = settings.DATABASES["default"]
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}",
        DJANGO_SETTINGS_MODULE="resultsframework.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="t" * 50,
        DJANGO_SECURE_SSL_REDIRECT="false",
        **gunicorn_env,
    )
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    command = [gunicorn, "resultsframework.wsgi:application", "--config", "gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "--no-control-socket"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, "gunicorn exited"
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz/", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.2)
        yield port, proc
    finally:
        proc.terminate()
        proc.wait(30)
