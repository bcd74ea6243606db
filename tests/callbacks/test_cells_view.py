"""The Cells tab's callbacks on a few hundred synthetic cells with planted types: a
single-cell dataset runs the single-cell pipeline (never the bulk one) as a background
job that writes a map artifact; the map, recolours, gene search and the lasso read only
the artifact's parts they need; QC counts follow the thresholds; names show in tables."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import numpy as np
import pytest
from callback_helpers import data_url, guarded_data, out, run_cells_analysis
from sklearn.metrics import adjusted_rand_score

from callbacks import data
from layouts import ids
from rnaclust_dash.pipeline import put_dataset
from rnaclust_dash.pl.cells import gene_level_values, typed_array_values
from rnaclust_dash.pp.sc_qc import filter_cells_and_genes
from rnaclust_dash.store import ResultStore
from views import cells, cells_callbacks, cells_qc
from views import cells_results as results
from views.cells_map import CellMap
from views.clustering import analysis

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from sc_builders import tenx_files, zip_bytes  # noqa: E402
from sc_synthetic import planted_cells, planted_dataset  # noqa: E402

CONTROLS = {name: None for name in results.CELL_PARAMS} | {"min_genes": 50}


def ask(store, dataset_store, controls=CONTROLS):
    """The request callback's outputs (as registered: guarded)."""
    return cells_callbacks.ASK_VIEW.guard(cells_callbacks.request_analysis)(
        store, dataset_store, controls)


