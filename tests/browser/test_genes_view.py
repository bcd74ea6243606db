"""Genes you can read, in headless Chromium on airway (human Ensembl ids): a gene found
with the navbar search is outlined in the heatmap and selected in the scatter; a zoom on
heatmap rows drills into them and labels each gene by its symbol; the Gene clusters tab
shows profiles and the gene table, and downloads the gene list as CSV."""

import time
from pathlib import Path

import pandas as pd
import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.keys import Keys

from test_markers_tab import click, graph_js, start_on_airway, wait_until

from layouts import ids
from views import genes

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parent / "screenshots"


def shot(dash_duo, name, width=1400, height=2000, top=None):
    """Save a tall screenshot to look at (tests/browser/screenshots, not committed),
    scrolled to the element ``top`` (default: the page's top)."""
    SHOTS.mkdir(exist_ok=True)
    dash_duo.driver.set_window_size(width, height)
    # instant: Bootstrap makes scrolling smooth, and the shot would catch it half-way
    dash_duo.driver.execute_script(
        f"document.getElementById('{top}').scrollIntoView({{behavior: 'instant'}})" if top
        else "window.scrollTo({top: 0, behavior: 'instant'})")
    dash_duo.driver.save_screenshot(str(SHOTS / f"{name}.png"))


def choose(dash_duo, selector, value):
    """Pick a dropdown option by its text (clicked by script: the tab is long)."""
    click(dash_duo, selector)

    def option():
        found = [o for o in dash_duo.driver.find_elements("css selector",
                                                          ".dash-dropdown-option")
                 if o.text == value]
        return found[0] if found else None
    wait_until(option, timeout=20)
    dash_duo.driver.execute_script("arguments[0].click();", option())


def search_gene(dash_duo, text):
    """Type in the navbar's search box and pick the first suggestion naming ``text``."""
    click(dash_duo, f"#{ids.GENE_SEARCH}")
    dash_duo.find_element("input.dash-dropdown-search").send_keys(text)

    def option():
        try:  # the suggestions re-render while they load: look again when one goes stale
            found = [o for o in dash_duo.driver.find_elements(
                "css selector", ".dash-dropdown-option") if text in o.text]
        except StaleElementReferenceException:
            return None
        return found[0] if found else None
    def pick():
        # the option list can sit above the scrolled viewport (the search box is in the
        # navbar): scroll the option into view and click it in the page
        found = option()
        if found is None:
            return False
        try:
            dash_duo.driver.execute_script(
                "arguments[0].scrollIntoView({block: 'nearest'}); arguments[0].click();",
                found)
        except StaleElementReferenceException:
            return False
        return True
    wait_until(pick, timeout=30)
    dash_duo.find_element("input.dash-dropdown-search").send_keys(Keys.ESCAPE)


def heatmap_annotations(dash_duo):
    return graph_js(dash_duo, ids.HEATMAP,
                    "(g.layout.annotations || []).map(a => a.text)") or []


def test_search_highlights_gene_in_heatmap_and_scatter(dash_duo, app_factory):
    start_on_airway(dash_duo, app_factory)
    # the heatmap's rows are named by symbol (airway's ids are Ensembl)
    wait_until(lambda: graph_js(dash_duo, ids.HEATMAP,
                                "g.data.find(t => t.meta === 'heatmap').y.some("
                                "y => String(y).includes('FKBP5'))"))
    search_gene(dash_duo, "FKBP5")
    # samples clustered: the gene's row is outlined and named beside the heatmap
    wait_until(lambda: "<b>FKBP5</b>" in heatmap_annotations(dash_duo), timeout=30)
    assert graph_js(dash_duo, ids.HEATMAP, "g.layout.shapes.filter("
                                           "s => s.name === 'gene-search').length") == 1
    shot(dash_duo, "gene_search_samples", top=ids.HEATMAP_FOCUS_INFO)
    # genes clustered: the found gene is selected, so the scatter highlights it
    click(dash_duo, f"#{ids.TARGET} input[value='genes']")
    dash_duo.wait_for_contains_text(f"#{ids.METRICS}", "genes, k = 2", timeout=90)
    wait_until(lambda: graph_js(
        dash_duo, ids.EMBEDDING,
        "g.data.reduce((n, t) => n + (t.selectedpoints || []).length, 0)") == 1, timeout=60)
    wait_until(lambda: "<b>FKBP5</b>" in heatmap_annotations(dash_duo), timeout=30)
    assert dash_duo.get_logs() == []


