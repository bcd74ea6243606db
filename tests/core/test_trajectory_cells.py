"""Trajectories of single cells (issue 12 items 3, 5, 6 on cells): the ``trajectory``
command on a 10x folder runs the single-cell pipeline and DPT/PAGA on its kNN graph; a
simulated differentiation with a known order; enrichment of the genes rising and falling
along pseudotime on a hand-made GMT whose answer is known; a disconnected graph names
the cells without pseudotime; parity with scanpy 1.11.5 on the HSMM myoblasts (../shared,
skipped when absent)."""

from __future__ import annotations

import json
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from scipy.stats import pearsonr, spearmanr

from rnaclust_dash.dataset import Dataset
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pipeline.trajectory import RootChoice, cell_trajectory
from rnaclust_dash.tl.trajectory.genes import DIRECTION_QUERIES, pseudotime_gene_lists

from tests.core.reference_paths import SHARED_DATA
from tests.core.test_cli_trajectory import cli
from tests.core.sc_synthetic import write_tenx

N_RISING = N_FALLING = 30
#: Options of the single-cell pipeline for the small simulated sets (every gene an HVG).
SMALL = ("--min-genes", 10, "--min-cells", 1, "--hvg", 0, "--pcs", 10, "--neighbors", 15,
         "--embedding", "pca")


def differentiation(n_cells: int = 300, n_genes: int = 300, seed: int = 3) -> ad.AnnData:
    """Cells along a process of known time t in [0, 1]: 30 genes rise with t (RISE*),
    30 fall (FALL*), the rest are noise (GENE*); negative-binomial counts. obs: ``t`` and
    ``day`` (t in 5 steps, 0..4)."""
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0, 1, n_cells))
    means = np.tile(rng.gamma(1.0, 2.0, n_genes), (n_cells, 1))
    means[:, :N_RISING] = 0.3 + 12 * t[:, None]
    means[:, N_RISING:N_RISING + N_FALLING] = 0.3 + 12 * (1 - t)[:, None]
    counts = rng.negative_binomial(4, 4 / (4 + means)).astype(np.float32)
    symbols = ([f"RISE{i}" for i in range(N_RISING)] + [f"FALL{i}" for i in range(N_FALLING)]
               + [f"GENE{i}" for i in range(n_genes - N_RISING - N_FALLING)])
    cells = [f"CELL{i:04d}-1" for i in range(n_cells)]
    obs = pd.DataFrame({"t": t, "day": np.floor(t * 5).clip(0, 4).astype(int)}, index=cells)
    return ad.AnnData(sparse.csr_matrix(counts), obs=obs,
                      var=pd.DataFrame({"gene_symbol": symbols},
                                       index=[f"ENSG{i:08d}" for i in range(n_genes)]))


@pytest.fixture(scope="module")
def tenx(tmp_path_factory):
    adata = differentiation()
    folder = write_tenx(adata, tmp_path_factory.mktemp("cells") / "tenx")
    return folder, adata.obs


def test_trajectory_of_cells_follows_the_known_time_and_writes_its_files(tenx, tmp_path,
                                                                         capsys):
    folder, obs = tenx
    first = obs.index[np.argmin(obs["t"].to_numpy())]
    status, out, err = cli(capsys, "trajectory", folder, "--metadata",
                           folder.parent / "cells.csv", "--out", tmp_path, "--root-cell",
                           first, "--groups-column", "day", *SMALL)
    assert status == 0, err
    assert "pseudotime of 300 of 300 cells" in out
    pseudotime = pd.read_csv(tmp_path / "pseudotime.csv", index_col="id")["pseudotime"]
    assert spearmanr(pseudotime, obs.loc[pseudotime.index, "t"])[0] >= 0.95
    assert pseudotime.loc[first] == 0
    paga = pd.read_csv(tmp_path / "paga.csv")
    assert list(paga.columns) == ["from", "to", "connectivity"]
    # neighbouring days are joined more strongly than days 0 and 4
    strength = {(str(a), str(b)): c for a, b, c in paga.itertuples(index=False)}
    assert strength[("0", "1")] > strength.get(("0", "4"), 0.0)
    groups = pd.read_csv(tmp_path / "groups.csv", index_col="id")["group"]
    assert (groups.to_numpy() == obs.loc[groups.index, "day"].to_numpy()).all()
    assert len(pd.read_csv(tmp_path / "diffmap.csv")) == 300
    genes = pd.read_csv(tmp_path / "pseudotime_genes.csv")
    assert list(genes.columns) == ["gene", "symbol", "rho", "pvalue", "padj", "direction"]
    top = genes.head(N_RISING + N_FALLING)
    assert set(top["symbol"].str[:4]) == {"RISE", "FALL"}
    assert (top["direction"] == np.where(top["symbol"].str.startswith("RISE"), "up",
                                         "down")).all()
    document = json.loads((tmp_path / "params.json").read_text())
    assert document["parameters"]["mode"] == "single-cell"
    assert document["trajectory"]["root"] == first
    assert document["trajectory"]["n_neighbors"] == 14  # scanpy's 15 with the cell itself


