"""The Content-Security-Policy does not break the dashboard (issue 13 item 5): the page,
its figures and a tab with clientside callbacks render in headless Chromium with no CSP
violation in the console; and the policy is in force (an injected inline script is
blocked)."""

import time

import pytest

from layouts import ids

from test_app import graph_traces, shot, wait_rendered, wait_until

pytestmark = pytest.mark.browser


def csp_messages(logs):
    return [entry["message"] for entry in logs
            if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]]


def test_the_page_renders_under_the_csp_without_violations(dash_duo, app_factory):
    app = app_factory()
    dash_duo.start_server(app)
    policy = dash_duo.driver.execute_script(
        "return fetch('/').then(r => r.headers.get('Content-Security-Policy'));")
    assert policy and "frame-ancestors 'self'" in policy
    wait_rendered(dash_duo)
    dash_duo.wait_for_contains_text(f"#{ids.METRICS}", "mean silhouette", timeout=30)
    # Every tab once (the views' figures and clientside callbacks run).
    tabs = dash_duo.driver.find_elements("css selector", ".nav-tabs .nav-link, .tab")
    assert len(tabs) >= 3
    for tab in tabs:
        tab.click()
        time.sleep(1)
    assert graph_traces(dash_duo, ids.HEATMAP) > 0
    shot(dash_duo, "csp")
    logs = dash_duo.get_logs()
    assert csp_messages(logs) == [], logs
    # The policy is enforced: an inline script added to the page does not run.
    ran = dash_duo.driver.execute_async_script(
        "const done = arguments[0]; const s = document.createElement('script');"
        "s.textContent = 'window.__injected = 1'; document.head.appendChild(s);"
        "setTimeout(() => done(window.__injected === 1), 300);")
    assert ran is False
    assert csp_messages(dash_duo.get_logs()), "the blocked script is reported"
