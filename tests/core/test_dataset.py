"""The Dataset over an AnnData: construction, genes x samples views, h5ad, hashing, storing."""

from __future__ import annotations

import dataclasses
import pickle
import tracemalloc
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from rnaclust_dash.dataset import Dataset
from rnaclust_dash.io.examples import load_example
from rnaclust_dash.pipeline import dataset_key, load_dataset, put_dataset
from rnaclust_dash.store import ResultStore

# Keys computed with the code before the Dataset held an AnnData (commit a93891f,
# `dataset_key` hashing `np.ascontiguousarray(counts.to_numpy(dtype=float64)).tobytes()`),
# on exactly the tables built below. Stores written then must stay valid.
OLD_KEY_PLAIN = "dataset-3c7b96dd6f8b84ee85967aa38c626f798a58755d"
OLD_KEY_ANNOTATED = "dataset-d6c57feba8d2f72689e89999c69d94e17c75bf10"
OLD_KEY_PASILLA = "dataset-1b1df4e088496427b9ff888414b4e0eef0a00545"


def tiny_counts() -> pd.DataFrame:
    return pd.DataFrame([[0.0, 5, 12], [3, 0, 7], [10, 20, 30.5], [1, 1, 2]], dtype=np.float64,
                        index=pd.Index(["g1", "g2", "g3", "g4"], name="gene_id"),
                        columns=pd.Index(["s1", "s2", "s3"], name="sample_id"))


def tiny_metadata() -> pd.DataFrame:
    return pd.DataFrame({"group": ["a", "a", "b"], "depth": [1.5, 2.0, np.nan]},
                        index=pd.Index(["s1", "s2", "s3"], name="sample_id"))


def tiny_lengths() -> pd.Series:
    return pd.Series([1000.0, 250.0, np.nan, 4000.0],
                     index=pd.Index(["g1", "g2", "g3", "g4"], name="gene_id"), name="length")


def annotated() -> Dataset:
    return Dataset(counts=tiny_counts(), value_kind="normalized", metadata=tiny_metadata(),
                   gene_lengths=tiny_lengths(), name="x")


def random_csr(n_obs: int, n_vars: int, density: float, seed: int = 0) -> sparse.csr_matrix:
    rng = np.random.default_rng(seed)
    matrix = sparse.random(n_obs, n_vars, density=density, format="csr", random_state=rng,
                           data_rvs=lambda n: rng.integers(1, 50, n).astype(np.float32))
    return matrix


