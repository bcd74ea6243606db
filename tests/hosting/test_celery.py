"""The Celery path for real: a web server with REDIS_URL and a Celery worker subprocess
(``celery -A worker:celery_app worker``, as README says) run the background jobs; a
killed worker process's job is run again (acks_late); a lost task is reported."""

from __future__ import annotations

import sys
import threading
import time

import psutil
import pytest
import redis

from benchmarks.dash_http import DashSession, port_in_range, running_server, started
from views import choose_k as assess
from callbacks.jobs import JOB_LOST, OneShotCeleryManager
from hosting_helpers import LONG_JOB, open_analysis, server_env
from layouts import ids
from rnaclust_dash import io
from rnaclust_dash.pipeline import put_dataset
from rnaclust_dash.store import ResultStore

pytestmark = [pytest.mark.celery, pytest.mark.slow]
GUNICORN = [sys.executable, "-m", "gunicorn", "app:server"]


def wait_for_line(path, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while text not in path.read_text():
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never appeared in {path}:\n{path.read_text()}")
        time.sleep(0.1)


@pytest.fixture
def celery_stack(tmp_path, redis_url):
    """gunicorn (2 workers) and one Celery worker (one pool process) sharing Redis and a
    shared folder; yields (url, Celery worker process, its log)."""
    redis.Redis.from_url(redis_url).flushdb()
    env = server_env(tmp_path, REDIS_URL=redis_url, WORKERS="2",
                     RNACLUST_SHARED_DIR=str(tmp_path / "shared"))
    worker_log = tmp_path / "celery.log"
    command = [sys.executable, "-m", "celery", "-A", "worker:celery_app", "worker",
               "--concurrency=1", "--loglevel=INFO", "--without-gossip", "--without-mingle",
               "-n", f"test-{tmp_path.name}@%h"]
    with started(command, env=env, log_path=worker_log) as worker, running_server(
            GUNICORN, port=port_in_range(30), env=env,
            log_path=tmp_path / "gunicorn.log") as url:
        wait_for_line(worker_log, "ready.")
        yield url, psutil.Process(worker.pid), worker_log


def test_choose_k_runs_on_a_celery_worker_and_equals_the_embedded_result(celery_stack,
                                                                          tmp_path):
    url, _, worker_log = celery_stack
    session = DashSession(url)
    open_analysis(session)
    response = session.fire("k-selection.figure", {"k-run.n_clicks": 1})
    assert "succeeded" in worker_log.read_text()  # the job ran there, not in the web server
    # The same scan in this process, on the local store: the same text.
    store = ResultStore(tmp_path / "local")
    put_dataset(store, io.load_example("pasilla"))
    expected = assess.k_panel(store, session.values["analysis-store"]["data"], 2, 10, 20)
    position = assess.K_VIEW.position(ids.K_STATUS, "children")
    assert response["k-status"]["children"] == expected[position]
    assert "Suggested" in expected[position]
    store.close()


def test_a_killed_worker_process_s_job_is_run_again(celery_stack):
    url, worker, worker_log = celery_stack
    session = DashSession(url)
    open_analysis(session, "airway", **LONG_JOB["analysis"])
    outcome = {}
    thread = threading.Thread(daemon=True, target=lambda: outcome.update(
        response=session.fire("stability-figure.figure", LONG_JOB["stability"])))
    thread.start()
    wait_for_line(worker_log, "received")
    time.sleep(1.0)
    [pool_process] = worker.children()
    pool_process.kill()
    thread.join(timeout=300)
    assert "10000 resamples" in str(outcome["response"]["stability-status"]["children"])
    assert "exited with 'signal 9 (SIGKILL)'" in worker_log.read_text()


def test_a_failed_task_is_reported_unless_it_was_stopped(redis_url):
    from callbacks.jobs import make_celery
    from celery.exceptions import WorkerLostError

    manager = OneShotCeleryManager(make_celery(redis_url))
    manager.handle.backend.mark_as_failure("lost-task", WorkerLostError("killed"))
    assert manager.get_result("no-result", "lost-task") == {
        "background_callback_error": {"msg": JOB_LOST, "tb": ""}}
    manager.handle.backend.mark_as_failure("stopped-task", WorkerLostError("cancelled"))
    manager.handle.backend.set("stopped-job-stopped-task", "1")  # as terminate_job marks it
    assert manager.get_result("no-result", "stopped-task") is manager.UNDEFINED
