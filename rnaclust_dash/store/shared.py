"""The shared backend (``REDIS_URL`` set): Redis holds the keys, small values, locks and
the session ledger; values over :data:`INLINE_BYTES` are files in a shared folder
(``RNACLUST_SHARED_DIR``: a volume every web and Celery worker mounts), so Redis stays
small and any worker on any host serves any session.

Stage results are evicted least-recently-used past the size limit (a sorted set of last
uses, touched on every read); datasets and the ledger only by
:meth:`StoreBase.evict_datasets`, never while in use. A file that vanished from the shared
folder counts as missing (recomputed, or the user is told to upload again).
"""

from __future__ import annotations

import os
import pickle
import time
import uuid
from pathlib import Path
from typing import Any

import redis

from .base import StoreBase
from .keys import is_pinned, content_key
from .local import DEFAULT_SIZE_LIMIT_GB, default_cache_dir

#: Values up to this size are kept in Redis itself; larger ones in the shared folder.
INLINE_BYTES = 256 * 1024
PREFIX = "rnaclust:"


def default_shared_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """``$RNACLUST_SHARED_DIR``, else ``shared/`` in the cache folder (one host only)."""
    configured = os.environ.get("RNACLUST_SHARED_DIR")
    if configured:
        return Path(configured)
    return Path(cache_dir if cache_dir is not None else default_cache_dir()) / "shared"


class SharedStore(StoreBase):
    """A key-value store of pickled results in Redis and a shared folder.

    Parameters
    ----------
    redis_url : str
        ``redis://host:port/db`` of the Redis server every worker uses.
    directory : str or Path
        The shared folder for large values (same path on every worker).
    size_limit_gb : float
        Stage results are evicted least-recently-used past this total size.
    """

    def __init__(self, redis_url: str, directory: str | Path, *,
                 size_limit_gb: float = DEFAULT_SIZE_LIMIT_GB):
        self.redis_url = redis_url
        self.directory = Path(directory)
        self.size_limit = int(size_limit_gb * 1024**3)
        self.dataset_limit = self.size_limit
        self._client = None
        self._pid = None

    @property
    def client(self) -> redis.Redis:
        """The Redis connection of this process (connections must not cross a fork)."""
        if self._client is None or self._pid != os.getpid():
            self._client = redis.Redis.from_url(self.redis_url)
            self._pid = os.getpid()
        return self._client

    def close(self) -> None:
        """Close this process's connection."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def _file(self, key: str) -> Path:
        return self.directory / f"{content_key(key.encode())[:48]}.pkl"

    def _get(self, key: str, default: Any) -> Any:
        raw = self.client.get(PREFIX + "v:" + key)
        if raw is None:
            return default
        if raw[:1] == b"F":
            try:
                raw = b"I" + self._file(key).read_bytes()
            except FileNotFoundError:  # the shared folder was emptied: the value is gone
                self._delete(key)
                return default
        if not is_pinned(key):
            self.client.zadd(PREFIX + "lru", {key: time.time()})
        return pickle.loads(raw[1:])

    def _put(self, key: str, value: Any) -> None:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        if len(data) > INLINE_BYTES:
            path = self._file(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{uuid.uuid4().hex}.part")
            partial.write_bytes(data)
            os.replace(partial, path)  # readers see the whole file or none
            entry = b"F"
        else:
            entry = b"I" + data
        pipe = self.client.pipeline()
        pipe.set(PREFIX + "v:" + key, entry)
        if is_pinned(key):
            pipe.sadd(PREFIX + "pinned", key)
        else:
            pipe.zadd(PREFIX + "lru", {key: time.time()})
            pipe.hset(PREFIX + "size", key, len(data))
        pipe.execute()
        if not is_pinned(key):
            self._evict_results()

    def _delete(self, key: str) -> None:
        pipe = self.client.pipeline()
        pipe.delete(PREFIX + "v:" + key)
        pipe.zrem(PREFIX + "lru", key)
        pipe.hdel(PREFIX + "size", key)
        pipe.srem(PREFIX + "pinned", key)
        pipe.execute()
        self._file(key).unlink(missing_ok=True)

    def _has(self, key: str) -> bool:
        return bool(self.client.exists(PREFIX + "v:" + key))

    def _keys(self, prefix: str):
        return [member.decode() for member in self.client.smembers(PREFIX + "pinned")
                if member.decode().startswith(prefix)]

    def _evict_results(self) -> None:
        """Drop the least recently used stage results while they pass the size limit."""
        sizes = self.client.hvals(PREFIX + "size")
        total = sum(int(size) for size in sizes)
        while total > self.size_limit:
            oldest = self.client.zrange(PREFIX + "lru", 0, 0)
            if not oldest:
                break
            key = oldest[0].decode()
            total -= int(self.client.hget(PREFIX + "size", key) or 0)
            self._delete(key)

    def _lock_add(self, name: str, holder: str, expire: float) -> bool:
        return bool(self.client.set(PREFIX + name, holder, nx=True, ex=int(expire)))

    def _lock_holder(self, name: str) -> Any:
        holder = self.client.get(PREFIX + name)
        return None if holder is None else holder.decode()

    def _lock_delete(self, name: str) -> None:
        self.client.delete(PREFIX + name)
