"""The Cells tab's callbacks on a few hundred synthetic cells with planted types: a
single-cell dataset runs the single-cell pipeline (never the bulk one), QC counts follow
the thresholds, recolouring sends only the colours, names show in the tables."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from callback_helpers import guarded_data, out, data_url
from sklearn.metrics import adjusted_rand_score

from callbacks import data
from layouts import ids
from rnaclust_dash.pipeline import put_dataset
from rnaclust_dash.pl.cells import gene_level_values
from rnaclust_dash.pp.sc_qc import filter_cells_and_genes
from rnaclust_dash.store import ResultStore
from views import cells, cells_callbacks, cells_qc
from views import cells_results as results
from views.clustering import analysis

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from sc_builders import tenx_files, zip_bytes  # noqa: E402
from sc_synthetic import planted_cells, planted_dataset  # noqa: E402

CONTROLS = {name: None for name in results.CELL_PARAMS} | {"min_genes": 50}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A store holding the planted cells, its dataset-store and the analysis outputs."""
    store = ResultStore(tmp_path_factory.mktemp("cells") / "store")
    key = put_dataset(store, planted_dataset())
    dataset_store = {"key": key, "mode": "single-cell"}
    outputs = cells.VIEW.guard(cells.analysis_panel)(store, dataset_store, CONTROLS, {})
    yield store, dataset_store, outputs
    store.cache.close()


def value(outputs, component_id, prop="data"):
    return outputs[cells.VIEW.position(component_id, prop)]


def test_a_single_cell_upload_is_routed_to_the_cells_tab(tmp_path):
    store = ResultStore(tmp_path / "store")
    outputs = guarded_data(store, ids.UPLOAD_COUNTS, None,
                           data_url(zip_bytes(tenx_files()), "application/zip"), "pbmc.zip",
                           None, None, None, None, None, None)
    assert out(outputs, data, ids.DATASET_STORE, "data")["mode"] == "single-cell"
    assert out(outputs, data, ids.VIEW_TABS, "active_tab") == cells.TAB_ID
    store.cache.close()


def test_the_bulk_analysis_never_runs_on_single_cells(loaded, monkeypatch):
    store, dataset_store, _ = loaded

    def bulk(*args, **kwargs):
        raise AssertionError("the bulk pipeline ran on single cells")

    monkeypatch.setattr(analysis, "run_analysis", bulk)
    outputs = analysis.update_analysis(store, dataset_store, {}, [])
    assert outputs[3] is None  # the analysis store: no bulk result
    assert "Cells tab" in str(outputs[2])


def test_the_analysis_finds_the_planted_types(loaded):
    store, dataset_store, outputs = loaded
    assert outputs[-1] != "danger", outputs[-3]
    assert "300 of 306 cells" in value(outputs, cells.SUMMARY, "children")
    result = cells_callbacks.stored_result(store, value(outputs, cells.RESULT_STORE)).result
    truth = planted_cells().obs.loc[result.cell_ids, "cell_type"].to_numpy()
    assert adjusted_rand_score(truth, result.labels) > 0.95
    figure = value(outputs, cells.MAP, "figure")
    assert figure.data[0].type == "scattergl" and len(figure.data[0].x) == 300
    rows = value(outputs, cells.MARKERS)
    assert {row["group"] for row in rows} == {"1", "2", "3"}
    # each cluster's best marker is one of the genes planted in its type (GENE10..84)
    for row in rows[::10]:
        assert 10 <= int(row["symbol"].removeprefix("GENE")) < 85


def test_qc_counts_follow_the_thresholds(loaded):
    store, dataset_store, _ = loaded
    adata = planted_dataset().adata
    for threshold in (0, 50, 120):
        text = cells_qc.qc_panel(store, dataset_store, CONTROLS | {"min_genes": threshold})[0]
        expected = filter_cells_and_genes(adata, min_genes=threshold, min_cells=0)
        kept = int(expected.kept_cells.sum())
        assert text.startswith(f"{kept:,} of 306 cells pass QC")
        removed = expected.removed_by_rule["min_genes"]
        assert (f"too few genes {removed:,}" in text) == (removed > 0)


