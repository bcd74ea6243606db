"""Browser tests: dash_duo with Debian's Chromium, headless (run pytest with --headless)."""

import os
import shutil

import pytest

os.environ.setdefault("RNACLUST_WARM_UMAP", "0")  # importing app must not start a thread
from dash.testing.application_runners import BaseDashRunner
from selenium.webdriver.chrome.options import Options

# Parallel test runs on one machine each take their own ports (DASH_TEST_PORT).
BaseDashRunner._next_port = int(os.environ.get("DASH_TEST_PORT", "8050"))


def pytest_setup_options():
    """Chromium options for dash_duo: Debian's binary; no network chatter (the machine
    has no internet and refuses Chromium's background connections)."""
    options = Options()
    binary = os.environ.get("DASH_TEST_CHROMEPATH") or shutil.which("chromium")
    if binary:
        options.binary_location = binary
    for flag in ("--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic",
                 "--window-size=1400,1000"):
        options.add_argument(flag)
    return options


@pytest.fixture
def app_factory(tmp_path, monkeypatch):
    """A fresh app on an empty store in tmp_path (no UMAP warm-up thread)."""
    monkeypatch.setenv("RNACLUST_CACHE_DIR", str(tmp_path / "cache"))

    def make(**kwargs):
        from app import create_app
        return create_app(tmp_path / "cache", warm_umap=False, **kwargs)

    return make
