"""gunicorn settings of `make run` and the production image, from the environment.

GUNICORN_WORKERS: processes (default 2 × CPUs + 1); GUNICORN_THREADS: threads in each
(default 2, the gthread worker); GUNICORN_TIMEOUT: seconds before a silent worker is
restarted (default 30); GUNICORN_MAX_REQUESTS: a worker is replaced after this many requests
(default 10,000, with jitter), so memory a request left behind is given back. Not fewer: with
lists and pages served from the shared cache a worker answers dozens of requests a second,
and each replacement costs a second or more of CPU to import the application again (at 1,000
every worker was replaced every 20 s under the load benchmark).
"""

import multiprocessing
import os

workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10
# Idle keep-alive connections a client holds open between requests (seconds).
keepalive = 5
