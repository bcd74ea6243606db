"""normalize_total + log1p and scale on hand-checked toys (issue 9 item 3)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from rnaclust_dash.errors import DataError, ParameterError
from rnaclust_dash.pp.sc_normalize import gene_mean_var, normalize_total_log1p, scale

COUNTS = np.array([[1, 3], [0, 0], [2, 2]], dtype=np.float32)


def test_normalize_total_by_hand():
    result = normalize_total_log1p(sparse.csr_matrix(COUNTS), target_sum=10)
    assert sparse.isspmatrix_csr(result) and result.dtype == np.float32
    # Cell 0: 1 and 3 of 4 counts -> 2.5 and 7.5 of 10; cell 1 has no counts: stays 0.
    expected = np.log1p([[2.5, 7.5], [0, 0], [5, 5]])
    np.testing.assert_allclose(result.toarray(), expected, rtol=1e-6)


def test_target_sum_none_is_the_median_total_of_cells_with_counts():
    result = normalize_total_log1p(COUNTS, target_sum=None)  # totals 4, (0), 4
    np.testing.assert_allclose(result.toarray(), np.log1p(COUNTS), rtol=1e-6)


def test_normalize_keeps_its_input_and_refuses_bad_input():
    counts = sparse.csr_matrix(COUNTS)
    normalize_total_log1p(counts)
    np.testing.assert_array_equal(counts.toarray(), COUNTS)
    with pytest.raises(DataError, match="negative"):
        normalize_total_log1p(-counts)
    with pytest.raises(ParameterError, match="target_sum"):
        normalize_total_log1p(counts, target_sum=0)


VALUES = np.array([[1, 2], [3, 2], [5, 2]], dtype=np.float32)


def test_scale_by_hand_and_clip_both_ways():
    # Gene 0: mean 3, sd (n - 1) 2 -> -1, 0, 1. Gene 1 is constant -> 0.
    np.testing.assert_allclose(scale(VALUES, max_value=None), [[-1, 0], [0, 0], [1, 0]])
    clipped = scale(sparse.csr_matrix(VALUES), max_value=0.5)
    assert isinstance(clipped, np.ndarray) and clipped.dtype == np.float32
    np.testing.assert_allclose(clipped, [[-0.5, 0], [0, 0], [0.5, 0]])


def test_scale_without_centring_keeps_sparse_and_clips_only_above():
    result = scale(sparse.csr_matrix(VALUES), max_value=2, zero_center=False)
    assert sparse.issparse(result)
    # Gene 0 divided by its sd 2: 0.5, 1.5, 2.5 -> 2 (clipped); gene 1 (sd 0 -> 1) stays 2.
    np.testing.assert_allclose(result.toarray(), [[0.5, 2], [1.5, 2], [2, 2]])
    np.testing.assert_allclose(scale(VALUES, max_value=2, zero_center=False),
                               result.toarray())


def test_scale_keeps_its_input():
    values = VALUES.copy()
    scale(values)
    np.testing.assert_array_equal(values, VALUES)


def test_gene_mean_var_uses_n_minus_1_for_sparse_and_dense():
    for values in (VALUES, sparse.csr_matrix(VALUES)):
        mean, variance = gene_mean_var(values)
        np.testing.assert_allclose(mean, [3, 2])
        np.testing.assert_allclose(variance, [4, 0], atol=1e-12)
