"""The single-cell pipeline: stages, keys, store, QC, methods, markers, panel, stability
(issue 9 items 4, 5), and its parity with scanpy on real cells (item 8)."""

from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.metrics import adjusted_rand_score

from rnaclust_dash.dataset import Dataset
from rnaclust_dash.errors import DataError, ParameterError
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.params.spec import SINGLE_CELL, SPEC
from rnaclust_dash.pipeline.single_cell import run_single_cell, single_cell_keys
from rnaclust_dash.pipeline.single_cell_assess import resolution_panel, single_cell_stability
from rnaclust_dash.store import ResultStore

from tests.core.reference_paths import SHARED_DATA
from tests.core.sc_synthetic import planted_dataset

SC = dict(method="leiden", pcs=10, hvg=200, min_genes=50, embedding="pca", resolution=0.5)


@pytest.fixture(scope="module")
def dataset():
    return planted_dataset()


@pytest.fixture(scope="module")
def result(dataset):
    return run_single_cell(dataset, AnalysisParams(**SC))


def _truth(dataset, result):
    return dataset.adata.obs["cell_type"].loc[result.cell_ids].to_numpy()


def test_leiden_finds_the_planted_types_after_qc(dataset, result):
    assert result.qc.removed_by_rule["min_genes"] == 6  # the poor cells
    assert len(result.cell_ids) == 300 and "poor" not in _truth(dataset, result)
    assert adjusted_rand_score(result.labels, _truth(dataset, result)) > 0.95
    assert result.representation.shape == (300, 10)
    assert result.hvg["highly_variable"].sum() == 200
    assert result.embedding.coords.shape == (300, 2)
    assert result.assignments().columns.tolist() == ["id", "cluster"]
    metrics = result.metrics()
    assert metrics["n_cells_input"] == 306 and metrics["n_clusters"] == 3


def test_markers_of_each_cluster_are_its_planted_genes(dataset, result):
    truth = _truth(dataset, result)
    for cluster in range(1, 4):
        cell_type = pd.Series(truth[result.labels == cluster]).mode()[0]
        g = int(cell_type[-1]) - 1
        planted = {f"GENE{i}" for i in range(10 + 25 * g, 10 + 25 * (g + 1))}
        top = result.markers[result.markers["group"] == str(cluster)].head(20)
        assert set(top["symbol"]) <= planted
        assert (top["log2fc"] > 1).all() and (top["padj"] < 1e-10).all()


@pytest.mark.parametrize("method", ["kmeans", "gmm", "louvain"])
def test_other_methods_on_the_pcs(dataset, method):
    params = AnalysisParams(**(SC | {"method": method, "k": 3}))
    result = run_single_cell(dataset, params)
    assert adjusted_rand_score(result.labels, _truth(dataset, result)) > 0.95


@pytest.mark.parametrize("embedding, titles", [("umap", ("UMAP1", "UMAP2")),
                                               ("tsne", ("tSNE1", "tSNE2"))])
def test_embeddings_keep_the_types_apart(dataset, embedding, titles):
    result = run_single_cell(dataset, AnalysisParams(**(SC | {"embedding": embedding})))
    coords, truth = result.embedding.coords, _truth(dataset, result)
    assert result.embedding.axis_titles == titles
    centres = np.array([coords[truth == t].mean(axis=0) for t in np.unique(truth)])
    spread = max(coords[truth == t].std(axis=0).max() for t in np.unique(truth))
    gaps = [np.linalg.norm(a - b) for i, a in enumerate(centres) for b in centres[i + 1:]]
    assert min(gaps) > 2 * spread


def test_markers_by_a_cell_sheet_column_and_without_tie_correction(dataset):
    params = AnalysisParams(**(SC | {"group_by": "plate", "markers": "t-test"}))
    result = run_single_cell(dataset, params)
    assert set(result.markers["group"]) == {"p1", "p2"} and result.marker_groups == "plate"
    plain = run_single_cell(dataset, AnalysisParams(**(SC | {"tie_correct": False})))
    scores = plain.markers.set_index(["group", "gene"])["score"]
    corrected = run_single_cell(dataset, AnalysisParams(**SC)).markers.set_index(
        ["group", "gene"])["score"]
    # ties (zeros) shrink the variance: the corrected |z| is never smaller
    assert (corrected.abs() >= scores.loc[corrected.index].abs() - 1e-9).all()
    assert (corrected.abs() > scores.loc[corrected.index].abs() + 1e-6).any()


def test_harmony_on_a_batch_column(dataset):
    params = AnalysisParams(**(SC | {"batch_method": "harmony", "batch_column": "plate"}))
    result = run_single_cell(dataset, params)
    assert result.representation.shape == (300, 10)
    assert adjusted_rand_score(result.labels, _truth(dataset, result)) > 0.95


