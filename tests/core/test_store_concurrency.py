"""Two callbacks of one change ask the store for the same missing stage at once (the
scatter no longer waits for the analysis): it must be computed once, not twice."""

import threading
import time

from rnaclust_dash.store import ResultStore


def test_same_missing_key_from_two_threads_is_computed_once(tmp_path):
    store = ResultStore(tmp_path)
    calls, results = [], []
    start = threading.Barrier(2)

    def compute():
        calls.append(1)
        time.sleep(0.3)  # long enough for the other thread to ask meanwhile
        return {"value": 42}

    def ask():
        start.wait()
        results.append(store.get_or_compute("stage-x", compute))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [{"value": 42}, {"value": 42}]
    assert len(calls) == 1


def test_a_failed_computation_is_not_stored_and_frees_the_key(tmp_path):
    store = ResultStore(tmp_path)

    def fail():
        raise ValueError("bad input")

    try:
        store.get_or_compute("stage-y", fail)
    except ValueError:
        pass
    assert "stage-y" not in store
    assert store.get_or_compute("stage-y", lambda: 7) == 7


def test_the_lock_of_a_dead_process_is_given_up(tmp_path):
    """A cancelled background job dies while computing: its lock must not block the key."""
    import subprocess
    import sys

    store = ResultStore(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    store.cache.set("computing:stage-z", dead.pid)
    results = []
    asker = threading.Thread(target=lambda: results.append(
        store.get_or_compute("stage-z", lambda: "fresh")), daemon=True)
    asker.start()
    asker.join(timeout=30)  # a wait on the dead process's lock would never end
    assert results == ["fresh"]
