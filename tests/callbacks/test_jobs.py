"""The background-job manager of the app: a failed or lost UMAP job is never served again,
and a lost one is reported instead of leaving "Computing UMAP..." on screen for ever."""

from __future__ import annotations

import subprocess
import sys

import pytest
from callback_helpers import browser_json
from dash.exceptions import BackgroundCallbackError

from views.clustering import embedding
from callbacks.jobs import JOB_LOST


@pytest.fixture
def manager(tmp_path, monkeypatch):
    """The background-callback manager of an app built as app.py builds it."""
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "numba"))
    monkeypatch.setenv("NUMBA_THREADING_LAYER", "workqueue")
    from app import create_app

    job_manager = create_app(tmp_path / "cache", warm_umap=False)._background_manager
    yield job_manager
    job_manager.handle.close()


def failing_umap(request):
    raise RuntimeError("index -1243822529 is out of bounds")


def run_job_here(manager, function, args) -> str:
    """Run a job as the job process would (in this process); return its result key."""
    key = manager.build_cache_key(function, args, [], None)
    manager.make_job_fn(function, False)(key, manager._make_progress_key(key), args, {})
    return key


def finished_process() -> subprocess.Popen:
    """A process that has ended without writing anything (not yet reaped: a zombie)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    while True:  # ended, but not reaped, as a dead job process of the server is
        try:
            with open(f"/proc/{process.pid}/stat") as stat:
                if stat.read().split(") ")[1].startswith("Z"):
                    return process
        except FileNotFoundError:
            return process


def test_asking_again_for_the_same_umap_starts_a_new_job(manager):
    args = [{"params": {"embedding": "umap"}}, "cluster", []]
    assert (manager.build_cache_key(failing_umap, args, [], None)
            != manager.build_cache_key(failing_umap, args, [], None))


def test_a_failed_jobs_result_is_read_once_and_then_gone(manager):
    key = run_job_here(manager, failing_umap, [{"params": {}}])
    result = manager.get_result(key, None)
    assert "out of bounds" in result["background_callback_error"]["msg"]
    assert manager.get_result(key, None) is manager.UNDEFINED


def test_a_job_whose_process_ended_without_a_result_is_reported(manager):
    process = finished_process()
    try:
        result = manager.get_result("no-result-key", process.pid)
    finally:
        process.wait()
    assert result == {"background_callback_error": {"msg": JOB_LOST, "tb": ""}}
    # What the user then sees: a message on the scatter and under it, not a spinner.
    error = BackgroundCallbackError(
        f"An error occurred inside a background callback: {JOB_LOST}\n")
    figure, status = embedding.umap_failed(error)
    assert status == f"UMAP failed: {JOB_LOST}"
    layout = browser_json(figure)["layout"]
    # Long messages are wrapped into lines on the figure; the whole text is its meta.
    assert [a["text"].replace("<br>", " ") for a in layout["annotations"]] == [status]
    assert layout["meta"] == status


def test_a_cancelled_job_is_not_reported_as_lost(manager):
    process = finished_process()
    try:
        manager.terminate_job(process.pid)  # the cancel button, or a newer request
        assert manager.get_result("no-result-key", process.pid) is manager.UNDEFINED
    finally:
        process.wait()