def sparse_dataset(n_obs=6, n_vars=4, density=0.5) -> Dataset:
    matrix = random_csr(n_obs, n_vars, density)
    obs = pd.DataFrame({"cell_type": pd.Categorical(["T", "B"] * (n_obs // 2))},
                       index=[f"cell{i}" for i in range(n_obs)])
    var = pd.DataFrame(index=[f"gene{j}" for j in range(n_vars)])
    return Dataset.from_anndata(ad.AnnData(X=matrix, obs=obs, var=var), name="cells")


# --- construction and views -------------------------------------------------------------

def test_frames_become_anndata_with_samples_as_obs():
    dataset = annotated()
    assert dataset.adata.obs_names.tolist() == ["s1", "s2", "s3"]
    assert dataset.adata.var_names.tolist() == ["g1", "g2", "g3", "g4"]
    np.testing.assert_array_equal(dataset.adata.X, tiny_counts().to_numpy().T)
    assert dataset.adata.var["gene_length"].tolist()[:2] == [1000.0, 250.0]
    assert (dataset.n_genes, dataset.n_samples) == (4, 3)
    assert not dataset.is_sparse


def test_views_equal_the_frames_given():
    dataset = annotated()
    pd.testing.assert_frame_equal(dataset.counts, tiny_counts())
    pd.testing.assert_frame_equal(dataset.metadata, tiny_metadata())
    pd.testing.assert_series_equal(dataset.gene_lengths, tiny_lengths())
    assert (dataset.value_kind, dataset.name) == ("normalized", "x")


def test_no_sheet_and_no_lengths_read_as_none():
    dataset = Dataset(counts=tiny_counts())
    assert dataset.metadata is None and dataset.gene_lengths is None


def test_metadata_is_reordered_to_the_samples():
    shuffled = tiny_metadata().iloc[[2, 0, 1]]
    dataset = Dataset(counts=tiny_counts(), metadata=shuffled)
    pd.testing.assert_frame_equal(dataset.metadata, tiny_metadata())


def test_dense_counts_view_shares_the_anndata_buffer():
    dataset = annotated()
    assert np.shares_memory(dataset.counts.to_numpy(), dataset.adata.X)
    assert dataset.counts.to_numpy().flags.c_contiguous  # genes x samples, genes-major


def test_from_anndata_dense():
    frame = tiny_counts()
    adata = ad.AnnData(X=frame.to_numpy().T.copy(), obs=tiny_metadata(),
                       var=pd.DataFrame(index=frame.index))
    dataset = Dataset.from_anndata(adata, value_kind="counts", name="bulk")
    pd.testing.assert_frame_equal(dataset.counts, frame)
    pd.testing.assert_frame_equal(dataset.metadata, tiny_metadata())
    assert dataset.gene_lengths is None and dataset.name == "bulk"


def test_from_anndata_csr_stays_sparse_and_shares_buffers():
    matrix = random_csr(6, 4, 0.5)
    adata = ad.AnnData(X=matrix, obs=pd.DataFrame(index=[f"c{i}" for i in range(6)]),
                       var=pd.DataFrame(index=[f"g{j}" for j in range(4)]))
    dataset = Dataset.from_anndata(adata)
    assert dataset.is_sparse and sparse.isspmatrix_csr(dataset.adata.X)
    assert np.shares_memory(dataset.adata.X.data, matrix.data)
    expected = pd.DataFrame(matrix.toarray().T, index=adata.var_names, columns=adata.obs_names)
    pd.testing.assert_frame_equal(dataset.counts, expected.astype(np.float64))
    assert dataset.raw_counts is dataset.adata.X  # counts are kept once, as X


def test_from_anndata_keeps_a_counts_layer_of_normalized_data():
    matrix = random_csr(4, 3, 0.6)
    adata = ad.AnnData(X=matrix.multiply(0.5).tocsr(), layers={"counts": matrix},
                       obs=pd.DataFrame(index=list("abcd")), var=pd.DataFrame(index=list("xyz")))
    dataset = Dataset.from_anndata(adata, value_kind="normalized")
    assert (dataset.raw_counts != matrix).nnz == 0


def test_from_anndata_does_not_modify_the_callers_anndata():
    matrix = random_csr(4, 3, 0.6)
    adata = ad.AnnData(X=matrix, obs=pd.DataFrame(index=list("abcd")),
                       var=pd.DataFrame(index=list("xyz")))
    Dataset.from_anndata(adata)
    assert adata.X.data.flags.writeable and adata.obs.shape[1] == 0


# --- immutability -----------------------------------------------------------------------

def test_dataset_fields_cannot_be_reassigned():
    dataset = annotated()
    with pytest.raises(dataclasses.FrozenInstanceError):
        dataset.name = "other"  # type: ignore[misc]


def test_values_cannot_be_changed_through_the_anndata_or_the_views():
    dataset = annotated()
    with pytest.raises(ValueError):
        dataset.adata.X[0, 0] = 99.0
    view = dataset.counts
    with pytest.raises(ValueError):
        view.iloc[0, 0] = 99.0  # a read-only view: take .copy() to change it
    assert dataset.counts.iloc[0, 0] == 0.0
    sheet = dataset.metadata
    sheet["added"] = 1
    assert "added" not in dataset.metadata.columns


def test_changing_the_input_frame_later_does_not_change_the_dataset():
    frame = tiny_counts()
    dataset = Dataset(counts=frame)
    frame.iloc[0, 0] = 99.0
    assert dataset.counts.iloc[0, 0] == 0.0


def test_replace_adds_a_sheet_and_keeps_the_matrix():
    plain = Dataset(counts=tiny_counts(), gene_lengths=tiny_lengths())
    with_sheet = dataclasses.replace(plain, metadata=tiny_metadata(), notices=("n",))
    pd.testing.assert_frame_equal(with_sheet.metadata, tiny_metadata())
    pd.testing.assert_series_equal(with_sheet.gene_lengths, tiny_lengths())
    assert np.shares_memory(with_sheet.adata.X, plain.adata.X)
    assert plain.metadata is None and with_sheet.notices == ("n",)


def test_replace_with_fewer_samples_realigns_the_annotations():
    dataset = annotated()
    kept = dataset.counts[["s3", "s1"]]
    smaller = dataclasses.replace(dataset, counts=kept)
    pd.testing.assert_frame_equal(smaller.counts, kept)
    pd.testing.assert_frame_equal(smaller.metadata, tiny_metadata().loc[["s3", "s1"]])
    pd.testing.assert_series_equal(smaller.gene_lengths, tiny_lengths())
    assert smaller.value_kind == "normalized"


# --- h5ad ------------------------------------------------------------------------------

def test_h5ad_round_trip_dense(tmp_path):
    dataset = dataclasses.replace(annotated(), description="tiny", notices=("a", "b"))
    dataset.to_h5ad(tmp_path / "tiny.h5ad")
    back = Dataset.read_h5ad(tmp_path / "tiny.h5ad")
    pd.testing.assert_frame_equal(back.counts, dataset.counts)
    pd.testing.assert_frame_equal(back.metadata, dataset.metadata)
    pd.testing.assert_series_equal(back.gene_lengths, dataset.gene_lengths)
    assert (back.name, back.description, back.value_kind, back.notices) == \
        ("x", "tiny", "normalized", ("a", "b"))
    assert dataset_key(back) == dataset_key(dataset)


def test_h5ad_round_trip_sparse(tmp_path):
    dataset = sparse_dataset(50, 30, 0.1)
    dataset.to_h5ad(tmp_path / "cells.h5ad")
    back = Dataset.read_h5ad(tmp_path / "cells.h5ad")
    assert back.is_sparse
    assert (back.adata.X != dataset.adata.X).nnz == 0
    assert back.adata.X.dtype == dataset.adata.X.dtype
    pd.testing.assert_frame_equal(back.metadata, dataset.metadata)
    assert back.name == "cells" and dataset_key(back) == dataset_key(dataset)


def test_h5ad_keeps_missing_sheet_values(tmp_path):
    sheet = tiny_metadata().assign(batch=["b1", None, "b2"])
    dataset = Dataset(counts=tiny_counts(), metadata=sheet)
    dataset.to_h5ad(tmp_path / "gaps.h5ad")
    back = Dataset.read_h5ad(tmp_path / "gaps.h5ad")
    assert back.metadata["batch"].isna().tolist() == [False, True, False]
    assert back.metadata.to_csv() == dataset.metadata.to_csv()


def test_writing_h5ad_leaves_the_dataset_unchanged(tmp_path):
    dataset = annotated()
    dataset.to_h5ad(tmp_path / "x.h5ad")
    pd.testing.assert_frame_equal(dataset.metadata, tiny_metadata())  # no categoricals


def test_foreign_h5ad_is_named_after_its_file(tmp_path):
    adata = ad.AnnData(X=random_csr(4, 3, 0.6), obs=pd.DataFrame(index=list("abcd")),
                       var=pd.DataFrame(index=list("xyz")))
    with ad.settings.override(allow_write_nullable_strings=True):  # as scanpy on pandas 3
        adata.write_h5ad(tmp_path / "pbmc.h5ad")
    dataset = Dataset.read_h5ad(tmp_path / "pbmc.h5ad")
    assert dataset.name == "pbmc.h5ad" and dataset.value_kind == "counts"


# --- hashing and storing ----------------------------------------------------------------

def test_dense_keys_are_unchanged_from_before_anndata():
    assert dataset_key(Dataset(counts=tiny_counts())) == OLD_KEY_PLAIN
    assert dataset_key(annotated()) == OLD_KEY_ANNOTATED


def test_bundled_example_key_is_unchanged_from_before_anndata():
    assert dataset_key(load_example("pasilla")) == OLD_KEY_PASILLA


def test_key_follows_values_and_annotations_not_the_name():
    base = dataset_key(annotated())
    assert dataset_key(dataclasses.replace(annotated(), name="other")) == base
    changed = tiny_counts()
    changed.iloc[1, 1] = 1.0
    assert dataset_key(dataclasses.replace(annotated(), counts=changed)) != base
    assert dataset_key(dataclasses.replace(annotated(), metadata=None)) != base


def test_sparse_key_follows_the_values():
    dataset = sparse_dataset(40, 20, 0.2)
    assert dataset_key(dataset) == dataset_key(sparse_dataset(40, 20, 0.2))
    data = dataset.adata.X.data.copy()
    data[0] += 1
    changed = sparse.csr_matrix((data, dataset.adata.X.indices, dataset.adata.X.indptr),
                                shape=dataset.adata.X.shape)
    other = Dataset.from_anndata(ad.AnnData(X=changed, obs=dataset.adata.obs,
                                            var=dataset.adata.var))
    assert dataset_key(other) != dataset_key(dataset)


def test_unsorted_csr_gets_the_key_of_its_canonical_form():
    matrix = sparse.csr_matrix((np.array([1.0, 2.0]), np.array([2, 0]), np.array([0, 2, 2])),
                               shape=(2, 3))
    matrix.has_sorted_indices = False
    names = dict(obs=pd.DataFrame(index=["a", "b"]), var=pd.DataFrame(index=["x", "y", "z"]))
    unsorted = Dataset.from_anndata(ad.AnnData(X=matrix, **names))
    canonical = Dataset.from_anndata(ad.AnnData(X=sparse.csr_matrix(matrix.toarray()), **names))
    assert dataset_key(unsorted) == dataset_key(canonical)


def test_hashing_a_large_sparse_dataset_does_not_densify_it():
    n_cells, n_genes = 50_000, 2_000
    dataset = Dataset.from_anndata(ad.AnnData(
        X=random_csr(n_cells, n_genes, 0.01),
        obs=pd.DataFrame(index=[f"cell{i}" for i in range(n_cells)]),
        var=pd.DataFrame(index=[f"gene{j}" for j in range(n_genes)])))
    dense_bytes = n_cells * n_genes * 4  # even float32, the smallest dense copy
    stored_bytes = sum(part.nbytes for part in (dataset.adata.X.data, dataset.adata.X.indices,
                                                dataset.adata.X.indptr))
    tracemalloc.start()
    try:
        dataset_key(dataset)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < stored_bytes / 2  # not even one copy of the buffers
    assert peak < dense_bytes / 100


def test_pickle_of_a_sparse_dataset_stays_sparse():
    dataset = sparse_dataset(2_000, 1_000, 0.01)
    payload = pickle.dumps(dataset, protocol=pickle.HIGHEST_PROTOCOL)
    assert len(payload) < 2_000 * 1_000 * 4 / 10
    back = pickle.loads(payload)
    assert back.is_sparse and (back.adata.X != dataset.adata.X).nnz == 0
    assert back.name == dataset.name and dataset_key(back) == dataset_key(dataset)


def test_store_round_trip_keeps_views_and_sparsity(tmp_path):
    store = ResultStore(tmp_path)
    for dataset in (annotated(), sparse_dataset(30, 10, 0.2)):
        key = put_dataset(store, dataset)
        back = load_dataset(store, key)
        assert back.is_sparse == dataset.is_sparse and dataset_key(back) == key
        pd.testing.assert_frame_equal(back.counts, dataset.counts)
        if dataset.metadata is not None:
            pd.testing.assert_frame_equal(back.metadata, dataset.metadata)


def test_a_dataset_pickled_before_anndata_still_loads():
    # Made by tests/data/make_old_dataset_pickle.py with the code of commit a93891f: stores
    # written then hold such pickles under keys that have not changed.
    payload = (Path(__file__).parents[1] / "data" / "old_dataset_a93891f.pkl").read_bytes()
    old = pickle.loads(payload)
    assert isinstance(old.adata, ad.AnnData)
    pd.testing.assert_frame_equal(old.counts, tiny_counts())
    pd.testing.assert_frame_equal(old.metadata, tiny_metadata())
    pd.testing.assert_series_equal(old.gene_lengths, tiny_lengths())
    assert (old.name, old.description, old.notices) == ("x", "tiny", ("a", "b"))
    assert dataset_key(old) == OLD_KEY_ANNOTATED
