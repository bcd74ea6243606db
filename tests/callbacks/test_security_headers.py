"""Security headers on every response and the request size limit (issue 13 items 3, 5),
through Flask's test client on the real app."""

from __future__ import annotations

import json
import os

import pytest

os.environ.setdefault("RNACLUST_WARM_UMAP", "0")

from server_setup import request_size_limit  # noqa: E402


@pytest.fixture
def client(tmp_path, monkeypatch):
    monkeypatch.setenv("RNACLUST_MAX_UPLOAD_MB", "1")
    from app import create_app
    app = create_app(tmp_path / "cache", warm_umap=False)
    return app.server.test_client()


@pytest.mark.parametrize("path", ["/", "/healthz", "/_dash-layout", "/_dash-dependencies",
                                  "/assets/style.css", "/no-such-page"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert headers["Referrer-Policy"] == "same-origin"
    policy = dict(part.strip().split(" ", 1) for part in
                  headers["Content-Security-Policy"].split(";"))
    assert policy["frame-ancestors"] == "'self'" and policy["object-src"] == "'none'"
    assert "'unsafe-inline'" not in policy["script-src"]
    # (eval is allowed: see server_setup.content_security_policy)


def test_the_csp_allows_dash_s_own_inline_scripts_by_hash(client):
    import base64
    import hashlib
    import re

    # Without HTML comments (Dash's notice for Internet Explorer is in one).
    page = re.sub(r"<!--.*?-->", "", client.get("/").get_data(as_text=True), flags=re.S)
    policy = client.get("/").headers["Content-Security-Policy"]
    inline = [s for s in re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>"
                                    r"(.*?)</script>", page, flags=re.S) if s.strip()]
    assert inline, "Dash's page has its start-up script inline"
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy


def test_an_oversized_upload_is_refused_before_it_is_read(client):
    limit = request_size_limit(1_000_000)
    body = json.dumps({"output": "x", "inputs": [], "changedPropIds": [],
                       "state": [{"value": "A" * limit}]})
    response = client.post("/_dash-update-component", data=body,
                           content_type="application/json")
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "accepts up to 1.0 MB per file" in text and "Traceback" not in text
    assert "RNACLUST_DATA_DIR" in text and "RNACLUST_MAX_UPLOAD_MB" in text
    # the size of what was sent: the request less its margin, less base64's 4/3
    size = (len(body) - 1_000_000) * 3 / 4 / 1e6
    assert f"This upload is about {size:.1f} MB" in text
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_request_limit_lets_three_files_at_the_upload_limit_through():
    upload = 100_000_000
    base64_size = 4 * -(-upload // 3)
    assert request_size_limit(upload) >= 3 * base64_size
    assert request_size_limit(upload) < 3 * base64_size + 2_000_000
