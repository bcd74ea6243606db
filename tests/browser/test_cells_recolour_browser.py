"""The CellBench lesson in the Cells tab, in headless Chromium (issue 9 items 2, 5, 6):
chosen in the example menu, its map comes back coloured by the cell sheet's cell_type
(the five cell lines named on the map) and its QC says it has no mitochondrial genes;
a gene then recolours the map in place (``assets/cells_recolour.js``: the colours go
into the WebGL buffers, the colour bar is drawn over the map), and hover and the lasso
still work on the recoloured map."""

import pytest
from test_app import click, graph_json, load_example, shot, wait_rendered, wait_until
from test_cells_tab import choose_typed, map_points

from rnaclust_dash.pl.palettes import CLUSTER_COLORS
from rnaclust_dash.pp.sc_qc import NO_MITO_GENES
from views import cells

pytestmark = pytest.mark.browser

CELL_LINES = ["A549", "H1975", "H2228", "H838", "HCC827"]
OVERLAY = f"#{cells.MAP} .rnaclust-overlay"
#: The gene colour scale's ends (rnaclust_dash.pl.cells.embedding_colors): #d9d9d9 for
#: no expression, #7f0000 for the highest, as regl gets them (0..1).
LOWEST, HIGHEST = [217 / 255] * 3 + [1], [127 / 255, 0, 0, 1]


def map_names(dash_duo):
    """The category names on the map: plotly's annotations and those drawn over it."""
    return dash_duo.driver.execute_script(
        f"const m = document.querySelector('#{cells.MAP}');"
        "return Array.from(m.querySelectorAll('.annotation-text, .rnaclust-name'))"
        ".map(n => n.textContent).sort();")


def scene_colour(dash_duo, code):
    """The WebGL colour of the first cell whose colour code is ``code``."""
    return graph_json(dash_duo, cells.MAP, (
        "(() => { const codes = g._fullData[0].marker.color;"
        f" const i = Array.from(codes).indexOf({code});"
        " return i < 0 ? null : g._fullLayout._plots.xy._scene.markerOptions[0].colors[i];"
        " })()"))


PLOT_AREA_JS = f"""
const g = document.querySelector('#{cells.MAP} .js-plotly-plot');
const r = g.querySelector('.nsewdrag').getBoundingClientRect();
const xa = g._fullLayout.xaxis, ya = g._fullLayout.yaxis, t = g._fullData[0];
const inLeftHalf = Array.from(t.x).filter((x, i) => {{
  const px = xa.l2p(x), py = ya.l2p(t.y[i]);
  return px > 6 && px < r.width / 2 - 6 && py > 6 && py < r.height - 6; }}).length;
return {{left: r.left, top: r.top, width: r.width, height: r.height, inLeftHalf}};
"""


