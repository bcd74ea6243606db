"""End-to-end flows in headless Chromium (dash_duo)."""

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


def heatmap_columns(dash_duo):
    """Sample ids on the heatmap's columns (as drawn)."""
    return graph_json(dash_duo, ids.HEATMAP,
                      "Array.from(g.data.find(t => t.meta === 'heatmap').x)")


def metrics_text(dash_duo):
    return dash_duo.find_element(f"#{ids.METRICS}").text


def upload(dash_duo, component_id, path):
    dash_duo.find_element(f"#{component_id} input[type=file]").send_keys(str(path))


def load_example(dash_duo, name):
    """Choose a bundled example in the data card (its menu reads "name: lesson")."""
    from rnaclust_dash.io import LESSONS

    dash_duo.select_dcc_dropdown(f"#{ids.EXAMPLE}", value=f"{name}: {LESSONS[name].lesson}")


def colour_by_cluster(dash_duo):
    """Colour the map by cluster (pasilla's lesson colours it by group), so that its
    traces are the clusters."""
    choose(dash_duo, ids.COLOR_BY, "cluster")


def set_number(dash_duo, component_id, value):
    box = dash_duo.find_element(f"#{component_id}")
    box.send_keys("\ue009a")  # ctrl+a
    box.send_keys(str(value))
    box.send_keys("\ue007")  # enter


def click(dash_duo, selector):
    """Click an element even when it is scrolled out of view or styled over (radios)."""
    element = dash_duo.find_element(selector)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});"
                                   "arguments[0].click();", element)


def choose(dash_duo, dropdown_id, label):
    """Pick an option of a dcc.Dropdown by its label (scrolling it into view first)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    click(dash_duo, f"#{dropdown_id}")
    options = dash_duo.wait_for_element(".dash-dropdown-options").find_elements(
        By.CSS_SELECTOR, ".dash-dropdown-option")
    matching = [option for option in options if option.text == label]
    assert matching, f"no option {label!r} in #{dropdown_id}: {[o.text for o in options]}"
    dash_duo.driver.execute_script("arguments[0].click();", matching[0])
    # A multi-choice menu stays open over the next control: close it.
    dash_duo.driver.switch_to.active_element.send_keys(Keys.ESCAPE)


@pytest.fixture
def small_table(tmp_path):
    """A 60-gene x 6-sample count table with two obvious groups."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    base = rng.integers(20, 400, size=(60, 1))
    fold = np.where(np.arange(60)[:, None] < 20, 4, 1)
    counts = np.hstack([rng.poisson(base * fold, (60, 3)), rng.poisson(base, (60, 3))])
    frame = pd.DataFrame(counts, index=[f"gene{i}" for i in range(60)],
                         columns=[f"up{j}" for j in range(3)] + [f"down{j}" for j in range(3)])
    path = tmp_path / "small_counts.csv"
    frame.rename_axis("gene_id").to_csv(path)
    return path


def test_uploading_counts_replaces_the_data(dash_duo, app_factory, small_table):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    wait_until(lambda: "treated1" in heatmap_columns(dash_duo))
    upload(dash_duo, ids.UPLOAD_COUNTS, small_table)
    dash_duo.wait_for_contains_text(f"#{ids.DATASET_INFO}", "small_counts.csv", timeout=20)
    wait_until(lambda: sorted(heatmap_columns(dash_duo)) ==
               sorted(["up0", "up1", "up2", "down0", "down1", "down2"]))
    wait_until(lambda: graph_json(dash_duo, ids.SILHOUETTE,
                                  "g._fullData.filter(t => t.meta === 'silhouette')"
                                  ".reduce((n, t) => n + t.y.length, 0)") == 6)
    shot(dash_duo, "uploaded")


