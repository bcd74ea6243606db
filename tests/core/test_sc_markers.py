"""rank_genes_groups: single-cell markers, one group against the rest (issue 9 item 5)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import sparse, stats

from rnaclust_dash.errors import DataError, ParameterError
from rnaclust_dash.tl import sc_markers
from rnaclust_dash.tl.sc_markers import SC_MARKER_COLUMNS, rank_genes_groups

SCANPY = Path(__file__).resolve().parents[1] / "data" / "reference" / "scanpy"


def _small_case(seed: int = 0):
    """60 cells x 7 genes, 3 groups, sparse with many tied zeros and a negative value."""
    rng = np.random.default_rng(seed)
    values = rng.poisson(0.8, size=(60, 7)).astype(float)
    values[rng.random(values.shape) < 0.4] = 0.0
    values[:20, 0] += 3  # gene 0 marks group a
    values[5, 6] = -1.5  # values need not be >= 0
    values[:, 5] = 0.0  # a gene never seen
    groups = np.array(["a"] * 20 + ["b"] * 25 + ["c"] * 15)
    return np.log1p(np.abs(values)) * np.sign(values), groups


def _row(table, group, gene):
    return table[(table["group"] == group) & (table["gene"] == gene)].iloc[0]


@pytest.mark.parametrize("group", ["a", "b", "c"])
def test_wilcoxon_matches_scipy_mannwhitneyu(group):
    values, groups = _small_case()
    table = rank_genes_groups(sparse.csr_matrix(values), groups, method="wilcoxon")
    for gene in (0, 1, 2, 3, 4, 6):
        inside, outside = values[groups == group, gene], values[groups != group, gene]
        expected = stats.mannwhitneyu(inside, outside, method="asymptotic",
                                      use_continuity=False).pvalue
        row = _row(table, group, gene)
        assert row["pvalue"] == pytest.approx(expected, rel=1e-10)
        # the score's sign says which side is higher
        assert np.sign(row["score"]) == np.sign(
            stats.rankdata(values[:, gene])[groups == group].mean() - (len(values) + 1) / 2)
    never_seen = _row(table, group, 5)
    assert never_seen["score"] == 0 and never_seen["pvalue"] == 1


def test_wilcoxon_without_tie_correction_is_the_plain_z():
    values, groups = _small_case(1)
    table = rank_genes_groups(values, groups, method="wilcoxon", tie_correct=False)
    n, n_in = len(values), int((groups == "b").sum())
    ranks = stats.rankdata(values[:, 2])
    z = (ranks[groups == "b"].sum() - n_in * (n + 1) / 2) / np.sqrt(
        n_in * (n - n_in) * (n + 1) / 12)
    assert _row(table, "b", 2)["score"] == pytest.approx(z, rel=1e-12)


@pytest.mark.parametrize("group", ["a", "b", "c"])
def test_t_test_matches_scipy_welch(group):
    values, groups = _small_case(2)
    table = rank_genes_groups(sparse.csr_matrix(values), groups, method="t-test")
    for gene in (0, 1, 2, 3, 4, 6):
        expected = stats.ttest_ind(values[groups == group, gene],
                                   values[groups != group, gene], equal_var=False)
        row = _row(table, group, gene)
        assert row["score"] == pytest.approx(expected.statistic, rel=1e-9)
        assert row["pvalue"] == pytest.approx(expected.pvalue, rel=1e-9)


def test_fold_change_percentages_ranks_and_adjustment_by_hand():
    values, groups = _small_case(3)
    table = rank_genes_groups(values, groups, gene_names=list("ABCDEFG"))
    assert tuple(table.columns) == SC_MARKER_COLUMNS
    row = _row(table, "a", "A")
    inside, outside = values[groups == "a", 0], values[groups != "a", 0]
    assert row["log2fc"] == pytest.approx(np.log2((np.expm1(inside.mean()) + 1e-9)
                                                  / (np.expm1(outside.mean()) + 1e-9)))
    assert row["pct_in"] == pytest.approx((inside != 0).mean())
    assert row["pct_out"] == pytest.approx((outside != 0).mean())
    assert row["rank"] == 1  # gene A marks group a
    group_a = table[table["group"] == "a"]
    assert group_a["rank"].tolist() == list(range(1, 8))
    assert (np.diff(group_a["score"]) <= 0).all()
    p = group_a["pvalue"].to_numpy()  # BH by hand: min over j >= i of p_(j) n / j
    order = np.argsort(p)
    bh = np.minimum.accumulate((p[order] * 7 / np.arange(1, 8))[::-1])[::-1]
    assert np.allclose(group_a["padj"].to_numpy()[order], np.minimum(bh, 1))


def test_blocks_give_the_same_result(monkeypatch):
    values, groups = _small_case(4)
    whole = rank_genes_groups(sparse.csr_matrix(values), groups)
    monkeypatch.setattr(sc_markers, "_BLOCK_ENTRIES", 10)  # one or two genes a block
    blocked = rank_genes_groups(sparse.csr_matrix(values), groups)
    pd.testing.assert_frame_equal(whole, blocked)


def test_input_untouched_ungrouped_cells_left_out_and_group_order():
    values, groups = _small_case(5)
    matrix = sparse.csr_matrix(values)
    before = matrix.copy()
    partly = groups.astype(object)
    partly[:3] = None
    table = rank_genes_groups(matrix, partly)
    assert (matrix != before).nnz == 0
    expected = rank_genes_groups(values[3:], groups[3:])
    pd.testing.assert_frame_equal(table, expected)
    numbered = rank_genes_groups(values, np.where(groups == "a", 10, np.where(groups == "b", 9, 2)))
    assert numbered["group"].unique().tolist() == ["2", "9", "10"]


def test_bad_input_is_explained():
    values, groups = _small_case()
    with pytest.raises(ParameterError, match="one label per cell"):
        rank_genes_groups(values, groups[:-1])
    with pytest.raises(ParameterError, match="at least two groups"):
        rank_genes_groups(values, ["a"] * len(values))
    with pytest.raises(ParameterError, match="logreg"):
        rank_genes_groups(values, groups, method="logreg")
    with pytest.raises(ParameterError, match="at least two cells"):
        rank_genes_groups(values, np.r_[["lone"], groups[1:]], method="t-test")
    bad = values.copy()
    bad[0, 0] = np.nan
    with pytest.raises(DataError, match="missing or infinite"):
        rank_genes_groups(bad, groups)


@pytest.mark.parametrize("reference, options", [
    ("wilcoxon", {"method": "wilcoxon", "tie_correct": False}),
    ("wilcoxon_tie", {"method": "wilcoxon", "tie_correct": True}),
    ("t-test", {"method": "t-test"})])
def test_scanpy_parity_on_cellbench_cells(reference, options):
    """scanpy 1.11.5's rank_genes_groups(pts=True) on 300 cells x 400 genes of cellbench's
    log-normalized values: every number within float32 rounding, the same order (up to
    genes whose float32 scores tie)."""
    values = sparse.load_npz(SCANPY / "sc_tl_cellbench_markers_input.npz")
    cells = pd.read_csv(SCANPY / "sc_tl_cellbench_markers_cells.csv", index_col=0)
    genes = pd.read_csv(SCANPY / "sc_tl_cellbench_markers_genes.csv")["gene_id"]
    expected = pd.read_csv(SCANPY / f"sc_tl_cellbench_markers_{reference}.csv")
    table = rank_genes_groups(values, cells["cell_type"], gene_names=genes, **options)
    merged = table.merge(expected, left_on=["group", "gene"], right_on=["group", "names"])
    assert len(merged) == len(expected) == len(table)
    for ours, theirs in (("score", "scores"), ("log2fc", "logfoldchanges"),
                         ("pct_in", "pct_nz_group"), ("pct_out", "pct_nz_reference")):
        assert np.allclose(merged[ours], merged[theirs], rtol=1e-5, atol=1e-5), ours
    for ours, theirs in (("pvalue", "pvals"), ("padj", "pvals_adj")):
        assert np.allclose(merged[ours], merged[theirs], rtol=1e-4, atol=1e-300), ours
    assert np.allclose(table["score"], expected["scores"], rtol=1e-5, atol=1e-5)