def test_cells_rooted_at_a_cluster_or_a_columns_earliest_value(tenx, tmp_path, capsys):
    folder, obs = tenx
    status, _, err = cli(capsys, "trajectory", folder, "--metadata",
                         folder.parent / "cells.csv", "--out", tmp_path / "column",
                         "--root-column", "day", *SMALL)
    assert status == 0, err
    pseudotime = pd.read_csv(tmp_path / "column" / "pseudotime.csv", index_col="id")
    root = json.loads((tmp_path / "column" / "params.json").read_text())["trajectory"]["root"]
    assert obs.loc[root, "day"] == 0
    assert spearmanr(pseudotime["pseudotime"], obs.loc[pseudotime.index, "t"])[0] >= 0.9
    clusters = pd.read_csv(tmp_path / "column" / "groups.csv", index_col="id")["group"]
    earliest = clusters.loc[obs.index[np.argmin(obs["t"].to_numpy())]]
    status, _, err = cli(capsys, "trajectory", folder, "--out", tmp_path / "cluster",
                         "--root-cluster", earliest, *SMALL)
    assert status == 0, err
    root = json.loads((tmp_path / "cluster" / "params.json").read_text())["trajectory"]["root"]
    assert clusters.loc[root] == earliest


CELLBENCH = Path(__file__).resolve().parents[1] / "data" / "io" / "cellbench_subset"


def test_trajectory_of_real_cells_from_a_10x_folder_by_cell_line(tmp_path, capsys):
    # 40 CellBench cells of 5 lung cancer lines (real 10x files): PAGA joins the lines
    status, out, err = cli(capsys, "trajectory", CELLBENCH, "--metadata",
                           CELLBENCH / "cells.csv", "--out", tmp_path, "--root-cluster",
                           "H2228", "--groups-column", "cell_type", "--min-genes", 10,
                           "--neighbors", 10, "--pcs", 10, "--embedding", "pca")
    assert status == 0, err
    sheet = pd.read_csv(CELLBENCH / "cells.csv", index_col=0)
    pseudotime = pd.read_csv(tmp_path / "pseudotime.csv", index_col="id")["pseudotime"]
    assert set(pseudotime.index) == set(sheet.index) and pseudotime.between(0, 1).all()
    root = json.loads((tmp_path / "params.json").read_text())["trajectory"]["root"]
    assert sheet.loc[root, "cell_type"] == "H2228" and pseudotime.loc[root] == 0
    paga = pd.read_csv(tmp_path / "paga.csv")
    lines = sorted(sheet["cell_type"].unique())
    assert sorted(set(paga["from"]) | set(paga["to"])) == lines
    assert paga["connectivity"].between(0, 1).all()
    genes = pd.read_csv(tmp_path / "pseudotime_genes.csv")
    assert genes["symbol"].notna().all() and (genes["symbol"] != genes["gene"]).mean() > 0.9


def test_an_h5ad_gives_the_same_pseudotime_as_the_10x_folder(tenx, tmp_path, capsys):
    folder, obs = tenx
    adata = differentiation()
    # classic object strings: pandas 3's string arrays are not written by this anndata
    adata.obs.index = pd.Index(adata.obs.index, dtype=object)
    adata.var = pd.DataFrame({"gene_symbol": adata.var["gene_symbol"].astype(object)},
                             index=pd.Index(adata.var_names, dtype=object))
    adata.write_h5ad(tmp_path / "cells.h5ad")
    first = obs.index[np.argmin(obs["t"].to_numpy())]
    for name, source in (("h5ad", tmp_path / "cells.h5ad"), ("tenx", folder)):
        status, _, err = cli(capsys, "trajectory", source, "--out", tmp_path / name,
                             "--root-cell", first, *SMALL)
        assert status == 0, err
    read = [pd.read_csv(tmp_path / name / "pseudotime.csv", index_col="id")["pseudotime"]
            for name in ("h5ad", "tenx")]
    np.testing.assert_allclose(read[0].loc[read[1].index], read[1], atol=1e-6)


def hand_made_gmt(path):
    """Sets whose answer is known: RISING holds 25 rising genes and 5 noise genes,
    FALLING 25 falling genes and 5 noise genes, NOISE 30 noise genes."""
    noise = [f"GENE{i}" for i in range(100)]
    lines = [["RISING", "genes up", *[f"RISE{i}" for i in range(25)], *noise[:5]],
             ["FALLING", "genes down", *[f"FALL{i}" for i in range(25)], *noise[5:10]],
             ["NOISE", "no trend", *noise[40:70]]]
    path.write_text("".join("\t".join(line) + "\n" for line in lines))
    return path


