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
