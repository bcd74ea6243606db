"""Columns of a sparse matrix stored in blocks: each column reads back exactly, with two
small reads, whatever the block size; a block gone is a clear DataError."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from rnaclust_dash.errors import DataError
from rnaclust_dash.store import ResultStore
from rnaclust_dash.store.columns import block_key, put_column_blocks, read_column


@pytest.fixture
def store(tmp_path):
    result_store = ResultStore(tmp_path / "store")
    yield result_store
    result_store.close()


def random_matrix(n_rows=300, n_columns=57, density=0.1, seed=0):
    matrix = sparse.random(n_rows, n_columns, density=density, format="csr", dtype=np.float32,
                           random_state=seed)
    matrix[:, 5] = 0  # an empty column
    matrix[:, 9] = 2.5  # a column fuller than a block
    return sparse.csr_matrix(matrix)


@pytest.mark.parametrize("block_nonzeros", [1, 7, 64, 10_000])
def test_every_column_reads_back_exactly(store, block_nonzeros):
    matrix = random_matrix()
    index = put_column_blocks(store, "m", matrix, block_nonzeros=block_nonzeros)
    dense = matrix.toarray()
    for column in range(matrix.shape[1]):
        np.testing.assert_array_equal(read_column(store, "m", column), dense[:, column])
        np.testing.assert_array_equal(read_column(store, "m", column, index), dense[:, column])
    n_blocks = len(index["starts"]) - 1
    assert all(block_key("m", b) in store for b in range(n_blocks))
    assert block_key("m", n_blocks) not in store
    if block_nonzeros == 10_000:
        assert n_blocks == 1
    if block_nonzeros == 1:  # every non-empty column a block of its own
        assert n_blocks >= matrix.shape[1] - 1


def test_blocks_hold_about_the_budget(store):
    matrix = random_matrix(n_rows=2_000, n_columns=400, density=0.05)
    index = put_column_blocks(store, "m", matrix, block_nonzeros=500)
    indptr = sparse.csc_matrix(matrix).indptr
    starts = index["starts"]
    sizes = indptr[starts[1:]] - indptr[starts[:-1]]
    widest = np.diff(indptr).max()
    assert sizes.max() <= 500 + widest
    assert sizes[:-1].min() > 0


def test_a_block_gone_says_to_run_again(store):
    put_column_blocks(store, "m", random_matrix(), block_nonzeros=64)
    store.delete(block_key("m", 0))
    with pytest.raises(DataError, match="Press Run"):
        read_column(store, "m", 0)
    with pytest.raises(DataError, match="Press Run"):
        read_column(store, "other", 0)


def test_the_input_is_left_alone(store):
    matrix = random_matrix()
    before = matrix.copy()
    put_column_blocks(store, "m", matrix)
    assert (matrix != before).nnz == 0 and matrix.format == "csr"
