"""The embedded backend: diskcache on local disk, shared by the gunicorn workers and
background jobs of one host.

Stage results live in the store folder itself, evicted least-recently-used past the size
limit (they can be recomputed). Datasets and the session ledger live in ``pinned/``, which
no size limit evicts (see :meth:`StoreBase.evict_datasets`). A deleted store folder is
recreated on the next use, a corrupt one is emptied and recreated: the user is then told
that the dataset is gone and to upload it again.
"""

from __future__ import annotations

import os
import pickle
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import diskcache

from .base import StoreBase, log, pickled_size
from .keys import is_pinned

DEFAULT_SIZE_LIMIT_GB = 4


def default_cache_dir() -> Path:
    """``$RNACLUST_CACHE_DIR``, else ``~/.cache/rnaclust-dash``."""
    configured = os.environ.get("RNACLUST_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path.home() / ".cache" / "rnaclust-dash"


def _damaged(error: Exception) -> bool:
    """Whether an sqlite error means a damaged store (a busy one is not damaged)."""
    return isinstance(error, sqlite3.DatabaseError) and "locked" not in str(error)


class _StreamingDisk(diskcache.Disk):
    """diskcache's Disk, but a large pickled value is pickled straight into its file:
    diskcache makes the bytes in memory first, a second copy of what is stored (for a
    million cells' log values, ~6 GB). Small values stay in the database, as before."""

    def store(self, value, read, key=diskcache.core.UNKNOWN):
        if read or type(value) in (str, bytes, int, float) or value is None:
            return super().store(value, read, key)
        size = pickled_size(value, self.pickle_protocol)
        if size < self.min_file_size:
            return super().store(value, read, key)
        filename, full_path = self.filename(key, value)
        os.makedirs(os.path.dirname(full_path), exist_ok=True)
        with open(full_path, "xb") as handle:
            pickle.dump(value, handle, protocol=self.pickle_protocol)
        return size, diskcache.core.MODE_PICKLE, filename, None


class ResultStore(StoreBase):
    """A key-value store of pickled results on local disk (diskcache).

    Parameters
    ----------
    directory : str or Path, optional
        Where the cache lives (default :func:`default_cache_dir`).
    size_limit_gb : float
        Stage results are evicted least-recently-used past this size; datasets are
        evicted past it too, but never one in use (see ``evict_datasets``).
    """

    def __init__(self, directory: str | Path | None = None, *,
                 size_limit_gb: float = DEFAULT_SIZE_LIMIT_GB):
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self.size_limit = int(size_limit_gb * 1024**3)
        self.dataset_limit = self.size_limit
        self._cache = None
        self._pinned = None
        self._pid = None
        self._opened = None

    @property
    def cache(self) -> diskcache.Cache:
        """The results' diskcache handle, opened once per process (handles must not cross a
        fork) and again when its folder was deleted, or deleted and recreated by another
        process (an open handle would go on reading the deleted database)."""
        if (self._cache is None or self._pid != os.getpid()
                or self._databases() != self._opened):
            self._open()
        return self._cache

    def _databases(self) -> tuple | None:
        """Identity (device, inode) of both database files; None when one is missing."""
        try:
            return tuple((stat.st_dev, stat.st_ino) for stat in (
                (self.directory / "cache.db").stat(),
                (self.directory / "pinned" / "cache.db").stat()))
        except FileNotFoundError:
            return None

    @property
    def pinned(self) -> diskcache.Cache:
        """The diskcache of datasets and the session ledger (never evicted by size)."""
        self.cache  # noqa: B018 - opens (or reopens) both handles
        return self._pinned

    def _open(self) -> None:
        if self._pid == os.getpid():  # this process's handles on a replaced folder
            self.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._cache = diskcache.Cache(str(self.directory), size_limit=self.size_limit,
                                      eviction_policy="least-recently-used",
                                      disk=_StreamingDisk)
        self._pinned = diskcache.Cache(str(self.directory / "pinned"),
                                       eviction_policy="none", disk=_StreamingDisk)
        self._pid = os.getpid()
        self._opened = self._databases()

    def close(self) -> None:
        """Close the handles of this process."""
        for handle in (self._cache, self._pinned):
            if handle is not None:
                handle.close()
        self._cache = self._pinned = None

    def recreate(self) -> None:
        """Empty a damaged store (keeping numba's code and the job folder) and reopen it."""
        log.error("the result store in %s is damaged: it is emptied and recreated",
                  self.directory)
        self.close()
        for entry in self.directory.iterdir() if self.directory.exists() else ():
            if entry.name.startswith("cache.db") or entry.name == "pinned" or (
                    len(entry.name) == 2 and entry.is_dir()):
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink(missing_ok=True)
        self._open()

    def _area(self, key: str) -> diskcache.Cache:
        return self.pinned if is_pinned(key) else self.cache

    def _safely(self, operation, *args):
        """Run a diskcache operation; on a damaged database recreate the store and retry."""
        try:
            return operation(*args)
        except sqlite3.DatabaseError as error:
            if not _damaged(error):
                raise
            self.recreate()
            return operation(*args)

    def _get(self, key: str, default: Any) -> Any:
        def read():
            value = self._area(key).get(key, default)
            if value is default and is_pinned(key):  # stored before pinned/ existed
                value = self.cache.get(key, default)
            return value
        return self._safely(read)

    def _put(self, key: str, value: Any) -> None:
        self._safely(lambda: self._area(key).set(key, value))

    def _delete(self, key: str) -> None:
        self._safely(lambda: self._area(key).delete(key))

    def _has(self, key: str) -> bool:
        return self._safely(lambda: key in self._area(key) or (
            is_pinned(key) and key in self.cache))

    def _keys(self, prefix: str):
        return [key for key in self._safely(lambda: list(self.pinned.iterkeys()))
                if isinstance(key, str) and key.startswith(prefix)]

    def _lock_add(self, name: str, holder: str, expire: float) -> bool:
        return self._safely(lambda: self.cache.add(name, holder, expire=expire))

    def _lock_holder(self, name: str) -> Any:
        return self._safely(lambda: self.cache.get(name))

    def _lock_delete(self, name: str) -> None:
        self._safely(lambda: self.cache.delete(name))
