"""The Dataset: what an upload becomes once parsed and validated.

A :class:`Dataset` wraps an :class:`anndata.AnnData` in scverse orientation: ``obs`` are
the samples (or cells) with the sample-sheet columns, ``var`` are the genes (column
``gene_length`` when lengths are known), ``X`` holds the values as uploaded: dense
float64 for bulk tables, ``scipy.sparse`` CSR when the input is sparse.

The bulk algorithms keep their documented orientation, genes x samples. The conversion
happens here and only here: :attr:`Dataset.counts`, :attr:`Dataset.metadata` and
:attr:`Dataset.gene_lengths` are views built from the AnnData on each access. For dense
data ``counts`` shares the AnnData's buffer (no copy); for sparse data it densifies, so
code that can work on sparse matrices should read :attr:`Dataset.adata` instead.

Raw counts are kept without a second copy: ``X`` always holds the values as uploaded, so
for ``value_kind == "counts"`` ``X`` *is* the raw counts and no ``layers["counts"]`` is
added (:attr:`Dataset.raw_counts` says where they are). An AnnData that already carries
``layers["counts"]`` keeps it.

Name, description, value kind and notices are attributes of the Dataset (immutable
strings and a tuple), not entries of the mutable ``uns`` dict; :meth:`Dataset.to_h5ad`
writes them to ``uns["rnaclust_dash"]`` and :meth:`Dataset.read_h5ad` reads them back.

This module stays ``rnaclust_dash/dataset.py``: ``rnaclust_dash/data/`` is the folder of
bundled example files (no ``__init__``), and mixing code into it is left to the package
re-layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
from scipy import sparse

#: Kinds of values a count table may hold (decides which normalizations make sense).
VALUE_KINDS = ("counts", "normalized", "log")

#: ``var`` column that holds the gene lengths (bp).
LENGTH_COLUMN = "gene_length"

#: Name of the :attr:`Dataset.gene_lengths` series (as the readers have always named it).
LENGTHS_NAME = "length"

#: ``uns`` key under which :meth:`Dataset.to_h5ad` keeps name, description, kind, notices.
UNS_KEY = "rnaclust_dash"

_KEEP = object()  # "not given": keep what the dataset already has


def _read_only(array: np.ndarray) -> np.ndarray:
    """A read-only view of ``array`` (the caller's array keeps its own flags)."""
    view = array.view()
    view.flags.writeable = False
    return view


def _frozen_matrix(values) -> np.ndarray | sparse.csr_matrix:
    """The matrix a Dataset keeps: dense float64 genes-major, or canonical CSR.

    Dense values are stored so that ``X.T`` (genes x samples) is C-contiguous: the
    genes x samples view and the content hash then need no copy, and the hash equals the
    one of the genes x samples table the first version of this class stored.
    """
    if sparse.issparse(values):
        matrix = sparse.csr_matrix(values)  # no copy when already CSR
        if not matrix.has_canonical_format:
            matrix = matrix.copy()
            matrix.sum_duplicates()  # sorts indices too: one layout, one hash
        return sparse.csr_matrix((_read_only(matrix.data), _read_only(matrix.indices),
                                  _read_only(matrix.indptr)), shape=matrix.shape, copy=False)
    return _read_only(np.asfortranarray(values, dtype=np.float64))


def _obs_frame(metadata: pd.DataFrame | None, samples: pd.Index) -> pd.DataFrame:
    """``obs``: the sample sheet on the sample axis (no columns when there is none)."""
    if metadata is None:
        return pd.DataFrame(index=samples)
    if not metadata.index.equals(samples):
        if set(metadata.index) != set(samples) or not metadata.index.is_unique:
            raise ValueError("metadata must be indexed by exactly the sample ids.")
        metadata = metadata.reindex(samples)
    frame = metadata.copy()
    frame.index = samples
    return frame


def _var_frame(gene_lengths: pd.Series | None, genes: pd.Index) -> pd.DataFrame:
    """``var``: one row per gene, with ``gene_length`` when lengths are known."""
    frame = pd.DataFrame(index=genes)
    if gene_lengths is not None:
        if not gene_lengths.index.equals(genes):
            gene_lengths = gene_lengths.reindex(genes)
        frame[LENGTH_COLUMN] = gene_lengths.to_numpy()
    return frame


@dataclass(frozen=True, init=False, eq=False)
class Dataset:
    """A validated expression table with its annotations, held as an AnnData.

    Build one from genes x samples frames (``Dataset(counts=..., metadata=...,
    gene_lengths=...)``, the historical signature, also what ``dataclasses.replace``
    uses) or from an AnnData (:meth:`from_anndata`, :meth:`read_h5ad`).

    Parameters
    ----------
    counts : pandas.DataFrame, optional
        Genes x samples, unique string ids; converted to float64. Required unless
        ``adata`` is given; with ``adata`` it replaces the values (and sample/gene sets).
    value_kind : {"counts", "normalized", "log"}
        ``"counts"``: non-negative integers (raw read counts). ``"normalized"``:
        non-negative, some non-integers (TPM, FPKM, normalized counts). ``"log"``: on a
        log scale or centred (may hold negatives).
    metadata : pandas.DataFrame or None, optional
        Samples x annotations, indexed by the sample ids (reordered to them).
    gene_lengths : pandas.Series or None, optional
        Gene length in bp indexed by gene id; NaN where unknown.
    name, description : str
        What to call the dataset in the UI; one line on where it comes from.
    notices : tuple of str
        Things the reader did that the user should know (transposed, ids matched, ...).
    adata : anndata.AnnData, optional, keyword-only
        Samples (cells) x genes; its X, obs, var and layers are kept, not copied.

    Attributes
    ----------
    adata : anndata.AnnData
        obs = samples, var = genes, X samples x genes (dense float64 or CSR), read-only.
    """

    adata: ad.AnnData
    value_kind: str = "counts"
    name: str = "dataset"
    description: str = ""
    notices: tuple[str, ...] = ()

    def __init__(self, counts: pd.DataFrame | None = None, value_kind: str = "counts",
                 metadata=_KEEP, gene_lengths=_KEEP, name: str = "dataset",
                 description: str = "", notices: tuple[str, ...] = (), *,
                 adata: ad.AnnData | None = None):
        if counts is None and adata is None:
            raise TypeError("Dataset needs counts (genes x samples) or an AnnData.")
        if counts is not None:
            adata = self._from_frames(counts, metadata, gene_lengths, previous=adata)
        else:
            adata = self._with_annotations(adata, metadata, gene_lengths)
        object.__setattr__(self, "adata", adata)
        object.__setattr__(self, "value_kind", value_kind)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "description", description)
        object.__setattr__(self, "notices", tuple(notices))

    # --- construction ----------------------------------------------------------------

    @staticmethod
    def _from_frames(counts: pd.DataFrame, metadata, gene_lengths,
                     previous: ad.AnnData | None) -> ad.AnnData:
        """AnnData from genes x samples frames; unset annotations come from ``previous``
        (re-aligned to the new genes and samples, NaN where they had none)."""
        if previous is not None:
            old = Dataset(adata=previous)
            metadata = old.metadata if metadata is _KEEP else metadata
            gene_lengths = old.gene_lengths if gene_lengths is _KEEP else gene_lengths
            if metadata is not None:
                metadata = metadata.reindex(counts.columns)
        metadata = None if metadata is _KEEP else metadata
        gene_lengths = None if gene_lengths is _KEEP else gene_lengths
        # One copy, genes-major: the dataset never shares memory with the caller's frame.
        values = np.array(counts.to_numpy(dtype=np.float64), dtype=np.float64, order="C").T
        return ad.AnnData(X=_frozen_matrix(values), obs=_obs_frame(metadata, counts.columns),
                          var=_var_frame(gene_lengths, counts.index))

    @staticmethod
    def _with_annotations(adata: ad.AnnData, metadata, gene_lengths) -> ad.AnnData:
        """A new AnnData sharing ``adata``'s matrices, with replaced obs / var columns."""
        obs = adata.obs.copy() if metadata is _KEEP else _obs_frame(metadata, adata.obs_names)
        var = adata.var.copy()
        if gene_lengths is not _KEEP:
            var = var.drop(columns=[LENGTH_COLUMN], errors="ignore")
            if gene_lengths is not None:
                var[LENGTH_COLUMN] = _var_frame(gene_lengths, adata.var_names)[LENGTH_COLUMN]
        layers = {name: _frozen_matrix(layer) if sparse.issparse(layer) else _read_only(layer)
                  for name, layer in adata.layers.items()}
        return ad.AnnData(X=_frozen_matrix(adata.X), obs=obs, var=var, layers=layers)

    @classmethod
    def from_frames(cls, counts: pd.DataFrame, **annotations) -> "Dataset":
        """Same as ``Dataset(counts=counts, **annotations)`` (genes x samples frames)."""
        return cls(counts=counts, **annotations)

    @classmethod
    def from_anndata(cls, adata: ad.AnnData, *, value_kind: str = "counts",
                     name: str = "dataset", description: str = "",
                     notices: tuple[str, ...] = ()) -> "Dataset":
        """A Dataset over ``adata`` (obs = samples or cells, var = genes).

        ``X``, ``obs``, ``var`` and ``layers`` are kept (CSR and float64 genes-major
        dense matrices are shared, not copied; other layouts are converted once). The
        caller's AnnData is not modified.
        """
        return cls(adata=adata, value_kind=value_kind, name=name,
                   description=description, notices=notices)

    def __reduce__(self):
        # Pickled as plain numpy / scipy / pandas parts (the diskcache store): a sparse X
        # stays sparse, and stored datasets do not depend on AnnData's pickle format.
        parts = (self.adata.X, self.adata.obs, self.adata.var, dict(self.adata.layers))
        return (_restore, (parts, self.value_kind, self.name, self.description,
                           self.notices))

    def __setstate__(self, state: dict) -> None:
        # Datasets pickled before the Dataset held an AnnData (stores written then, under
        # the same keys): their state is the dict of the old fields (counts, metadata, ...).
        rebuilt = Dataset(**state)
        for name, value in vars(rebuilt).items():
            object.__setattr__(self, name, value)

    # --- the genes x samples views (the one orientation boundary) -------------------

    @property
    def is_sparse(self) -> bool:
        """Whether X is a sparse (CSR) matrix."""
        return sparse.issparse(self.adata.X)

    @property
    def counts(self) -> pd.DataFrame:
        """Genes x samples, float64, index gene ids, columns sample ids.

        Despite the name it may hold normalized values (``value_kind`` says which). For
        dense data a read-only view of X (writing into it raises; ``.copy()`` first); for
        sparse data a dense copy (prefer :attr:`adata` there).
        """
        matrix = self.adata.X
        values = matrix.T.toarray() if sparse.issparse(matrix) else matrix.T
        return pd.DataFrame(values, index=self.adata.var_names, columns=self.adata.obs_names,
                            dtype=np.float64, copy=False)

    @property
    def metadata(self) -> pd.DataFrame | None:
        """Samples x annotations (index = sample ids, same order), or None without a sheet.

        Samples missing from the uploaded sheet hold NaN.
        """
        if self.adata.obs.shape[1] == 0:
            return None
        return self.adata.obs.copy(deep=False)

    @property
    def gene_lengths(self) -> pd.Series | None:
        """Gene length in bp indexed by gene id (named ``"length"``), NaN where unknown;
        None when no lengths are known."""
        if LENGTH_COLUMN not in self.adata.var.columns:
            return None
        return self.adata.var[LENGTH_COLUMN].rename(LENGTHS_NAME)

    @property
    def raw_counts(self) -> np.ndarray | sparse.csr_matrix | None:
        """Samples x genes raw counts: X itself for count data, else ``layers["counts"]``
        when the AnnData carries one, else None."""
        if self.value_kind == "counts":
            return self.adata.X
        return self.adata.layers["counts"] if "counts" in self.adata.layers else None

    @property
    def n_genes(self) -> int:
        """Number of genes (``var``)."""
        return self.adata.n_vars

    @property
    def n_samples(self) -> int:
        """Number of samples or cells (``obs``)."""
        return self.adata.n_obs

    # --- hashing and files -----------------------------------------------------------

    def content_parts(self) -> list:
        """Buffers that identify the content (values, ids, kind, annotations).

        Nothing is copied or densified: dense X is hashed as its genes x samples float64
        buffer (the same bytes the first version hashed, so old keys stay valid), CSR as
        its data / indices / indptr buffers with their dtypes and shape.
        """
        matrix = self.adata.X
        if sparse.issparse(matrix):
            layout = f"csr {matrix.shape} {matrix.data.dtype} {matrix.indices.dtype} " \
                     f"{matrix.indptr.dtype}"
            values = [layout.encode()] + [memoryview(part).cast("B") for part in
                                          (matrix.data, matrix.indices, matrix.indptr)]
        else:
            values = [memoryview(np.ascontiguousarray(matrix.T)).cast("B")]
        parts = values + ["\n".join(map(str, self.adata.var_names)).encode(),
                          "\n".join(map(str, self.adata.obs_names)).encode(),
                          self.value_kind.encode()]
        if self.metadata is not None:
            parts.append(self.metadata.to_csv().encode())
        if self.gene_lengths is not None:
            parts.append(self.gene_lengths.to_csv().encode())
        return parts

    def to_h5ad(self, path: str | Path, *, compression: str | None = None) -> None:
        """Write the dataset as an ``.h5ad`` file (readable by scanpy and anndata >= 0.8).

        Strings are written in the classic (non-nullable) encoding; name, description,
        value kind and notices go to ``uns["rnaclust_dash"]``.
        """
        info = {"name": self.name, "description": self.description,
                "value_kind": self.value_kind, "notices": list(self.notices)}
        out = ad.AnnData(X=self.adata.X, obs=_portable(self.adata.obs),
                         var=_portable(self.adata.var), layers=dict(self.adata.layers),
                         uns={UNS_KEY: info})
        out.write_h5ad(Path(path), compression=compression,
                       convert_strings_to_categoricals=False)

    @classmethod
    def read_h5ad(cls, path: str | Path) -> "Dataset":
        """A Dataset from an ``.h5ad`` file (written by :meth:`to_h5ad` or by scanpy).

        Without ``uns["rnaclust_dash"]`` the name is the file name and the values are
        taken to be counts.
        """
        adata = ad.read_h5ad(Path(path))
        info = dict(adata.uns.get(UNS_KEY, {}))
        return cls.from_anndata(adata, value_kind=str(info.get("value_kind", "counts")),
                                name=str(info.get("name", Path(path).name)),
                                description=str(info.get("description", "")),
                                notices=tuple(str(n) for n in info.get("notices", ())))


def _restore(parts, value_kind, name, description, notices) -> Dataset:
    """Rebuild a pickled Dataset (see ``Dataset.__reduce__``)."""
    matrix, obs, var, layers = parts
    return Dataset(adata=ad.AnnData(X=matrix, obs=obs, var=var, layers=layers),
                   value_kind=value_kind, name=name, description=description,
                   notices=notices)


def _portable(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` in the h5ad encodings every reader understands.

    pandas-3 string columns and the index become object dtype (anndata writes those as
    classic string arrays; its nullable-string encoding is opt-in and unreadable by
    anndata < 0.11). A string column with missing values becomes categorical, as anndata
    itself stores such columns: it reads back as a categorical with the same values.
    """
    out = frame.copy()
    out.index = out.index.astype(object)
    for column in out.columns:
        values = out[column]
        if isinstance(values.dtype, pd.StringDtype) or values.dtype == object:
            out[column] = values.astype("category") if values.isna().any() \
                else values.astype(object)
    return out
