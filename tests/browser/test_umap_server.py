"""UMAP in the app started as README says (``python app.py``), warm-up on: it used to hang
("Computing UMAP..." for ever) when the job was forked from a server whose warm-up had
started OpenMP, and a failed job was then served again from the job cache."""

import sys

import pytest

from real_server import (OPENMP_FORK_ABORT, numba_cache, port_in_range, running_server,  # noqa: F401
                         server_env, umap_drawn)
from test_app import wait_rendered

pytestmark = [pytest.mark.browser, pytest.mark.slow]

N_SAMPLES = 7  # the bundled pasilla example


def test_umap_finishes_every_time_under_python_app_py(dash_duo, tmp_path, numba_cache):
    log = tmp_path / "server.log"
    with running_server([sys.executable, "app.py"], port=port_in_range(90),
                        env=server_env(tmp_path, numba_cache), log_path=log) as url:
        dash_duo.driver.get(url)
        wait_rendered(dash_duo)
        umap_drawn(dash_duo, N_SAMPLES)  # first: numba code compiled or read from disk
        umap_drawn(dash_duo, N_SAMPLES, neighbors=4)  # a new job, not the stored map
        umap_drawn(dash_duo, N_SAMPLES, neighbors=5)
    assert OPENMP_FORK_ABORT not in log.read_text()
    assert "Traceback" not in log.read_text()