def run_analysis(store, dataset_store, controls=CONTROLS) -> dict:
    """Ask, run the job body as the job process does, return the map's reference."""
    return run_cells_analysis(store, dataset_store, controls)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A store holding the planted cells, its dataset-store, the map's reference and the
    drawn outputs."""
    store = ResultStore(tmp_path_factory.mktemp("cells") / "store")
    key = put_dataset(store, planted_dataset())
    dataset_store = {"key": key, "mode": "single-cell"}
    reference = run_analysis(store, dataset_store)
    outputs = cells.VIEW.guard(cells_callbacks.map_panel)(store, reference, {})
    yield store, dataset_store, reference, outputs
    store.close()


def value(outputs, component_id, prop="data"):
    return outputs[cells.VIEW.position(component_id, prop)]


def test_a_single_cell_upload_is_routed_to_the_cells_tab(tmp_path):
    store = ResultStore(tmp_path / "store")
    outputs = guarded_data(store, ids.UPLOAD_COUNTS, None,
                           data_url(zip_bytes(tenx_files()), "application/zip"), "pbmc.zip",
                           None, None, None, None, None, None)
    assert out(outputs, data, ids.DATASET_STORE, "data")["mode"] == "single-cell"
    assert out(outputs, data, ids.VIEW_TABS, "active_tab") == cells.TAB_ID
    store.close()


def test_the_bulk_analysis_never_runs_on_single_cells(loaded, monkeypatch):
    store, dataset_store, _, _ = loaded

    def bulk(*args, **kwargs):
        raise AssertionError("the bulk pipeline ran on single cells")

    monkeypatch.setattr(analysis, "run_analysis", bulk)
    outputs = analysis.update_analysis(store, dataset_store, {}, [])
    assert outputs[3] is None  # the analysis store: no bulk result
    assert "Cells tab" in str(outputs[2])


def test_a_new_analysis_is_a_job_and_a_stored_one_is_shown_at_once(tmp_path):
    store = ResultStore(tmp_path / "store")
    dataset_store = {"key": put_dataset(store, planted_dataset()), "mode": "single-cell"}
    request, shown, summary, *alert = cells_callbacks.request_analysis(
        store, dataset_store, CONTROLS, new_dataset=True)
    assert shown is cells_callbacks.no_update and request["map"].startswith("sc_map-")
    assert alert == [None, False, "info"]
    assert summary == cells_callbacks.ANALYSING  # not the old dataset's line
    # Run pressed on the same dataset: the summary on screen stays until the job ends
    assert ask(store, dataset_store)[2] is cells_callbacks.no_update
    reference = run_analysis(store, dataset_store)
    assert reference == request
    # what the job hands back through the job store is a small reference only
    assert len(pickle.dumps(reference)) < 2_000
    # asked again (Run, or another session): no job, the stored map at once
    again, shown, _, *_ = ask(store, dataset_store)
    assert again is cells_callbacks.no_update and shown == reference
    # other parameters: another map, another job
    other = ask(store, dataset_store, CONTROLS | {"resolution": 0.3})[0]
    assert other["map"] != reference["map"]
    store.close()


def test_the_job_reports_its_progress_to_the_end(tmp_path):
    store = ResultStore(tmp_path / "store")
    dataset_store = {"key": put_dataset(store, planted_dataset()), "mode": "single-cell"}
    request = ask(store, dataset_store, CONTROLS | {"resolution": 0.7})[0]
    reports = []
    cells_callbacks.job_outputs(store, reports.append, request)
    percents = [percent for percent, _ in reports]
    assert percents == sorted(percents) and percents[-1] == 100 and len(percents) >= 3
    store.close()


def test_all_cells_filtered_by_qc_says_so_and_keeps_the_map(loaded):
    store, dataset_store, _, _ = loaded
    request = ask(store, dataset_store, CONTROLS | {"min_genes": 100_000})[0]
    outputs = cells_callbacks.job_outputs(store, lambda value: None, request)
    result_store, message, is_open, color = outputs
    assert result_store is cells_callbacks.no_update  # the map on screen stays
    assert is_open and color == "danger"
    text = str(message)
    assert "remove all 306 cells" in text and "What was shown before is kept" in text


def test_bad_controls_are_explained_before_any_job(loaded):
    store, dataset_store, _, _ = loaded
    request, shown, summary, message, is_open, color = ask(
        store, dataset_store, CONTROLS | {"resolution": 1e9})
    assert request is shown is summary is cells_callbacks.no_update
    assert is_open and color == "danger" and "esolution" in str(message)


def test_the_analysis_finds_the_planted_types(loaded):
    store, _, reference, outputs = loaded
    assert outputs[-1] != "danger", outputs[-3]
    assert "300 of 306 cells" in value(outputs, cells.SUMMARY, "children")
    cell_map = CellMap(store, reference["map"])
    labels = cell_map.part("cells")["labels"]
    cell_ids = cell_map.part("obs").index
    truth = planted_cells().obs.loc[cell_ids, "cell_type"].to_numpy()
    assert adjusted_rand_score(truth, labels) > 0.95
    figure = value(outputs, cells.MAP, "figure")
    assert figure.data[0].type == "scattergl" and len(figure.data[0].x) == 300
    rows = value(outputs, cells.MARKERS)
    assert {row["group"] for row in rows} == {"1", "2", "3"}
    # each cluster's best marker is one of the genes planted in its type (GENE10..84)
    for row in rows[::10]:
        assert 10 <= int(row["symbol"].removeprefix("GENE")) < 85


def test_qc_counts_follow_the_thresholds(loaded):
    store, dataset_store, _, _ = loaded
    adata = planted_dataset().adata
    for threshold in (0, 50, 120):
        text = cells_qc.qc_panel(store, dataset_store, CONTROLS | {"min_genes": threshold})[0]
        expected = filter_cells_and_genes(adata, min_genes=threshold, min_cells=0)
        kept = int(expected.kept_cells.sum())
        assert text.startswith(f"{kept:,} of 306 cells pass QC")
        removed = expected.removed_by_rule["min_genes"]
        assert (f"too few genes {removed:,}" in text) == (removed > 0)


def expected_gene(cell_ids, gene_ids, symbol="GENE41"):
    """Independently: log1p(counts / total of the kept genes * 1e4) of a gene."""
    adata = planted_dataset().adata
    counts = adata.X[adata.obs_names.get_indexer(cell_ids)].toarray()
    gene = list(adata.var["gene_symbol"]).index(symbol)
    totals = counts[:, np.isin(adata.var_names, gene_ids)].sum(axis=1)
    return np.log1p(counts[:, gene] / totals * 1e4)


def test_recolouring_by_a_gene_sends_only_the_colours(loaded):
    store, _, reference, _ = loaded
    spec = cells_callbacks.recolor(store, reference, "gene", "GENE41", None, {})
    assert not {"x", "y", "coords", "customdata"} & set(spec)
    assert spec["showscale"] and spec["colorbar"]["title"]["text"] == "GENE41"
    colors = spec["color"]
    cell_map = CellMap(store, reference["map"])
    expected = expected_gene(cell_map.part("obs").index, cell_map.part("genes")["ids"])
    # sent as a typed array of uint8 levels of 0..max (a quarter of float32, base64)
    assert colors["dtype"] == "u1"
    codes = typed_array_values(colors)
    assert codes.dtype == np.uint8 and len(codes) == 300
    shown = gene_level_values(codes, float(expected.max()))
    np.testing.assert_allclose(shown, expected, atol=expected.max() / 510 + 1e-6)


def test_any_worker_recolours_reading_only_what_it_needs(loaded, monkeypatch):
    """A fresh store handle (another worker, no memory of the run) recolours by a gene
    reading the gene index and one column block: never the dataset, a pipeline stage,
    the map's coordinates or the cell sheet."""
    store, _, reference, _ = loaded
    other_worker = ResultStore(store.directory)
    reads = []
    get = other_worker.get
    monkeypatch.setattr(other_worker, "get", lambda key, *a: reads.append(key) or get(key, *a))
    spec = cells_callbacks.recolor(other_worker, reference, "gene", "GENE41", None, {})
    map_key = reference["map"]
    assert reads == [f"{map_key}/genes", f"{map_key}/log", reads[-1]]
    assert reads[-1].startswith(f"{map_key}/log/block-")
    assert len(typed_array_values(spec["color"])) == 300
    reads.clear()
    cells_callbacks.recolor(other_worker, reference, "cluster", None, None, {})
    assert reads == [f"{map_key}/cells"]
    other_worker.close()


