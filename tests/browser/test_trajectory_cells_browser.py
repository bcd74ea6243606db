"""The Trajectory tab on single cells in headless Chromium (issue 12 items 3 and 7): a
zipped 10x upload of a simulated differentiation is analysed in the Cells tab; the
Trajectory tab orders those cells over the Cells map (WebGL), a click on a cell moves the
root there and the map is coloured by pseudotime from it."""

import shutil
import sys
from pathlib import Path

import pytest

from layouts import ids
from test_app import set_number, upload, wait_rendered
from test_markers_tab import click, graph_js, shot, wait_until
from test_trajectory_tab import open_tab
from views import cells, trajectory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from sc_synthetic import write_tenx  # noqa: E402
from test_trajectory_cells import differentiation  # noqa: E402


@pytest.fixture
def differentiation_zip(tmp_path) -> Path:
    folder = write_tenx(differentiation(), tmp_path / "zipped" / "filtered_feature_bc_matrix")
    (folder.parent / "cells.csv").unlink(missing_ok=True)
    return Path(shutil.make_archive(str(tmp_path / "cells"), "zip", folder.parent))


def _embedding(dash_duo, expression: str):
    return graph_js(dash_duo, trajectory.FIGURE,
                    f"(t => t ? {expression} : null)(g.data.find(t => t.meta === 'embedding'))")


def test_cells_ordered_over_the_cells_map_and_a_click_on_a_cell_is_the_root(
        dash_duo, app_factory, differentiation_zip):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    upload(dash_duo, ids.UPLOAD_COUNTS, differentiation_zip)
    # the first analysis compiles UMAP (numba): minutes on a loaded machine
    dash_duo.wait_for_contains_text(f"#{cells.SUMMARY}", "clusters", timeout=300)
    set_number(dash_duo, cells.CONTROL_IDS["min_genes"], 10)
    click(dash_duo, f"#{cells.RUN}")
    dash_duo.wait_for_contains_text(f"#{cells.SUMMARY}", "300 of 300 cells", timeout=120)
    open_tab(dash_duo, "Trajectory")
    # root: the centre of cluster 1 (the default); DPT runs on the Cells tab's graph
    dash_duo.wait_for_contains_text(f"#{trajectory.STATUS}", "pseudotime for 300 of 300 cells",
                                    timeout=400)
    wait_until(lambda: _embedding(dash_duo, "t.type") == "scattergl", timeout=60)
    assert _embedding(dash_duo, "t.x.length") == 300
    # a click on a cell makes it the root
    target = _embedding(dash_duo, "t.customdata[7]")
    dash_duo.driver.execute_script(
        f"const g = document.querySelector('#{trajectory.FIGURE} .js-plotly-plot');"
        "const i = g.data.findIndex(t => t.meta === 'embedding');"
        "g.emit('plotly_click', {points: [{curveNumber: i, pointNumber: 7, "
        "customdata: g.data[i].customdata[7], x: 0, y: 0}]});")
    dash_duo.wait_for_contains_text(f"#{trajectory.STATUS}", f"Root {target};", timeout=400)
    wait_until(lambda: graph_js(dash_duo, trajectory.FIGURE,
                                "g.data.find(t => t.meta === 'root').hovertemplate")
               .startswith(f"root: {target}"), timeout=60)
    # pseudotime colours: a colour bar titled pseudotime, 0 at the clicked cell
    assert _embedding(dash_duo, "t.marker.colorbar.title.text") == "pseudotime"
    assert _embedding(dash_duo, "t.marker.color[t.customdata.indexOf("
                                f"'{target}')]") == 0
    assert len(set(_embedding(dash_duo, "t.marker.color"))) > 100
    shot(dash_duo, "trajectory_cells", height=1400)
    assert dash_duo.get_logs() == []