def test_the_data_card_names_a_file_whose_content_equals_the_last(dash_duo, app_factory,
                                                                  small_table):
    import shutil

    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    upload(dash_duo, ids.UPLOAD_COUNTS, small_table)
    dash_duo.wait_for_contains_text(f"#{ids.DATASET_INFO}", "small_counts.csv", timeout=20)
    # The same bytes under another name: the upload's contents do not change.
    renamed = small_table.with_name("second_run.csv")
    shutil.copy(small_table, renamed)
    upload(dash_duo, ids.UPLOAD_COUNTS, renamed)
    dash_duo.wait_for_contains_text(f"#{ids.DATASET_INFO}", "second_run.csv", timeout=20)
    assert "small_counts" not in dash_duo.find_element(f"#{ids.DATASET_INFO}").text


def test_changing_normalization_method_and_k_updates_all_views(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    wait_until(lambda: "k = 2" in metrics_text(dash_duo))
    before = metrics_text(dash_duo)
    colour_by_cluster(dash_duo)

    set_number(dash_duo, ids.N_CLUSTERS, 3)
    wait_until(lambda: "k = 3" in metrics_text(dash_duo))
    wait_until(lambda: graph_json(dash_duo, ids.EMBEDDING,
                                  "g.data.filter(t => t.meta === 'embedding').length") == 3)
    wait_until(lambda: graph_json(dash_duo, ids.SILHOUETTE,
                                  "g.data.filter(t => t.meta === 'silhouette').length") == 3)
    assert metrics_text(dash_duo) != before

    choose(dash_duo, ids.NORMALIZATION, "log-CPM (edgeR)")
    wait_until(lambda: metrics_text(dash_duo) not in (before, ""))
    after_norm = metrics_text(dash_duo)

    choose(dash_duo, ids.METHOD, "K-means")
    wait_until(lambda: metrics_text(dash_duo) != after_norm)
    shot(dash_duo, "kmeans_k3")
    assert "k = 3" in metrics_text(dash_duo)


def test_bad_file_shows_its_message_and_keeps_the_analysis(dash_duo, app_factory, tmp_path):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    wait_until(lambda: "treated1" in heatmap_columns(dash_duo))
    before = metrics_text(dash_duo)
    bad = tmp_path / "bad.csv"
    bad.write_text("gene_id,s1,s2,s3\ng1,1,2,3\ng2,4,abc,6\ng3,7,8,9\n")
    upload(dash_duo, ids.UPLOAD_COUNTS, bad)
    # In the data card, next to the upload box.
    data_alert = ids.VIEW_ALERTS["data"]
    dash_duo.wait_for_contains_text(f"#{data_alert}", "abc", timeout=20)
    message = dash_duo.find_element(f"#{data_alert}").text
    assert "bad.csv" in message and "s2" in message
    shot(dash_duo, "bad_file")
    assert "treated1" in heatmap_columns(dash_duo)
    assert metrics_text(dash_duo) == before
    assert "pasilla" in dash_duo.find_element(f"#{ids.DATASET_INFO}").text


def test_k_too_large_shows_a_message_and_keeps_the_views(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    wait_until(lambda: "k = 2" in metrics_text(dash_duo))
    set_number(dash_duo, ids.N_CLUSTERS, 9)
    dash_duo.wait_for_contains_text(f"#{ids.ERROR}", "too large", timeout=20)
    assert "k = 2" in metrics_text(dash_duo)


def test_lasso_selection_highlights_items_in_the_other_views(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    # Select two samples the way a lasso does: plotly emits plotly_selected.
    dash_duo.driver.execute_script(
        f"const g = document.querySelector('#{ids.EMBEDDING} .js-plotly-plot');"
        "const pts = [];"
        "g.data.forEach((t, c) => (t.customdata || []).forEach((id, i) => {"
        "  if (id === 'treated1' || id === 'untreated1') pts.push({curveNumber: c,"
        "    pointNumber: i, pointIndex: i, customdata: id, data: t}); }));"
        "g.emit('plotly_selected', {points: pts});")
    dash_duo.wait_for_contains_text(f"#{ids.SELECTION_INFO}", "2 samples selected", timeout=20)
    wait_until(lambda: graph_json(
        dash_duo, ids.HEATMAP,
        "(g._fullData.find(t => t.meta === 'selection').x || []).length") == 2)
    # The silhouette bars of the two samples stay opaque, the others fade.
    wait_until(lambda: graph_json(
        dash_duo, ids.SILHOUETTE,
        "g._fullData.filter(t => t.meta === 'silhouette').flatMap(t => "
        "Array.from(t.marker.opacity || [])).filter(o => o === 1).length") == 2)
    shot(dash_duo, "selection")


def test_gene_clustering_shows_gene_tree_and_cluster_bar(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    click(dash_duo, f"#{ids.TARGET} input[value=genes]")
    set_number(dash_duo, ids.N_CLUSTERS, 4)
    wait_until(lambda: "500 genes, k = 4" in metrics_text(dash_duo), timeout=30)
    # Rows are the items now: the cluster bar runs along the genes (one cell per row).
    wait_until(lambda: graph_json(
        dash_duo, ids.HEATMAP,
        "new Set([].concat(...Array.from(g._fullData.find(t => t.meta === 'cluster-bar').z,"
        " row => Array.from(row)))).size")
        == 4)
    wait_until(lambda: graph_json(
        dash_duo, ids.SILHOUETTE,
        "g._fullData.filter(t => t.meta === 'silhouette').reduce((n, t) => n + t.y.length, 0)")
        == 500)
    shot(dash_duo, "genes")


@pytest.mark.slow
def test_umap_runs_in_the_background_with_progress(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    click(dash_duo, f"#{ids.EMBEDDING_METHOD} input[value=umap]")
    dash_duo.wait_for_contains_text(f"#{ids.EMBEDDING_STATUS}", "UMAP", timeout=20)
    # While the job runs its progress bar and cancel button are shown; the heatmap and
    # silhouette stay usable.
    # (a warm worker can finish before the first look: then the UMAP is already drawn,
    # and the status holds its notes rather than "done")
    wait_until(lambda: dash_duo.find_element(f"#{ids.EMBEDDING_PROGRESS}").is_displayed()
               or graph_json(dash_duo, ids.EMBEDDING,
                             "g._fullLayout.xaxis.title.text") == "UMAP1", timeout=30)
    shot(dash_duo, "umap_running")
    wait_until(lambda: graph_json(dash_duo, ids.EMBEDDING,
                                  "g._fullLayout.xaxis.title.text") == "UMAP1", timeout=150)
    assert not dash_duo.find_element(f"#{ids.EMBEDDING_PROGRESS}").is_displayed()
    shot(dash_duo, "umap_done")


def test_batch_correction_from_the_sidebar_changes_the_clustering(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    wait_until(lambda: "k = 2" in metrics_text(dash_duo))
    before = metrics_text(dash_duo)
    choose(dash_duo, ids.BATCH_COLUMN, "batch")
    choose(dash_duo, ids.PROTECT, "group")
    choose(dash_duo, ids.BATCH_METHOD, "ComBat")
    wait_until(lambda: metrics_text(dash_duo) != before, timeout=30)
    # pasilla's library type is its batch: once removed, the samples split by treatment.
    wait_until(lambda: sorted(graph_json(
        dash_duo, ids.SILHOUETTE,
        "g._fullData.filter(t => t.meta === 'silhouette').map(t => "
        "Array.from(t.customdata).sort().join(','))")) == sorted([
            "treated1,treated2,treated3", "untreated1,untreated2,untreated3,untreated4"]),
        timeout=30)
    shot(dash_duo, "batch_sidebar")


def open_tab(dash_duo, label):
    """Click the view tab with this label ("Clustering", "QC", "Batch effect")."""
    dash_duo.driver.execute_script(
        f"Array.from(document.querySelectorAll('#{ids.VIEW_TABS} a'))"
        ".find(a => a.textContent === arguments[0]).click();", label)


def test_qc_tab_shows_the_panel_and_a_click_excludes_a_sample(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    open_tab(dash_duo, "QC")
    for graph_id in (ids.QC_LIBRARY, ids.QC_DETECTED, ids.QC_DISTRIBUTION, ids.QC_CORRELATION,
                     ids.QC_PCA, ids.QC_MEAN_VARIANCE):
        wait_until(lambda g=graph_id: graph_traces(dash_duo, g) > 0, timeout=30)
    dash_duo.wait_for_contains_text(f"#{ids.QC_OUTLIERS}", "outlier", timeout=20)
    shot(dash_duo, "qc_tab")
    # A click on treated1's library-size bar excludes it from the analysis.
    dash_duo.driver.execute_script(
        f"const g = document.querySelector('#{ids.QC_LIBRARY} .js-plotly-plot');"
        "const c = g.data.findIndex(t => Array.from(t.customdata || []).includes('treated1'));"
        "const i = Array.from(g.data[c].customdata).indexOf('treated1');"
        "g.emit('plotly_click', {points: [{curveNumber: c, pointNumber: i, pointIndex: i,"
        " customdata: 'treated1', data: g.data[c]}]});")
    dash_duo.wait_for_contains_text(f"#{ids.EXCLUDE}", "treated1", timeout=20)
    open_tab(dash_duo, "Clustering")
    wait_until(lambda: "6 samples" in metrics_text(dash_duo), timeout=30)
    assert "treated1" not in heatmap_columns(dash_duo)


def batch_tab_with_combat(dash_duo):
    """Start on the example, correct the library type (its 'batch' column) with ComBat
    protecting the condition, and open the Batch tab once its plot is drawn."""
    wait_rendered(dash_duo)
    choose(dash_duo, ids.BATCH_COLUMN, "batch")
    choose(dash_duo, ids.PROTECT, "group")
    choose(dash_duo, ids.BATCH_METHOD, "ComBat")
    open_tab(dash_duo, "Batch effect")
    wait_until(lambda: graph_traces(dash_duo, ids.BATCH_VIEW) > 0, timeout=30)


def test_batch_tab_shows_before_and_after_with_mixing_scores(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    batch_tab_with_combat(dash_duo)
    dash_duo.wait_for_contains_text(f"#{ids.BATCH_SCORES}", "batch silhouette", timeout=20)
    text = dash_duo.find_element(f"#{ids.BATCH_SCORES}").text
    assert "before" in text and "after" in text
    shot(dash_duo, "batch_tab")


def test_a_refused_batch_correction_is_said_on_the_batch_and_qc_tabs(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    batch_tab_with_combat(dash_duo)  # a correction that works, so plots could go stale
    # pasilla's batch column is its library type: protecting 'type' confounds the two.
    choose(dash_duo, ids.PROTECT, "type")
    batch_alert = ids.VIEW_ALERTS["batch"]
    dash_duo.wait_for_contains_text(f"#{batch_alert}", "confounded", timeout=30)
    wait_until(lambda: graph_traces(dash_duo, ids.BATCH_VIEW) == 0, timeout=20)
    # The figure says it was not drawn and why, in short; the alert above has it all.
    assert "Not drawn: ComBat cannot run" in graph_json(
        dash_duo, ids.BATCH_VIEW, "g.layout.annotations.map(a => a.text).join(' ')")
    shot(dash_duo, "confounded_batch_tab")
    open_tab(dash_duo, "QC")
    qc_alert = ids.VIEW_ALERTS["qc"]
    dash_duo.wait_for_contains_text(f"#{qc_alert}", "confounded", timeout=30)
    for graph_id in (ids.QC_LIBRARY, ids.QC_CORRELATION, ids.QC_MEAN_VARIANCE):
        wait_until(lambda g=graph_id: "ComBat cannot run" in (graph_json(
            dash_duo, g, "g.layout.annotations ? g.layout.annotations.map(a => a.text)"
            ".join(' ') : ''") or ""), timeout=20)
    shot(dash_duo, "confounded_qc_tab")
    # Each alert is inside its own tab: the QC tab's is visible now, the Batch tab's not.
    assert dash_duo.find_element(f"#{qc_alert}").is_displayed()
    assert not dash_duo.find_element(f"#{batch_alert}").is_displayed()


def test_k_panel_suggests_k_and_a_click_applies_it(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    wait_until(lambda: "k = 2" in metrics_text(dash_duo))
    open_tab(dash_duo, "Choose k")
    set_number(dash_duo, ids.K_MAX, 5)
    set_number(dash_duo, ids.GAP_REFS, 5)
    click(dash_duo, f"#{ids.K_RUN}")
    dash_duo.wait_for_contains_text(f"#{ids.K_STATUS}", "Suggested", timeout=120)
    assert graph_json(dash_duo, ids.K_FIGURE,
                      "g._fullData.filter(t => t.meta === 'k-suggested').length") >= 4
    shot(dash_duo, "k_panel")
    # Click the silhouette panel's point at k = 3: the clustering switches to k = 3.
    dash_duo.driver.execute_script(
        f"const g = document.querySelector('#{ids.K_FIGURE} .js-plotly-plot');"
        "const c = g.data.findIndex(t => t.meta === 'k-index');"
        "g.emit('plotly_click', {points: [{curveNumber: c, pointNumber: 1, pointIndex: 1,"
        " x: 3, customdata: 3, data: g.data[c]}]});")
    open_tab(dash_duo, "Clustering")
    wait_until(lambda: "k = 3" in metrics_text(dash_duo), timeout=30)


def test_stability_runs_in_the_background_with_a_progress_bar(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    open_tab(dash_duo, "Stability")
    set_number(dash_duo, ids.STABILITY_RESAMPLES, 200)
    click(dash_duo, f"#{ids.STABILITY_RUN}")
    # While it runs the progress bar shows and the run button is disabled.
    wait_until(lambda: dash_duo.find_element(f"#{ids.STABILITY_PROGRESS}").is_displayed(),
               timeout=30)
    assert dash_duo.find_element(f"#{ids.STABILITY_RUN}").get_attribute("disabled")
    dash_duo.wait_for_contains_text(f"#{ids.STABILITY_STATUS}", "mean Jaccard", timeout=180)
    assert not dash_duo.find_element(f"#{ids.STABILITY_PROGRESS}").is_displayed()
    assert graph_json(dash_duo, ids.STABILITY_FIGURE,
                      "g._fullData.filter(t => t.meta === 'cluster-jaccard').length") == 1
    assert graph_json(dash_duo, ids.CONSENSUS_FIGURE,
                      "g._fullData.filter(t => t.meta === 'consensus-cdf').length") >= 2
    shot(dash_duo, "stability")


def test_click_on_the_cluster_bar_selects_that_cluster(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    wait_until(lambda: "k = 2" in metrics_text(dash_duo))
    # Plotly's click event on the strip above the heatmap (samples are items): its point
    # carries the cell's customdata, the cluster label of column 5.
    dash_duo.driver.execute_script(
        f"const g = document.querySelector('#{ids.HEATMAP} .js-plotly-plot');"
        "const c = g.data.findIndex(t => t.meta === 'cluster-bar');"
        "const label = g._fullData[c].customdata[0][5];"
        "g.emit('plotly_click', {points: [{curveNumber: c, pointNumber: [0, 5], x: 5, y: 0,"
        " customdata: label, data: g.data[c]}]});")
    dash_duo.wait_for_contains_text(f"#{ids.SELECTION_INFO}", "samples selected", timeout=20)
    selected = dash_duo.find_element(f"#{ids.SELECTION_INFO}").text
    clusters = graph_json(dash_duo, ids.SILHOUETTE,
                          "g._fullData.filter(t => t.meta === 'silhouette').map(t => "
                          "Array.from(t.customdata))")
    # The selection is exactly one whole cluster of the silhouette plot.
    assert any(selected.startswith(f"{len(members)} samples selected") and
               all(m in selected for m in members) for members in clusters)


def test_agreement_with_a_sample_sheet_column_shows_ari_and_sankey(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    wait_until(lambda: "k = 2" in metrics_text(dash_duo))
    choose(dash_duo, ids.COMPARE_WITH, "sample sheet: group")
    dash_duo.wait_for_contains_text(f"#{ids.AGREEMENT}", "ARI", timeout=20)
    wait_until(lambda: graph_json(dash_duo, ids.AGREEMENT_FIGURE,
                                  "g._fullData[0].type") == "sankey", timeout=20)
    shot(dash_duo, "agreement")
