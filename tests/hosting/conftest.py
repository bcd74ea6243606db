"""Fixtures of the hosting tests: a Redis server of their own (Debian's redis-server on a
free loopback port, or ``RNACLUST_TEST_REDIS_URL`` when CI gives one: never ``REDIS_URL``,
which would switch every app built in the test run to Celery), both store backends, and
real servers (gunicorn, Celery workers) started as README says."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import pytest

from rnaclust_dash.store import ResultStore


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "celery: runs jobs through real Celery workers and Redis (README's test "
                   "command runs them; they skip only without redis-server)")


@pytest.fixture(scope="session")
def redis_url():
    """A Redis server for the shared-backend and Celery tests (skipped without one)."""
    if os.environ.get("RNACLUST_TEST_REDIS_URL"):
        yield os.environ["RNACLUST_TEST_REDIS_URL"]
        return
    if shutil.which("redis-server") is None:
        pytest.skip("needs Debian's redis-server (or RNACLUST_TEST_REDIS_URL)")
    port = free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis
    client = redis.Redis(port=port)  # wait until it answers
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def local_store(tmp_path):
    store = ResultStore(tmp_path / "store")
    yield store
    store.close()


@pytest.fixture
def shared_store(tmp_path, redis_url):
    import redis

    from rnaclust_dash.store.shared import SharedStore
    redis.Redis.from_url(redis_url).flushdb()
    store = SharedStore(redis_url, tmp_path / "shared")

    yield store
    store.close()


@pytest.fixture(params=["local", "shared"])
def any_store(request):
    """Each backend in turn: the behaviour under test must not depend on it."""
    return request.getfixturevalue(f"{request.param}_store")