def test_store_reuses_stages_and_keys_follow_the_parameters(dataset, tmp_path):
    store = ResultStore(tmp_path)
    params = AnalysisParams(**SC)
    first = run_single_cell(dataset, params, store=store, dataset_key="dataset-x")
    assert all(key in store for key in first.keys.values())
    again = run_single_cell(dataset, params, store=store, dataset_key="dataset-x")
    assert np.array_equal(first.labels, again.labels)
    finer = single_cell_keys("dataset-x", params.replace(resolution=2.0))
    same = [stage for stage in first.keys if first.keys[stage] == finer[stage]]
    assert same == ["sc_qc", "sc_normalize", "sc_hvg", "sc_pca", "sc_batch",
                    "sc_neighbors", "sc_embedding"]
    store.cache.close()


@pytest.mark.parametrize("name", [n for n, p in SPEC.items() if p.sc_stage])
def test_every_single_cell_parameter_changes_its_stage_key(name):
    where = {"k": {"method": "kmeans"}, "kmeans_init": {"method": "kmeans"},
             "n_init": {"method": "kmeans"}, "minibatch": {"method": "kmeans"},
             "covariance": {"method": "gmm"}, "umap_min_dist": {"embedding": "umap"},
             "batch_column": {"batch_method": "harmony", "batch_column": "plate"},
             "batch_method": {"batch_column": "plate"}, "resolution": {"method": "leiden"},
             "seed": {"method": "leiden"}}
    base = AnalysisParams(**where.get(name, {}))
    value = getattr(base, name)
    param = SPEC[name]
    if param.choices is not None:
        other = next(c for c in param.choices if c != value)
    elif param.type is bool:
        other = not value
    elif param.type is str:
        other = value + "x"
    else:
        other = param.type(value + 1 if value + 1 <= param.max else value / 2)
    changed = base.replace(**{name: other})
    stage = param.sc_stage
    assert single_cell_keys("d", changed)[stage] != single_cell_keys("d", base)[stage]
    assert SPEC[name].stage == SINGLE_CELL or name in (
        "method", "k", "kmeans_init", "n_init", "minibatch", "seed", "embedding",
        "umap_min_dist", "resolution", "neighbors", "covariance", "pcs", "batch_column",
        "batch_method")


def test_bad_choices_are_refused_before_any_work(dataset):
    for options, message in (({"method": "hierarchical"}, "not offered for single cells"),
                             ({"batch_method": "combat", "batch_column": "plate"},
                              "harmony"),
                             ({"group_by": "donor"}, "no such column"),
                             ({"pcs": 0}, "at least 2")):
        with pytest.raises(ParameterError, match=message):
            run_single_cell(dataset, AnalysisParams(**(SC | options)))
    with pytest.raises(DataError, match="remove all"):
        run_single_cell(dataset, AnalysisParams(**(SC | {"min_genes": 100_000})))


def test_resolution_panel_and_cluster_tree(result):
    panel = resolution_panel(result.graph.connectivities, resolutions=(1.0, 0.5, 3.0),
                             random_state=0, cell_ids=result.cell_ids)
    assert panel.summary["resolution"].tolist() == [0.5, 1.0, 3.0]
    counts = panel.summary["n_clusters"].to_numpy()
    assert counts[0] == 3 and (np.diff(counts) >= 0).all() and counts[-1] > 3
    assert np.array_equal(panel.labels[0.5].to_numpy(), result.labels)  # same seed
    assert set(panel.tree.columns) == {"from_resolution", "from_cluster", "to_resolution",
                                       "to_cluster", "n_cells", "in_prop"}
    children = panel.tree[panel.tree["from_resolution"] == 0.5]
    assert children["n_cells"].sum() == len(result.cell_ids)


def test_planted_clusters_are_stable_under_subsampling(result):
    stability = single_cell_stability(result, n_resamples=5, fraction=0.8, random_state=0)
    assert stability.n_resamples_done == 5
    assert (stability.cluster_jaccard > 0.9).all()


def test_noise_clusters_are_not_stable():
    rng = np.random.default_rng(3)
    noise = rng.negative_binomial(2, 0.5, size=(200, 300)).astype(np.float32)
    adata = ad.AnnData(sparse.csr_matrix(noise),
                       var=pd.DataFrame(index=[f"g{i}" for i in range(300)]))
    dataset = Dataset.from_anndata(adata, value_kind="counts")
    result = run_single_cell(dataset, AnalysisParams(**(SC | {"min_genes": 0,
                                                             "resolution": 1.5})))
    assert result.labels.max() >= 2
    stability = single_cell_stability(result, n_resamples=5, random_state=0)
    assert stability.cluster_jaccard.mean() < 0.75


