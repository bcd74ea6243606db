"""The figure download of the Cells map draws the colours the page shows: the browser
recolours the map in place (assets/cells_recolour.js), so the figure Dash holds for the
graph keeps the colours of its first draw, which a paper figure must not carry."""

from __future__ import annotations

import numpy as np
import pytest
from callback_helpers import out, run_cells_analysis
from test_example_lessons import choose_example

from callbacks import data
from callbacks import figure_downloads as fd
from layouts import ids
from views import cells, cells_callbacks
from views import cells_results as results


@pytest.fixture
def cellbench_map(store):
    """CellBench run in the Cells tab (PCA map, fast): (its reference, the stale figure
    first drawn coloured by cluster)."""
    dataset_store = out(choose_example(store, "cellbench"), data, ids.DATASET_STORE, "data")
    controls = {name: None for name in results.CELL_PARAMS} | {"embedding": "pca"}
    reference = run_cells_analysis(store, dataset_store, controls)
    outputs = cells.VIEW.guard(cells_callbacks.map_panel)(store, reference, {})
    return reference, outputs[cells.VIEW.position(cells.MAP, "figure")]


def test_the_map_is_offered_redrawn_with_its_state():
    states, draw = fd.figures_as_shown()[cells.MAP]
    assert [(s.component_id, s.component_property) for s in states] == [
        (cells.RESULT_STORE, "data"), (cells.NAMES_STORE, "data"),
        (cells.COLOR_KIND, "value"), (cells.GENE, "value"), (cells.COLUMN, "value")]
    assert draw is cells_callbacks.map_as_shown


def test_a_map_recoloured_by_a_gene_downloads_with_that_gene(store, cellbench_map):
    reference, first_draw = cellbench_map
    _, draw = fd.figures_as_shown()[cells.MAP]
    shown = draw(store, reference, {}, "gene", "VIM", None)
    expected = cells_callbacks.CellMap(store, reference["map"]).gene_values("VIM")
    colours = np.asarray(shown["data"][0]["marker"]["color"], dtype=float)
    assert colours.shape == expected.shape
    # the codes follow VIM's values (rank order), unlike the first draw's clusters
    assert np.corrcoef(colours, expected)[0, 1] > 0.95
    assert not np.array_equal(colours, np.asarray(first_draw["data"][0]["marker"]["color"]))
    assert shown["data"][0]["marker"]["colorbar"]["title"]["text"] == "VIM"


def test_without_a_map_the_page_figure_is_kept(store):
    _, draw = fd.figures_as_shown()[cells.MAP]
    assert draw(store, None, {}, "gene", "VIM", None) is None