def test_enrichment_of_rising_and_falling_genes_finds_the_planted_sets(tenx, tmp_path,
                                                                       capsys):
    folder, obs = tenx
    first = obs.index[np.argmin(obs["t"].to_numpy())]
    status, out, err = cli(capsys, "trajectory", folder, "--out", tmp_path, "--root-cell",
                           first, "--enrich", hand_made_gmt(tmp_path / "sets.gmt"), *SMALL)
    assert status == 0, err
    table = pd.read_csv(tmp_path / "enrichment.csv")
    expected = {DIRECTION_QUERIES["up"]: "RISING", DIRECTION_QUERIES["down"]: "FALLING"}
    assert set(table["query"]) == set(expected)
    for query, term in expected.items():
        rows = table[table["query"] == query].set_index("term")
        assert rows.index[0] == term and rows.loc[term, "padj"] < 1e-10
        assert rows.loc["NOISE", "padj"] > 0.05
        # the genes behind the term: the planted ones (noise genes do not change)
        behind = set(rows.loc[term, "genes"].replace(";", ",").split(","))
        prefix = "RISE" if term == "RISING" else "FALL"
        assert len(behind) >= 20 and all(g.strip().startswith(prefix) for g in behind)
    assert json.loads((tmp_path / "params.json").read_text())["trajectory"]["enrich"]


def test_pseudotime_gene_lists_by_direction_and_top():
    genes = pd.DataFrame({"gene": ["a", "b", "c", "d", "e"],
                          "rho": [0.9, -0.8, 0.7, 0.1, -0.6],
                          "pvalue": [1e-9, 1e-8, 1e-6, 0.5, 1e-3],
                          "padj": [1e-8, 1e-7, 1e-5, 0.5, 0.06],
                          "direction": ["up", "down", "up", "up", "down"]})
    assert pseudotime_gene_lists(genes) == {DIRECTION_QUERIES["up"]: ["a", "c"],
                                            DIRECTION_QUERIES["down"]: ["b"]}
    assert pseudotime_gene_lists(genes, top=1)[DIRECTION_QUERIES["up"]] == ["a"]


def two_populations(n_per: int = 60, n_genes: int = 200, seed: int = 1) -> ad.AnnData:
    """Two populations expressing disjoint halves of the genes: no cell of one has a
    neighbour in the other, so the kNN graph falls in two parts."""
    rng = np.random.default_rng(seed)
    counts = np.zeros((2 * n_per, n_genes), dtype=np.float32)
    half = n_genes // 2
    counts[:n_per, :half] = rng.poisson(5, (n_per, half))
    counts[n_per:, half:] = rng.poisson(5, (n_per, half))
    cells = [f"A{i:03d}" for i in range(n_per)] + [f"B{i:03d}" for i in range(n_per)]
    return ad.AnnData(sparse.csr_matrix(counts), obs=pd.DataFrame(index=cells),
                      var=pd.DataFrame({"gene_symbol": [f"G{i}" for i in range(n_genes)]},
                                       index=[f"ENSG{i:08d}" for i in range(n_genes)]))


def test_a_disconnected_graph_names_the_cells_without_pseudotime(tmp_path, capsys):
    folder = write_tenx(two_populations(), tmp_path / "tenx")
    status, out, err = cli(capsys, "trajectory", folder, "--out", tmp_path / "out",
                           "--root-cell", "A000", *SMALL)
    assert status == 0, err
    assert "60 of 120 items cannot be reached from the root" in err
    assert "B000" in err
    pseudotime = pd.read_csv(tmp_path / "out" / "pseudotime.csv", index_col="id")["pseudotime"]
    assert pseudotime.filter(like="B").isna().all()
    assert pseudotime.filter(like="A").notna().all()


def test_single_cell_trajectory_refuses_what_it_cannot_do(tenx, tmp_path, capsys):
    folder, _ = tenx
    status, _, err = cli(capsys, "trajectory", folder, "--out", tmp_path, "--root-cell",
                         "CELL0000-1", "--subcluster", "1", *SMALL)
    assert status != 0 and "--subcluster splits clusters of bulk samples" in err
    status, _, err = cli(capsys, "trajectory", folder, "--out", tmp_path, "--root-cell",
                         "NOT-A-CELL", *SMALL)
    assert status != 0 and "NOT-A-CELL" in err and "filtered out" in err
    status, _, err = cli(capsys, "trajectory", folder, "--out", tmp_path, "--root-column",
                         "nowhere", *SMALL)
    assert status != 0 and "nowhere" in err


