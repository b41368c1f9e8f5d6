"""Helpers of benchmarks/web_load.py: a GET whose connection the server broke is retried once
and counted, and the server's CPU is read from /proc, children included (no database)."""

import asyncio
import subprocess
import sys
import time

import httpx

from benchmarks.web_load import get_retrying, server_cpu_seconds

BURN = "import time\nend = time.process_time() + {s}\nwhile time.process_time() < end: pass\n"

# A parent that starts a child burning CPU, waits for it (reaped: counted in the parent's
# cutime), then starts a second one that burns and stays while the test reads.
PARENT = f"""
import subprocess, sys, time
subprocess.run([sys.executable, "-c", {BURN.format(s=0.3)!r}])
child = subprocess.Popen([sys.executable, "-c", {BURN.format(s=0.3)!r} + "time.sleep(30)"])
print("ready", flush=True)
time.sleep(30)
"""


def test_server_cpu_counts_the_process_its_children_and_those_that_ended():
    proc = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(1.0)  # the second child burns its 0.3 s
        assert server_cpu_seconds(proc.pid) >= 0.5
    finally:
        proc.kill()
        proc.wait()


def test_a_get_whose_connection_broke_is_retried_once_and_counted():
    async def scenario():
        served = []

        async def handle(reader, writer):
            await reader.readuntil(b"\r\n\r\n")
            served.append(1)
            if len(served) == 1:  # the first: closed without an answer
                writer.close()
                return
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        retries = []
        async with server, httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            r = await get_retrying(client, "/", retries)
        return r, retries, served

    r, retries, served = asyncio.run(scenario())
    assert r.status_code == 200 and r.text == "ok"
    assert retries == ["RemoteProtocolError"] and len(served) == 2


def test_wrk_clients_report_requests_latencies_and_errors():
    """benchmarks/_wrk.py against a real server: the counts and percentiles wrk prints are
    read back, and answers that are not 2xx/3xx are errors, not successes."""
    import http.server
    import shutil
    import threading

    import pytest

    from benchmarks import _wrk

    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (Debian: apt-get install wrk)")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            status = 500 if self.path == "/broken" else 200
            assert self.headers["X-Probe"] == "yes" and "sessionid=abc" in self.headers["Cookie"]
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        kw = {"headers": {"X-Probe": "yes"}, "cookies": {"sessionid": "abc"}, "clients": 4}
        good = _wrk.hammer(base, "/", duration=1, **kw)
        bad = _wrk.hammer(base, "/broken", duration=1, **kw)
    finally:
        server.shutdown()
    assert good["requests"] > 10 and 0.9 < good["seconds"] < 5
    assert 0 < good["p50"] <= good["p95"] <= good["p99"] < 5
    assert not any(good["errors"].values())
    assert bad["requests"] > 10 and bad["errors"]["status"] == bad["requests"]
