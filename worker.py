"""Celery worker entry point (``REDIS_URL`` set): ``celery -A worker:celery_app worker``.

Importing the app registers every background callback as a Celery task, so a worker runs
the same code as the web workers; it shares their store through Redis and
``RNACLUST_SHARED_DIR``. The numba warm-up is left to the web server (set
``RNACLUST_WARM_UMAP=1`` to warm here too), and the worker reads the compiled code from
the shared ``NUMBA_CACHE_DIR``.
"""

from __future__ import annotations

import os

if not os.environ.get("REDIS_URL"):
    raise SystemExit("worker.py runs background jobs on Celery: set REDIS_URL "
                     "(e.g. redis://localhost:6379/0) as for the web server.")
os.environ.setdefault("RNACLUST_WARM_UMAP", "0")

from app import app, celery_app  # noqa: E402 - after the environment is set

__all__ = ["app", "celery_app"]
