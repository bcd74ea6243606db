"""Scrublet doublet scores equal scanpy 1.11.5's ``pp.scrublet`` (issue 9 item 2).

References: tests/data/reference/scanpy/ (made by make_sc_pp_reference.py there); the
full CellBench set, with demuxlet's doublet calls, is read from ../shared when present.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from reference_paths import LOCAL_REFERENCE, SHARED_DATA
from scipy import io as scipy_io
from scipy import sparse

from rnaclust_dash.errors import DataError, ParameterError
from rnaclust_dash.pp.doublets import doublet_scores, threshold_minimum

SCANPY = LOCAL_REFERENCE / "scanpy"
SUBSET = SCANPY / "cellbench_subset"
CELLBENCH = SHARED_DATA / "cellbench_5cl_celseq2_3plates"


@pytest.fixture(scope="module")
def subset_counts() -> sparse.csr_matrix:
    stored = np.load(SUBSET / "counts.npz")
    return sparse.csr_matrix((stored["data"].astype(np.float32), stored["indices"],
                              stored["indptr"]), shape=tuple(stored["shape"]))


def test_scores_threshold_and_calls_equal_scanpy(subset_counts):
    reference = pd.read_csv(SUBSET / "scrublet.csv", index_col=0)
    result = doublet_scores(subset_counts, random_state=0)
    np.testing.assert_allclose(result.scores, reference["doublet_score"], atol=1e-6)
    np.testing.assert_array_equal(result.predicted, reference["predicted_doublet"])
    assert len(result.simulated_scores) == 2 * subset_counts.shape[0]
    assert reference.loc[result.predicted, "doublet_score"].min() > result.threshold


def test_scores_are_seeded_and_keep_the_input(subset_counts):
    before = subset_counts.copy()
    first = doublet_scores(subset_counts, random_state=3)
    np.testing.assert_array_equal(first.scores,
                                  doublet_scores(subset_counts, random_state=3).scores)
    assert not np.array_equal(first.simulated_scores,
                              doublet_scores(subset_counts, random_state=4).simulated_scores)
    assert (subset_counts != before).nnz == 0


def test_threshold_minimum_between_two_modes():
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.normal(0.1, 0.03, 3000), rng.normal(0.6, 0.05, 1000)])
    cut = threshold_minimum(values)
    assert 0.25 < cut < 0.45
    assert np.isnan(threshold_minimum(np.full(50, 0.2)))  # one mode: no threshold


def test_bad_input():
    with pytest.raises(ParameterError, match="expected_doublet_rate"):
        doublet_scores(np.ones((20, 5)), expected_doublet_rate=1.5)
    with pytest.raises(DataError, match="at least 10 cells"):
        doublet_scores(np.ones((5, 20)))


@pytest.mark.skipif(not CELLBENCH.exists(), reason="../shared CellBench set is absent")
def test_full_cellbench_equals_scanpy_and_finds_demuxlet_doublets():
    from sklearn.metrics import roc_auc_score

    counts = sparse.csr_matrix(scipy_io.mmread(CELLBENCH / "counts.mtx.gz").T,
                               dtype=np.float32)
    barcodes = pd.read_csv(CELLBENCH / "barcodes.tsv.gz", header=None)[0].astype(str)
    cells = pd.read_csv(CELLBENCH / "cells.csv", index_col=0).loc[barcodes.to_numpy()]
    reference = pd.read_csv(SCANPY / "cellbench_full_scrublet.csv", index_col=0).loc[
        barcodes.to_numpy()]
    result = doublet_scores(counts, random_state=0)
    # The PCA is the same up to rounding (sparse vs dense); a near-tie at the k-th
    # neighbour may fall the other way for a cell or two.
    same = np.isclose(result.scores, reference["doublet_score"], atol=1e-6)
    assert same.mean() >= 0.99
    assert np.corrcoef(result.scores, reference["doublet_score"])[0, 1] > 0.999
    assert (result.predicted == reference["predicted_doublet"].to_numpy()).mean() >= 0.99
    is_doublet = (cells["demuxlet_cls"] == "DBL").to_numpy()
    # Demuxlet's genotype calls as truth: the scores rank its doublets above its singlets.
    assert roc_auc_score(is_doublet, result.scores) > 0.6
