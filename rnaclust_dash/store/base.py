"""What every store backend shares: compute-once, the session ledger of datasets,
least-recently-used eviction of datasets that spares those in use, and the health probe.

A backend provides raw access (``_get``, ``_put``, ``_delete``, ``_has``), a lock
(``_lock_add``, ``_lock_holder``, ``_lock_delete``) and ``_keys(prefix)`` over the pinned
area (datasets and ledger entries, never evicted by size).
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
import time
import uuid
from typing import Any, Callable

from ..errors import DataError
from .keys import DATASET_GONE, DENIED_PREFIX, FOREIGN_DATASET, dataset_of
from .sessions import current_session, in_use_seconds, session_quota_bytes

log = logging.getLogger("rnaclust_dash.store")

#: A computation lock left by a process that died is given up after this many seconds.
COMPUTE_LOCK_SECONDS = 600
#: A dataset's last use is rewritten at most this often (reads must not all write).
TOUCH_INTERVAL_SECONDS = 60
_MISSING = object()


class _ByteCounter:
    """A file-like sink that only counts what is written to it."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, chunk) -> int:
        written = memoryview(chunk).nbytes
        self.size += written
        return written


def pickled_size(value: Any, protocol: int = pickle.HIGHEST_PROTOCOL) -> int:
    """Bytes of ``pickle.dumps(value, protocol)`` without making them: the arrays of a
    million cells' dataset are passed to the counter as views, not copied (GBs)."""
    counter = _ByteCounter()
    pickle.Pickler(counter, protocol=protocol).dump(value)
    return counter.size


