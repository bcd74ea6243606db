"""The Stability tab on the selection in headless Chromium (issue 12 item 1): select a
cluster (a click on its silhouette bar), tick 'on the selection', run (subsample: pasilla's
clusters are small): the status and the item-stability bars are those of the selected
samples only."""

import pytest
from selenium.webdriver.support.ui import Select

from layouts import ids
from test_app import colour_by_cluster
from test_app import open_tab
from test_markers_tab import click, graph_js, shot, wait_until
from views import stability
from views.clustering import splits

pytestmark = [pytest.mark.browser]


def test_stability_of_the_selected_cluster(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    dash_duo.wait_for_contains_text(f"#{ids.METRICS}", "mean silhouette", timeout=60)
    colour_by_cluster(dash_duo)
    sizes = "Object.fromEntries(g.data.filter(t => t.name && t.customdata).map(t => " \
            "[t.name, t.customdata.length]))"
    wait_until(lambda: any(n >= 4 for n in (graph_js(dash_duo, ids.EMBEDDING, sizes)
                                            or {}).values()))
    counts = graph_js(dash_duo, ids.EMBEDDING, sizes)
    name = max(counts, key=counts.get)
    dash_duo.driver.execute_script(
        f"const g = document.querySelector('#{ids.SILHOUETTE} .js-plotly-plot');"
        f"const i = g.data.findIndex(t => t.name === '{name}');"
        "g.emit('plotly_click', {points: [{curveNumber: i, pointNumber: 0, "
        "customdata: g.data[i].customdata[0], x: 0, y: 0}]});")
    dash_duo.wait_for_contains_text(f"#{ids.SELECTION_INFO}",
                                    f"{counts[name]} samples selected", timeout=30)
    dash_duo.wait_for_contains_text(f"#{splits.CLUSTER}", name, timeout=30)
    open_tab(dash_duo, "Stability")
    click(dash_duo, f"#{stability.ON_SELECTION}")
    # 4 samples: a bootstrap may draw 1 distinct sample; subsample 80% keeps 3
    Select(dash_duo.find_element(f"#{ids.STABILITY_SCHEME}")).select_by_value("subsample")
    click(dash_duo, f"#{ids.STABILITY_RUN}")
    dash_duo.wait_for_contains_text(
        f"#{ids.STABILITY_STATUS}", f"The {counts[name]} selected samples split into k = 2",
        timeout=180)
    cluster = name.removeprefix("cluster ")
    assert f"sub-cluster {cluster}.1" in dash_duo.find_element(f"#{ids.STABILITY_STATUS}").text
    assert graph_js(dash_duo, ids.STABILITY_FIGURE,
                    "g._fullData.find(t => t.meta === 'cluster-jaccard').x") == [
        f"cluster {cluster}.1", f"cluster {cluster}.2"]
    bars = graph_js(dash_duo, ids.STABILITY_FIGURE,
                    "g._fullData.find(t => t.meta === 'item-stability').y.length")
    assert bars == counts[name]
    shot(dash_duo, "stability_on_selection", height=1200)
