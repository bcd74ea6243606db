"""Both store backends (local disk, Redis + shared folder) keep the same promises:
compute once, store no failure, keep datasets in use, recreate a damaged store."""

from __future__ import annotations

import shutil
import threading
import time

import numpy as np
import pytest

from rnaclust_dash.errors import DataError
from rnaclust_dash.store import DENIED_PREFIX, FOREIGN_DATASET, ResultStore, session_scope

DATASET_A = "dataset-" + "a" * 40
DATASET_B = "dataset-" + "b" * 40
DATASET_C = "dataset-" + "c" * 40


def test_values_small_and_large_come_back_equal(any_store):
    small, large = {"k": 3}, np.arange(200_000, dtype=np.float64)  # 1.6 MB: a file
    any_store.put("stage-small", small)
    any_store.put("stage-large", large)
    assert any_store.get("stage-small") == small
    np.testing.assert_array_equal(any_store.get("stage-large"), large)
    assert "stage-large" in any_store and "stage-other" not in any_store
    assert any_store.get("stage-other", "absent") == "absent"


def test_same_missing_key_from_two_threads_is_computed_once(any_store):
    calls, results = [], []
    start = threading.Barrier(2)

    def compute():
        calls.append(1)
        time.sleep(0.3)
        return 42

    def ask():
        start.wait()
        results.append(any_store.get_or_compute("stage-x", compute))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [42, 42] and len(calls) == 1


def test_a_failed_computation_stores_nothing(any_store):
    with pytest.raises(ValueError):
        any_store.get_or_compute("stage-y", lambda: (_ for _ in ()).throw(ValueError("bad")))
    assert "stage-y" not in any_store
    assert any_store.get_or_compute("stage-y", lambda: 7) == 7


def test_a_dataset_is_opened_only_by_the_session_that_stored_it(any_store):
    with session_scope("alice"):
        any_store.put(DATASET_A, np.ones(10))
    assert any_store.owns("alice", DATASET_A)
    assert not any_store.owns("mallory", DATASET_A)
    with pytest.raises(DataError, match="another browser session"):
        any_store.get(DENIED_PREFIX + DATASET_A)
    assert (DENIED_PREFIX + DATASET_A) not in any_store
    assert "uploaded in another browser session" in FOREIGN_DATASET
    # Not stored at all (e.g. the store was deleted, ledger included): say it is gone.
    with pytest.raises(DataError, match="no longer on the server"):
        any_store.get(DENIED_PREFIX + DATASET_B)


def test_uploading_the_same_table_again_grants_it_to_the_second_session(any_store):
    """put_dataset skips storing a dataset that exists, but always writes its summary."""
    with session_scope("alice"):
        any_store.put(DATASET_A, np.ones(10))
    with session_scope("bob"):
        any_store.put(DATASET_A + "/summary", {"name": "same table"})
    assert any_store.owns("bob", DATASET_A)


def test_eviction_drops_the_least_recently_used_idle_dataset_never_one_in_use(
        any_store, monkeypatch):
    monkeypatch.setenv("RNACLUST_IN_USE_HOURS", "1")
    any_store.dataset_limit = 1_500_000  # room for one of the 1 MB datasets below
    with session_scope("alice"):
        for key in (DATASET_A, DATASET_B):
            any_store.put(key, np.zeros(125_000))
    # A was used 2 h ago (idle), B 10 min ago (an open session's): B must stay.
    for key, age in ((DATASET_A, 7200), (DATASET_B, 600)):
        any_store._put(f"meta:{key}", any_store._get(f"meta:{key}", None)
                       | {"used": time.time() - age})
    with session_scope("bob"):
        any_store.put(DATASET_C, np.zeros(125_000))
    assert DATASET_A not in any_store
    assert DATASET_B in any_store and DATASET_C in any_store


def test_eviction_keeps_datasets_in_use_even_past_the_limit(any_store):
    any_store.dataset_limit = 1_000  # far below what is stored
    with session_scope("alice"):
        any_store.put(DATASET_A, np.zeros(125_000))
    with session_scope("bob"):
        any_store.put(DATASET_B, np.zeros(125_000))
    assert DATASET_A in any_store and DATASET_B in any_store  # both used just now