def test_colouring_by_a_cell_sheet_column(loaded):
    store, _, reference, _ = loaded
    spec = cells_callbacks.recolor(store, reference, "column", None, "cell_type", {})
    customdata = spec["customdata"]
    cell_ids = CellMap(store, reference["map"]).part("obs").index
    truth = planted_cells().obs.loc[cell_ids, "cell_type"].astype(str).to_numpy()
    assert list(customdata) == list(truth)


def test_cluster_names_show_in_the_map_markers_and_dot_plot(loaded):
    store, _, reference, _ = loaded
    outputs = cells_callbacks.map_panel(store, reference, {"2": "B cells"})
    groups = {row["group"] for row in value(outputs, cells.MARKERS)}
    assert groups == {"1", "B cells", "3"}
    labels = [a["text"] for a in value(outputs, cells.MAP, "figure").layout.annotations]
    assert "<b>B cells</b>" in labels
    dot = value(outputs, cells.DOT_PLOT, "figure")
    assert list(dot.layout.yaxis.ticktext) == ["1", "3", "B cells"]


def test_clusters_given_one_name_are_one_dot_plot_row(loaded):
    """Two clusters named alike: their row is what their cells together give
    (checked against the fractions computed on those cells directly)."""
    store, _, reference, _ = loaded
    cell_map = CellMap(store, reference["map"])
    panel = cell_map.part("panel")
    fraction, mean = results.named_dot_summary(panel["dot"], {"1": "T", "2": "T"})
    assert list(fraction.index) == ["3", "T"]
    labels = cell_map.part("cells")["labels"]
    both = np.isin(labels, [1, 2])
    for gene in list(fraction.columns)[:3]:
        values = cell_map.gene_values(gene)[both]
        assert fraction.loc["T", gene] == pytest.approx((values > 0).mean(), abs=1e-6)
        assert mean.loc["T", gene] == pytest.approx(values.mean(), rel=1e-5)


def test_a_gene_removed_by_qc_is_explained(loaded):
    store, _, reference, _ = loaded
    with pytest.raises(Exception, match="not among the .* genes kept after QC"):
        CellMap(store, reference["map"]).gene_values("NOSUCHGENE")


