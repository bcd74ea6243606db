"""A browser session over the Dash HTTP API, without a browser: reads the layout and the
callback list, then fires callbacks as the renderer does (cookies kept), so the soak
script and the hosting tests drive a real server the way a page would.

Only what those need: callbacks picked by an output they write; input and state values
from the layout and from earlier responses; background callbacks polled to the end.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def port_in_range(offset: int) -> int:
    """Port ``DASH_TEST_PORT + offset`` (parallel runs each take their own range), or any
    free port when that one is taken."""
    port = int(os.environ.get("DASH_TEST_PORT", "8050")) + offset
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def started(command: list[str], *, env: dict, log_path: Path):
    """Run ``command`` in the repository, in a process group of its own; stop the group
    (SIGTERM, then SIGKILL after 30 s) on leaving."""
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=dict(os.environ, **env),
                                   stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        yield process
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_healthy(url: str, process: subprocess.Popen, log_path: Path,
                 timeout: float = 60) -> None:
    """Wait until ``url``/healthz answers (raise with the server's log otherwise)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1)
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{process.args} did not serve /healthz:\n"
                                   f"{log_path.read_text()}") from None
            time.sleep(0.2)


@contextmanager
def running_server(command: list[str], *, port: int, env: dict, log_path: Path):
    """Run ``command`` with ``PORT`` set; yield its URL once /healthz answers; stop it and
    everything it started (its own process group) afterwards."""
    with started(command, env=dict(env, PORT=str(port)), log_path=log_path) as process:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process, log_path)
        yield url


def _components(node, found: dict) -> None:
    """Walk a layout, collecting ``{id: props}`` of components with a string id."""
    if isinstance(node, list):
        for item in node:
            _components(item, found)
    elif isinstance(node, dict) and "props" in node:
        props = node["props"]
        if isinstance(props.get("id"), str):
            found[props["id"]] = props
        for value in props.values():
            if isinstance(value, (list, dict)):
                _components(value, found)


class DashSession:
    """One browser session (its own cookie) on the app at ``url``.

    Parameters
    ----------
    url : str
        ``http://host:port`` of the app.
    timeout : float
        Seconds one HTTP request may take.
    """

    def __init__(self, url: str, *, timeout: float = 120.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        #: The job id of the background callback being polled (set once the server
        #: has answered the request that started it).
        self.polling: str | None = None
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.request("GET", "/")  # the page: sets the session cookie
        self.values: dict = {}
        _components(self.request("GET", "/_dash-layout"), self.values)
        self.callbacks = self.request("GET", "/_dash-dependencies")

    def request(self, method: str, path: str, payload=None):
        """JSON of a request (None for 204), raising ``urllib.error.HTTPError`` on errors."""
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with self.opener.open(request, timeout=self.timeout) as response:
            body = response.read()
            if response.status == 204 or not body:
                return None
            kind = response.headers.get("Content-Type", "")
            return json.loads(body) if "json" in kind else body.decode()

    def find(self, output: str) -> dict:
        """The callback that writes ``output`` (``"component.property"``)."""
        for callback in self.callbacks:
            if f"..{output}.." in callback["output"] or callback["output"] == output:
                return callback
        raise KeyError(output)

    def fire(self, output: str, changed: dict | None = None, *, poll: float = 0.2,
             deadline: float = 600.0) -> dict:
        """Set ``changed`` (``{"id.prop": value}``), fire the callback writing ``output``
        and return its response (``{id: {prop: value}}``), merged into ``self.values``."""
        for name, value in (changed or {}).items():
            component, prop = name.split(".")
            self.values.setdefault(component, {})[prop] = value
        callback = self.find(output)

        def items(specs):
            return [{"id": s["id"], "property": s["property"],
                     "value": self.values.get(s["id"], {}).get(s["property"])}
                    for s in specs]

        outputs = [{"id": part.split(".")[0], "property": part.split(".")[1]}
                   for part in callback["output"].strip(".").split("...")]
        if not callback["output"].startswith(".."):  # one output: not a list
            outputs = outputs[0]
        payload = {"output": callback["output"], "outputs": outputs,
                   "inputs": items(callback["inputs"]), "state": items(callback["state"]),
                   "changedPropIds": [f"{name}" for name in (changed or {})] or
                   [f"{callback['inputs'][0]['id']}.{callback['inputs'][0]['property']}"]}
        path, started = "/_dash-update-component", time.monotonic()
        while True:
            try:
                answer = self.request("POST", path, payload) or {}
            except (ConnectionError, urllib.error.URLError) as error:
                if "cacheKey" not in path:  # only a poll is asked again (as it is idempotent
                    raise                   # until a result was read)
                answer = {"lost": str(error)}
            if "cacheKey" in answer:  # a background callback: poll its job
                path = (f"/_dash-update-component?cacheKey={answer['cacheKey']}"
                        f"&job={answer['job']}")
                self.polling = str(answer["job"])
            if "response" in answer:
                break
            if time.monotonic() - started > deadline:
                raise TimeoutError(f"{output}: no answer within {deadline:.0f} s")
            time.sleep(poll)
        response = answer["response"]
        for component, props in answer.get("sideUpdate", {}).items():  # set_props
            response.setdefault(component, {}).update(props)
        for component, props in response.items():
            self.values.setdefault(component, {}).update(props)
        return response