def test_touch_on_use_protects_an_old_dataset(any_store, monkeypatch):
    monkeypatch.setenv("RNACLUST_IN_USE_HOURS", "1")
    any_store.dataset_limit = 1_500_000
    with session_scope("alice"):
        any_store.put(DATASET_A, np.zeros(125_000))
    any_store._put(f"meta:{DATASET_A}", any_store._get(f"meta:{DATASET_A}", None)
                   | {"used": time.time() - 7200})
    any_store.touch(DATASET_A)  # alice's page asks for it again
    with session_scope("bob"):
        any_store.put(DATASET_B, np.zeros(125_000))
    assert DATASET_A in any_store


def test_past_its_quota_a_session_releases_its_oldest_dataset(any_store, monkeypatch):
    monkeypatch.setenv("RNACLUST_SESSION_QUOTA_MB", "1.5")
    with session_scope("alice"):
        any_store.put(DATASET_A, np.zeros(125_000))  # ~1 MB each
        time.sleep(0.01)
        any_store.put(DATASET_B, np.zeros(125_000))
    assert any_store.owns("alice", DATASET_B)
    assert not any_store.owns("alice", DATASET_A)


def test_a_dataset_larger_than_the_quota_is_refused_with_a_message(any_store, monkeypatch):
    monkeypatch.setenv("RNACLUST_SESSION_QUOTA_MB", "0.5")
    with session_scope("alice"), pytest.raises(DataError, match="RNACLUST_SESSION_QUOTA_MB"):
        any_store.put(DATASET_A, np.zeros(125_000))
    assert DATASET_A not in any_store


def test_a_deleted_store_folder_is_recreated(local_store):
    local_store.put(DATASET_A, np.ones(3))
    shutil.rmtree(local_store.directory)
    assert local_store.get(DATASET_A) is None  # gone: the user is told to upload again
    local_store.put("stage-after", 1)
    local_store.check()
    assert ResultStore(local_store.directory).get("stage-after") == 1


def test_a_folder_recreated_by_another_worker_is_read_by_every_worker(local_store):
    """Web workers each hold their own handle: after the folder is deleted and another
    worker recreated it, this worker's handle (on the deleted database) must not be
    used, or a dataset uploaded through the other worker is "no longer on the server"
    (found by the soak: a Cells Run after the store was deleted)."""
    other_worker = ResultStore(local_store.directory)
    local_store.put("stage-before", 1)
    assert other_worker.get("stage-before") == 1  # both handles open
    shutil.rmtree(local_store.directory)
    local_store.put(DATASET_A, np.ones(3))  # recreates the folder
    local_store.put("stage-after", 2)
    assert other_worker.get("stage-after") == 2
    assert np.array_equal(other_worker.get(DATASET_A), np.ones(3))
    other_worker.close()


def test_a_corrupt_store_is_recreated(local_store):
    local_store.put("stage-before", 1)
    local_store.close()
    (local_store.directory / "cache.db").write_bytes(b"this is not an sqlite file" * 200)
    assert local_store.get("stage-before") is None
    local_store.check()
    local_store.put("stage-after", 2)
    assert local_store.get("stage-after") == 2


def test_a_value_whose_shared_file_vanished_counts_as_missing(shared_store):
    shared_store.put("stage-large", np.zeros(100_000))
    for path in shared_store.directory.glob("*.pkl"):
        path.unlink()
    assert shared_store.get("stage-large") is None
    assert "stage-large" not in shared_store
    assert shared_store.get_or_compute("stage-large", lambda: 5) == 5


def test_stage_results_past_the_size_limit_are_evicted_oldest_first(shared_store):
    shared_store.size_limit = 2_500_000
    for name in ("one", "two", "three"):
        shared_store.put(f"stage-{name}", np.zeros(125_000))
        time.sleep(0.01)
    assert "stage-one" not in shared_store
    assert "stage-two" in shared_store and "stage-three" in shared_store
