"""The Cells analysis as a background job through the app's real job manager (a forked
process, as in production), on CellBench (909 cells of 5 lung cancer cell lines, from
../shared; skipped without it): the job's progress shows, its map comes back, a gene
recolours it, and a run that QC leaves without cells says why and keeps the map."""

from pathlib import Path

import pytest
from layouts import ids
from cells_uploads import cellbench_zip as zipped_cellbench
from test_app import click, graph_json, set_number, shot, upload, wait_rendered, \
    wait_until
from test_cells_tab import choose_typed, map_points

from views import cells, cells_callbacks

pytestmark = pytest.mark.browser


@pytest.fixture
def cellbench_zip(tmp_path) -> Path:
    """CellBench as the zipped 10x folder a user would upload (with its cell sheet)."""
    return zipped_cellbench(tmp_path, with_sheet=True)


def test_the_cells_analysis_runs_as_a_job_and_a_gene_recolours_its_map(
        dash_duo, app_factory, cellbench_zip, tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "numba"))
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    upload(dash_duo, ids.UPLOAD_COUNTS, cellbench_zip)
    # the job runs in a forked process: the progress bar and Cancel show meanwhile
    wait_until(lambda: dash_duo.find_element(f"#{cells.CANCEL}").is_displayed(), timeout=60)
    assert dash_duo.find_element(f"#{cells.RUN}").get_attribute("disabled")
    assert dash_duo.find_element(f"#{cells.SUMMARY}").text == cells_callbacks.ANALYSING
    shot(dash_duo, "cells_job_running")
    # the first job compiles UMAP's numba code (no warm-up here): minutes when loaded
    status = dash_duo.find_element(f"#{cells.STATUS}")
    try:
        dash_duo.wait_for_contains_text(f"#{cells.SUMMARY}", "clusters", timeout=600)
    except Exception as error:  # noqa: BLE001 - say what the user saw
        raise AssertionError(f"no map; status {status.text!r}, alert "
                             f"{dash_duo.find_element('#cells-alert').text!r}") from error
    summary = dash_duo.find_element(f"#{cells.SUMMARY}").text
    assert "of 909 cells" in summary, summary
    n_cells = int(summary.split(" of ")[0].replace(",", ""))
    wait_until(lambda: map_points(dash_duo) == n_cells, timeout=60)
    assert not dash_duo.find_element(f"#{cells.CANCEL}").is_displayed()
    # colour by a gene (vimentin: high in some of the lines, absent in others)
    click(dash_duo, f"#{cells.GENE}")
    dash_duo.wait_for_element(".dash-dropdown-options input, input[placeholder='Search']",
                              timeout=10).send_keys("VIM")
    choose_typed(dash_duo, "VIM")
    wait_until(lambda: graph_json(dash_duo, cells.MAP, "g._fullData[0].marker.showscale")
               is True, timeout=60)
    assert graph_json(dash_duo, cells.MAP, "g._fullData[0].x.length") == n_cells
    levels = graph_json(dash_duo, cells.MAP, "Array.from(g._fullData[0].marker.color)")
    assert len(levels) == n_cells and min(levels) == 0 and max(levels) == 255
    dash_duo.driver.set_window_size(1400, 2400)
    shot(dash_duo, "cells_job_cellbench_vim")
    dash_duo.driver.set_window_size(1400, 1000)
    # QC that leaves no cell: the job fails with the reason; the map stays
    set_number(dash_duo, cells.CONTROL_IDS["min_genes"], 50_000)
    click(dash_duo, f"#{cells.RUN}")
    dash_duo.wait_for_contains_text("#cells-alert", "remove all 909 cells", timeout=300)
    assert "What was shown before is kept" in dash_duo.find_element("#cells-alert").text
    assert map_points(dash_duo) == n_cells
    assert dash_duo.find_element(f"#{cells.SUMMARY}").text == summary
