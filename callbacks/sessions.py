"""Users kept apart: a signed session cookie, optional login, and dataset keys that open
nothing outside the session that uploaded them.

:class:`SessionGuard` wraps the Flask WSGI app. Every request gets a session id from a
signed cookie (``rnaclust_session``), or the user name when a login is configured:

- ``RNACLUST_USER_HEADER``: the name of a header a trusted reverse proxy sets after its own
  login (e.g. ``X-Remote-User``); requests without it are refused. Only use it when the
  app is reachable through that proxy alone.
- ``RNACLUST_USERS_FILE``: a file of ``name:hash`` lines (hashes from
  ``werkzeug.security.generate_password_hash``); the browser asks for the password (HTTP
  Basic: serve it over HTTPS).

Each callback request runs in :func:`rnaclust_dash.store.session_scope` (a dataset stored
meanwhile is granted to the session), and every dataset key it carries that the session
was not granted is replaced with ``denied:<key>``: reading it raises a message that the
dataset belongs to another session (so a key copied from someone's params.json opens
nothing, and says so). Keys the session holds are marked as in use (not evicted).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import secrets
from pathlib import Path

from itsdangerous import BadSignature, Signer
from werkzeug.security import check_password_hash

from rnaclust_dash.store import DATASET_KEY, DENIED_PREFIX, session_scope

COOKIE = "rnaclust_session"
COOKIE_MAX_AGE = 30 * 24 * 3600
#: Requests that carry dataset keys (Dash callbacks, background polling included).
CALLBACK_PATH = "/_dash-update-component"
#: A dataset key in raw request bytes (no escapes).
DATASET_KEY_BYTES = re.compile(DATASET_KEY.pattern.encode())
#: Answered without a session or login (container and load-balancer health checks).
OPEN_PATHS = ("/healthz",)


def read_users(path: str | os.PathLike) -> dict[str, str]:
    """``{name: password hash}`` from a users file (``name:hash`` lines, ``#`` comments)."""
    users = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, hashed = line.partition(":")
            users[name.strip()] = hashed.strip()
    return users


def secret_key(store) -> str:
    """``RNACLUST_SECRET_KEY``, else one made once and kept in the store (shared by every
    worker, and by every host with the shared store)."""
    configured = os.environ.get("RNACLUST_SECRET_KEY")
    if configured:
        return configured
    return store.get_or_compute("session:-secret-", lambda: secrets.token_hex(32))


class SessionGuard:
    """WSGI middleware: session cookie, optional login, dataset keys checked per session.

    Parameters
    ----------
    app : WSGI callable
        The Flask app's ``wsgi_app``.
    store : StoreBase
        The result store (holds the session ledger).
    secret : str
        Signs the session cookie.
    users : dict, optional
        ``{name: password hash}``: ask for a login (HTTP Basic).
    user_header : str, optional
        Trust this header (set by a reverse proxy) as the user name.
    secure_cookie : bool
        Send the cookie over HTTPS only.
    """

    def __init__(self, app, store, *, secret: str, users: dict[str, str] | None = None,
                 user_header: str | None = None, secure_cookie: bool = False) -> None:
        self.app = app
        self.store = store
        self.signer = Signer(secret, salt="rnaclust-session")
        self.users = users or {}
        self.user_header = user_header
        self.secure_cookie = secure_cookie
        # Checked logins (hash of name and password), so scrypt runs once per login.
        self._checked: set[str] = set()

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "") in OPEN_PATHS:
            return self.app(environ, start_response)
        user = self._user(environ)
        if user is False:
            return self._refuse(start_response)
        session_id, new_cookie = self._session(environ, user)
        if (environ.get("REQUEST_METHOD") == "POST"
                and environ.get("PATH_INFO", "").endswith(CALLBACK_PATH)):
            self._check_keys(environ, session_id)

        def start(status, headers, exc_info=None):
            if new_cookie:
                headers.append(("Set-Cookie", new_cookie))
            return start_response(status, headers, exc_info)

        with session_scope(session_id):
            return self.app(environ, start)

    def _user(self, environ) -> str | None | bool:
        """The logged-in user name, None without login, False when refused."""
        if self.user_header:
            name = environ.get("HTTP_" + self.user_header.upper().replace("-", "_"), "")
            return name.strip() or False
        if not self.users:
            return None
        scheme, _, encoded = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            name, _, password = base64.b64decode(encoded).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        token = hashlib.sha256(f"{name}\0{password}".encode()).hexdigest()
        if token in self._checked:
            return name
        if name in self.users and check_password_hash(self.users[name], password):
            self._checked.add(token)
            return name
        return False

    def _refuse(self, start_response):
        if self.user_header:
            body = (f"Please sign in through the lab's login page (no {self.user_header} "
                    "header reached the app).").encode()
            start_response("403 Forbidden", [("Content-Type", "text/plain; charset=utf-8"),
                                              ("Content-Length", str(len(body)))])
            return [body]
        body = b"Please sign in with your rnaclust-dash user name and password."
        start_response("401 Unauthorized", [
            ("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
            ("WWW-Authenticate", 'Basic realm="rnaclust-dash", charset="UTF-8"')])
        return [body]

    def _session(self, environ, user: str | None) -> tuple[str, str | None]:
        """The session id and, for a new one, its Set-Cookie header."""
        if user is not None:
            return f"user:{user}", None
        cookies = {}
        for part in environ.get("HTTP_COOKIE", "").split(";"):
            name, _, value = part.strip().partition("=")
            cookies[name] = value
        if COOKIE in cookies:
            try:
                return self.signer.unsign(cookies[COOKIE]).decode(), None
            except BadSignature:
                pass
        session_id = secrets.token_urlsafe(24)
        cookie = (f"{COOKIE}={self.signer.sign(session_id).decode()}; Path=/; HttpOnly; "
                  f"SameSite=Lax; Max-Age={COOKIE_MAX_AGE}")
        if self.secure_cookie:
            cookie += "; Secure"
        return session_id, cookie

    def _check_keys(self, environ, session_id: str) -> None:
        """Replace the dataset keys of a callback request this session does not hold.

        Without ``\\u`` escapes in the body a key can only be spelled out, so the raw
        bytes are searched (0.1 s for a 100 MB upload); with escapes, the JSON is decoded
        first so that no escaped spelling slips through."""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        verdicts: dict[str, bool] = {}

        def allowed(key: str) -> bool:
            if key not in verdicts:
                verdicts[key] = self.store.owns(session_id, key)
                if verdicts[key]:
                    self.store.touch(key)
            return verdicts[key]

        if b"\\u" not in body:
            foreign = {key for key in set(DATASET_KEY_BYTES.findall(body))
                       if not allowed(key.decode())}
            for key in foreign:
                body = body.replace(key, DENIED_PREFIX.encode() + key)
        else:
            try:
                payload = json.loads(body)
            except ValueError:  # not JSON: Dash refuses it by itself
                return

            def checked(value):
                if isinstance(value, str):
                    return DATASET_KEY.sub(lambda m: m.group(0) if allowed(m.group(0))
                                           else DENIED_PREFIX + m.group(0), value)
                if isinstance(value, list):
                    return [checked(item) for item in value]
                if isinstance(value, dict):
                    return {checked(name): checked(item) for name, item in value.items()}
                return value
            body = json.dumps(checked(payload)).encode()
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))


def guard_from_environment(app, store) -> SessionGuard:
    """A :class:`SessionGuard` configured from ``RNACLUST_*`` environment variables."""
    users_file = os.environ.get("RNACLUST_USERS_FILE")
    return SessionGuard(app, store, secret=secret_key(store),
                        users=read_users(users_file) if users_file else None,
                        user_header=os.environ.get("RNACLUST_USER_HEADER") or None,
                        secure_cookie=os.environ.get("RNACLUST_COOKIE_SECURE", "0") == "1")
