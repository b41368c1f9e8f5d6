"""Run every benchmark on a throw-away database (created like pytest's test database)."""

import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resultsframework.settings_test")


def main(selected):
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    import benchmarks

    names = [
        m.name for m in pkgutil.iter_modules(benchmarks.__path__) if not m.name.startswith("_")
    ]
    failures = 0
    try:
        for name in sorted(names):
            if selected and name not in selected:
                continue
            module = importlib.import_module(f"benchmarks.{name}")
            if not hasattr(module, "run"):
                continue
            print(f"\n=== {name}: {(module.__doc__ or '').strip().splitlines()[0]}", flush=True)
            started = time.perf_counter()
            try:
                module.run()
            except Exception as exc:  # report and go on with the others
                failures += 1
                print(f"!!! {name} failed: {exc!r}", flush=True)
            print(f"--- {name} took {time.perf_counter() - started:.1f} s", flush=True)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(set(sys.argv[1:])))
