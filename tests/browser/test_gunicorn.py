"""Several gunicorn workers must behave as one: the store lives on disk, not in memory."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from layouts import ids

from test_app import graph_json, metrics_text, set_number, wait_rendered, wait_until

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn_url(tmp_path):
    port = free_port()
    env = dict(os.environ, RNACLUST_CACHE_DIR=str(tmp_path / "cache"), RNACLUST_WARM_UMAP="0")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "app:server", "--workers", "3",
         "--bind", f"127.0.0.1:{port}", "--timeout", "120"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not answer on /healthz within 30 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_three_gunicorn_workers_serve_one_consistent_analysis(dash_duo, gunicorn_url):
    dash_duo.driver.get(gunicorn_url)
    wait_rendered(dash_duo)
    wait_until(lambda: "k = 2" in metrics_text(dash_duo))
    # Each change is a new request that any worker may take; all read the same store.
    for k in (3, 4, 2, 3):
        set_number(dash_duo, ids.N_CLUSTERS, k)
        wait_until(lambda k=k: f"k = {k}" in metrics_text(dash_duo), timeout=30)
        wait_until(lambda k=k: graph_json(
            dash_duo, ids.SILHOUETTE,
            "g._fullData.filter(t => t.meta === 'silhouette').length") == k)
    # No error alert was raised on the way (a closed dbc.Alert is not rendered at all).
    assert not [e for e in dash_duo.driver.find_elements("css selector", f"#{ids.ERROR}")
                if e.is_displayed()]