# --- parity with scanpy 1.11.5 on the HSMM myoblasts (../shared; skipped without it) -----

HSMM = SHARED_DATA / "hsmm_myoblast_timecourse_fpkm"
#: scanpy_versions.txt: filter_cells(min_genes=200), filter_genes(min_cells=3),
#: normalize_total(1e4), log1p, seurat HVG 2000, scale 10, pca 50 arpack seed 0,
#: neighbors(15, n_pcs=30); diffmap(n_comps=15); dpt from T48_CT_G10; paga(cell_type).
SCANPY_CALLS = dict(mode="single-cell", min_genes=200, min_cells=3, target_sum=1e4,
                    hvg=2000, hvg_flavor="seurat", pcs=30, neighbors=15, method="leiden",
                    seed=0, embedding="pca")


@pytest.mark.skipif(not HSMM.exists(), reason="../shared/data HSMM is absent")
def test_single_cell_path_reproduces_scanpys_dpt_and_paga_on_hsmm():
    cells = pd.read_csv(HSMM / "cells.csv", index_col=0)
    fpkm = pd.read_csv(HSMM / "fpkm.csv.gz", index_col=0)  # genes x cells, FPKM
    adata = ad.AnnData(sparse.csr_matrix(fpkm.T.to_numpy(dtype=np.float32)),
                       obs=cells.loc[fpkm.columns.astype(str)].astype({"cell_type": str}),
                       var=pd.DataFrame(index=fpkm.index.astype(str)))
    dataset = Dataset.from_anndata(adata, value_kind="normalized")
    _, trajectory, genes = cell_trajectory(dataset, AnalysisParams(**SCANPY_CALLS),
                                           RootChoice(item="T48_CT_G10"),
                                           groups_column="cell_type")
    reference = pd.read_csv(HSMM / "reference" / "scanpy_dpt.csv", index_col=0)
    dpt = reference["dpt_pseudotime"].loc[trajectory.ids].to_numpy()
    assert spearmanr(trajectory.pseudotime, dpt)[0] >= 0.98
    assert np.abs(trajectory.pseudotime - dpt).max() < 1e-4
    hours = spearmanr(trajectory.pseudotime, cells.loc[trajectory.ids, "time_hours"])[0]
    assert abs(hours - 0.5587) <= 0.05  # scanpy_dpt_summary.txt
    paga = pd.read_csv(HSMM / "reference" / "scanpy_paga_connectivities_by_label.csv",
                       index_col=0)
    upper = np.triu_indices(len(paga), k=1)
    assert list(trajectory.paga.index) == list(paga.index)
    assert pearsonr(trajectory.paga.to_numpy()[upper], paga.to_numpy()[upper])[0] >= 0.95
    assert np.abs(trajectory.paga.to_numpy() - paga.to_numpy()).max() < 1e-6
    assert len(genes) == 21425  # the genes kept by filter_genes(min_cells=3), as scanpy


def test_sparse_cells_get_the_same_correlations_as_scipys_spearman():
    # zeros tie (implicit and stored ones alike); a column with no zero, an all-zero and
    # a constant column; scipy.stats.spearmanr per gene is the reference
    from rnaclust_dash.tl.trajectory.genes import pseudotime_genes

    rng = np.random.default_rng(7)
    dense = rng.poisson(0.7, (80, 40)).astype(float) * rng.uniform(0.5, 2, (80, 40)).round(1)
    dense[:, 0] = rng.uniform(1, 2, 80)  # no zero
    dense[:, 1] = 0.0
    dense[:, 2] = 3.0
    dense[5, 3] = 1.5
    matrix = sparse.csr_matrix(dense)
    matrix.data[matrix.indptr[5]:matrix.indptr[6]][matrix.indices[
        matrix.indptr[5]:matrix.indptr[6]] == 3] = 0.0  # a stored zero
    dense[5, 3] = 0.0
    assert matrix.nnz == np.count_nonzero(dense) + 1
    time = rng.uniform(0, 1, 80)
    time[:3] = np.inf  # not reached: left out
    genes = [f"g{i}" for i in range(40)]
    table = pseudotime_genes(matrix, genes, time).set_index("gene")
    for i in range(40):
        expected = spearmanr(dense[3:, i], time[3:])[0] if i not in (1, 2) else np.nan
        found = table.loc[f"g{i}", "rho"]
        assert (np.isnan(found) and np.isnan(expected)) or abs(found - expected) < 1e-12, i
    dense_table = pseudotime_genes(dense, genes, time).set_index("gene").loc[table.index]
    np.testing.assert_allclose(table["padj"], dense_table["padj"], rtol=1e-10)
