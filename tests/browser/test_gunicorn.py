"""Several gunicorn workers must behave as one: the store lives on disk, not in memory."""

import pytest

from layouts import ids

from real_server import (OPENMP_FORK_ABORT, ROOT, dockerfile_command,  # noqa: F401
                         numba_cache, port_in_range, running_server, server_env, umap_drawn)
from test_app import graph_json, metrics_text, set_number, wait_rendered, wait_until


@pytest.fixture
def gunicorn_server(tmp_path, numba_cache):
    """gunicorn started with the Dockerfile's command (3 workers, the app preloaded in
    the master, UMAP warm-up on); yields its URL and log file."""
    log = tmp_path / "gunicorn.log"
    with running_server(dockerfile_command(), port=port_in_range(91),
                        env=server_env(tmp_path, numba_cache) | {"WORKERS": "3"},
                        log_path=log) as url:
        yield url, log


def test_three_gunicorn_workers_serve_one_consistent_analysis(dash_duo, gunicorn_server):
    dash_duo.driver.get(gunicorn_server[0])
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


@pytest.mark.slow
def test_umap_finishes_every_time_in_preloaded_gunicorn_workers(dash_duo, gunicorn_server):
    # The master imports the app before forking its workers (--preload) and each worker
    # forks UMAP jobs: neither may have started OpenMP or numba threads by then.
    url, log = gunicorn_server
    assert "preload_app = True" in (ROOT / "gunicorn.conf.py").read_text()
    for attempt in range(2):  # a fresh page: the jobs may land on any worker
        dash_duo.driver.get(url)
        wait_rendered(dash_duo)
        umap_drawn(dash_duo, 7)
        umap_drawn(dash_duo, 7, neighbors=4 + attempt)
    assert OPENMP_FORK_ABORT not in log.read_text()
    assert "Traceback" not in log.read_text()
