"""gunicorn settings (read from the working folder by ``gunicorn app:server``).

Environment: ``PORT`` (8050), ``HOST`` (0.0.0.0), ``WORKERS`` (3), ``GUNICORN_TIMEOUT``
(120 s). The app is imported once in the master (``preload_app``): it runs no numba or
OpenMP code, so forking the workers (and their background jobs) is safe. Workers are
recycled after ~1,000 requests, so a slow leak cannot grow for ever.
"""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8050')}"
workers = int(os.environ.get("WORKERS", "3"))
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
max_requests = 1000
max_requests_jitter = 100
# Background jobs outlive a killed worker; they write their result to the shared store.
