"""The Dockerfile and docker-compose.yml, read against issue 13 items 1 and 6 (no Docker
engine is needed: the files are parsed): exec-form CMD with gunicorn (PID 1, so SIGTERM
reaches it), a non-root user, a data volume, a healthcheck on /healthz (which writes and
reads the store), the base image pinned or a TODO(pin) that says how; compose runs web
(gunicorn, app preloaded), Celery workers and Redis around one shared volume."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = (REPO / "Dockerfile").read_text()
    logical, pending = [], ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") and not pending:
            continue
        pending += line.rstrip()[:-1] + " " if line.rstrip().endswith("\\") else line
        if not line.rstrip().endswith("\\"):
            if pending.strip():
                keyword, _, rest = pending.strip().partition(" ")
                logical.append((keyword.upper(), rest.strip()))
            pending = ""
    return logical


def last(instructions, keyword):
    found = [rest for name, rest in instructions if name == keyword]
    assert found, f"the Dockerfile has no {keyword}"
    return found[-1]


def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_the_dockerfile_runs_gunicorn_in_exec_form_as_a_user_with_a_volume():
    instructions = dockerfile_instructions()
    command = json.loads(last(instructions, "CMD"))  # exec form is a JSON array
    assert command[0] == "gunicorn" and "app:server" in command
    user = last(instructions, "USER")
    assert user.split(":")[0] not in ("root", "0")
    assert "/data" in last(instructions, "VOLUME")
    assert not any(name == "ENTRYPOINT" for name, _ in instructions)  # nothing wraps PID 1


def test_the_healthcheck_asks_healthz_in_exec_form():
    health = last(dockerfile_instructions(), "HEALTHCHECK")
    options, _, command = health.partition("CMD")
    assert "--interval" in options and "--timeout" in options
    argv = json.loads(command.strip())
    assert argv[0] == "python" and "/healthz" in " ".join(argv)


def test_the_base_image_is_pinned_or_says_how_to_pin_it():
    base = last(dockerfile_instructions(), "FROM")
    if "@sha256:" in base:
        return
    assert base.startswith("python:3.11")
    todo = [line for line in (REPO / "Dockerfile").read_text().splitlines()
            if "TODO(pin)" in line]
    assert todo, "an unpinned base image needs a # TODO(pin) line"
    assert "docker buildx imagetools inspect python:3.11-slim" in \
        (REPO / "Dockerfile").read_text()


def test_gunicorn_preloads_the_app_and_recycles_workers():
    settings = {}
    exec((REPO / "gunicorn.conf.py").read_text(), settings)  # noqa: S102 - our own file
    assert settings["preload_app"] is True
    assert settings["workers"] >= 2 and settings["max_requests"] > 0
    assert settings["bind"].endswith(":8050")


def test_compose_has_web_celery_workers_and_redis_on_one_shared_volume():
    services = compose()["services"]
    assert {"web", "worker", "redis"} <= set(services)
    web, worker = services["web"], services["worker"]
    assert web.get("init") is True and worker.get("init") is True
    assert worker["command"][:4] == ["celery", "-A", "worker:celery_app", "worker"]
    assert worker["image"] == web["image"]  # the same code on both sides
    for service in (web, worker):
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:")
        assert service["environment"]["RNACLUST_SHARED_DIR"].startswith("/data/")
        assert [v.split(":")[0] for v in service["volumes"]] == ["data"]
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "data" in compose()["volumes"]
    assert services["redis"]["healthcheck"]["test"][-1] == "ping"
    # "celery_app" is what worker.py exports
    assert "celery_app" in (REPO / "worker.py").read_text()


def test_the_build_context_leaves_out_git_and_tests():
    ignored = (REPO / ".dockerignore").read_text().split()
    assert ".git" in ignored and "tests" in ignored


@pytest.mark.skipif(shutil.which("docker-compose") is None,
                    reason="docker-compose (Debian package) is not installed")
def test_docker_compose_accepts_the_file():
    done = subprocess.run(["docker-compose", "-f", str(REPO / "docker-compose.yml"),
                           "config", "--quiet"], capture_output=True, text=True, timeout=60,
                          cwd=REPO)
    assert done.returncode == 0, done.stderr
