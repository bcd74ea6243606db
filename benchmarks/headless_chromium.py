"""Headless Debian Chromium for the scripts that drive the app in a browser (benchmarks,
screenshots); the browser tests use dash_duo's own driver (tests/browser/conftest.py)."""

from __future__ import annotations

import shutil

# No network chatter: this machine refuses Chromium's background connections.
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--no-first-run")


def start_browser(*, window: str = "1400,1000", performance_log: bool = False):
    """A selenium Chrome driver on Debian's chromium and chromedriver.

    Parameters
    ----------
    window : str
        Window size, "width,height" in px.
    performance_log : bool
        Switch on Chrome's performance (network) log, for counting bytes over the wire.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in (*FLAGS, f"--window-size={window}"):
        options.add_argument(flag)
    if performance_log:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(service=service, options=options)
