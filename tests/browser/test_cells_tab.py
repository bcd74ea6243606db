"""The Cells tab in headless Chromium: a small 10x upload opens it with clusters on the
map (the analysis a background job); a QC threshold moves its count; colouring by a
gene; a lasso reports its cells."""

import sys
from pathlib import Path

import pytest
from layouts import ids
from cells_uploads import synthetic_zip
from test_app import click, graph_json, set_number, shot, upload, wait_rendered, \
    wait_until

from views import cells

pytestmark = pytest.mark.browser

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from sc_synthetic import planted_cells  # noqa: E402


@pytest.fixture
def planted_zip(tmp_path) -> Path:
    """306 planted cells (3 types, 6 poor cells) as a zipped 10x folder."""
    return synthetic_zip(planted_cells(), tmp_path, "planted")


def map_points(dash_duo):
    return graph_json(dash_duo, cells.MAP, "g._fullData && g._fullData[0] ? g._fullData[0].x.length : 0")


def test_single_cells_open_the_cells_tab_with_qc_map_and_markers(dash_duo, app_factory,
                                                                 planted_zip):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    upload(dash_duo, ids.UPLOAD_COUNTS, planted_zip)
    # scanpy's default min genes 200 keeps few of these 400-gene cells
    # the first analysis compiles UMAP (numba) in the job: minutes on a loaded machine
    dash_duo.wait_for_contains_text(f"#{cells.SUMMARY}", "clusters", timeout=300)
    assert "14 of 306 cells" in dash_duo.find_element(f"#{cells.SUMMARY}").text
    dash_duo.wait_for_contains_text(f"#{cells.QC_TEXT}", "14 of 306 cells pass QC", timeout=30)
    # QC: min genes 200 -> 50: the count follows at once, the analysis on Run
    set_number(dash_duo, cells.CONTROL_IDS["min_genes"], 50)
    dash_duo.wait_for_contains_text(f"#{cells.QC_TEXT}", "300 of 306 cells pass QC",
                                    timeout=30)
    click(dash_duo, f"#{cells.RUN}")
    dash_duo.wait_for_contains_text(f"#{cells.SUMMARY}", "300 of 306 cells", timeout=90)
    assert "3 clusters" in dash_duo.find_element(f"#{cells.SUMMARY}").text
    wait_until(lambda: map_points(dash_duo) == 300, timeout=30)
    assert graph_json(dash_duo, cells.MAP, "g._fullData[0].type") == "scattergl"
    shot(dash_duo, "cells_tab")
    # colour by a gene: type its symbol, pick it; the map gets a colour bar
    click(dash_duo, f"#{cells.GENE}")
    dash_duo.wait_for_element(".dash-dropdown-options input, input[placeholder='Search']",
                              timeout=10).send_keys("GENE41")
    choose_typed(dash_duo, "GENE41")
    wait_until(lambda: graph_json(dash_duo, cells.MAP, "g._fullData[0].marker.showscale") is True,
               timeout=30)
    dash_duo.wait_for_element(f"#{cells.VIOLIN} .violin", timeout=30)
    shot(dash_duo, "cells_gene")
    dash_duo.driver.set_window_size(1400, 2600)  # the whole tab, to look at
    shot(dash_duo, "cells_whole_tab")
    dash_duo.driver.set_window_size(1400, 1000)
    # lasso: plotly emits plotly_selected with the points inside
    dash_duo.driver.execute_script(
        f"const g = document.querySelector('#{cells.MAP} .js-plotly-plot');"
        "const pts = []; for (let i = 0; i < 12; i++) pts.push({curveNumber: 0, "
        "pointNumber: i, pointIndex: i});"
        "g.emit('plotly_selected', {points: pts});")
    dash_duo.wait_for_contains_text(f"#{cells.SELECTION}", "12 cells selected", timeout=20)
    assert dash_duo.get_logs() == []


def choose_typed(dash_duo, label):
    """Click the option ``label`` of the open gene menu (after typing): found and clicked
    in one script, so an option re-rendered meanwhile is never a stale reference."""
    script = ("const o = Array.from(document.querySelectorAll('.dash-dropdown-option'))"
              f".find(o => o.textContent.trim() === {label!r});"
              "if (o) { o.click(); return true; } return false;")
    wait_until(lambda: dash_duo.driver.execute_script(script), timeout=20)
