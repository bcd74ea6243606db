"""Faults on a real gunicorn server (3 workers, app preloaded, as README and the Dockerfile
start it), driven over the Dash HTTP API as a page does: a killed web worker or job
process, a server stopped mid-job, and two sessions kept apart."""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time

import psutil
import pytest

from benchmarks.dash_http import DashSession, port_in_range, running_server
from callbacks.jobs import JOB_LOST
from hosting_helpers import LONG_JOB, open_analysis, server_env
from rnaclust_dash.store import FOREIGN_DATASET

GUNICORN = [sys.executable, "-m", "gunicorn", "app:server"]
pytestmark = pytest.mark.slow  # real servers and a ~15 s job per test


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn with 3 workers on a port of this run's range; yields (url, master pid)."""
    port = port_in_range(20)
    with running_server(GUNICORN, port=port, env=server_env(tmp_path, WORKERS="3"),
                        log_path=tmp_path / "gunicorn.log") as url:
        yield url, server_master(port)


def server_master(port: int) -> psutil.Process:
    """gunicorn's master: the leader of the session of the process listening on ``port``
    (it or a worker; the master was started in a session of its own)."""
    return next(psutil.Process(os.getsid(c.pid)) for c in psutil.net_connections(kind="inet")
                if c.status == psutil.CONN_LISTEN and c.laddr.port == port and c.pid)


def job_processes(master: psutil.Process) -> list[psutil.Process]:
    """Running background-job processes: the workers' children (finished ones linger as
    zombies until their worker reaps them)."""
    found = []
    for worker in master.children():
        found += [job for job in worker.children() if job.status() != psutil.STATUS_ZOMBIE]
    return found


def wait_for_job(master: psutil.Process, timeout: float = 60) -> psutil.Process:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = job_processes(master)
        if jobs:
            return jobs[0]
        time.sleep(0.05)
    raise AssertionError("no background job process appeared")


def start_long_job(url: str) -> tuple[threading.Thread, dict]:
    """A session that starts the long stability job in a thread; the thread's outcome."""
    session = DashSession(url)
    open_analysis(session, "airway", **LONG_JOB["analysis"])
    outcome: dict = {}

    def run():
        try:
            outcome["response"] = session.fire("stability-figure.figure", LONG_JOB["stability"])
        except Exception as error:  # noqa: BLE001 - reported by the test
            outcome["error"] = error
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    outcome["session"] = session
    return thread, outcome


def wait_polled(outcome: dict, timeout: float = 60) -> None:
    """Until the session polls its job: the request that started it was answered (a
    worker killed before answering loses that request, as a browser's would be lost)."""
    deadline = time.monotonic() + timeout
    while outcome["session"].polling is None and "error" not in outcome:
        if time.monotonic() > deadline:
            raise AssertionError("the job's first request was never answered")
        time.sleep(0.05)


def sockets(process: psutil.Process) -> list:
    """The process's internet sockets (listening or connected)."""
    return process.net_connections(kind="inet")


def stop(process: psutil.Process) -> None:
    try:
        process.kill()
    except psutil.NoSuchProcess:
        pass


def test_a_job_outlives_its_killed_web_worker_and_its_result_is_served(gunicorn):
    url, master = gunicorn
    thread, outcome = start_long_job(url)
    job = wait_for_job(master)
    try:
        worker = job.parent()
        assert os.getsid(job.pid) == job.pid  # a session of its own
        assert sockets(job) == []  # neither the port nor the request's connection
        wait_polled(outcome)
        os.kill(worker.pid, signal.SIGKILL)
        thread.join(timeout=300)
        assert "error" not in outcome, outcome.get("error")
        status = str(outcome["response"]["stability-status"]["children"])
        assert "10000 resamples" in status
    finally:
        stop(job)


def test_a_killed_job_says_so_and_choosing_it_again_works(gunicorn):
    url, master = gunicorn
    thread, outcome = start_long_job(url)
    job = wait_for_job(master)
    job.kill()
    thread.join(timeout=120)
    assert "error" not in outcome, outcome.get("error")
    alert = outcome["response"]["stability-alert"]
    assert JOB_LOST in str(alert["children"]) and alert["is_open"]
    retry = outcome["session"].fire("stability-figure.figure", {
        "stability-run.n_clicks": 2, "stability-resamples.value": 50})
    assert "50 resamples" in str(retry["stability-status"]["children"])


def test_a_server_stopped_mid_job_frees_its_port_at_once(tmp_path):
    port = port_in_range(21)
    with running_server(GUNICORN, port=port, env=server_env(tmp_path, WORKERS="2"),
                        log_path=tmp_path / "gunicorn.log") as url:
        master = server_master(port)
        _, _ = start_long_job(url)
        job = wait_for_job(master)
    try:
        # gunicorn has stopped (a worker waits for its running job up to the graceful
        # timeout); the job may still run, in its own session, without the port.
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("127.0.0.1", port))
            probe.listen()
        if job.is_running():
            assert sockets(job) == []
    finally:
        stop(job)


def test_a_dataset_key_from_another_session_opens_nothing_on_any_worker(gunicorn):
    url, _ = gunicorn
    alice, mallory = DashSession(url), DashSession(url)
    key = open_analysis(alice)
    for _ in range(3):  # each request may land on any of the 3 workers
        response = mallory.fire("analysis-store.data", {"dataset-store.data": {"key": key}})
        assert FOREIGN_DATASET in str(response["error-message"]["children"])
        assert "heatmap" not in response
    # Uploading the same table herself, she may analyse it.
    assert open_analysis(mallory) == key
    assert "error-message" not in mallory.values or not mallory.values["error-message"].get(
        "is_open")
