"""The Cells tab in headless Chromium on CellBench (909 cells): dragging a QC threshold
line moves its box and the removed-cell counts; a bulk-only tab shows its notice; the
cluster tree across resolutions sets the resolution box."""

from pathlib import Path

import pytest
from layouts import ids
from cells_uploads import cellbench_zip as zipped_cellbench
from test_app import click, graph_json, shot, upload, wait_rendered, wait_until

from views import bulk_only, cells

pytestmark = pytest.mark.browser



@pytest.fixture
def cellbench_zip(tmp_path) -> Path:
    """CellBench's 909 cells as a zipped 10x folder (as a user would upload it)."""
    return zipped_cellbench(tmp_path, with_sheet=False)


def qc_text(dash_duo) -> str:
    return dash_duo.find_element(f"#{cells.QC_TEXT}").text


def drag_line(dash_duo, graph_id, shape_index, axis, value):
    """Move a whole line as a drag does: plotly relayouts both ends of the shape."""
    graph_json(dash_duo, graph_id, f"Plotly.relayout(g, {{'shapes[{shape_index}].{axis}0': "
                                   f"{value}, 'shapes[{shape_index}].{axis}1': {value}}})")


def test_dragging_a_threshold_line_moves_the_box_and_the_counts(dash_duo, app_factory,
                                                                 cellbench_zip):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    upload(dash_duo, ids.UPLOAD_COUNTS, cellbench_zip)
    dash_duo.wait_for_contains_text(f"#{cells.QC_TEXT}", "of 909 cells pass QC", timeout=120)
    wait_until(lambda: graph_json(dash_duo, cells.QC_VIOLINS,
                                  "g.layout && g.layout.shapes ? g.layout.shapes.length : 0")
               == 4, timeout=30)
    before = qc_text(dash_duo)
    assert "too few genes" not in before  # CellBench cells have thousands of genes
    # the "min genes" line on the violins (shape 0) dragged up to 5000 genes
    drag_line(dash_duo, cells.QC_VIOLINS, 0, "y", 5000.4)
    min_genes = f"#{cells.CONTROL_IDS['min_genes']}"
    wait_until(lambda: dash_duo.find_element(min_genes).get_attribute("value") == "5000",
               timeout=30)
    dash_duo.wait_for_contains_text(f"#{cells.QC_TEXT}", "too few genes", timeout=30)
    after = qc_text(dash_duo)
    kept = lambda text: int(text.split(" of ")[0].replace(",", ""))  # noqa: E731
    assert kept(after) < kept(before)
    # the line is redrawn at the box's value, red, on the violins and on the scatter
    assert graph_json(dash_duo, cells.QC_VIOLINS, "g.layout.shapes[0].y0") == 5000
    wait_until(lambda: graph_json(dash_duo, cells.QC_SCATTER, "g.layout.shapes[0].y0")
               == 5000, timeout=30)
    # the scatter's vertical "min counts" line (shape 2) dragged right: its own count
    drag_line(dash_duo, cells.QC_SCATTER, 2, "x", 20000)
    dash_duo.wait_for_contains_text(f"#{cells.QC_TEXT}", "too few counts", timeout=30)
    assert dash_duo.find_element(
        f"#{cells.CONTROL_IDS['min_counts']}").get_attribute("value") == "20000"
    assert kept(qc_text(dash_duo)) < kept(after)
    dash_duo.find_element(f"#{cells.QC_VIOLINS}").location_once_scrolled_into_view
    shot(dash_duo, "cells_qc_dragged")
    # a bulk-only tab shows its notice, not its plots, and sends the user to the Cells tab
    dash_duo.driver.execute_script("arguments[0].click();", dash_duo.driver.find_element(
        "xpath", "//a[normalize-space()='Gene clusters']"))
    notice = dash_duo.wait_for_element(f"#{bulk_only.notice_id('genes')}", timeout=20)
    wait_until(lambda: "works on bulk tables" in notice.text, timeout=20)
    assert not dash_duo.find_element(f"#{bulk_only.content_id('genes')}").is_displayed()
    # Bootstrap scrolls smoothly: jump, or the shot catches the page mid-way
    dash_duo.driver.execute_script("window.scrollTo({top: 0, behavior: 'instant'});")
    shot(dash_duo, "bulk_tab_with_single_cells")
    click(dash_duo, f"#{bulk_only.button_id('genes')}")
    wait_until(lambda: dash_duo.find_element(f"#{cells.QC_TEXT}").is_displayed(), timeout=20)
    assert [entry for entry in dash_duo.get_logs() if entry.get("level") == "SEVERE"] == []


def test_the_cluster_tree_picks_a_resolution(dash_duo, app_factory, cellbench_zip):
    from views import cells_tree

    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    upload(dash_duo, ids.UPLOAD_COUNTS, cellbench_zip)
    # the first analysis compiles UMAP (numba): minutes on a loaded machine
    dash_duo.wait_for_contains_text(f"#{cells.SUMMARY}", "clusters", timeout=300)
    click(dash_duo, f"#{cells_tree.RUN}")
    dash_duo.wait_for_contains_text(f"#{cells_tree.STATUS}", "resolutions", timeout=180)
    rows = graph_json(dash_duo, cells_tree.TREE, "g.layout.yaxis.ticktext")
    assert len(rows) == 8 and rows[0].startswith("resolution 0.1: ")
    # click a node of the resolution 0.4 row: the resolution box takes 0.4
    graph_json(dash_duo, cells_tree.TREE,
               "(() => { const t = g.data.findIndex(d => d.meta === 'tree-nodes');"
               "const i = Array.from(g.data[t].customdata).indexOf(0.4);"
               "g.emit('plotly_click', {points: [{curveNumber: t, pointNumber: i, "
               "pointIndex: i, customdata: 0.4}]}); })()")
    wait_until(lambda: dash_duo.find_element(
        f"#{cells.CONTROL_IDS['resolution']}").get_attribute("value") == "0.4", timeout=20)
    dash_duo.find_element(f"#{cells_tree.TREE}").location_once_scrolled_into_view
    shot(dash_duo, "cells_resolution_tree")
    assert [entry for entry in dash_duo.get_logs() if entry.get("level") == "SEVERE"] == []
