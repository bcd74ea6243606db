"""End-to-end flows in headless Chromium (dash_duo)."""

import base64
from pathlib import Path

import pytest

from layouts import ids

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parent / "screenshots"


def shot(dash_duo, name):
    """Save a screenshot to look at (tests/browser/screenshots, not committed)."""
    SHOTS.mkdir(exist_ok=True)
    dash_duo.driver.save_screenshot(str(SHOTS / f"{name}.png"))


def graph_traces(dash_duo, graph_id):
    """Number of traces plotly has drawn in a graph."""
    return dash_duo.driver.execute_script(
        f"const g = document.querySelector('#{graph_id} .js-plotly-plot');"
        "return g && g.data ? g.data.length : 0;")


def graph_json(dash_duo, graph_id, expression):
    """Evaluate a JS expression on the plotly graph div ``g``."""
    return dash_duo.driver.execute_script(
        f"const g = document.querySelector('#{graph_id} .js-plotly-plot'); return {expression};")


def wait_until(condition, timeout=30, interval=0.2):
    """Poll ``condition()`` until it is true; fail with a clear message on timeout."""
    from dash.testing.wait import until
    until(condition, timeout=timeout, poll=interval)


def wait_rendered(dash_duo, timeout=30):
    for graph_id in (ids.HEATMAP, ids.EMBEDDING, ids.SILHOUETTE):
        dash_duo.wait_for_element(f"#{graph_id} .js-plotly-plot", timeout=timeout)
        wait_until(lambda g=graph_id: graph_traces(dash_duo, g) > 0, timeout=timeout)


def test_example_loads_and_all_views_render(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    dash_duo.wait_for_contains_text(f"#{ids.DATASET_INFO}", "pasilla", timeout=20)
    dash_duo.wait_for_contains_text(f"#{ids.METRICS}", "mean silhouette", timeout=20)
    shot(dash_duo, "example")
    assert graph_json(dash_duo, ids.HEATMAP, "g.data.some(t => t.type === 'heatmap')")
    assert dash_duo.get_logs() == []
