"""The Trajectory tab in headless Chromium (issue 12 item 7): the fission time course
ordered from its earliest minute, PAGA over the clusters, a click picks a new root, and
the trajectory follows a split made in the Clustering tab (and its undo)."""

from pathlib import Path

import pytest

from layouts import ids
from test_app import choose
from test_markers_tab import click, graph_js, shot, wait_until
from views import trajectory
from views.clustering import splits

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FISSION = Path(__file__).resolve().parents[1] / "data" / "reference" / "fission"
FISSION_SHOT = "trajectory_fission"


def test_trajectory_tab_orders_the_time_course_and_a_click_moves_the_root(dash_duo,
                                                                         app_factory):
    dash_duo.start_server(app_factory())
    dash_duo.wait_for_contains_text(f"#{ids.METRICS}", "mean silhouette", timeout=60)
    dash_duo.find_element(f"#{ids.UPLOAD_COUNTS} input[type=file]").send_keys(
        str(FISSION / "counts.csv.gz"))
    dash_duo.wait_for_contains_text(f"#{ids.DATASET_INFO}", "x 36 samples", timeout=90)
    dash_duo.find_element(f"#{ids.UPLOAD_METADATA} input[type=file]").send_keys(
        str(FISSION / "samples.csv"))
    dash_duo.wait_for_contains_text(f"#{ids.DATASET_INFO}", "sample sheet: strain", timeout=90)
    open_tab(dash_duo, "Trajectory")
    # root: the centre of the samples at the earliest minute
    click(dash_duo, f"#{trajectory.ROOT_MODE} input[value='column']")
    # the first job imports umap-learn and compiles its numba code (minutes under load)
    dash_duo.wait_for_contains_text(f"#{trajectory.STATUS}", "pseudotime for 36 of 36",
                                    timeout=400)
    status = dash_duo.find_element(f"#{trajectory.STATUS}").text
    assert "_0_r" in status.split(";")[0]  # a sample at minute 0
    wait_until(lambda: graph_js(dash_duo, trajectory.FIGURE,
                                "g.data.some(t => t.meta === 'paga-node')"))
    assert graph_js(dash_duo, trajectory.TRENDS, "g.data[0].type") == "heatmap"
    shot(dash_duo, FISSION_SHOT, height=1400)
    # a click on a sample makes it the root
    target = graph_js(dash_duo, trajectory.FIGURE,
                      "g.data.find(t => t.meta === 'embedding').customdata[5]")
    dash_duo.driver.execute_script(
        f"const g = document.querySelector('#{trajectory.FIGURE} .js-plotly-plot');"
        "const i = g.data.findIndex(t => t.meta === 'embedding');"
        "g.emit('plotly_click', {points: [{curveNumber: i, pointNumber: 5, "
        "customdata: g.data[i].customdata[5], x: 0, y: 0}]});")
    dash_duo.wait_for_contains_text(f"#{trajectory.STATUS}", f"Root {target};", timeout=400)
    assert graph_js(dash_duo, trajectory.FIGURE,
                    "g.data.find(t => t.meta === 'root').hovertemplate").startswith(
        f"root: {target}")
    # splits have one home, the Clustering tab's: split cluster 1 there and PAGA's nodes
    # here become 1.1, 1.2 and 2; its undo brings 1 back
    def nodes():
        return graph_js(dash_duo, trajectory.FIGURE,
                        "g.data.find(t => t.meta === 'paga-node').text.join(',')")

    assert nodes() == "1,2"
    open_tab(dash_duo, "Clustering")
    choose(dash_duo, splits.CLUSTER, "cluster 1")
    click(dash_duo, f"#{splits.SPLIT_BUTTON}")
    dash_duo.wait_for_contains_text(f"#{splits.HISTORY}", "Splits: 1 (k = 2)", timeout=60)
    open_tab(dash_duo, "Trajectory")
    wait_until(lambda: nodes() == "1.1,1.2,2", timeout=400)
    shot(dash_duo, "trajectory_split", height=1400)
    open_tab(dash_duo, "Clustering")
    click(dash_duo, f"#{splits.UNDO_BUTTON}")
    wait_until(lambda: dash_duo.find_element(f"#{splits.HISTORY}").text == "", timeout=60)
    open_tab(dash_duo, "Trajectory")
    wait_until(lambda: nodes() == "1,2", timeout=120)
    assert dash_duo.get_logs() == []


def open_tab(dash_duo, label: str) -> None:
    dash_duo.driver.execute_script(
        f"Array.from(document.querySelectorAll('#{ids.VIEW_TABS} a'))"
        f".find(a => a.textContent === '{label}').click();")
