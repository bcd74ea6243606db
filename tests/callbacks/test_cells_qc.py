"""The Cells tab's QC card: dragging a threshold line on the violins or the scatter sets
its number box, and the box's value gives the removed-cell counts (checked against the
pipeline's own QC filter on planted cells)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from dash import no_update
from dash.exceptions import PreventUpdate

from rnaclust_dash.pipeline import put_dataset
from rnaclust_dash.pp.sc_qc import filter_cells_and_genes
from rnaclust_dash.store import ResultStore
from views import cells, cells_qc
from views import cells_results as results

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from sc_synthetic import planted_dataset  # noqa: E402

CONTROLS = {name: None for name in results.QC_PARAMS} | {"min_genes": 50}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    store = ResultStore(tmp_path_factory.mktemp("cells_qc") / "store")
    key = put_dataset(store, planted_dataset())
    yield store, {"key": key, "mode": "single-cell"}
    store.cache.close()


def figures_of(outputs):
    return (outputs[cells_qc.QC_VIEW.position(cells.QC_VIOLINS, "figure")],
            outputs[cells_qc.QC_VIEW.position(cells.QC_SCATTER, "figure")])


def drag(shape_index: int, axis: str, to: float) -> dict:
    """The relayoutData plotly sends when a whole line is dragged to ``to``."""
    return {f"shapes[{shape_index}].{axis}0": to, f"shapes[{shape_index}].{axis}1": to,
            f"shapes[{shape_index}].{'x' if axis == 'y' else 'y'}0": 0.02}


@pytest.mark.parametrize("figure_id", [cells.QC_VIOLINS, cells.QC_SCATTER])
def test_each_line_drawn_sets_the_box_of_its_own_threshold(loaded, figure_id):
    store, dataset_store = loaded
    thresholds = {"min_genes": 50, "max_genes": 300, "min_counts": 100, "max_pct_mito": 20}
    outputs = cells_qc.qc_panel(store, dataset_store, CONTROLS | thresholds)
    figure = dict(zip((cells.QC_VIOLINS, cells.QC_SCATTER), figures_of(outputs)))[figure_id]
    shapes = figure.layout.shapes
    assert len(shapes) == (4 if figure_id == cells.QC_VIOLINS else 3)
    for index, shape in enumerate(shapes):
        horizontal = shape.y0 == shape.y1
        position = shape.y0 if horizontal else shape.x0
        assert position == thresholds[shape.name]  # each line sits at its own value
        relayout = drag(index, "y" if horizontal else "x", 77.4)
        boxes = cells_qc.box_values(figure_id, *((relayout, None) if figure_id ==
                                                 cells.QC_VIOLINS else (None, relayout)))
        moved = {name: value for name, value in zip(cells_qc.DRAGGABLE, boxes)
                 if value is not no_update}
        assert moved == {shape.name: 77 if shape.name != "max_pct_mito" else 77.4}


def test_a_drag_moves_the_removed_cell_counts(loaded):
    store, dataset_store = loaded
    adata = planted_dataset().adata
    before = cells_qc.qc_panel(store, dataset_store, CONTROLS)[0]
    # the user drags the "min genes" line (the scatter's first shape) up to 120.6 genes
    boxes = cells_qc.box_values(cells.QC_SCATTER, None, drag(0, "y", 120.6))
    assert boxes[0] == 121 and all(b is no_update for b in boxes[1:])
    after = cells_qc.qc_panel(store, dataset_store, CONTROLS | {"min_genes": boxes[0]})[0]
    expected = filter_cells_and_genes(adata, min_genes=121, min_cells=0)
    kept, removed = int(expected.kept_cells.sum()), expected.removed_by_rule["min_genes"]
    assert kept < 300  # the drag removes good cells as well as the 6 poor ones
    assert after.startswith(f"{kept:,} of 306 cells pass QC")
    assert f"too few genes {removed:,}" in after and after != before


def test_a_limit_switched_off_is_a_grey_line_above_the_cells(loaded):
    store, dataset_store = loaded
    outputs = cells_qc.qc_panel(store, dataset_store, CONTROLS | {"max_genes": 0,
                                                                  "max_pct_mito": 100})
    violins, _ = figures_of(outputs)
    shapes = {shape.name: shape for shape in violins.layout.shapes}
    metrics = results.qc_metrics(store, dataset_store["key"])
    assert shapes["max_genes"].y0 > metrics["n_genes"].max()
    assert shapes["max_pct_mito"].y0 > metrics["pct_mito"].max()
    assert shapes["max_genes"].line.color != shapes["min_genes"].line.color
    assert "none" in shapes["max_genes"].label.text


@pytest.mark.parametrize("relayout, expected", [
    ({"shapes[1].y0": -40.0, "shapes[1].y1": -40.0}, 0),  # below 0: no limit
    ({"shapes[1].y1": 2_000_000.0}, 1_000_000),  # an end alone: that end; the bound
])
def test_a_dragged_value_stays_within_the_parameter_bounds(relayout, expected):
    assert cells_qc.box_values(cells.QC_VIOLINS, relayout, None)[1] == expected


def test_a_drag_of_mito_below_zero_keeps_a_valid_percentage():
    boxes = cells_qc.box_values(cells.QC_VIOLINS, {"shapes[3].y0": -3.0}, None)
    assert boxes[3] == 0.1


@pytest.mark.parametrize("relayout", [
    {"xaxis.range[0]": 10, "xaxis.range[1]": 300},  # a zoom
    {"autosize": True}, None,
    {"shapes[0].x0": 0.3, "shapes[0].x1": 0.9},  # a horizontal line slid sideways
])
def test_a_zoom_or_a_sideways_slide_changes_no_threshold(relayout):
    with pytest.raises(PreventUpdate):
        cells_qc.box_values(cells.QC_VIOLINS, relayout, None)


def test_a_new_dataset_draws_the_figures_then_a_threshold_moves_only_the_lines(loaded):
    store, dataset_store = loaded
    key = dataset_store["key"]
    full = cells_qc.qc_outputs(store, dataset_store, CONTROLS, None)
    assert full[-1] == key  # remembered: these figures are drawn
    violins, scatter = figures_of(full)
    assert len(scatter.data[0].x) == 306  # the points
    moved = cells_qc.qc_outputs(store, dataset_store, CONTROLS | {"min_genes": 120}, key)
    assert moved[-1] is no_update
    for patch, drawn in zip(figures_of(moved), (violins, scatter)):
        operations = patch.to_plotly_json()["operations"]
        assert [op["location"] for op in operations] == [["layout", "shapes"]]
        shapes = operations[0]["params"]["value"]
        assert len(shapes) == len(drawn.layout.shapes)
        assert shapes[0]["name"] == "min_genes" and shapes[0]["y0"] == 120
    # the counts follow as before
    assert moved[0] == cells_qc.qc_panel(store, dataset_store,
                                         CONTROLS | {"min_genes": 120})[0]


def test_after_an_error_the_figures_are_drawn_whole_again(loaded):
    store, dataset_store = loaded
    key = dataset_store["key"]
    # a mitochondrial limit of 0 % is refused: the figures say so, nothing is drawn
    failed = cells_qc.qc_outputs(store, dataset_store, CONTROLS | {"max_pct_mito": 0}, key)
    assert failed[-2] == "danger" and failed[-1] is None
    redrawn = cells_qc.qc_outputs(store, dataset_store, CONTROLS, None)
    assert len(figures_of(redrawn)[1].data[0].x) == 306


def test_another_dataset_draws_its_own_figures(loaded):
    store, dataset_store = loaded
    outputs = cells_qc.qc_outputs(store, dataset_store, CONTROLS, "an-older-dataset")
    assert outputs[-1] == dataset_store["key"]
    assert len(figures_of(outputs)[1].data[0].x) == 306
