"""The Markers tab in headless Chromium: marker table and volcano on pasilla, enrichment
of airway's markers (human Ensembl ids shown and tested as symbols)."""

from pathlib import Path

import pytest

from views import enrichment
from views import markers
from layouts import ids

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parent / "screenshots"


def shot(dash_duo, name, width=1400, height=2200):
    """Save a tall screenshot to look at (tests/browser/screenshots, not committed)."""
    SHOTS.mkdir(exist_ok=True)
    dash_duo.driver.set_window_size(width, height)
    dash_duo.driver.save_screenshot(str(SHOTS / f"{name}.png"))


def graph_js(dash_duo, graph_id, expression):
    return dash_duo.driver.execute_script(
        f"const g = document.querySelector('#{graph_id} .js-plotly-plot');"
        f"return g && g.data ? ({expression}) : null;")


def wait_until(condition, timeout=90):
    from dash.testing.wait import until
    until(condition, timeout=timeout, poll=0.3)


def open_markers(dash_duo):
    dash_duo.wait_for_contains_text(f"#{ids.METRICS}", "mean silhouette", timeout=60)
    tab = [a for a in dash_duo.driver.find_elements("css selector", ".nav-link")
           if a.text == "Markers"][0]
    dash_duo.driver.execute_script("arguments[0].scrollIntoView(); arguments[0].click();",
                                   tab)


def click(dash_duo, selector):
    """Click an element scrolled into view (the tab is long)."""
    element = dash_duo.find_element(selector)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});"
                                   "arguments[0].click();", element)


def table_cells(dash_duo, table_id, column):
    """Texts of a column's cells, read in one script (the table re-renders meanwhile)."""
    return dash_duo.driver.execute_script(
        f"return Array.from(document.querySelectorAll(\"#{table_id} "
        f"td[data-dash-column='{column}']\")).map(c => c.innerText.trim());")


