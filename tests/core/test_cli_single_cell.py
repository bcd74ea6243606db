"""CLI ``run`` on single cells (issue 9 item 7): options from the spec, the files it writes,
exit 2 with a message on bad input."""

import json

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from rnaclust_dash.cli import main
from tests.core.sc_synthetic import planted_cells, write_tenx

QC_FAST = ["--min-genes", "50", "--hvg", "200", "--pcs", "10", "--resolution", "0.5"]


@pytest.fixture(scope="module")
def tenx(tmp_path_factory):
    root = tmp_path_factory.mktemp("cells")
    return write_tenx(planted_cells(), root / "filtered_feature_bc_matrix")


@pytest.fixture(scope="module")
def run_folder(tenx, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    status = main(["run", str(tenx), "--out", str(out), "--metadata",
                   str(tenx.parent / "cells.csv"), *QC_FAST, "--compare-column", "cell_type",
                   "--resolutions", "0.5,1,3", "--stability-resamples", "3"])
    assert status == 0
    return out


def test_single_cell_run_writes_every_file(run_folder, capsys):
    for name in ("assignments.csv", "qc.csv", "hvg.csv", "markers.csv", "embedding.csv",
                 "result.h5ad", "metrics.json", "params.json", "resolution_panel.csv",
                 "resolution_labels.csv", "resolution_tree.csv", "cluster_stability.csv",
                 "cell_stability.csv"):
        assert (run_folder / name).exists(), name
    assignments = pd.read_csv(run_folder / "assignments.csv")
    assert assignments.columns.tolist() == ["id", "cluster"] and len(assignments) == 300
    truth = planted_cells().obs["cell_type"].loc[assignments["id"]]
    assert adjusted_rand_score(assignments["cluster"], truth) > 0.95
    qc = pd.read_csv(run_folder / "qc.csv")
    assert qc.columns.tolist()[:5] == ["id", "n_genes", "total_counts", "pct_mito", "kept"]
    assert len(qc) == 306 and qc["kept"].sum() == 300
    assert pd.read_csv(run_folder / "hvg.csv").columns.tolist()[:2] == ["gene",
                                                                        "highly_variable"]
    markers = pd.read_csv(run_folder / "markers.csv")
    assert markers.columns.tolist() == ["group", "gene", "rank", "score", "log2fc", "pvalue",
                                        "padj", "pct_in", "pct_out", "symbol"]
    assert pd.read_csv(run_folder / "embedding.csv").columns.tolist() == ["id", "x", "y"]
    metrics = json.loads((run_folder / "metrics.json").read_text())
    assert metrics["n_clusters"] == 3 and metrics["ari"] > 0.95
    assert metrics["removed_by_rule"]["min_genes"] == 6
    assert "igraph" in metrics["versions"]


def test_result_h5ad_is_what_scanpy_reads(run_folder):
    result = ad.read_h5ad(run_folder / "result.h5ad")
    assert result.shape[0] == 300
    assert {"cluster", "n_genes", "total_counts", "pct_mito", "cell_type"} <= set(result.obs)
    assert result.obsm["X_pca"].shape[0] == 300 and result.obsm["X_umap"].shape == (300, 2)
    assert result.var["highly_variable"].sum() == 200 and "counts" in result.layers
    assert result.uns["rnaclust_dash"]["parameters"]["method"] == "leiden"
    # X holds log1p(counts / total * 1e4) of the kept cells
    counts = result.layers["counts"].toarray()
    expected = np.log1p(counts / counts.sum(axis=1, keepdims=True) * 1e4)
    assert np.allclose(result.X.toarray(), expected, atol=1e-5)


def test_params_json_reproduces_the_run(run_folder, tenx, tmp_path):
    again = tmp_path / "again"
    assert main(["run", str(tenx), "--out", str(again), "--params",
                 str(run_folder / "params.json")]) == 0
    first = pd.read_csv(run_folder / "assignments.csv")
    assert pd.read_csv(again / "assignments.csv").equals(first)


def test_resolution_panel_and_stability_files(run_folder):
    panel = pd.read_csv(run_folder / "resolution_panel.csv")
    assert panel["resolution"].tolist() == [0.5, 1.0, 3.0]
    assert panel["n_clusters"].iloc[0] == 3
    labels = pd.read_csv(run_folder / "resolution_labels.csv")
    assert labels.columns.tolist() == ["id", "resolution_0.5", "resolution_1", "resolution_3"]
    stability = pd.read_csv(run_folder / "cluster_stability.csv")
    assert len(stability) == 3 and (stability["jaccard_mean"] > 0.9).all()


def test_group_by_and_other_choices(tenx, tmp_path):
    out = tmp_path / "grouped"
    assert main(["run", str(tenx), "--out", str(out), "--metadata",
                 str(tenx.parent / "cells.csv"), *QC_FAST, "--group-by", "plate",
                 "--markers", "t-test", "--method", "kmeans", "--k", "3",
                 "--embedding", "tsne"]) == 0
    assert set(pd.read_csv(out / "markers.csv")["group"]) == {"p1", "p2"}
    assert "X_tsne" in ad.read_h5ad(out / "result.h5ad").obsm


@pytest.mark.parametrize("options, message", [
    (["--method", "hierarchical"], "not offered for single cells"),
    (["--group-by", "donor"], "no such column"),
    (["--min-genes", "100000"], "remove all"),
    (["--hvg-flavor", "bogus"], None),
    (["--resolutions", "0.5,zero"], "numbers separated by commas"),
    (["--write-corrected"], "Harmony corrects the principal components"),
    (["--batch-method", "combat", "--batch-column", "plate"], "choose harmony"),
])
def test_bad_input_exits_2_with_a_message(tenx, tmp_path, capsys, options, message):
    args = ["run", str(tenx), "--out", str(tmp_path / "bad"), *QC_FAST, *options]
    if message is None:  # argparse refuses an unknown choice itself
        with pytest.raises(SystemExit) as stop:
            main(args)
        assert stop.value.code == 2
        return
    assert main(args) == 2
    assert message in capsys.readouterr().err
