"""Start the app the way README and the Dockerfile do, as a subprocess, for browser tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from layouts import ids

from test_app import click, graph_json, set_number, wait_until

# One home for starting servers (also used by tests/hosting and benchmarks/soak_hosting.py).
from benchmarks.dash_http import port_in_range, running_server  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]

#: What numba prints when a job is forked from a server that already ran OpenMP code.
OPENMP_FORK_ABORT = "fork() called from a process already using GNU OpenMP"


def dockerfile_command() -> list[str]:
    """The Dockerfile's exec-form ``CMD [...]`` (gunicorn reads gunicorn.conf.py)."""
    line = next(line for line in (ROOT / "Dockerfile").read_text().splitlines()
                if line.startswith("CMD "))
    return json.loads(line.removeprefix("CMD "))


@pytest.fixture(scope="session")
def numba_cache(tmp_path_factory) -> Path:
    """One numba cache for the real servers of a test session: the first compiles UMAP
    (cold, while its start-up warm-up runs), the next ones start warm."""
    return tmp_path_factory.mktemp("numba-cache")


def server_env(tmp_path: Path, numba_cache: Path) -> dict:
    """Environment of a real server: its own store, the session's numba cache, warm-up on."""
    return {"RNACLUST_CACHE_DIR": str(tmp_path / "cache"), "NUMBA_CACHE_DIR": str(numba_cache),
            "RNACLUST_WARM_UMAP": "1"}


def embedding_points(dash_duo) -> int:
    """Points drawn on the scatter."""
    return graph_json(dash_duo, ids.EMBEDDING, "g.data.filter(t => t.meta === 'embedding')"
                                               ".reduce((n, t) => n + t.customdata.length, 0)")


def umap_drawn(dash_duo, n_items: int, neighbors: int | None = None, timeout: float = 300):
    """Switch the scatter to UMAP (with ``neighbors`` typed in first) and wait until
    ``n_items`` points are drawn on UMAP axes; fail with the status text otherwise."""
    if neighbors is not None:
        click(dash_duo, f"#{ids.EMBEDDING_METHOD} input[value=pca]")
        wait_until(lambda: graph_json(dash_duo, ids.EMBEDDING, "g._fullLayout.xaxis.title.text")
                   .startswith("PC1"))
        set_number(dash_duo, ids.UMAP_NEIGHBORS, neighbors)
    click(dash_duo, f"#{ids.EMBEDDING_METHOD} input[value=umap]")
    status = dash_duo.find_element(f"#{ids.EMBEDDING_STATUS}")
    try:
        wait_until(lambda: graph_json(dash_duo, ids.EMBEDDING, "g._fullLayout.xaxis.title.text")
                   == "UMAP1" and embedding_points(dash_duo) == n_items, timeout=timeout)
    except Exception as error:  # noqa: BLE001 - say what the user saw
        raise AssertionError(f"no UMAP after {timeout} s; the app said: {status.text!r}") from error
    assert "failed" not in status.text
