"""Sub-clusters from the Clustering view in headless Chromium (issue 12 items 1 and 7):
select cluster 1 (a click on its silhouette bar), split it, see 1.1/1.2 in the heatmap and
scatter legends, undo it."""

import pytest

from layouts import ids
from test_app import colour_by_cluster
from test_markers_tab import click, graph_js, shot, wait_until
from views.clustering import splits

pytestmark = [pytest.mark.browser]

SPLIT_SHOT = "clustering_split"


def _names(dash_duo, graph_id) -> list:
    return graph_js(dash_duo, graph_id, "g.data.map(t => t.name).filter(n => n)") or []


def test_split_the_selected_cluster_then_undo(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    dash_duo.wait_for_contains_text(f"#{ids.METRICS}", "mean silhouette", timeout=60)
    colour_by_cluster(dash_duo)
    wait_until(lambda: "cluster 1" in _names(dash_duo, ids.EMBEDDING))
    # select cluster 1: a click on one of its silhouette bars
    dash_duo.driver.execute_script(
        f"const g = document.querySelector('#{ids.SILHOUETTE} .js-plotly-plot');"
        "const i = g.data.findIndex(t => t.name === 'cluster 1');"
        "g.emit('plotly_click', {points: [{curveNumber: i, pointNumber: 0, "
        "customdata: g.data[i].customdata[0], x: 0, y: 0}]});")
    dash_duo.wait_for_contains_text(f"#{splits.CLUSTER}", "cluster 1", timeout=30)
    click(dash_duo, f"#{splits.SPLIT_BUTTON}")
    wait_until(lambda: "cluster 1.1" in _names(dash_duo, ids.HEATMAP))
    assert "cluster 1.2" in _names(dash_duo, ids.HEATMAP)
    assert "cluster 1" not in _names(dash_duo, ids.HEATMAP)
    wait_until(lambda: {"cluster 1.1", "cluster 1.2"} <= set(_names(dash_duo, ids.EMBEDDING)))
    dash_duo.wait_for_contains_text(f"#{splits.HISTORY}", "Splits: 1 (k = 2)", timeout=30)
    shot(dash_duo, SPLIT_SHOT, height=1600)
    click(dash_duo, f"#{splits.UNDO_BUTTON}")
    wait_until(lambda: "cluster 1" in _names(dash_duo, ids.HEATMAP))
    assert "cluster 1.1" not in _names(dash_duo, ids.HEATMAP)
    wait_until(lambda: "cluster 1.1" not in _names(dash_duo, ids.EMBEDDING))
    assert dash_duo.find_element(f"#{splits.HISTORY}").text == ""
