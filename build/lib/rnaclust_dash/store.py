"""Content-addressed store for datasets and stage results.

Every value is stored under a key derived from its content or from its parent's key
plus the parameters of the stage that made it (and the core's version), so the same
request gives the same key in any process. The embedded default is a diskcache
``Cache`` on local disk, which several gunicorn workers on one host share safely.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any, Callable, Mapping

import diskcache

from . import __version__

DEFAULT_SIZE_LIMIT_GB = 4
#: A computation lock left by a process that died is given up after this many seconds.
COMPUTE_LOCK_SECONDS = 600


def _process_alive(pid: int) -> bool:
    """Whether a process of this host runs (a zombie, e.g. a cancelled job, does not)."""
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, OSError):
        return True
    try:
        with open(f"/proc/{int(pid)}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:  # no /proc (not Linux): trust kill()
        return True


def default_cache_dir() -> Path:
    """``$RNACLUST_CACHE_DIR``, else ``~/.cache/rnaclust-dash``."""
    configured = os.environ.get("RNACLUST_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path.home() / ".cache" / "rnaclust-dash"


def content_key(*parts: bytes) -> str:
    """SHA-256 of the given byte strings (length-prefixed, so parts cannot run together)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


def stage_key(parent_key: str, stage: str, params: Mapping[str, Any]) -> str:
    """Key of a stage result: its parent's key, the stage name, its parameters, the version."""
    payload = json.dumps({"parent": parent_key, "stage": stage, "params": dict(params),
                          "version": __version__}, sort_keys=True, default=str)
    return f"{stage}-" + hashlib.sha256(payload.encode()).hexdigest()[:40]


class ResultStore:
    """A key-value store of pickled results on local disk (diskcache).

    Parameters
    ----------
    directory : str or Path, optional
        Where the cache lives (default :func:`default_cache_dir`).
    size_limit_gb : float
        Least recently stored entries are evicted past this size.
    """

    def __init__(self, directory: str | Path | None = None, *,
                 size_limit_gb: float = DEFAULT_SIZE_LIMIT_GB):
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self.size_limit = int(size_limit_gb * 1024**3)
        self._cache = None
        self._pid = None

    @property
    def cache(self) -> diskcache.Cache:
        """The diskcache handle, opened once per process (handles must not cross a fork)."""
        if self._cache is None or self._pid != os.getpid():
            self.directory.mkdir(parents=True, exist_ok=True)
            self._cache = diskcache.Cache(str(self.directory), size_limit=self.size_limit)
            self._pid = os.getpid()
        return self._cache

    def get(self, key: str, default: Any = None) -> Any:
        """The value stored under ``key``, or ``default``."""
        return self.cache.get(key, default)

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key``."""
        self.cache.set(key, value)

    def __contains__(self, key: str) -> bool:
        return key in self.cache

    def get_or_compute(self, key: str, compute: Callable[[], Any]) -> Any:
        """The value under ``key``; computed by ``compute()`` and stored if missing.

        One thread or process computes a missing value; others asking for the same key
        meanwhile wait and read it (the callbacks of one change need the same stages).
        """
        missing = object()
        lock = f"computing:{key}"
        while (value := self.cache.get(key, missing)) is missing:
            if self.cache.add(lock, os.getpid(), expire=COMPUTE_LOCK_SECONDS):
                try:
                    value = self.cache.get(key, missing)
                    if value is missing:
                        value = compute()
                        self.cache.set(key, value)
                finally:
                    self.cache.delete(lock)
                return value
            holder = self.cache.get(lock)
            if holder is not None and not _process_alive(holder):  # a killed job's lock
                self.cache.delete(lock)
            time.sleep(0.01)
        return value
