"""Small helpers shared by benchmarks: timing with repeats, peak memory, the printed line."""

import statistics
import time
import tracemalloc


def best_of(fn, repeat=5):
    """Median wall time of `repeat` calls, in seconds (the first call warms caches)."""
    fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def peak_memory(fn):
    """(result, peak bytes allocated by Python while running fn)."""
    tracemalloc.start()
    try:
        result = fn()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def report(label, seconds, floor_seconds=None, floor_label="floor", extra=""):
    line = f"{label:<48} {seconds * 1000:10.2f} ms"
    if floor_seconds:
        ratio = seconds / floor_seconds
        line += f"   {floor_label}: {floor_seconds * 1000:8.2f} ms   ratio {ratio:6.2f}x"
    if extra:
        line += f"   {extra}"
    print(line, flush=True)
