"""Keep N cores busy, to check that the suite passes on a loaded machine (issue #10).

    python scripts/busy.py 2                          # two spinning processes until Ctrl-C
    python scripts/busy.py 2 --seconds 600            # ... for ten minutes
    python scripts/busy.py 2 -- make test             # ... while a command runs; its exit code

Each spinner is a separate process in a plain Python loop (one core each, no I/O, no memory).
All of them stop when this script ends, however it ends (Ctrl-C, SIGTERM, the command's exit).
"""

import argparse
import multiprocessing
import signal
import subprocess
import sys
import time


def spin():
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us, in order
    while True:
        pass


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cores", type=int, help="how many cores to keep busy (one process each)")
    parser.add_argument("--seconds", type=float, help="stop after this long (default: never)")
    parser.epilog = "-- COMMAND ...: run the command while the cores are busy, then stop."
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    if args.cores < 1:
        parser.error("cores must be at least 1")

    signal.signal(signal.SIGTERM, lambda *_a: sys.exit(143))
    spinners = [multiprocessing.Process(target=spin, daemon=True) for _ in range(args.cores)]
    for p in spinners:
        p.start()
    print(f"[busy] {args.cores} core(s) kept busy by pids {[p.pid for p in spinners]}", flush=True)
    try:
        if command:
            return subprocess.call(command)
        deadline = None if args.seconds is None else time.monotonic() + args.seconds
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.5)
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        for p in spinners:
            p.terminate()
        for p in spinners:
            p.join(5)
        print("[busy] stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