# --- parity with scanpy 1.11.5 on real cells (../shared; skipped without it) --------------

def _shared_set(name: str) -> tuple[Dataset, Path]:
    folder = SHARED_DATA / name
    if not folder.exists():
        pytest.skip(f"{folder} is not there")
    cells = pd.read_csv(folder / "cells.csv", index_col=0)
    if name.startswith("cellbench"):
        from scipy import io
        counts = io.mmread(folder / "counts.mtx.gz").T.tocsr().astype(np.float32)
        genes = pd.read_csv(folder / "features.tsv.gz", sep="\t", header=None)
        ids = pd.read_csv(folder / "barcodes.tsv.gz", header=None)[0].astype(str)
        var, kind = pd.DataFrame({"gene_symbol": genes[1].to_numpy()},
                                 index=genes[0].astype(str).to_numpy()), "counts"
    else:  # FPKM, normalized as given (as the reference did)
        fpkm = pd.read_csv(folder / "fpkm.csv.gz", index_col=0)
        counts = sparse.csr_matrix(fpkm.T.to_numpy(dtype=np.float32))
        ids, var, kind = fpkm.columns.astype(str), pd.DataFrame(
            index=fpkm.index.astype(str)), "normalized"
    obs = cells.loc[np.asarray(ids)].astype({"cell_type": str})
    adata = ad.AnnData(counts, obs=obs, var=var)
    return Dataset.from_anndata(adata, value_kind=kind), folder / "reference"


# scanpy_versions.txt: filter_cells(min_genes=200), filter_genes(min_cells=3), target 1e4,
# seurat HVG 2000, scale 10, pca 50 arpack seed 0, neighbors 15 n_pcs 30, leiden igraph
# n_iterations 2 seed 0; rank_genes_groups(cell_type, wilcoxon) without tie correction.
SCANPY_CALLS = dict(min_genes=200, min_cells=3, target_sum=1e4, hvg=2000,
                    hvg_flavor="seurat", pcs=30, neighbors=15, method="leiden", seed=0,
                    embedding="pca", markers="wilcoxon", tie_correct=False,
                    group_by="cell_type")


@pytest.mark.parametrize("name", ["cellbench_5cl_celseq2_3plates",
                                  "hsmm_myoblast_timecourse_fpkm"])
def test_parity_with_scanpy_leiden_and_markers(name, tmp_path):
    dataset, reference = _shared_set(name)
    ari_table = pd.read_csv(reference / "scanpy_ari.csv", index_col=0)
    store = ResultStore(tmp_path)  # the second resolution reuses the stages before it
    for resolution in (0.5, 1.0):
        result = run_single_cell(dataset, AnalysisParams(**SCANPY_CALLS,
                                                         resolution=resolution),
                                 store=store, dataset_key=name)
        scanpy = pd.read_csv(reference / f"scanpy_leiden_r{resolution}.csv", index_col=0)
        vs_scanpy = adjusted_rand_score(result.labels,
                                        scanpy.iloc[:, 0].loc[result.cell_ids])
        truth = dataset.adata.obs["cell_type"].loc[result.cell_ids]
        vs_truth = adjusted_rand_score(result.labels, truth)
        assert vs_scanpy >= 0.8
        assert vs_truth >= ari_table.loc[f"leiden_r{resolution}", "ARI_vs_cell_type"] - 0.05
    top = pd.read_csv(reference / "scanpy_markers_top25.csv")
    for group, theirs in top.groupby("group"):
        ours = result.markers[result.markers["group"] == str(group)].head(25)
        assert len(set(ours["gene"]) & set(theirs["gene_id"])) >= 0.8 * 25, group
    store.cache.close()


@pytest.mark.parametrize("threshold, start", [(300, "spectral"), (299, "pca")])
def test_metrics_and_notices_say_how_umap_started(dataset, monkeypatch, threshold, start):
    """300 cells are kept (of 306): the PCA start begins above the threshold of kept
    cells, and metrics.json's ``umap_init`` and the notices say which start was used."""
    from rnaclust_dash.tl import embed

    monkeypatch.setattr(embed, "UMAP_PCA_INIT_ABOVE", threshold)
    result = run_single_cell(dataset, AnalysisParams(**(SC | {"embedding": "umap"})))
    assert result.metrics()["umap_init"] == start
    said = [n for n in result.notices if "first two principal components" in n]
    assert len(said) == (start == "pca")
    assert "umap_init" not in run_single_cell(dataset, AnalysisParams(**SC)).metrics()