def lasso_left_half(dash_duo) -> int:
    """Drag a lasso (the map's drag mode) around the left half of the plot area, as a
    user does; returns how many cells lie well inside it (from their positions)."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});",
        dash_duo.find_element(f"#{cells.MAP}"))
    area = dash_duo.driver.execute_script(PLOT_AREA_JS)
    left, top = area["left"] + 3, area["top"] + 3
    right, bottom = area["left"] + area["width"] / 2, area["top"] + area["height"] - 3
    builder = ActionBuilder(dash_duo.driver, duration=40)
    mouse = builder.pointer_action
    mouse.move_to_location(int(left), int(top))
    mouse.pointer_down()
    for x, y in ((right, top), (right, (top + bottom) / 2), (right, bottom), (left, bottom),
                 (left, top + 1)):
        mouse.move_to_location(int(x), int(y))
    mouse.pointer_up()
    builder.perform()
    return area["inLeftHalf"]


def test_the_cellbench_lesson_colours_by_cell_line_and_a_gene_recolours_in_place(
        dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    load_example(dash_duo, "cellbench")
    # the first analysis may compile UMAP's numba code: minutes on a loaded machine
    dash_duo.wait_for_contains_text(f"#{cells.SUMMARY}", "clusters", timeout=600)
    n_cells = int(dash_duo.find_element(f"#{cells.SUMMARY}").text.split(" of ")[0]
                  .replace(",", ""))
    wait_until(lambda: map_points(dash_duo) == n_cells, timeout=60)
    dash_duo.wait_for_contains_text(f"#{cells.QC_TEXT}", NO_MITO_GENES, timeout=30)
    # the lesson's colouring: the cell sheet's cell_type, its five lines named on the map
    try:
        wait_until(lambda: map_names(dash_duo) == CELL_LINES, timeout=60)
    except Exception as error:  # noqa: BLE001 - say what the map shows
        shot(dash_duo, "cells_cellbench_lesson_failed")
        raise AssertionError(f"names {map_names(dash_duo)}, layout " + str(graph_json(
            dash_duo, cells.MAP, "JSON.stringify(g.layout.annotations)"))) from error
    assert dash_duo.find_element(f"#{cells.COLOR_KIND} input[value='column']").is_selected()
    dash_duo.driver.set_window_size(1400, 1900)
    shot(dash_duo, "cells_cellbench_lesson")
    dash_duo.driver.set_window_size(1400, 1000)

    # a gene (vimentin: high in some lines, absent in others) recolours in place
    click(dash_duo, f"#{cells.GENE}")
    dash_duo.wait_for_element(".dash-dropdown-options input, input[placeholder='Search']",
                              timeout=10).send_keys("VIM")
    choose_typed(dash_duo, "VIM")
    dash_duo.wait_for_contains_text(f"{OVERLAY} .rnaclust-colorbar", "VIM", timeout=60)
    assert graph_json(dash_duo, cells.MAP, "g._fullData[0].marker.showscale") is True
    codes = graph_json(dash_duo, cells.MAP, "Array.from(g._fullData[0].marker.color)")
    assert len(codes) == n_cells and min(codes) == 0 and max(codes) == 255
    assert scene_colour(dash_duo, 0) == pytest.approx(LOWEST, abs=1e-3)
    assert scene_colour(dash_duo, 255) == pytest.approx(HIGHEST, abs=1e-3)
    # the cell lines' names are gone with their colours (plotly's and ours)
    assert map_names(dash_duo) == []
    dash_duo.driver.execute_script(f"document.querySelector('#{cells.MAP}')"
                                   ".scrollIntoView({block: 'center'});")
    shot(dash_duo, "cells_cellbench_vim_in_place")

    # hover on a cell of the recoloured map shows its label
    dash_duo.driver.execute_script(
        f"const g = document.querySelector('#{cells.MAP} .js-plotly-plot');"
        "Plotly.Fx.hover(g, {xval: g._fullData[0].x[0], yval: g._fullData[0].y[0]});")
    wait_until(lambda: graph_json(dash_duo, cells.MAP,
                                  "g.querySelectorAll('.hoverlayer .hovertext').length") > 0,
               timeout=10)
    # a lasso selects cells (the selection feeds sub-clustering)
    inside = lasso_left_half(dash_duo)
    dash_duo.wait_for_contains_text(f"#{cells.SELECTION}", "cells selected", timeout=30)
    selected = int(dash_duo.find_element(f"#{cells.SELECTION}").text.split()[0]
                   .replace(",", ""))
    # every cell well inside the lasso, and few more (those on its edge)
    assert inside > 50 and inside <= selected <= inside + 0.05 * n_cells
    # the map redrawn by plotly for the selection keeps the gene's colours and bar
    wait_until(lambda: map_names(dash_duo) == [], timeout=10)
    assert dash_duo.find_elements(f"#{cells.MAP} .colorbar") == []
    assert "VIM" in dash_duo.find_element(f"{OVERLAY} .rnaclust-colorbar").text
    assert scene_colour(dash_duo, 255) == pytest.approx(HIGHEST, abs=1e-3)
    shot(dash_duo, "cells_cellbench_vim_lasso")

    # and back to the cell lines, in place too
    click(dash_duo, f"#{cells.COLOR_KIND} input[value='column']")
    wait_until(lambda: map_names(dash_duo) == CELL_LINES, timeout=60)
    assert dash_duo.find_elements(f"{OVERLAY} .rnaclust-colorbar") == []
    assert graph_json(dash_duo, cells.MAP, "g._fullData[0].marker.showscale") is False
    # each line in the palette's colour of its code (the lines in sorted order)
    for code in range(len(CELL_LINES)):
        hex_colour = CLUSTER_COLORS[code].lstrip("#")
        expected = [int(hex_colour[i:i + 2], 16) / 255 for i in (0, 2, 4)] + [1]
        assert scene_colour(dash_duo, code) == pytest.approx(expected, abs=1e-3), code
