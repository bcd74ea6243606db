"""Normalization, filtering, feature selection and z-scores on tiny hand-checked tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rnaclust_dash.errors import DataError, ParameterError
from rnaclust_dash.pp.features import top_variable_genes, zscore_rows
from rnaclust_dash.pp.normalization import NORMALIZATIONS, normalization_availability, normalize
from rnaclust_dash.pp.size_factors import deseq2_size_factors, edger_log_cpm

# 3 genes x 2 samples; library sizes 1000 and 200; lengths 1, 3 and 2 kb.
COUNTS = pd.DataFrame({"s1": [100.0, 300.0, 600.0], "s2": [50.0, 0.0, 150.0]},
                      index=["g1", "g2", "g3"])
LENGTHS = pd.Series({"g1": 1000.0, "g2": 3000.0, "g3": 2000.0})


# --- CPM / TPM / RPKM ------------------------------------------------------------------

def test_cpm_by_hand():
    result = normalize(COUNTS, method="cpm", log=False)
    # s1: x / 1000 * 1e6; s2: x / 200 * 1e6
    expected = [[1e5, 2.5e5], [3e5, 0.0], [6e5, 7.5e5]]
    np.testing.assert_allclose(result.values.to_numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(result.size_factors.to_numpy(), [1e-3, 2e-4], rtol=1e-12)
    assert result.size_factors.name == "size_factor"
    assert list(result.values.index) == ["g1", "g2", "g3"]
    assert list(result.values.columns) == ["s1", "s2"]
    assert result.notices == ()


def test_cpm_log2_with_pseudocount():
    result = normalize(COUNTS, method="cpm", log=True, pseudocount=1.0)
    assert result.values.loc["g2", "s2"] == 0.0  # log2(0 + 1)
    assert result.values.loc["g1", "s1"] == pytest.approx(math.log2(1e5 + 1), rel=1e-12)
    result = normalize(COUNTS, method="cpm", log=True, pseudocount=0.5)
    assert result.values.loc["g2", "s2"] == -1.0  # log2(0.5)


def test_tpm_by_hand():
    result = normalize(COUNTS, method="tpm", gene_lengths=LENGTHS, log=False)
    # reads per kb: s1 [100, 100, 300] (sum 500), s2 [50, 0, 75] (sum 125)
    expected = [[2e5, 4e5], [2e5, 0.0], [6e5, 6e5]]
    np.testing.assert_allclose(result.values.to_numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(result.values.sum(axis=0), [1e6, 1e6], rtol=1e-12)
    np.testing.assert_allclose(result.size_factors.to_numpy(), [5e-4, 1.25e-4], rtol=1e-12)


def test_rpkm_by_hand():
    result = normalize(COUNTS, method="rpkm", gene_lengths=LENGTHS, log=False)
    # count / kb / (library size / 1e6)
    expected = [[1e5, 2.5e5], [1e5, 0.0], [3e5, 3.75e5]]
    np.testing.assert_allclose(result.values.to_numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(result.size_factors.to_numpy(), [1e-3, 2e-4], rtol=1e-12)


def test_tpm_leaves_out_genes_without_length():
    lengths = pd.Series({"g1": 1000.0, "g3": 2000.0, "other": 10.0})
    result = normalize(COUNTS, method="tpm", gene_lengths=lengths, log=False)
    assert list(result.values.index) == ["g1", "g3"]
    # per kb: s1 [100, 300] (sum 400), s2 [50, 75] (sum 125)
    np.testing.assert_allclose(result.values.to_numpy(), [[2.5e5, 4e5], [7.5e5, 6e5]],
                               rtol=1e-12)
    assert result.notices == ("1 genes without a length were left out of TPM.",)


@pytest.mark.parametrize("method", ["tpm", "rpkm"])
def test_length_methods_need_lengths(method):
    with pytest.raises(ParameterError, match="needs gene lengths"):
        normalize(COUNTS, method=method)
    with pytest.raises(ParameterError, match="none of the gene ids"):
        normalize(COUNTS, method=method, gene_lengths=pd.Series({"x": 1.0}))


def test_unknown_normalization():
    with pytest.raises(ParameterError, match="Unknown normalization 'magic'"):
        normalize(COUNTS, method="magic")


def test_none_keeps_values_and_log_refuses_negatives():
    table = pd.DataFrame({"a": [1.0, 3.0, 7.0], "b": [0.0, 15.0, 1.0]}, index=list("xyz"))
    result = normalize(table, method="none", log=True, pseudocount=1.0)
    np.testing.assert_array_equal(result.values.to_numpy(), [[1, 0], [2, 4], [3, 1]])
    assert result.size_factors is None
    negative = table - 2.0
    with pytest.raises(ParameterError, match="Turn the log transform off"):
        normalize(negative, method="none", log=True)
    np.testing.assert_array_equal(normalize(negative, method="none", log=False).values,
                                  negative.to_numpy())


def test_inputs_are_not_mutated():
    before = COUNTS.copy()
    normalize(COUNTS, method="deseq2", log=True, min_count=100, min_samples=1)
    pd.testing.assert_frame_equal(COUNTS, before)


# --- edgeR log-CPM ---------------------------------------------------------------------

def test_edger_log_cpm_by_hand():
    counts = np.array([[2.0, 6.0], [8.0, 14.0]])  # library sizes 10 and 20, mean 15
    # priors 2 * lib / mean = [4/3, 8/3]; libraries + 2 * prior = [38/3, 76/3]
    expected = np.log2(np.array([[(2 + 4 / 3) / (38 / 3), (6 + 8 / 3) / (76 / 3)],
                                 [(8 + 4 / 3) / (38 / 3), (14 + 8 / 3) / (76 / 3)]]) * 1e6)
    np.testing.assert_allclose(edger_log_cpm(counts), expected, rtol=1e-13)
    assert edger_log_cpm(counts)[0, 0] == pytest.approx(math.log2(10 / 38 * 1e6), rel=1e-13)


def test_edger_log_cpm_norm_factors_scale_library_sizes():
    counts = np.array([[2.0, 6.0], [8.0, 14.0]])
    # effective libraries 10 * 2 = 20 and 20 * 0.5 = 10: mean 15, priors [8/3, 4/3]
    got = edger_log_cpm(counts, norm_factors=np.array([2.0, 0.5]))
    assert got[0, 0] == pytest.approx(math.log2((2 + 8 / 3) / (20 + 16 / 3) * 1e6), rel=1e-13)
    assert got[1, 1] == pytest.approx(math.log2((14 + 4 / 3) / (10 + 8 / 3) * 1e6), rel=1e-13)


def test_logcpm_normalization_is_not_logged_twice():
    counts = pd.DataFrame([[2.0, 6.0], [8.0, 14.0]], index=["a", "b"], columns=["x", "y"])
    result = normalize(counts, method="logcpm", log=True)
    np.testing.assert_allclose(result.values.to_numpy(), edger_log_cpm(counts.to_numpy()))
    np.testing.assert_allclose(result.size_factors.to_numpy(), [1e-5, 2e-5])


# --- DESeq2 size factors -----------------------------------------------------------------

def test_deseq2_size_factors_by_hand():
    counts = np.array([[1.0, 2.0, 4.0],
                       [10.0, 10.0, 10.0],
                       [3.0, 6.0, 12.0],
                       [0.0, 5.0, 9.0]])  # has a zero: not part of the pseudo-reference
    # geometric means 2, 10, 6; ratios s1 [.5, 1, .5], s2 [1, 1, 1], s3 [2, 1, 2]
    np.testing.assert_allclose(deseq2_size_factors(counts), [0.5, 1.0, 2.0], rtol=1e-14)


def test_deseq2_size_factors_even_median_is_taken_on_the_log_scale():
    counts = np.array([[1.0, 4.0], [2.0, 8.0], [4.0, 4.0], [8.0, 2.0]])
    # geometric means 2, 4, 4, 4; s1 ratios [.5, .5, 1, 2], s2 ratios [2, 2, 1, .5].
    # DESeq2 takes exp(median(log ratios)): the two middle ratios are averaged on the log
    # scale, giving sqrt(.5 * 1) and sqrt(1 * 2) (not .75 and 1.5).
    np.testing.assert_allclose(deseq2_size_factors(counts), [math.sqrt(0.5), math.sqrt(2.0)],
                               rtol=1e-14)


def test_deseq2_needs_a_gene_without_zeros():
    counts = np.array([[0.0, 3.0], [4.0, 0.0]])
    with pytest.raises(DataError, match="non-zero count in every sample"):
        deseq2_size_factors(counts)


def test_normalize_deseq2_divides_by_size_factors():
    counts = pd.DataFrame([[1.0, 2.0, 4.0], [10.0, 10.0, 10.0], [3.0, 6.0, 12.0]],
                          index=["a", "b", "c"], columns=["x", "y", "z"])
    result = normalize(counts, method="deseq2", log=False)
    np.testing.assert_allclose(result.values.to_numpy(),
                               [[2, 2, 2], [20, 10, 5], [6, 6, 6]], rtol=1e-14)
    logged = normalize(counts, method="deseq2", log=True, pseudocount=1.0)
    assert logged.values.loc["a", "x"] == pytest.approx(math.log2(3.0), rel=1e-14)


# --- filter ----------------------------------------------------------------------------

FILTER_TABLE = pd.DataFrame([[5.0, 5.0, 0.0],
                             [10.0, 0.0, 0.0],
                             [4.0, 4.0, 4.0],
                             [0.0, 6.0, 7.0],
                             [5.0, 0.0, 5.0]],
                            index=["a", "b", "c", "d", "e"], columns=["x", "y", "z"])


def test_filter_min_count_in_min_samples():
    result = normalize(FILTER_TABLE, method="none", log=False, min_count=5, min_samples=2)
    assert list(result.values.index) == ["a", "d", "e"]
    assert result.notices == (
        "2 of 5 genes were filtered out: the filter keeps genes with a value of at least 5 in "
        "at least 2 "
        "samples.",)


def test_filter_too_strict_is_a_data_error():
    with pytest.raises(DataError, match="Only 1 gene"):
        normalize(FILTER_TABLE, method="none", log=False, min_count=4, min_samples=3)


def test_filter_looks_at_uploaded_values_not_normalized_ones():
    # CPM of gene "b" in x is 10 / 24 * 1e6, far above 5, but the raw count decides.
    result = normalize(FILTER_TABLE, method="cpm", log=False, min_count=6, min_samples=1)
    assert list(result.values.index) == ["b", "d"]


@pytest.mark.parametrize("min_count, min_samples", [(0, 3), (5, 0), (0, 0)])
def test_filter_off_when_either_threshold_is_zero(min_count, min_samples):
    result = normalize(FILTER_TABLE, method="none", log=False, min_count=min_count,
                       min_samples=min_samples)
    assert list(result.values.index) == ["a", "b", "c", "d", "e"]
    assert result.notices == ()


# --- feature selection and z-scores ----------------------------------------------------------

VARIANCE_TABLE = pd.DataFrame([[0.0, 0.0, 0.0],    # var 0
                               [0.0, 2.0, 4.0],    # var 4
                               [1.0, 2.0, 3.0],    # var 1
                               [0.0, 4.0, 8.0],    # var 16
                               [3.0, 4.0, 5.0]],   # var 1 (ties with c)
                              index=list("abcde"), columns=["x", "y", "z"])


@pytest.mark.parametrize("n, expected", [(1, ["d"]), (2, ["d", "b"]), (3, ["d", "b", "c"]),
                                         (4, ["d", "b", "c", "e"])])
def test_top_variable_genes_order(n, expected):
    assert list(top_variable_genes(VARIANCE_TABLE, n).index) == expected


@pytest.mark.parametrize("n", [0, 5, 6])
def test_top_variable_genes_keeps_all(n):
    selected = top_variable_genes(VARIANCE_TABLE, n)
    assert sorted(selected.index) == list("abcde")
    pd.testing.assert_frame_equal(selected.sort_index(), VARIANCE_TABLE)


@pytest.mark.parametrize("n", [5, 6])
def test_top_variable_genes_sorts_when_n_covers_all_genes(n):
    assert list(top_variable_genes(VARIANCE_TABLE, n).index) == ["d", "b", "c", "e", "a"]


def test_zscore_rows_by_hand_with_constant_row():
    got = zscore_rows(np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0], [2.0, 4.0, 9.0]]))
    # row 3: mean 5, deviations [-3, -1, 4], sample variance 26 / 2 = 13
    expected = [[-1.0, 0.0, 1.0], [0.0, 0.0, 0.0], np.array([-3.0, -1.0, 4.0]) / math.sqrt(13)]
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-15)
    assert not np.isnan(got).any()


# --- availability ---------------------------------------------------------------------------

def test_normalization_availability_counts_without_lengths():
    reasons = normalization_availability("counts", has_lengths=False)
    assert set(reasons) == set(NORMALIZATIONS)
    assert {m for m, r in reasons.items() if r is None} == {
        "none", "cpm", "logcpm", "deseq2", "tmm", "uq", "rle", "logcpm-tmm", "vst", "quantile"}
    assert "gene lengths" in reasons["tpm"] and "gene lengths" in reasons["rpkm"]


def test_normalization_availability_counts_with_lengths():
    assert all(r is None for r in normalization_availability("counts", has_lengths=True).values())


@pytest.mark.parametrize("kind", ["normalized", "log"])
def test_normalization_availability_non_counts(kind):
    reasons = normalization_availability(kind, has_lengths=True)
    assert reasons["none"] is None
    for method in ("cpm", "logcpm", "tpm", "rpkm", "deseq2", "tmm", "uq", "rle",
                   "logcpm-tmm", "vst"):
        assert "not integer counts" in reasons[method]
        assert "use 'none'" in reasons[method]
    assert reasons["quantile"] is None  # a rank method: fine on any values


def _counts_table(seed=3, n_genes=400, n_samples=6):
    rng = np.random.default_rng(seed)
    mu = rng.gamma(1.5, 80.0, size=(n_genes, 1)) * rng.uniform(0.5, 2.0, size=(1, n_samples))
    counts = rng.negative_binomial(10, 10 / (10 + mu))
    return pd.DataFrame(counts, index=[f"g{i}" for i in range(n_genes)],
                        columns=[f"s{j}" for j in range(n_samples)])


@pytest.mark.parametrize("method", ["tmm", "uq", "rle"])
def test_edger_scaling_normalizations_divide_by_effective_library_sizes(method):
    from rnaclust_dash.pp.size_factors import calc_norm_factors

    counts = _counts_table()
    result = normalize(counts, method=method, log=False)
    edger_name = {"tmm": "TMM", "uq": "upperquartile", "rle": "RLE"}[method]
    factors = calc_norm_factors(counts.to_numpy(), method=edger_name)
    np.testing.assert_allclose(result.norm_factors.to_numpy(), factors, rtol=1e-14)
    effective = counts.sum(axis=0).to_numpy() * factors
    np.testing.assert_allclose(result.size_factors.to_numpy(), effective / 1e6, rtol=1e-14)
    np.testing.assert_allclose(result.values.to_numpy(), counts.to_numpy() / (effective / 1e6),
                               rtol=1e-12)


def test_log_scale_normalizations_are_not_logged_again():
    from rnaclust_dash.pp.size_factors import log_cpm_tmm
    from rnaclust_dash.pp.variance_stabilizing import vst

    counts = _counts_table()
    for method, expected in (("logcpm-tmm", log_cpm_tmm(counts.to_numpy())),
                             ("vst", vst(counts.to_numpy()))):
        result = normalize(counts, method=method, log=True)  # log switch ignored
        np.testing.assert_allclose(result.values.to_numpy(), expected, rtol=1e-12, err_msg=method)
        assert result.size_factors is not None


def test_quantile_then_log():
    from rnaclust_dash.pp.quantile import quantile_normalize

    counts = _counts_table()
    result = normalize(counts, method="quantile", log=True, pseudocount=1.0)
    np.testing.assert_allclose(result.values.to_numpy(),
                               np.log2(quantile_normalize(counts.to_numpy()) + 1), rtol=1e-12)
    assert result.size_factors is None and result.norm_factors is None


# --- properties ------------------------------------------------------------------------------

count_tables = st.integers(min_value=3, max_value=12).flatmap(
    lambda n_genes: st.integers(min_value=2, max_value=6).flatmap(
        lambda n_samples: arrays(np.int64, (n_genes, n_samples),
                                 elements=st.integers(min_value=0, max_value=10_000))))


def _frame(counts: np.ndarray) -> pd.DataFrame:
    counts = counts.astype(np.float64)
    counts[0] += 1  # one gene non-zero everywhere (DESeq2 needs it; libraries non-empty)
    return pd.DataFrame(counts, index=[f"g{i}" for i in range(len(counts))],
                        columns=[f"s{j}" for j in range(counts.shape[1])])


@settings(max_examples=60, deadline=None)
@given(counts=count_tables, data=st.data())
def test_scaling_one_sample_leaves_its_cpm_unchanged(counts, data):
    frame = _frame(counts)
    j = data.draw(st.integers(0, frame.shape[1] - 1), label="sample")
    factor = data.draw(st.integers(2, 50), label="factor")
    scaled = frame.copy()
    scaled.iloc[:, j] *= factor
    before = normalize(frame, method="cpm", log=False).values
    after = normalize(scaled, method="cpm", log=False).values
    np.testing.assert_allclose(after.to_numpy(), before.to_numpy(), rtol=1e-12, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(counts=count_tables, data=st.data())
def test_scaling_one_sample_leaves_deseq2_values_unchanged_up_to_the_reference(counts, data):
    """Median of ratios: the scaled sample's size factor absorbs the factor.

    The pseudo-reference is the geometric mean over the m samples, so it moves by
    factor ** (1 / m): every normalized value (all samples alike) is multiplied by that
    same constant, and ratios between samples (what the clustering sees after the log, as
    a constant shift) are unchanged.
    """
    frame = _frame(counts)
    m = frame.shape[1]
    j = data.draw(st.integers(0, m - 1), label="sample")
    factor = data.draw(st.integers(2, 50), label="factor")
    scaled = frame.copy()
    scaled.iloc[:, j] *= factor
    before = normalize(frame, method="deseq2", log=False)
    after = normalize(scaled, method="deseq2", log=False)
    common = factor ** (1.0 / m)
    np.testing.assert_allclose(after.values.to_numpy(), before.values.to_numpy() * common,
                               rtol=1e-9, atol=1e-9)
    ratio = after.size_factors / before.size_factors
    expected = np.full(m, 1.0 / common)
    expected[j] = factor / common
    np.testing.assert_allclose(ratio.to_numpy(), expected, rtol=1e-9)


@settings(max_examples=60, deadline=None)
@given(counts=count_tables, data=st.data())
def test_permuting_samples_permutes_results(counts, data):
    frame = _frame(counts)
    order = data.draw(st.permutations(list(frame.columns)), label="order")
    for method in ("cpm", "logcpm", "deseq2"):
        original = normalize(frame, method=method, log=True)
        permuted = normalize(frame[order], method=method, log=True)
        assert list(permuted.values.columns) == order
        np.testing.assert_allclose(permuted.values.to_numpy(),
                                   original.values[order].to_numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(permuted.size_factors.to_numpy(),
                                   original.size_factors[order].to_numpy(), rtol=1e-12)
