"""Keys of the store: content hashes of datasets, stage keys, and which keys are datasets."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Mapping

from .. import __version__

#: A dataset key (see :func:`rnaclust_dash.pipeline.dataset_key`) anywhere in a text.
DATASET_KEY = re.compile(r"dataset-[0-9a-f]{40}")
#: What a dataset key sent by a session that did not upload it is replaced with: reading
#: a key with this prefix raises :data:`FOREIGN_DATASET` (see ``callbacks/sessions.py``).
DENIED_PREFIX = "denied:"
FOREIGN_DATASET = ("This dataset was uploaded in another browser session, so it cannot be "
                   "opened here (a dataset key from someone else's params.json opens "
                   "nothing). Please upload the data yourself.")
#: A dataset key whose dataset is gone (store cleared, damaged and recreated, or evicted).
DATASET_GONE = ("The dataset is no longer on the server (the cache was cleared or "
                "evicted). Please upload it again.")


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


def dataset_of(key: str) -> str | None:
    """The dataset key if ``key`` is a dataset or its summary (``dataset-<hash>[/summary]``)."""
    match = DATASET_KEY.fullmatch(key.removesuffix("/summary"))
    return match.group(0) if match else None


def is_pinned(key: str) -> bool:
    """Whether ``key`` lives in the store's pinned area: datasets (which cannot be
    recomputed) and the session ledger; never dropped by the size-driven LRU eviction of
    stage results."""
    return dataset_of(key) is not None or key.startswith(("meta:", "session:"))
