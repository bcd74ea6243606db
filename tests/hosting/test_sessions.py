"""Users kept apart, in-process: the session guard in front of the callbacks (signed
cookie, login by users file or proxy header, foreign dataset keys replaced), and the
analysis callback's answer to a foreign key or a store that lost the dataset."""

from __future__ import annotations

import base64
import io
import json
import shutil

import pytest
from werkzeug.security import generate_password_hash

from views.clustering import analysis
from callbacks.common import controls_from_params, guarded
from callbacks.sessions import COOKIE, SessionGuard, read_users
from rnaclust_dash import io as rio
from rnaclust_dash.params import default_params
from rnaclust_dash.pipeline import put_dataset
from rnaclust_dash.store import DENIED_PREFIX, FOREIGN_DATASET, session_scope

SECRET = "test-secret"


class Recorder:
    """A WSGI app that records the body it received and the session it ran in."""

    def __init__(self):
        self.bodies, self.sessions = [], []

    def __call__(self, environ, start_response):
        from rnaclust_dash.store import current_session
        length = int(environ.get("CONTENT_LENGTH") or 0)
        self.bodies.append(environ["wsgi.input"].read(length))
        self.sessions.append(current_session())
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]


def call(guard, *, path="/_dash-update-component", body=b"", headers=None):
    """(status, headers) of one request through ``guard``."""
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": path, "wsgi.input": io.BytesIO(body),
               "CONTENT_LENGTH": str(len(body))} | (headers or {})
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer.update(status=status, headers=dict(response_headers))
    b"".join(guard(environ, start_response))
    return answer["status"], answer["headers"]


def cookie_of(headers) -> dict:
    return {"HTTP_COOKIE": headers["Set-Cookie"].split(";")[0]}


def owned_key(store, session_id: str, letter: str) -> str:
    key = "dataset-" + letter * 40
    with session_scope(session_id):
        store.put(key, [1, 2, 3])
    return key


def test_a_new_visitor_gets_a_signed_session_cookie(local_store):
    app = Recorder()
    guard = SessionGuard(app, local_store, secret=SECRET)
    _, headers = call(guard, path="/")
    assert headers["Set-Cookie"].startswith(f"{COOKIE}=")
    assert "HttpOnly" in headers["Set-Cookie"] and "SameSite=Lax" in headers["Set-Cookie"]
    call(guard, path="/", headers=cookie_of(headers))
    assert app.sessions[0] == app.sessions[1] and app.sessions[0]
    # A cookie signed with another secret (or edited) is not trusted: a new session.
    forged = SessionGuard(Recorder(), local_store, secret="other")
    _, forged_headers = call(forged, path="/")
    _, headers = call(guard, path="/", headers=cookie_of(forged_headers))
    assert "Set-Cookie" in headers and app.sessions[-1] != app.sessions[0]


def test_keys_of_other_sessions_are_replaced_and_own_keys_kept(local_store):
    app = Recorder()
    guard = SessionGuard(app, local_store, secret=SECRET)
    _, headers = call(guard, path="/")
    mine = owned_key(local_store, app.sessions[0], "a")
    theirs = owned_key(local_store, "someone-else", "b")
    payload = {"inputs": [{"id": "dataset-store", "value": {"key": mine}},
                          {"id": "analysis-store", "value": {"key": theirs}}],
               # An escaped spelling of the key decodes to the same key: caught too.
               "state": [{"value": {"key": "PLACEHOLDER"}}]}
    body = json.dumps(payload).replace(
        "PLACEHOLDER", "\\u0064" + theirs.removeprefix("d")).encode()
    call(guard, body=body, headers=cookie_of(headers))
    received = json.loads(app.bodies[-1])
    assert received["inputs"][0]["value"]["key"] == mine
    assert received["inputs"][1]["value"]["key"] == DENIED_PREFIX + theirs
    assert received["state"][0]["value"]["key"] == DENIED_PREFIX + theirs
    # Without escapes the raw bytes are searched (the fast path): the same verdicts.
    payload["state"] = []
    call(guard, body=json.dumps(payload).encode(), headers=cookie_of(headers))
    received = json.loads(app.bodies[-1])
    assert received["inputs"][0]["value"]["key"] == mine
    assert received["inputs"][1]["value"]["key"] == DENIED_PREFIX + theirs