def test_markers_tab_shows_table_and_volcano_on_pasilla(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    open_markers(dash_duo)
    # DESeq2 (counts) is the default test; its table fills in after the background job
    wait_until(lambda: len(table_cells(dash_duo, markers.TABLE, "gene")) > 0, timeout=90)
    genes = table_cells(dash_duo, markers.TABLE, "gene")
    assert all(g.startswith("FBgn") for g in genes)
    # the volcano and the dot plot come from their own callback
    wait_until(lambda: graph_js(dash_duo, markers.VOLCANO,
                                "g.data.filter(t => t.meta === 'volcano').length") == 3)
    wait_until(lambda: graph_js(dash_duo, markers.DOTPLOT,
                                "g.data.some(t => t.meta === 'marker-dots')"))
    n_points = graph_js(dash_duo, markers.VOLCANO,
                        "g.data.filter(t => t.meta === 'volcano')"
                        ".reduce((n, t) => n + t.text.length, 0)")
    assert n_points > 5000
    shot(dash_duo, "markers_pasilla")
    # a click on a row marks that gene in the volcano
    click(dash_duo, f"#{markers.TABLE} td[data-dash-column='gene']")
    dash_duo.wait_for_contains_text(f"#{markers.GENE_INFO}", genes[0], timeout=20)
    wait_until(lambda: graph_js(dash_duo, markers.VOLCANO,
                                "g.data.some(t => t.meta === 'volcano-selected')"))
    assert dash_duo.get_logs() == []


def start_on_airway(dash_duo, app_factory):
    """The app with the airway example loaded (human Ensembl ids)."""
    dash_duo.start_server(app_factory())
    dash_duo.wait_for_contains_text(f"#{ids.METRICS}", "mean silhouette", timeout=60)
    from test_app import load_example, set_number

    load_example(dash_duo, "airway")
    dash_duo.wait_for_contains_text(f"#{ids.DATASET_INFO}", "airway", timeout=60)
    # airway's own analysis on screen (8 samples; pasilla has 7) before the tab opens
    dash_duo.wait_for_contains_text(f"#{ids.METRICS}", "8 samples", timeout=90)
    # its lesson loads k = 4 (the donors); these tests read the treated/untreated split
    set_number(dash_duo, ids.N_CLUSTERS, 2)
    dash_duo.wait_for_contains_text(f"#{ids.METRICS}", "8 samples, k = 2", timeout=90)


def test_enrichment_of_airway_markers_lists_terms_with_genes(dash_duo, app_factory):
    start_on_airway(dash_duo, app_factory)
    open_markers(dash_duo)
    dash_duo.select_dcc_dropdown(f"#{markers.GROUP_BY}", value="sheet: dex")
    wait_until(lambda: "FKBP5" in table_cells(dash_duo, markers.TABLE, "symbol")
               or len(table_cells(dash_duo, markers.TABLE, "symbol")) > 0, timeout=90)
    symbols = table_cells(dash_duo, markers.TABLE, "symbol")
    assert any(s for s in symbols), "Ensembl ids are shown with their symbols"
    wait_until(lambda: graph_js(dash_duo, markers.VOLCANO,
                                "g.data.some(t => t.meta === 'volcano')"))
    shot(dash_duo, "markers_airway")
    # the table filters on the server: a symbol typed in the filter row
    box = dash_duo.find_element(f"#{markers.TABLE} th[data-dash-column='symbol'] input")
    box.send_keys("FKBP5\ue007")
    wait_until(lambda: table_cells(dash_duo, markers.TABLE, "symbol") == ["FKBP5"])
    click(dash_duo, f"#{enrichment.RUN}")
    wait_until(lambda: len(table_cells(dash_duo, enrichment.TABLE, "genes")) > 0, timeout=90)
    descriptions = table_cells(dash_duo, enrichment.TABLE, "description")
    gene_lists = table_cells(dash_duo, enrichment.TABLE, "genes")
    assert descriptions and all(d for d in descriptions)
    # the genes of each term are symbols (not Ensembl ids)
    assert all(g and "ENSG" not in g for g in gene_lists)
    wait_until(lambda: graph_js(dash_duo, enrichment.DOTPLOT,
                                "g.data.some(t => t.meta === 'enrichment-dots')"))
    dash_duo.driver.execute_script(
        f"document.getElementById('{enrichment.DOTPLOT}').scrollIntoView()")
    shot(dash_duo, "enrichment_airway")
    assert dash_duo.get_logs() == []


def test_enrichment_of_airway_gene_clusters_lists_terms_with_genes(dash_duo, app_factory):
    start_on_airway(dash_duo, app_factory)
    click(dash_duo, f"#{ids.TARGET} input[value='genes']")
    dash_duo.wait_for_contains_text(f"#{ids.METRICS}", "genes, k = 2", timeout=90)
    open_markers(dash_duo)
    click(dash_duo, f"#{enrichment.SOURCE} input[value='clusters']")
    click(dash_duo, f"#{enrichment.RUN}")
    wait_until(lambda: len(table_cells(dash_duo, enrichment.TABLE, "genes")) > 0, timeout=90)
    queries = set(table_cells(dash_duo, enrichment.TABLE, "query"))
    assert queries <= {"cluster 1", "cluster 2"} and queries
    assert all(g and "ENSG" not in g for g in table_cells(dash_duo, enrichment.TABLE, "genes"))
    dash_duo.driver.execute_script(
        f"document.getElementById('{enrichment.DOTPLOT}').scrollIntoView()")
    shot(dash_duo, "enrichment_airway_gene_clusters")
    # genes clustered: the markers compare the sheet's groups (trt vs untrt)
    wait_until(lambda: graph_js(dash_duo, markers.VOLCANO,
                                "g.data.some(t => t.meta === 'volcano')"), timeout=60)
    assert dash_duo.get_logs() == []


# Records the outputs of every Dash request the page sends from now on.
RECORD_REQUESTS = """
window.__requests = [];
if (!window.__fetchRecorded) {
  const original = window.fetch;
  window.fetch = function (...args) {
    try { window.__requests.push(JSON.parse(args[1].body).output); } catch (e) {}
    return original.apply(this, args);
  };
  window.__fetchRecorded = true;
}
"""


def test_a_k_change_sends_no_request_for_the_hidden_markers_tab_or_an_empty_comparison(
        dash_duo, app_factory):
    import time

    dash_duo.start_server(app_factory())
    dash_duo.wait_for_contains_text(f"#{ids.METRICS}", "k = 2", timeout=60)
    time.sleep(1.5)  # the first analysis's follow-up requests are answered
    dash_duo.driver.execute_script(RECORD_REQUESTS)
    box = dash_duo.find_element(f"#{ids.N_CLUSTERS}")
    box.send_keys("\ue009a")  # ctrl+a
    box.send_keys("3\ue007")
    dash_duo.wait_for_contains_text(f"#{ids.METRICS}", "k = 3", timeout=30)
    time.sleep(1.5)
    sent = dash_duo.driver.execute_script("return window.__requests")
    assert any(ids.HEATMAP in output for output in sent)  # the recording works
    unneeded = [output for output in sent
                if "markers-" in output or "enrich-" in output or ids.AGREEMENT in output
                or ids.COMPARE_WITH in output]
    assert unneeded == []
    # Opened, the tab takes the analysis on screen: its groups are the 3 clusters.
    open_markers(dash_duo)
    wait_until(lambda: dash_duo.driver.execute_script(
        f"return document.querySelector('#{markers.GROUP}').innerText") != "", timeout=30)
    click(dash_duo, f"#{markers.GROUP}")
    wait_until(lambda: len(dash_duo.driver.find_elements(
        "css selector", ".dash-dropdown-option")) == 3, timeout=30)
