"""gunicorn settings of `make run` and the production image, from the environment.

GUNICORN_WORKERS: processes (default 2 × CPUs + 1); GUNICORN_THREADS: threads in each
(default 2, the gthread worker); GUNICORN_TIMEOUT: seconds before a silent worker is
restarted (default 30); GUNICORN_MAX_REQUESTS: a worker is replaced after this many requests
(default 50,000, each worker at a random point up to half as many again, so they are not
replaced together), so memory a request left behind is given back. Not fewer: with lists and
pages served from the shared cache a worker answers a hundred requests a second, and each
replacement costs a second or more of CPU to import the application again and a slower start
while its caches fill (at 1,000 every worker was replaced every 20 s under the load benchmark;
at 10,000 with a tenth of jitter all five were replaced within 13 s, every two minutes, and the
target measured then lost half its throughput).

GUNICORN_KEEPALIVE: seconds a connection is kept open for the client's next request (default 0:
closed after each response). A gthread worker accepts every connection it is offered, up to
`worker_connections`, however busy its threads are, and keeps a kept-alive one for itself:
under the load benchmark one of five workers held 44 of the 50 clients' connections while the
others idled, so most requests waited behind one process (p95 two to four times p50). With
no keep-alive and `worker_connections` equal to the threads, a worker takes a connection only
when a thread is free, and the waiting ones stay in the kernel's queue for whichever worker
frees first (p95 1.3 to 1.5 times p50). Behind a reverse proxy (which speaks HTTP/1.0 to its
upstream by default) nothing changes; a browser served directly opens a connection per request,
which costs little next to rendering a page.
"""

import multiprocessing
import os

workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 2
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "0"))
# With keep-alive, a worker must be able to hold its clients' idle connections besides the
# ones its threads serve; without, it takes no more than it can serve at once.
worker_connections = threads if keepalive == 0 else 1000
