"""Content-addressed store for datasets and stage results.

Every value is stored under a key derived from its content or from its parent's key
plus the parameters of the stage that made it (and the core's version), so the same
request gives the same key in any process. Two backends:

- :class:`ResultStore` (embedded default): diskcache on local disk, shared safely by
  the gunicorn workers and background jobs of one host;
- :class:`SharedStore` (``REDIS_URL`` set): Redis for keys and small values, a shared
  folder (``RNACLUST_SHARED_DIR``) for large arrays, so any web worker or Celery worker
  on any host serves any session.

:func:`open_store` picks one from the environment. Datasets are granted to the session
that stored them (:mod:`.sessions`) and evicted least-recently-used, never while in use.
"""

from __future__ import annotations

import os
from pathlib import Path

from .base import COMPUTE_LOCK_SECONDS, StoreBase
from .keys import (DATASET_GONE, DATASET_KEY, DENIED_PREFIX, FOREIGN_DATASET, content_key,
                   dataset_of, stage_key)
from .local import DEFAULT_SIZE_LIMIT_GB, ResultStore, default_cache_dir
from .sessions import current_session, session_scope

__all__ = ["COMPUTE_LOCK_SECONDS", "DATASET_GONE", "DATASET_KEY", "DEFAULT_SIZE_LIMIT_GB", "DENIED_PREFIX",
           "FOREIGN_DATASET", "ResultStore", "StoreBase", "content_key", "current_session",
           "dataset_of", "default_cache_dir", "open_store", "session_scope", "stage_key"]


def open_store(cache_dir: str | os.PathLike | None = None) -> StoreBase:
    """The shared Redis store when ``REDIS_URL`` is set, else the local disk store in
    ``cache_dir`` (default :func:`default_cache_dir`)."""
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        from .shared import SharedStore, default_shared_dir
        return SharedStore(redis_url, default_shared_dir(cache_dir))
    return ResultStore(Path(cache_dir) if cache_dir is not None else None)
