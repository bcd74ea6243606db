"""Tiny hand-made single-cell inputs for the io tests: 10x folders, archives, .h5, .h5ad.

The matrix of every builder is :data:`COUNTS` (cells x genes, written by hand) unless a
test passes another one, so each reader's result can be compared with it directly.
"""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
from pathlib import Path

import numpy as np

# 4 cells x 3 genes, as a biologist would read them off the files below.
COUNTS = np.array([[1, 0, 3],
                   [0, 0, 7],
                   [2, 5, 0],
                   [0, 4, 1]], dtype=np.int64)
BARCODES = ["AAAC-1", "AAAG-1", "CCCT-1", "GGGA-1"]
GENE_IDS = ["ENSG01", "ENSG02", "ENSG03"]
SYMBOLS = ["MT-CO1", "ACTB", "GAPDH"]


def mtx_text(cells_by_genes: np.ndarray, *, field: str = "integer",
             header_shape: tuple[int, int] | None = None) -> str:
    """A Matrix Market file of the genes x cells matrix (1-based, as Cell Ranger writes)."""
    genes_by_cells = np.asarray(cells_by_genes).T
    rows, cols = np.nonzero(genes_by_cells)
    n_rows, n_cols = header_shape or genes_by_cells.shape
    lines = [f"%%MatrixMarket matrix coordinate {field} general", "%metadata_json: {}",
             f"{n_rows} {n_cols} {len(rows)}"]
    lines += [f"{r + 1} {c + 1} {genes_by_cells[r, c]:g}" for r, c in zip(rows, cols)]
    return "\n".join(lines) + "\n"


def tenx_files(counts: np.ndarray = COUNTS, *, barcodes=None, gene_ids=None, symbols=None,
               types=None, version: int = 3, gz: bool = True, prefix: str = "",
               field: str = "integer", header_shape=None) -> dict[str, bytes]:
    """The three files of a 10x folder, name -> bytes."""
    barcodes = BARCODES if barcodes is None else barcodes
    gene_ids = GENE_IDS if gene_ids is None else gene_ids
    symbols = SYMBOLS if symbols is None else symbols
    if version == 3:
        types = ["Gene Expression"] * len(gene_ids) if types is None else types
        features = [f"{i}\t{s}\t{t}" for i, s, t in zip(gene_ids, symbols, types)]
        features_name = "features.tsv"
    else:
        features = [f"{i}\t{s}" for i, s in zip(gene_ids, symbols)]
        features_name = "genes.tsv"
    files = {"matrix.mtx": mtx_text(counts, field=field, header_shape=header_shape),
             "barcodes.tsv": "\n".join(barcodes) + "\n",
             features_name: "\n".join(features) + "\n"}
    out = {}
    for name, text in files.items():
        data = text.encode()
        out[prefix + name + (".gz" if gz else "")] = gzip.compress(data) if gz else data
    return out


def write_folder(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def zip_bytes(files: dict[str, bytes], *, inside: str = "filtered_feature_bc_matrix/") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(inside + name, data)
    return buffer.getvalue()


def tar_bytes(files: dict[str, bytes], *, inside: str = "sample1/outs/", gz: bool = True) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz" if gz else "w") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(inside + name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _csc_parts(cells_by_genes: np.ndarray):
    """data, indices, indptr of the genes x cells matrix compressed by cell (10x .h5)."""
    from scipy import sparse

    matrix = sparse.csr_matrix(np.asarray(cells_by_genes))  # rows = cells = 10x columns
    return matrix.data.astype(np.int32), matrix.indices.astype(np.int64), \
        matrix.indptr.astype(np.int64)


def tenx_h5(path: Path, counts: np.ndarray = COUNTS, *, version: int = 3,
            types=None, genomes=("GRCh38",)) -> Path:
    """A Cell Ranger .h5 of ``counts``: version 3 (``matrix`` group) or 2 (genome groups)."""
    import h5py

    data, indices, indptr = _csc_parts(counts)
    n_cells, n_genes = counts.shape
    with h5py.File(path, "w") as handle:
        groups = [handle.create_group("matrix")] if version == 3 else \
            [handle.create_group(g) for g in genomes]
        for group in groups:
            group["barcodes"] = np.array(BARCODES, dtype="S")
            group["data"], group["indices"], group["indptr"] = data, indices, indptr
            group["shape"] = np.array([n_genes, n_cells], dtype=np.int32)
            if version == 3:
                features = group.create_group("features")
                features["id"] = np.array(GENE_IDS, dtype="S")
                features["name"] = np.array(SYMBOLS, dtype="S")
                features["feature_type"] = np.array(
                    types or ["Gene Expression"] * n_genes, dtype="S")
                features["genome"] = np.array(["GRCh38"] * n_genes, dtype="S")
            else:
                group["genes"] = np.array(GENE_IDS, dtype="S")
                group["gene_names"] = np.array(SYMBOLS, dtype="S")
    return path
