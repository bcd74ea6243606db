"""Which browser session (or logged-in user) a request comes from, for the store.

The web layer runs each request inside :func:`session_scope`; a dataset stored meanwhile
is granted to that session, and only a session holding a dataset may open it (the web
layer replaces other dataset keys with ``denied:<key>``). Background jobs and the CLI run
outside any scope: they only ever receive keys that were checked before they started.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator

_SESSION: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "rnaclust_session", default=None)

#: Per-session quota of stored datasets, in MB (``RNACLUST_SESSION_QUOTA_MB``).
DEFAULT_SESSION_QUOTA_MB = 2048
#: A dataset used by a session within this many seconds is "in use": never evicted
#: (``RNACLUST_IN_USE_HOURS``).
DEFAULT_IN_USE_SECONDS = 8 * 3600


def current_session() -> str | None:
    """The session id of the request being served, or None outside a request."""
    return _SESSION.get()


@contextlib.contextmanager
def session_scope(session_id: str | None) -> Iterator[None]:
    """Run the block as ``session_id`` (datasets stored in it are granted to it)."""
    token = _SESSION.set(session_id)
    try:
        yield
    finally:
        _SESSION.reset(token)


def session_quota_bytes() -> int:
    """Bytes of datasets one session may hold at once."""
    return int(float(os.environ.get("RNACLUST_SESSION_QUOTA_MB", DEFAULT_SESSION_QUOTA_MB))
               * 1024**2)


def in_use_seconds() -> float:
    """How long after its last use a dataset still counts as in use."""
    hours = os.environ.get("RNACLUST_IN_USE_HOURS")
    return float(hours) * 3600 if hours else DEFAULT_IN_USE_SECONDS