def test_a_dataset_stored_during_a_request_belongs_to_its_session(local_store):
    def uploads(environ, start_response):
        local_store.put("dataset-" + "c" * 40, "table")
        start_response("200 OK", [])
        return [b""]
    guard = SessionGuard(uploads, local_store, secret=SECRET)
    _, headers = call(guard, path="/")
    call(guard, headers=cookie_of(headers), body=b"{}")
    session_id = guard.signer.unsign(cookie_of(headers)["HTTP_COOKIE"].split("=", 1)[1])
    assert local_store.owns(session_id.decode(), "dataset-" + "c" * 40)


def test_login_from_a_users_file(local_store, tmp_path):
    users = tmp_path / "users"
    users.write_text(f"# lab members\nada:{generate_password_hash('s3cret')}\n")
    app = Recorder()
    guard = SessionGuard(app, local_store, secret=SECRET, users=read_users(users))

    def basic(name, password):
        token = base64.b64encode(f"{name}:{password}".encode()).decode()
        return {"HTTP_AUTHORIZATION": f"Basic {token}"}

    status, headers = call(guard, path="/")
    assert status.startswith("401") and "WWW-Authenticate" in headers
    assert call(guard, path="/", headers=basic("ada", "wrong"))[0].startswith("401")
    assert call(guard, path="/", headers=basic("ada", "s3cret"))[0].startswith("200")
    assert app.sessions == ["user:ada"]
    assert call(guard, path="/healthz")[0].startswith("200")  # health checks need no login


def test_login_from_a_trusted_proxy_header_follows_the_user(local_store):
    app = Recorder()
    guard = SessionGuard(app, local_store, secret=SECRET, user_header="X-Remote-User")
    assert call(guard, path="/")[0].startswith("403")
    key = owned_key(local_store, "user:ada", "d")
    body = json.dumps({"inputs": [{"value": {"key": key}}]}).encode()
    call(guard, body=body, headers={"HTTP_X_REMOTE_USER": "ada"})  # any browser of hers
    call(guard, body=body, headers={"HTTP_X_REMOTE_USER": "bob"})
    assert json.loads(app.bodies[0])["inputs"][0]["value"]["key"] == key
    assert json.loads(app.bodies[1])["inputs"][0]["value"]["key"] == DENIED_PREFIX + key


@pytest.fixture
def pasilla(local_store):
    """The pasilla example stored by session 'alice'; its dataset-store and controls."""
    dataset = rio.load_example("pasilla")
    with session_scope("alice"):
        key = put_dataset(local_store, dataset)
    return {"key": key}, controls_from_params(default_params(dataset),
                                               analysis.ANALYSIS_CONTROLS)


def analyse(store, dataset_store, controls) -> tuple:
    return guarded(len(analysis.OUTPUTS), analysis.ERROR_SLOT)(analysis.update_analysis)(
        store, dataset_store, controls, [])


def alert_text(outputs) -> str:
    return str(outputs[analysis.ERROR_SLOT[0]])


def test_the_analysis_callback_says_a_foreign_key_opens_nothing(local_store, pasilla):
    dataset_store, controls = pasilla
    assert alert_text(analyse(local_store, dataset_store, controls)) == "None"
    denied = {"key": DENIED_PREFIX + dataset_store["key"]}  # as the guard passes it on
    outputs = analyse(local_store, denied, controls)
    assert FOREIGN_DATASET in alert_text(outputs)
    assert outputs[analysis.ERROR_SLOT[1]] is True


@pytest.mark.parametrize("denied", [False, True])
def test_a_deleted_store_is_recreated_and_the_user_asked_to_upload_again(local_store,
                                                                          pasilla, denied):
    """The store forgets its sessions too: the guard then denies the key (not held), and
    the message must still say the dataset is gone, not that it is someone else's."""
    dataset_store, controls = pasilla
    shutil.rmtree(local_store.directory)
    if denied:
        dataset_store = {"key": DENIED_PREFIX + dataset_store["key"]}
    outputs = analyse(local_store, dataset_store, controls)
    assert "Please upload it again" in alert_text(outputs)
    assert FOREIGN_DATASET not in alert_text(outputs)
    local_store.check()  # the store works again (healthz: 200)


def test_healthz_is_503_when_the_store_cannot_be_written(tmp_path, local_store,
                                                         monkeypatch):
    monkeypatch.setenv("RNACLUST_WARM_UMAP", "0")  # importing app builds one: no warm-up
    monkeypatch.setenv("RNACLUST_CACHE_DIR", str(tmp_path / "app-cache"))
    from app import health
    from rnaclust_dash.store import ResultStore
    assert health(local_store) == ("ok", 200)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the store folder should be")
    text, status = health(ResultStore(blocked))
    assert status == 503 and "store unavailable" in text
