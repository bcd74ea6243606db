"""A browser session over the Dash HTTP API, without a browser: reads the layout and the
callback list, then fires callbacks as the renderer does (cookies kept), so the soak
script and the hosting tests drive a real server the way a page would.

Only what those need: callbacks picked by an output they write; input and state values
from the layout and from earlier responses; background callbacks polled to the end.
"""

from __future__ import annotations

import http.cookiejar
import json
import time
import urllib.error
import urllib.request


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
        payload = {"output": callback["output"], "outputs": outputs,
                   "inputs": items(callback["inputs"]), "state": items(callback["state"]),
                   "changedPropIds": [f"{name}" for name in (changed or {})] or
                   [f"{callback['inputs'][0]['id']}.{callback['inputs'][0]['property']}"]}
        path, started = "/_dash-update-component", time.monotonic()
        while True:
            answer = self.request("POST", path, payload) or {}
            if "cacheKey" in answer:  # a background callback: poll its job
                path = (f"/_dash-update-component?cacheKey={answer['cacheKey']}"
                        f"&job={answer['job']}")
            if "response" in answer:
                break
            if time.monotonic() - started > deadline:
                raise TimeoutError(f"{output}: no answer within {deadline:.0f} s")
            time.sleep(poll)
        response = answer["response"]
        for component, props in response.items():
            self.values.setdefault(component, {}).update(props)
        return response