def test_a_map_gone_from_the_store_asks_to_run_again(loaded, tmp_path):
    store, dataset_store, reference, _ = loaded
    other = ResultStore(tmp_path / "empty")
    outputs = cells.VIEW.guard(cells_callbacks.map_panel)(other, reference, {})
    assert "Press Run" in str(outputs[-3])
    other.close()


def test_gene_search_and_the_lasso_read_the_map(loaded):
    store, _, reference, _ = loaded
    symbols = CellMap(store, reference["map"]).part("genes")["symbols"]
    assert results.matching_genes(symbols, "gene41")[0] == "GENE41"
    labels = CellMap(store, reference["map"]).part("cells")["labels"]
    chosen = np.flatnonzero(labels == 1)[:7]
    text = results.selection_text(labels, [{"pointIndex": int(i)} for i in chosen],
                                  {"1": "T"})
    assert text == "7 cells selected: T (7)"


def test_a_bulk_dataset_leaves_the_cells_tab_alone(loaded):
    store, dataset_store, _, _ = loaded
    bulk = dict(dataset_store, mode="bulk")
    request, shown, summary, *_ = ask(store, bulk)
    assert request is shown is cells_callbacks.no_update
    assert "This tab is for single cells" in summary
    assert cells_qc.qc_panel(store, bulk, CONTROLS) == cells_qc.QC_VIEW.unchanged()


#: A web server's part of a job, in a process of its own (this test process may have run
#: numba's OpenMP code in the fixtures above, and a job forked from it would abort: the
#: app's server never runs such code): the app's job manager forks the job, which is
#: then waited for through the job store, as the browser's polling does.
SERVER_SCRIPT = """
import json, sys, time
sys.path[:0] = [sys.argv[3], sys.argv[3] + "/tests/core"]
from app import create_app
from rnaclust_dash.pipeline import put_dataset
from rnaclust_dash.store import ResultStore
from sc_synthetic import planted_dataset
from views import cells_callbacks

manager = create_app(sys.argv[1], warm_umap=False)._background_manager
store = ResultStore(sys.argv[1])
dataset_store = {"key": put_dataset(store, planted_dataset()), "mode": "single-cell"}
request = cells_callbacks.request_analysis(store, dataset_store, json.loads(sys.argv[2]))[0]

def job_fn(set_progress, job_request):  # as register's run_job
    return cells_callbacks.job_outputs(store, set_progress, job_request)

key = manager.build_cache_key(job_fn, [request], [], None)
job = manager.call_job_fn(key, manager.make_job_fn(job_fn, True), [request], {})
deadline = time.monotonic() + 900
while (outputs := manager.get_result(key, job)) is manager.UNDEFINED:
    if time.monotonic() > deadline:
        sys.exit("the job did not come back in 900 s")
    time.sleep(0.2)
print(json.dumps({"request": request, "outputs": [str(o) for o in outputs]
                  if isinstance(outputs, tuple) else outputs, "result": outputs[0]
                  if isinstance(outputs, tuple) else None}))
"""


def test_the_job_comes_back_from_a_forked_process(tmp_path):
    """The job as the app runs it: forked by the app's own job manager in a server
    process, its result read back through the job store (a small reference), and the
    map it wrote drawn here, from the same store."""
    import json
    import os
    import subprocess

    repo = Path(__file__).resolve().parents[2]
    controls = {k: v for k, v in CONTROLS.items() if v is not None} | {"embedding": "pca"}
    env = dict(os.environ, RNACLUST_WARM_UMAP="0", NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    done = subprocess.run([sys.executable, "-c", SERVER_SCRIPT, str(tmp_path / "cache"),
                           json.dumps(controls), str(repo)], capture_output=True, text=True,
                          env=env, cwd=repo, timeout=1200)
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["result"] == answer["request"], answer["outputs"]
    assert answer["result"]["map"].startswith("sc_map-")
    store = ResultStore(tmp_path / "cache")
    figure = value(cells_callbacks.map_panel(store, answer["result"], {}), cells.MAP, "figure")
    assert len(figure.data[0].x) == 300 and figure.layout.xaxis.title.text.startswith("PC1")
    store.close()
