"""The load benchmark's clients as wrk (Debian's `wrk`), when it is installed.

The benchmark's own asyncio clients (httpx, in Python) cost about a millisecond of CPU per
request: at several hundred requests a second they take most of one of the machine's two CPUs
from the server they measure, and a response waits for their event loop before its time is
taken. wrk (C, epoll) sends the same requests for a few per cent of one CPU, so the figures are
the server's. Each connection is one client sending its next request when the last answered,
as the httpx clients do; latencies are wrk's own histogram, read by a Lua `done` hook.
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

# wrk calls done() once at the end with its summary and latency histogram (microseconds).
_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("RF %d %d %d %.1f %.1f %.1f %d %d %d %d %d\\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
end
"""


def available():
    return shutil.which("wrk") is not None


def hammer(base, path, headers, cookies, clients, duration, threads=2):
    """`clients` connections for `duration` seconds (whole ones: wrk takes no fraction).
    Returns a dict: requests, seconds, bytes, p50/p95/p99 in seconds, errors (connect, read,
    write, status not 2xx/3xx, timeouts)."""
    args = [
        "wrk",
        f"-t{min(threads, clients)}",
        f"-c{clients}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "60s",
    ]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    if cookies:
        args += ["-H", "Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items())]
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "report.lua"
        script.write_text(_REPORT)
        done = subprocess.run(
            [*args, "-s", str(script), base + path], capture_output=True, text=True
        )
    if done.returncode != 0:
        raise RuntimeError(f"wrk exited with {done.returncode}: {done.stderr or done.stdout}")
    out = done.stdout
    line = next(line for line in out.splitlines() if line.startswith("RF "))
    fields = line.split()[1:]
    requests, micros, size = (int(x) for x in fields[:3])
    p50, p95, p99 = (float(x) / 1e6 for x in fields[3:6])
    connect, read, write, status, timeout = (int(x) for x in fields[6:11])
    return {
        "requests": requests,
        "seconds": micros / 1e6,
        "bytes": size,
        "p50": p50,
        "p95": p95,
        "p99": p99,
        "errors": {
            "connect": connect,
            "read": read,
            "write": write,
            "status": status,
            "timeout": timeout,
        },
    }
