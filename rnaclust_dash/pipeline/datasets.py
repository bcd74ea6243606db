"""Datasets in the store: content key, storing, the light summary, reading back."""

from __future__ import annotations


from ..dataset import Dataset
from ..errors import DataError
from ..pp.normalization import normalization_availability
from ..store import DATASET_GONE, ResultStore, content_key


def dataset_key(dataset: Dataset) -> str:
    """Content hash of a dataset (values, ids, annotations, lengths; not its name).

    Hashes the matrix buffers in place (no copy, a sparse matrix is not densified); keys of
    dense tables are the same as before the Dataset held an AnnData.
    """
    return "dataset-" + content_key(*dataset.content_parts())[:40]


def put_dataset(store: ResultStore, dataset: Dataset) -> str:
    """Store a dataset (and its light summary) under its content hash; return the key."""
    key = dataset_key(dataset)
    if key not in store:
        store.put(key, dataset)
    # Always rewritten: the same table uploaded again under another name shows that name.
    store.put(key + "/summary", dataset_summary(dataset))
    return key


def dataset_summary(dataset: Dataset) -> dict:
    """What the UI needs of a dataset without loading the matrix."""
    return {"name": dataset.name, "description": dataset.description,
            "value_kind": dataset.value_kind, "n_genes": dataset.n_genes,
            "n_samples": dataset.n_samples, "has_lengths": dataset.gene_lengths is not None,
            "metadata": dataset.metadata, "notices": dataset.notices,
            "normalizations": normalization_availability(
                dataset.value_kind, has_lengths=dataset.gene_lengths is not None)}


def load_dataset(store: ResultStore, key: str) -> Dataset:
    """The stored dataset, or a DataError saying to upload it again."""
    dataset = store.get(key)
    if dataset is None:
        raise DataError(DATASET_GONE)
    return dataset


def load_summary(store: ResultStore, key: str) -> dict:
    """The stored summary of a dataset (see :func:`dataset_summary`)."""
    summary = store.get(key + "/summary")
    if summary is None:
        summary = dataset_summary(load_dataset(store, key))
        store.put(key + "/summary", summary)
    return summary