def test_zoom_on_rows_drills_into_labelled_genes(dash_duo, app_factory):
    start_on_airway(dash_duo, app_factory)
    click(dash_duo, f"#{ids.TARGET} input[value='genes']")
    dash_duo.wait_for_contains_text(f"#{ids.METRICS}", "genes, k = 2", timeout=90)
    # 500 genes as 250 rows of two: no row labels
    wait_until(lambda: graph_js(dash_duo, ids.HEATMAP, "g.data.find("
                                "t => t.meta === 'heatmap').y.length") == 250)
    assert not graph_js(dash_duo, ids.HEATMAP, "g.layout.yaxis2.showticklabels")
    # the user zooms on rows 10-29 (a box zoom gives the same relayout event); under
    # load a late re-render of the figure can swallow the zoom, so zoom again as a user
    # would until the drill-in answers
    def zoomed():
        if "Showing 40 genes" in dash_duo.find_element(f"#{ids.HEATMAP_FOCUS_INFO}").text:
            return True
        graph_js(dash_duo, ids.HEATMAP,
                 "Plotly.relayout(g, {'yaxis2.range[0]': 29.5, 'yaxis2.range[1]': 9.5})")
        time.sleep(3)
        return False
    wait_until(zoomed, timeout=60)
    wait_until(lambda: graph_js(dash_duo, ids.HEATMAP, "g.data.find("
                                "t => t.meta === 'heatmap').y.length") == 40)
    names = graph_js(dash_duo, ids.HEATMAP,
                     "Array.from(g.data.find(t => t.meta === 'heatmap').y)")
    assert graph_js(dash_duo, ids.HEATMAP, "g.layout.yaxis2.showticklabels")
    # one gene per row, named by its symbol where it has one
    assert not any(n.startswith("mean of") for n in names)
    assert sum(not n.startswith("ENSG") for n in names) >= 20
    ticks = dash_duo.driver.execute_script(
        f"return Array.from(document.querySelectorAll('#{ids.HEATMAP} .y2tick text'))"
        ".map(t => t.textContent);")
    assert set(ticks) == set(names)
    assert any("Drill-in: 40 of 500 genes" in a for a in heatmap_annotations(dash_duo))
    shot(dash_duo, "heatmap_drill_in", height=1600, top=ids.HEATMAP_FOCUS_INFO)
    click(dash_duo, f"#{ids.HEATMAP_ALL_GENES}")
    wait_until(lambda: graph_js(dash_duo, ids.HEATMAP, "g.data.find("
                                "t => t.meta === 'heatmap').y.length") == 250)
    assert dash_duo.get_logs() == []


def test_gene_clusters_tab_profiles_table_and_csv(dash_duo, app_factory):
    start_on_airway(dash_duo, app_factory)
    click(dash_duo, f"#{ids.TARGET} input[value='genes']")
    dash_duo.wait_for_contains_text(f"#{ids.METRICS}", "genes, k = 2", timeout=90)
    tab = [a for a in dash_duo.driver.find_elements("css selector", ".nav-link")
           if a.text == genes.TAB_LABEL][0]
    dash_duo.driver.execute_script("arguments[0].click();", tab)
    wait_until(lambda: graph_js(dash_duo, genes.PROFILES,
                                "g.data.filter(t => t.meta === 'mean').length") == 2)
    choose(dash_duo, f"#{genes.ORDER_BY}", "dex")
    wait_until(lambda: "samples ordered by dex" in (graph_js(
        dash_duo, genes.PROFILES, "g.layout.title.text") or ""))
    wait_until(lambda: len(dash_duo.driver.find_elements(
        "css selector", f"#{genes.TABLE} td[data-dash-column='symbol']")) == genes.PAGE_SIZE)
    choose(dash_duo, f"#{genes.GROUP_BY}", "dex")
    wait_until(lambda: len(dash_duo.driver.find_elements(
        "css selector", f"#{genes.TABLE} th[data-dash-column='mean dex=trt']")) > 0)
    # a found gene comes first in the table, shaded, and is drawn in its cluster's panel
    search_gene(dash_duo, "FKBP5")
    wait_until(lambda: dash_duo.driver.execute_script(
        f"const c = document.querySelector(\"#{genes.TABLE} td[data-dash-column='symbol']\");"
        "return c && c.innerText.trim() === 'FKBP5' && "
        "getComputedStyle(c).backgroundColor;") == "rgb(255, 243, 205)", timeout=30)
    wait_until(lambda: graph_js(dash_duo, genes.PROFILES,
                                "g.data.filter(t => t.meta === 'gene').map(t => t.name)")
               == ["FKBP5"])
    shot(dash_duo, "gene_clusters_tab", height=2000, top=genes.ORDER_BY)
    click(dash_duo, f"#{genes.DOWNLOAD_BUTTON}")
    target = Path(dash_duo.download_path) / "gene_clusters.csv"
    wait_until(target.exists, timeout=30)
    table = pd.read_csv(target)
    assert len(table) == 500 and set(table["cluster"]) == {1, 2}
    assert {"symbol", "gene_id", "mean dex=trt", "mean dex=untrt"} <= set(table.columns)
    assert "FKBP5" in set(table["symbol"])
    assert dash_duo.get_logs() == []
