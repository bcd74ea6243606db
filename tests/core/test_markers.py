"""Marker / DE genes: parity with R on real data, hand-checked cases, bad input.

References: ``tests/data/make_marker_references.R`` (R 4.2.2, DESeq2 1.38.3, Debian), on
the bundled pasilla and airway counts: ``t.test`` and ``wilcox.test(exact=FALSE)`` on
log2(normalized counts + 1) of 2,000 sampled genes, and ``DESeq()`` + ``results()``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from rnaclust_dash.errors import DataError, ParameterError
from rnaclust_dash.tl._stats import bh_adjust
from rnaclust_dash.tl.deseq2 import deseq2_wald
from rnaclust_dash.tl.markers import compare_groups, find_markers, welch_t_test, wilcoxon_rank_sum

from reference_paths import BUNDLED, LOCAL_REFERENCE

MARKERS = LOCAL_REFERENCE / "markers"


def _dataset(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    counts = pd.read_csv(BUNDLED / name / "counts.csv.gz", index_col=0)
    samples = pd.read_csv(BUNDLED / name / "samples.csv", index_col=0).loc[counts.columns]
    return counts, samples


def _relative(ours, theirs) -> float:
    ours, theirs = np.asarray(ours, float), np.asarray(theirs, float)
    assert np.array_equal(np.isnan(ours), np.isnan(theirs))
    keep = ~np.isnan(theirs)
    return float(np.max(np.abs(ours[keep] - theirs[keep]) / np.abs(theirs[keep])))


# --- hand-checked cases ---------------------------------------------------------------------

def test_welch_t_test_matches_a_hand_worked_case():
    # means 2 and 5.5, variances 1 and 5/3: se^2 = 1/3 + 5/12 = 0.75, t = -3.5 / sqrt(0.75)
    statistic, pvalue = welch_t_test(np.array([[1.0, 2, 3]]), np.array([[4.0, 5, 6, 7]]))
    assert statistic[0] == pytest.approx(-3.5 / np.sqrt(0.75), rel=1e-14)
    assert pvalue[0] == pytest.approx(0.0100769433479889, rel=1e-12)  # R t.test


def test_wilcoxon_with_ties_matches_a_hand_worked_case():
    # ranks of x: 1.5, 1.5, 3.5 -> W = 0.5; tie groups of 2, 2, 3 -> sigma^2 = 8 - 36/42
    w, pvalue = wilcoxon_rank_sum(np.array([[1.0, 1, 2]]), np.array([[2.0, 3, 3, 3]]))
    assert w[0] == 0.5
    z = (0.5 - 6 + 0.5) / np.sqrt(8 - 36 / 42)
    assert pvalue[0] == pytest.approx(0.0613688291394022, rel=1e-12)  # R wilcox.test
    assert z == pytest.approx(-1.8708286933869707)


def test_bh_adjust_matches_r_p_adjust_with_missing_values():
    adjusted = bh_adjust([0.01, 0.04, 0.03, np.nan, 0.5, 0.04])
    # R: p.adjust(c(0.01, 0.04, 0.03, NA, 0.5, 0.04), "BH")
    np.testing.assert_allclose(adjusted, [0.05, 0.05, 0.05, np.nan, 0.5, 0.05], rtol=1e-15)


def test_a_planted_marker_comes_first_for_its_group():
    rng = np.random.default_rng(0)
    values = rng.normal(5, 0.3, size=(50, 8))
    values[7, :4] += 3  # gene 7 is high in group "a"
    symbols = [f"S{i}" for i in range(50)]
    table = find_markers(values, ["a"] * 4 + ["b"] * 4, test="wilcoxon", symbols=symbols)
    top = table[table.group == "a"].iloc[0]
    assert top.gene == 7 and top.log2fc == pytest.approx(values[7, :4].mean()
                                                          - values[7, 4:].mean())
    assert top.symbol == "S7"
    assert list(table.columns) == ["group", "gene", "symbol", "base_mean", "log2fc",
                                   "statistic", "pvalue", "padj", "mean_in", "mean_out"]


def test_inputs_are_not_changed():
    values = np.arange(24, dtype=float).reshape(3, 8) % 5
    before = values.copy()
    compare_groups(values, list("aaabbbcc"), group="a", test="t-test")
    np.testing.assert_array_equal(values, before)


# --- parity with R ------------------------------------------------------------------------

@pytest.mark.parametrize("name, comparison, column, group", [
    ("pasilla", "treated_vs_untreated", "group", "treated"),
    ("airway", "trt_vs_untrt", "group", "trt"),
    ("airway", "N61311_vs_rest", "cell", "N61311"),
])
def test_t_and_wilcoxon_equal_r(name, comparison, column, group):
    values = pd.read_csv(MARKERS / f"{name}_log2_norm_2000.csv.gz", index_col=0)
    reference = pd.read_csv(MARKERS / "t_wilcox_2000.csv.gz", index_col=1)
    reference = reference[reference.comparison == comparison].loc[values.index]
    labels = _dataset(name)[1].loc[values.columns, column]
    t_table = compare_groups(values, labels, group=group, test="t-test")
    w_table = compare_groups(values, labels, group=group, test="wilcoxon")
    assert _relative(t_table.statistic, reference.t_statistic) < 1e-8
    assert _relative(t_table.pvalue, reference.t_pvalue) < 1e-8
    np.testing.assert_array_equal(w_table.statistic, reference.w_statistic)
    assert _relative(w_table.pvalue, reference.w_pvalue) < 1e-8


@pytest.mark.parametrize("name, column, group, reference_group, file", [
    ("pasilla", "group", "treated", "untreated", "pasilla_deseq2_treated_vs_untreated"),
    ("airway", "group", "trt", "untrt", "airway_deseq2_trt_vs_untrt"),
    ("airway", "cell", "N061011", "N61311", "airway_deseq2_cell_N061011_vs_N61311"),
    # 2 vs 2: residual df 2, DESeq2's simulated prior variance (it ends at its 0.25 floor)
    ("pasilla-paired-end", "group", "treated", "untreated",
     "pasilla_paired_end_deseq2_treated_vs_untreated"),
])
def test_deseq2_wald_equals_r_deseq2(name, column, group, reference_group, file):
    counts, samples = _dataset(name.split("-")[0])
    if name.endswith("paired-end"):
        counts = counts.loc[:, (samples.type == "paired-end").to_numpy()]
        samples = samples.loc[counts.columns]
    reference = pd.read_csv(MARKERS / f"{file}.csv.gz", index_col=0)
    result = deseq2_wald(counts.to_numpy(), samples[column].astype(str).to_numpy(dtype=object),
                         group=group, reference=reference_group)
    ours = pd.DataFrame(result, index=counts.index).loc[reference.index]
    expressed = (reference.baseMean >= 10).to_numpy()
    lfc_error = np.abs(ours.log2fc - reference.log2FoldChange).to_numpy()[expressed]
    assert lfc_error.max() < 0.02
    rho = spearmanr(ours.statistic, reference.stat, nan_policy="omit")[0]
    assert rho >= 0.99
    called = (ours.padj < 0.05).to_numpy()
    called_in_r = (reference.padj < 0.05).to_numpy()
    assert np.mean(called == called_in_r) >= 0.98
    # tighter than the brief asks, as measured: the same genes filtered, p within 1e-3
    assert np.array_equal(ours.padj.isna(), reference.padj.isna())
    assert _relative(ours.dispersion, reference.dispersion) < 1e-4


def test_deseq2_through_compare_groups_one_vs_rest_orders_by_group():
    counts, samples = _dataset("pasilla")
    table = compare_groups(counts, samples.group, group="treated", test="deseq2")
    reference = pd.read_csv(MARKERS / "pasilla_deseq2_treated_vs_untreated.csv.gz", index_col=0)
    np.testing.assert_allclose(table.loc[reference.index, "log2fc"], reference.log2FoldChange,
                               atol=1e-6)
    assert table.loc[reference.index, "mean_in"].gt(0).any()


def test_deseq2_markers_one_cell_line_against_the_rest_equal_r():
    counts, samples = _dataset("airway")
    table = find_markers(counts, samples.cell, test="deseq2", groups=["N61311"])
    reference = pd.read_csv(MARKERS / "airway_deseq2_cell_N61311_vs_rest.csv.gz", index_col=0)
    ours = table.set_index("gene").loc[reference.index]
    expressed = (reference.baseMean >= 10).to_numpy()
    assert np.abs(ours.log2fc - reference.log2FoldChange).to_numpy()[expressed].max() < 0.02
    assert spearmanr(ours.statistic, reference.stat, nan_policy="omit")[0] >= 0.99
    calls = (ours.padj < 0.05).to_numpy() == (reference.padj < 0.05).to_numpy()
    assert calls.mean() >= 0.98
    # mean_in / mean_out (normalized counts of the 2 and the 6 samples) move with the fold
    strong = expressed & (np.abs(reference.log2FoldChange) > 1).to_numpy()
    np.testing.assert_array_equal(np.sign(ours.mean_in - ours.mean_out)[strong],
                                  np.sign(reference.log2FoldChange)[strong])


def test_deseq2_in_row_blocks_equals_one_block(monkeypatch):
    import rnaclust_dash.tl.deseq2 as deseq2_module

    counts, samples = _dataset("pasilla")
    labels = samples.group.to_numpy(dtype=object)
    whole = deseq2_wald(counts.to_numpy(), labels, group="treated", reference="untreated")
    blocks = deseq2_module._row_blocks
    monkeypatch.setattr(deseq2_module, "_row_blocks", lambda n, m: blocks(n, m, cells=7000))
    assert len(deseq2_module._row_blocks(14000, 7)) == 14
    split = deseq2_wald(counts.to_numpy(), labels, group="treated", reference="untreated")
    for key in ("log2fc", "pvalue", "padj", "dispersion"):
        np.testing.assert_array_equal(split[key], whole[key])


# --- bad input ----------------------------------------------------------------------------

def test_t_test_refuses_a_group_of_one_sample():
    with pytest.raises(ParameterError, match="at least two samples.*'a' has 1"):
        compare_groups(np.ones((3, 4)), ["a", "b", "b", "b"], group="a", test="t-test")


def test_deseq2_refuses_a_group_of_one_sample():
    counts = np.arange(40).reshape(10, 4) + 1
    with pytest.raises(ParameterError, match="DESeq2 needs at least two samples.*'a' has 1"):
        compare_groups(counts, ["a", "b", "b", "b"], group="a", test="deseq2")


def test_deseq2_refuses_values_that_are_not_counts():
    with pytest.raises(DataError, match="raw counts"):
        compare_groups(np.full((5, 4), 2.5), ["a", "a", "b", "b"], group="a", test="deseq2")


def test_unknown_group_and_label_count_are_named():
    with pytest.raises(ParameterError, match="no group 'c'"):
        compare_groups(np.ones((3, 4)), ["a", "a", "b", "b"], group="c")
    with pytest.raises(ParameterError, match="3 group labels were given for 4 samples"):
        compare_groups(np.ones((3, 4)), ["a", "a", "b"], group="a")


def test_missing_values_are_refused_for_the_t_test():
    values = np.ones((3, 4))
    values[1, 2] = np.nan
    with pytest.raises(DataError, match="missing or infinite"):
        compare_groups(values, ["a", "a", "b", "b"], group="a", test="t-test")