def lock_holder() -> str:
    """``host:pid`` of this process (a lock of a dead process on this host is given up)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def holder_alive(holder: Any) -> bool:
    """Whether the process holding a lock may still run (one of another host: assume so)."""
    host, _, pid = str(holder).rpartition(":")
    if host and host != socket.gethostname():
        return True
    return process_alive(int(pid)) if pid.isdigit() else False


def process_alive(pid: int) -> bool:
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


class StoreBase:
    """Behaviour shared by :class:`ResultStore` (local disk) and ``SharedStore`` (Redis)."""

    dataset_limit: int

    # -- public API -------------------------------------------------------------------
    def get(self, key: str, default: Any = None) -> Any:
        """The value stored under ``key``, or ``default``.

        Raises
        ------
        DataError
            For a dataset key another session sent (``denied:<key>``, see sessions):
            that it belongs to another session or, when it is not stored at all (a store
            deleted or recreated forgets its sessions too), that it is gone.
        """
        if key.startswith(DENIED_PREFIX):
            dataset = dataset_of(key.removeprefix(DENIED_PREFIX))
            raise DataError(FOREIGN_DATASET if dataset and self._has(dataset) else DATASET_GONE)
        return self._get(key, default)

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key``; a dataset stored inside a session is granted to it
        (raises DataError past the session's quota)."""
        dataset = dataset_of(key)
        if dataset is not None and key == dataset:
            size = pickled_size(value)
            self._check_fits_quota(size)
            self._put(key, value)
            self._put(f"meta:{key}", {"bytes": size, "used": time.time()})
            self.evict_datasets(keep=key)
        else:
            self._put(key, value)
        if dataset is not None and current_session() is not None:
            self.grant(current_session(), dataset)

    def delete(self, key: str) -> None:
        """Remove ``key`` (nothing if absent)."""
        self._delete(key)

    def __contains__(self, key: str) -> bool:
        return not key.startswith(DENIED_PREFIX) and self._has(key)

    def get_or_compute(self, key: str, compute: Callable[[], Any]) -> Any:
        """The value under ``key``; computed by ``compute()`` and stored if missing.

        One thread or process computes a missing value; others asking for the same key
        meanwhile wait and read it (the callbacks of one change need the same stages).
        A failed computation stores nothing.
        """
        lock = f"computing:{key}"
        while (value := self.get(key, _MISSING)) is _MISSING:
            if self._lock_add(lock, lock_holder(), COMPUTE_LOCK_SECONDS):
                try:
                    value = self.get(key, _MISSING)
                    if value is _MISSING:
                        value = compute()
                        self.put(key, value)
                finally:
                    self._lock_delete(lock)
                return value
            holder = self._lock_holder(lock)
            if holder is not None and not holder_alive(holder):  # a killed job's lock
                self._lock_delete(lock)
            time.sleep(0.01)
        return value

    # -- sessions ---------------------------------------------------------------------
    def grant(self, session_id: str, dataset: str) -> None:
        """Let ``session_id`` open ``dataset``; past the quota, the session's least
        recently used other datasets are released (still stored for other sessions)."""
        record = dict(self._get(f"session:{session_id}", {}))
        record[dataset] = time.time()
        quota, total = session_quota_bytes(), 0
        for key in sorted(record, key=record.get, reverse=True):
            total += self._get(f"meta:{key}", {}).get("bytes", 0)
            if total > quota and key != dataset:
                del record[key]
        self._put(f"session:{session_id}", record)
        self.touch(dataset)

    def owns(self, session_id: str, dataset: str) -> bool:
        """Whether ``session_id`` uploaded (or was granted) ``dataset``."""
        return dataset in self._get(f"session:{session_id}", {})

    def touch(self, dataset: str) -> None:
        """Mark ``dataset`` as used now (it is then not evicted while in use)."""
        meta = self._get(f"meta:{dataset}", None)
        if meta is not None and time.time() - meta["used"] > TOUCH_INTERVAL_SECONDS:
            self._put(f"meta:{dataset}", meta | {"used": time.time()})

    def evict_datasets(self, *, keep: str | None = None) -> list[str]:
        """Drop least recently used datasets while their total passes ``dataset_limit``,
        never one used within :func:`in_use_seconds` (an open session's) nor ``keep``.
        Returns the dropped keys."""
        metas = {key.removeprefix("meta:"): self._get(key, None) for key in self._keys("meta:")}
        metas = {key: meta for key, meta in metas.items() if meta is not None}
        total = sum(meta["bytes"] for meta in metas.values())
        dropped, idle_since = [], time.time() - in_use_seconds()
        for key in sorted(metas, key=lambda k: metas[k]["used"]):
            if total <= self.dataset_limit:
                break
            if key == keep or metas[key]["used"] > idle_since:
                continue
            for part in (key, f"{key}/summary", f"meta:{key}"):
                self._delete(part)
            total -= metas[key]["bytes"]
            dropped.append(key)
        if total > self.dataset_limit:
            log.warning("datasets in use hold %d bytes, over the limit of %d", total,
                        self.dataset_limit)
        return dropped

    def _check_fits_quota(self, size: int) -> None:
        quota = session_quota_bytes()
        if current_session() is not None and size > quota:
            raise DataError(f"This dataset takes {size / 1024**2:,.0f} MB on the server, "
                            f"more than one session may store ({quota / 1024**2:,.0f} MB). "
                            "Filter it first (fewer genes or cells), or ask the host to "
                            "raise RNACLUST_SESSION_QUOTA_MB.")

    # -- health -----------------------------------------------------------------------
    def check(self) -> None:
        """Write, read back and delete a probe value; raises if the store cannot."""
        probe, value = f"healthz-{uuid.uuid4().hex}", uuid.uuid4().hex
        self._put(probe, value)
        try:
            if self._get(probe, None) != value:
                raise OSError("the store did not return what was written to it")
        finally:
            self._delete(probe)

    # -- backend primitives -------------------------------------------------------------
    def _get(self, key: str, default: Any) -> Any:
        raise NotImplementedError

    def _put(self, key: str, value: Any) -> None:
        raise NotImplementedError

    def _delete(self, key: str) -> None:
        raise NotImplementedError

    def _has(self, key: str) -> bool:
        raise NotImplementedError

    def _keys(self, prefix: str):
        raise NotImplementedError

    def _lock_add(self, name: str, holder: str, expire: float) -> bool:
        raise NotImplementedError

    def _lock_holder(self, name: str) -> Any:
        raise NotImplementedError

    def _lock_delete(self, name: str) -> None:
        raise NotImplementedError
