"""scripts/busy.py, which keeps cores busy for the "passes on a busy machine" check: it runs the
command while its spinners spin, returns the command's exit code, and leaves no spinner behind."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUSY = [sys.executable, str(ROOT / "scripts" / "busy.py")]

# The command reads its parent's children (the spinners and itself) from the parent's own list, as
# tests/indicators/test_worker.py does: scanning every process of /proc raced with processes that
# ended between the listing and the read (a CI failure).
COUNT_SPINNERS = """
import os, sys, time
time.sleep(0.3)
ppid = os.getppid()
with open(f"/proc/{ppid}/task/{ppid}/children") as f:
    kids = [p for p in f.read().split() if p != str(os.getpid())]
print(len(kids))
sys.exit(7)
"""


def alive(pid):
    """Running (a zombie, or a pid gone between the two looks, is not)."""
    try:
        os.kill(pid, 0)
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except (ProcessLookupError, FileNotFoundError):
        return False


def test_runs_the_command_with_the_cores_busy_and_returns_its_exit_code():
    out = subprocess.run(
        [*BUSY, "2", "--", sys.executable, "-c", COUNT_SPINNERS],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 7
    lines = out.stdout.splitlines()
    assert lines[0].startswith("[busy] 2 core(s) kept busy by pids")
    assert lines[1] == "2"  # two spinners ran beside the command
    pids = [int(p) for p in lines[0].split("[", 2)[2].rstrip("]").split(",")]
    assert lines[-1] == "[busy] stopped"
    assert not any(alive(pid) for pid in pids)


def test_stops_after_the_given_seconds_and_refuses_zero_cores():
    assert subprocess.run([*BUSY, "1", "--seconds", "0.2"], timeout=60).returncode == 0
    refused = subprocess.run([*BUSY, "0"], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    assert "cores must be at least 1" in refused.stderr