def test_recolouring_by_a_gene_patches_only_the_colours(loaded):
    store, _, outputs = loaded
    result_store = value(outputs, cells.RESULT_STORE)
    patch = cells_callbacks.recolor(store, result_store, "gene", "GENE41", None, {})
    operations = patch.to_plotly_json()["operations"]
    locations = [op["location"] for op in operations]
    assert all(loc[:2] == ["data", 0] or loc[0] == "layout" for loc in locations)
    assert not any(loc[-1] in ("x", "y") for loc in locations)
    colors = next(op["params"]["value"] for op in operations
                  if op["location"] == ["data", 0, "marker", "color"])
    # independently: log1p(counts / total * 1e4) of GENE41 in the kept cells
    adata = planted_dataset().adata
    result = cells_callbacks.stored_result(store, result_store).result
    rows = adata.obs_names.get_indexer(result.cell_ids)
    counts = adata.X[rows].toarray()
    gene = list(adata.var["gene_symbol"]).index("GENE41")
    kept_genes = np.isin(adata.var_names, result.gene_ids)
    totals = counts[:, kept_genes].sum(axis=1)
    expected = np.log1p(counts[:, gene] / totals * 1e4)
    # sent as uint8 levels of 0..max (a quarter of float32): within half a level
    shown = gene_level_values(np.asarray(colors), float(expected.max()))
    np.testing.assert_allclose(shown, expected, atol=expected.max() / 510 + 1e-6)
    assert np.asarray(colors).dtype == np.uint8


def test_cluster_names_show_in_the_map_and_the_markers(loaded):
    store, dataset_store, _ = loaded
    outputs = cells.analysis_panel(store, dataset_store, CONTROLS, {"2": "B cells"})
    groups = {row["group"] for row in value(outputs, cells.MARKERS)}
    assert groups == {"1", "B cells", "3"}
    labels = [a["text"] for a in value(outputs, cells.MAP, "figure").layout.annotations]
    assert "<b>B cells</b>" in labels


def test_a_gene_removed_by_qc_is_explained(loaded):
    store, _, outputs = loaded
    result = cells_callbacks.stored_result(store, value(outputs, cells.RESULT_STORE)).result
    with pytest.raises(Exception, match="not among the .* genes kept after QC"):
        results.gene_values(cells_callbacks.stored_result(store, value(
            outputs, cells.RESULT_STORE)), "NOSUCHGENE")


def test_a_lasso_reports_the_clusters_of_its_cells(loaded):
    store, _, outputs = loaded
    result = cells_callbacks.stored_result(store, value(outputs, cells.RESULT_STORE)).result
    chosen = np.flatnonzero(result.labels == 1)[:7]
    text = results.selection_text(result, [{"pointIndex": int(i)} for i in chosen],
                                  {"1": "T"})
    assert text == "7 cells selected: T (7)"


def test_a_bulk_dataset_leaves_the_cells_tab_alone(loaded):
    store, dataset_store, _ = loaded
    bulk = dict(dataset_store, mode="bulk")
    outputs = cells.analysis_panel(store, bulk, CONTROLS, {})
    assert "This tab is for single cells" in outputs[0]
    assert cells_qc.qc_panel(store, bulk, CONTROLS) == cells_qc.QC_VIEW.unchanged()


def test_the_map_reads_the_analysis_back_once_per_run(loaded, monkeypatch):
    store, _, outputs = loaded
    result_store = value(outputs, cells.RESULT_STORE)
    reads = []
    analyse = results.analyse_cells
    monkeypatch.setattr(results, "analyse_cells", lambda *a: reads.append(1) or analyse(*a))
    memo = {}
    for kind, gene in (("gene", "GENE41"), ("cluster", None), ("gene", "GENE12")):
        cells_callbacks.recolor(store, result_store, kind, gene, None, {}, memo)
    assert len(reads) == 1
    other = dict(result_store, params=dict(result_store["params"], resolution=0.5))
    cells_callbacks.stored_result(store, other, memo)
    assert len(reads) == 2 and memo["cells"].result.params.resolution == 0.5
