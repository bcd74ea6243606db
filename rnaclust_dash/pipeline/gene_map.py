"""A user's gene id -> symbol table, stored beside a dataset (other species than human:
the bundled table maps human ids only; see :mod:`rnaclust_dash.tl.gene_ids`)."""

from __future__ import annotations

import pandas as pd

from ..store import ResultStore, content_key
from ..tl.gene_ids import map_to_symbols, read_mapping_table
from .datasets import load_dataset


def _key(dataset_key: str) -> str:
    return f"{dataset_key}/gene-map"


def put_gene_map(store: ResultStore, dataset_key: str, content: bytes, *,
                 filename: str) -> str:
    """Read a mapping table (CSV/TSV, plain or gzip: id, symbol), keep it for the dataset
    and return a sentence on how many of the dataset's genes it maps.

    Raises
    ------
    DataError
        The table cannot be read, or none of the dataset's gene ids is in it.
    """
    mapping = read_mapping_table(content, filename=filename)
    genes = load_dataset(store, dataset_key).counts.index
    report = map_to_symbols(genes, mapping=mapping, if_none_mapped="raise").report
    store.put(_key(dataset_key), mapping)
    store.put(_key(dataset_key) + "/id", content_key(content)[:16])
    return f"{filename}: {report}"


def gene_map(store: ResultStore, dataset_key: str) -> pd.Series | None:
    """The dataset's mapping table (symbols indexed by id), or None (bundled human table)."""
    return store.get(_key(dataset_key))


def gene_map_id(store: ResultStore, dataset_key: str) -> str | None:
    """A short content hash of the dataset's mapping table (None: the bundled table), for
    the keys of stored results that hold symbols."""
    return store.get(_key(dataset_key) + "/id") if gene_map(store, dataset_key) is not None \
        else None


def drop_gene_map(store: ResultStore, dataset_key: str) -> None:
    """Go back to the bundled human table for this dataset."""
    if _key(dataset_key) in store:
        store.put(_key(dataset_key), None)
