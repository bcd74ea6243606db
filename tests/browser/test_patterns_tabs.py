"""The Time course and Modules tabs in headless Chromium on the bundled fission time
course: find patterns and see the profiles; find modules, pick a power on the
soft-threshold plot and see the modules and the trait heatmap."""

from pathlib import Path

import pytest

from layouts import ids
from tests.browser.test_markers_tab import click, graph_js, table_cells, wait_until
from test_app import load_example
from views import modules as modules_view
from views import timecourse as tc_view

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parent / "screenshots"


def shot(dash_duo, name):
    """Save a screenshot to look at (tests/browser/screenshots, not committed)."""
    SHOTS.mkdir(exist_ok=True)
    dash_duo.driver.save_screenshot(str(SHOTS / f"{name}.png"))


def click_point(dash_duo, graph_id, xaxis, yaxis, x, y):
    """A real mouse click at data point (x, y) of the subplot on axes (xaxis, yaxis)."""
    from selenium.webdriver.common.action_chains import ActionChains
    graph = dash_duo.find_element(f"#{graph_id} .js-plotly-plot")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", graph)
    names = [name.replace("x", "xaxis").replace("y", "yaxis") for name in (xaxis, yaxis)]
    px, py = dash_duo.driver.execute_script(
        "const g = arguments[0], L = g._fullLayout, xa = L[arguments[1]], ya = L[arguments[2]],"
        "      r = g.getBoundingClientRect();"
        "return [r.left + xa._offset + xa.l2p(arguments[3]),"
        "        r.top + ya._offset + ya.l2p(arguments[4])];", graph, *names, x, y)
    # at viewport coordinates; plotly clicks the point it hovers, and its hover is
    # throttled: rest on the point before clicking
    actions = ActionChains(dash_duo.driver)
    actions.w3c_actions.pointer_action.move_to_location(int(round(px)), int(round(py)))
    actions.w3c_actions.pointer_action.pause(0.5)
    actions.w3c_actions.pointer_action.click()
    actions.perform()


def open_tab(dash_duo, label):
    tab = [a for a in dash_duo.driver.find_elements("css selector", ".nav-link")
           if a.text == label][0]
    dash_duo.driver.execute_script("arguments[0].scrollIntoView(); arguments[0].click();",
                                   tab)


def start_on_fission(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    # tall from the start: a resize later re-lays out the graphs under the mouse
    dash_duo.driver.set_window_size(1400, 2400)
    dash_duo.wait_for_contains_text(f"#{ids.METRICS}", "mean silhouette", timeout=60)
    load_example(dash_duo, "fission")
    dash_duo.wait_for_contains_text(f"#{ids.DATASET_INFO}", "fission", timeout=60)
    dash_duo.wait_for_contains_text(f"#{ids.METRICS}", "36 samples", timeout=120)


def test_time_course_tab_finds_patterns_of_the_strains_side_by_side(dash_duo, app_factory):
    start_on_fission(dash_duo, app_factory)
    open_tab(dash_duo, tc_view.TAB_LABEL)
    dash_duo.wait_for_contains_text(f"#{tc_view.GROUP}", "all, side by side", timeout=30)
    click(dash_duo, f"#{tc_view.RUN}")
    dash_duo.wait_for_contains_text(f"#{tc_view.SUMMARY}", "6 clusters", timeout=180)
    wait_until(lambda: (graph_js(dash_duo, tc_view.PROFILES,
                                 "g.data.filter(t => t.meta === 'timecourse-cluster')"
                                 ".length") or 0) > 12)
    ticks = graph_js(dash_duo, tc_view.PROFILES, "g.layout.xaxis.ticktext")
    assert ticks == ["0", "15", "30", "60", "120", "180"] * 2  # mut, then wt
    wait_until(lambda: graph_js(dash_duo, tc_view.DMIN,
                                "g.data.some(t => t.meta === 'dmin')"))
    wait_until(lambda: len(table_cells(dash_duo, tc_view.TABLE, "gene")) > 0)
    shot(dash_duo, "timecourse_fission")
    # a click on cluster 3's centroid (its first point) lists its genes
    click_point(dash_duo, tc_view.PROFILES, "x3", "y3", 0,
                graph_js(dash_duo, tc_view.PROFILES, "g._fullData.filter(t => t.name === "
                         "'centroid 3')[1].y[0]"))
    wait_until(lambda: set(table_cells(dash_duo, tc_view.TABLE, "cluster")) == {"3"})
    # a table row draws its gene in red on its panel
    click(dash_duo, f"#{tc_view.TABLE} td[data-dash-column='gene']")
    wait_until(lambda: graph_js(dash_duo, tc_view.PROFILES,
                                "g.data.some(t => t.line && t.line.color === '#C0392B')"))
    # yeast ids and the bundled human GO: the enrichment says why it cannot run
    click(dash_duo, "#tc-enrich-run")
    dash_duo.wait_for_contains_text("#tc-enrich-alert", "for this species", timeout=60)
    assert dash_duo.get_logs() == []


def test_modules_tab_runs_a_clicked_power_and_shows_traits(dash_duo, app_factory):
    start_on_fission(dash_duo, app_factory)
    open_tab(dash_duo, modules_view.TAB_LABEL)
    genes = dash_duo.find_element(f"#{modules_view.GENES}")
    genes.clear()
    genes.send_keys("1000\ue007")
    click(dash_duo, f"#{modules_view.RUN}")
    dash_duo.wait_for_contains_text(f"#{modules_view.SUMMARY}", "Power", timeout=180)
    assert "network of 1,000 genes" in dash_duo.find_element(f"#{modules_view.SUMMARY}").text
    wait_until(lambda: graph_js(dash_duo, modules_view.TRAIT_MAP,
                                "g.data.some(t => t.meta === 'module-trait')"))
    traits = graph_js(dash_duo, modules_view.TRAIT_MAP, "Array.from(g._fullData[0].x)")
    assert "minute" in traits and "strain=wt" in traits
    wait_until(lambda: graph_js(dash_duo, modules_view.TREE,
                                "g.data.some(t => t.meta === 'module-bar')"))
    wait_until(lambda: len(table_cells(dash_duo, modules_view.TABLE, "kME")) > 0)
    shot(dash_duo, "modules_fission")
    # pick power 8 on the plot: the job runs again with it
    click_point(dash_duo, modules_view.SOFT, "x", "y", 8, graph_js(
        dash_duo, modules_view.SOFT,
        "Array.from(g._fullData[0].y)[Array.from(g._fullData[0].x).indexOf(8)]"))
    dash_duo.wait_for_contains_text(f"#{modules_view.SUMMARY}", "Power 8,", timeout=180)
    assert dash_duo.find_element(f"#{modules_view.POWER}").get_attribute("value") == "8"
    assert dash_duo.get_logs() == []
