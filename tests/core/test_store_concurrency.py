"""A computation lock left by a dead process is given up. (Compute-once and no stored
failure are tested on both store backends in tests/hosting/test_store_backends.py.)"""

import threading

from rnaclust_dash.store import ResultStore


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
