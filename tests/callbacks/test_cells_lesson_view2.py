"""The CellBench example in the Cells tab (issue 9): its QC says plainly that it has no
mitochondrial gene (instead of a flat % mito violin), and its lesson's colouring (the
cell sheet's cell_type) is what the map shows after the run."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from callback_helpers import out, run_cells_analysis
from test_example_lessons import choose_example

from callbacks import data
from layouts import ids
from rnaclust_dash.io import LESSONS
from rnaclust_dash.pipeline import put_dataset
from rnaclust_dash.pp.sc_qc import NO_MITO_GENES
from views import cells, cells_callbacks, cells_qc
from views import cells_results as results

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from sc_synthetic import planted_dataset  # noqa: E402

QC_CONTROLS = {name: None for name in results.QC_PARAMS}
CELL_LINES = {"A549", "H1975", "H2228", "H838", "HCC827"}


@pytest.fixture
def cellbench(store):
    """The CellBench example chosen in the data card: (its dataset-store, the example
    menu's value after the load)."""
    outputs = choose_example(store, "cellbench")
    return (out(outputs, data, ids.DATASET_STORE, "data"),
            out(outputs, data, ids.EXAMPLE, "value"))


def qc_outputs(store, dataset_store):
    return cells_qc.QC_VIEW.guard(cells_qc.qc_panel)(store, dataset_store, QC_CONTROLS)


def test_cellbench_qc_says_it_has_no_mitochondrial_genes(store, cellbench):
    dataset_store, _ = cellbench
    outputs = qc_outputs(store, dataset_store)
    text = outputs[cells_qc.QC_VIEW.position(cells.QC_TEXT, "children")]
    assert NO_MITO_GENES in text and "909 of 909 cells pass QC" in text
    violins = outputs[cells_qc.QC_VIEW.position(cells.QC_VIOLINS, "figure")]
    # two violins (genes, counts), the third panel says why it is empty
    assert [trace.type for trace in violins.data] == ["violin", "violin"]
    notes = [a.text for a in violins.layout.annotations if "found in" in a.text]
    assert len(notes) == 1 and "MT-/mt-" in notes[0] and "is 0<br>for every cell" in notes[0]
    shapes = violins.layout.shapes
    assert [s.name for s in shapes] == ["min_genes", "max_genes", "min_counts",
                                        "max_pct_mito"]
    assert shapes[3].visible is False and all(s.visible is not False for s in shapes[:3])
    scatter = outputs[cells_qc.QC_VIEW.position(cells.QC_SCATTER, "figure")]
    assert isinstance(scatter.data[0].marker.color, str)  # one colour: no % mito bar
    # a dragged threshold moves only the lines: the mito line stays hidden
    lines = cells_qc.qc_panel(store, dataset_store, QC_CONTROLS | {"min_genes": 500},
                              lines_only=True)[1]
    shapes = next(op["params"]["value"] for op in lines.to_plotly_json()["operations"]
                  if op["location"] == ["layout", "shapes"])
    assert shapes[3]["visible"] is False and shapes[0]["y0"] == 500


def test_data_with_mitochondrial_genes_keep_their_violin_and_say_nothing(store):
    dataset_store = {"key": put_dataset(store, planted_dataset()), "mode": "single-cell"}
    outputs = qc_outputs(store, dataset_store)
    assert NO_MITO_GENES not in outputs[cells_qc.QC_VIEW.position(cells.QC_TEXT,
                                                                  "children")]
    violins = outputs[cells_qc.QC_VIEW.position(cells.QC_VIOLINS, "figure")]
    assert [trace.type for trace in violins.data] == ["violin"] * 3
    assert all(s.visible is not False for s in violins.layout.shapes)


def test_the_lesson_colour_is_chosen_with_the_example(cellbench):
    dataset_store, example = cellbench
    assert example == "cellbench" and LESSONS[example].color_by == "cell_type"
    assert cells_callbacks.lesson_colors(dataset_store, example) == ("column", "cell_type")
    # an upload (the example menu emptied) starts from the clusters; bulk is left alone
    assert cells_callbacks.lesson_colors(dataset_store, None) == ("cluster", None)
    kind, column = cells_callbacks.lesson_colors({"key": "k", "mode": "bulk"}, "pasilla")
    assert kind is column is cells_callbacks.no_update


def test_after_the_run_the_map_shows_the_cell_lines(store, cellbench):
    dataset_store, example = cellbench
    controls = {name: None for name in results.CELL_PARAMS} | {"embedding": "pca"}
    reference = run_cells_analysis(store, dataset_store, controls)
    # `draw` reads the colour controls the lesson set
    outputs = cells.VIEW.guard(cells_callbacks.map_panel)(
        store, reference, {}, (*cells_callbacks.lesson_colors(dataset_store, example)[:1],
                               None, "cell_type"))
    figure = outputs[cells.VIEW.position(cells.MAP, "figure")]
    names = {a["text"].replace("<b>", "").replace("</b>", "")
             for a in figure["layout"]["annotations"]}
    assert names == CELL_LINES
    # each cell's colour code is its line's (codes of the sorted line names)
    codes = np.asarray(figure["data"][0]["marker"]["color"])
    obs = cells_callbacks.CellMap(store, reference["map"]).part("obs")
    lines = sorted(CELL_LINES)
    expected = np.array([lines.index(v) for v in obs["cell_type"].astype(str)])
    np.testing.assert_array_equal(codes, expected)
