"""Benchmarks: `make bench` runs every module here that defines run().

Each benchmark prints its figures and the ratio to the floor it names (the fastest way the same
work can be done here), so a slowdown shows as a ratio, not as a flaky timed test.
"""
