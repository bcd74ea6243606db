"""Tests of rnaclust_dash.io single-cell readers: 10x folders, archives, .h5, .h5ad.

Every input is built by hand in the test (tests/core/sc_builders.py) from a 4 cells x 3
genes matrix written out in full, so the expected values are read off the builder.
"""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from rnaclust_dash import io as rio
from rnaclust_dash.dataset import _portable
from rnaclust_dash.errors import DataError

from sc_builders import (BARCODES, COUNTS, GENE_IDS, SYMBOLS, tar_bytes, tenx_files,
                          tenx_h5, write_folder, zip_bytes)


def _assert_counts(dataset, counts=COUNTS, barcodes=BARCODES, gene_ids=GENE_IDS,
                   symbols=SYMBOLS):
    adata = dataset.adata
    assert sparse.isspmatrix_csr(adata.X) and adata.X.dtype == np.float32
    np.testing.assert_array_equal(adata.X.toarray(), counts)
    assert list(adata.obs_names) == list(barcodes)
    assert list(adata.var_names) == list(gene_ids)
    assert list(adata.var["gene_symbol"]) == list(symbols)
    assert dataset.value_kind == "counts"


# --- 10x folders and archives ----------------------------------------------------------------

def test_tenx_folder_v3_gz_is_read_as_cells_by_genes(tmp_path):
    folder = write_folder(tmp_path / "filtered_feature_bc_matrix", tenx_files())
    dataset = rio.read_single_cell(path=folder)
    _assert_counts(dataset)
    assert list(dataset.adata.var["feature_type"]) == ["Gene Expression"] * 3
    assert dataset.name == "filtered_feature_bc_matrix"
    assert dataset.description == "10x Genomics matrix folder"
    assert dataset.notices == ()


def test_tenx_folder_v2_genes_tsv_uncompressed(tmp_path):
    folder = write_folder(tmp_path / "hg19", tenx_files(version=2, gz=False))
    _assert_counts(rio.read_single_cell(path=folder))


def test_zip_with_nested_folder_and_mac_clutter(tmp_path):
    files = tenx_files()
    content = zip_bytes(files | {"__MACOSX/._matrix.mtx.gz": b"junk"},
                        inside="run1/outs/filtered_feature_bc_matrix/")
    dataset = rio.read_single_cell(content, "run1.zip")
    _assert_counts(dataset)
    assert dataset.name == "run1.zip"


@pytest.mark.parametrize("gz", [True, False])
def test_tar_and_tar_gz_as_bytes_and_as_path(tmp_path, gz):
    content = tar_bytes(tenx_files(), gz=gz)
    _assert_counts(rio.read_single_cell(content, "sample.tar.gz"))
    path = tmp_path / "sample.tar"
    path.write_bytes(content)
    _assert_counts(rio.read_single_cell(path=path))


def test_geo_prefixed_file_names(tmp_path):
    content = zip_bytes(tenx_files(prefix="GSM123_"), inside="")
    _assert_counts(rio.read_single_cell(content, "GSE1_RAW.zip"))


def test_matrix_written_cells_by_genes_is_read_with_a_notice(tmp_path):
    files = tenx_files()
    from sc_builders import mtx_text
    files["matrix.mtx.gz"] = __import__("gzip").compress(mtx_text(COUNTS.T).encode())
    dataset = rio.read_single_cell(path=write_folder(tmp_path / "m", files))
    _assert_counts(dataset)
    assert any("cells as rows" in n for n in dataset.notices)


def test_only_gene_expression_features_are_kept(tmp_path):
    types = ["Gene Expression", "Antibody Capture", "Gene Expression"]
    folder = write_folder(tmp_path / "m", tenx_files(types=types))
    dataset = rio.read_single_cell(path=folder)
    _assert_counts(dataset, counts=COUNTS[:, [0, 2]], gene_ids=["ENSG01", "ENSG03"],
                   symbols=["MT-CO1", "GAPDH"])
    assert any('1 feature of type "Antibody Capture" left out' in n for n in dataset.notices)


def test_repeated_symbols_are_made_unique_for_display_ids_kept(tmp_path):
    folder = write_folder(tmp_path / "m", tenx_files(symbols=["TBCE", "TBCE", "GAPDH"]))
    dataset = rio.read_single_cell(path=folder)
    _assert_counts(dataset, symbols=["TBCE", "TBCE-1", "GAPDH"])
    assert any('"TBCE"' in n and "SYMBOL-1" in n for n in dataset.notices)


def test_real_valued_mtx_with_whole_numbers_is_accepted(tmp_path):
    folder = write_folder(tmp_path / "m", tenx_files(field="real"))
    _assert_counts(rio.read_single_cell(path=folder))


# --- 10x .h5 -----------------------------------------------------------------------------------

@pytest.mark.parametrize("version", [3, 2])
def test_tenx_h5_versions_3_and_2(tmp_path, version):
    path = tenx_h5(tmp_path / "filtered_feature_bc_matrix.h5", version=version)
    _assert_counts(rio.read_single_cell(path=path))
    dataset = rio.read_single_cell(path.read_bytes(), "upload.h5")
    _assert_counts(dataset)
    assert dataset.description == "10x Genomics .h5 matrix"


def test_tenx_h5_keeps_gene_expression_only(tmp_path):
    path = tenx_h5(tmp_path / "m.h5", types=["Gene Expression", "CRISPR Guide Capture",
                                             "Gene Expression"])
    dataset = rio.read_single_cell(path=path)
    _assert_counts(dataset, counts=COUNTS[:, [0, 2]], gene_ids=["ENSG01", "ENSG03"],
                   symbols=["MT-CO1", "GAPDH"])


# --- .h5ad ---------------------------------------------------------------------------------------

def _write_h5ad(path, X, *, layers=None, raw_X=None, var=None, obs=None):
    var = pd.DataFrame({"gene_ids": GENE_IDS}, index=SYMBOLS) if var is None else var
    obs = pd.DataFrame({"cell_type": ["T", "T", "B", "NK"]}, index=BARCODES) \
        if obs is None else obs
    obs, var = _portable(obs), _portable(var)  # classic string encodings (pandas 3)
    adata = ad.AnnData(X=X, obs=obs, var=var, layers=layers or {})
    if raw_X is not None:
        adata.raw = ad.AnnData(X=raw_X, obs=obs, var=var)
    adata.write_h5ad(path)
    return path


def _normalized(counts=COUNTS):
    return np.log1p(counts / counts.sum(axis=1, keepdims=True) * 1e4).astype(np.float32)


def test_h5ad_with_counts_in_x_keeps_cell_annotations(tmp_path):
    path = _write_h5ad(tmp_path / "a.h5ad", sparse.csr_matrix(COUNTS.astype(np.float32)))
    dataset = rio.read_single_cell(path=path)
    _assert_counts(dataset)  # scanpy layout: symbols in the index, ids in gene_ids
    assert list(dataset.adata.obs["cell_type"]) == ["T", "T", "B", "NK"]
    assert dataset.notices == ()


def test_h5ad_counts_from_layers_with_a_notice(tmp_path):
    path = _write_h5ad(tmp_path / "a.h5ad", _normalized(),
                       layers={"counts": sparse.csr_matrix(COUNTS)})
    dataset = rio.read_single_cell(path.read_bytes(), "a.h5ad")
    _assert_counts(dataset)
    assert dataset.notices == ('a.h5ad: X does not hold counts (it holds normalized values); '
                               'the raw counts were taken from layers["counts"].',)


def test_h5ad_counts_from_raw_with_a_notice(tmp_path):
    path = _write_h5ad(tmp_path / "a.h5ad", _normalized(), raw_X=sparse.csr_matrix(COUNTS))
    dataset = rio.read_single_cell(path=path)
    _assert_counts(dataset)
    assert "taken from raw.X" in dataset.notices[0]


def test_h5ad_cellxgene_layout_ids_in_index_symbols_in_feature_name(tmp_path):
    var = pd.DataFrame({"feature_name": SYMBOLS}, index=GENE_IDS)
    path = _write_h5ad(tmp_path / "a.h5ad", COUNTS.astype(np.float32), var=var)
    _assert_counts(rio.read_single_cell(path=path))


def test_h5ad_without_counts_is_refused(tmp_path):
    path = _write_h5ad(tmp_path / "a.h5ad", _normalized(), layers={"scaled": _normalized()})
    with pytest.raises(DataError) as caught:
        rio.read_single_cell(path=path)
    message = str(caught.value)
    assert '"a.h5ad" holds no raw counts' in message
    assert 'X and layers["scaled"]' in message
    assert 'adata.layers["counts"] = adata.X.copy()' in message


# --- bad input (issue 9 item 10) -----------------------------------------------------------------

def test_zip_without_a_matrix_names_what_it_holds():
    content = zip_bytes({"barcodes.tsv.gz": b"x", "notes.txt": b"y"}, inside="")
    with pytest.raises(DataError, match=r'No matrix.mtx or matrix.mtx.gz in "x.zip" \(it holds '
                                        r'"barcodes.tsv.gz", "notes.txt"\)'):
        rio.read_single_cell(content, "x.zip")


def test_missing_features_file_is_named(tmp_path):
    files = tenx_files()
    del files["features.tsv.gz"]
    with pytest.raises(DataError, match="no features.tsv.gz .or genes.tsv. beside it"):
        rio.read_single_cell(zip_bytes(files), "x.zip")


def test_barcodes_length_disagreeing_with_the_mtx_header(tmp_path):
    folder = write_folder(tmp_path / "m", tenx_files(barcodes=BARCODES[:3]))
    with pytest.raises(DataError) as caught:
        rio.read_single_cell(path=folder)
    assert str(caught.value) == (
        '"m/matrix.mtx.gz" says 3 rows (genes) x 4 columns (cells), but "features.tsv.gz" '
        'lists 3 genes and "barcodes.tsv.gz" 3 barcodes. The three files must come from the '
        "same Cell Ranger output folder: take all three from one folder "
        "(filtered_feature_bc_matrix, or raw_feature_bc_matrix, not one of each).")


def test_features_length_disagreeing_with_the_mtx_header(tmp_path):
    folder = write_folder(tmp_path / "m", tenx_files(header_shape=(4, 4)))
    with pytest.raises(DataError, match=r'says 4 rows \(genes\) x 4 columns \(cells\), but '
                                        r'"features.tsv.gz" lists 3 genes'):
        rio.read_single_cell(path=folder)


def test_non_integer_mtx_is_refused_with_its_place(tmp_path):
    values = COUNTS.astype(float)
    values[2, 1] = 0.37
    folder = write_folder(tmp_path / "m", tenx_files(values, field="real"))
    with pytest.raises(DataError, match=r'does not hold raw counts: cell "CCCT-1", gene '
                                        r'"ENSG02" has the value 0.37'):
        rio.read_single_cell(path=folder)


def test_negative_values_are_not_counts(tmp_path):
    values = COUNTS.copy()
    values[0, 0] = -1
    with pytest.raises(DataError, match='cell "AAAC-1", gene "ENSG01" has the value -1'):
        rio.read_single_cell(path=write_folder(tmp_path / "m", tenx_files(values)))


def test_tenx_h5_of_another_kind_is_refused(tmp_path):
    import h5py

    path = tmp_path / "molecule_info.h5"
    with h5py.File(path, "w") as handle:
        handle["barcode_idx"] = np.arange(3)
        handle["umi"] = np.arange(3)
    with pytest.raises(DataError) as caught:
        rio.read_single_cell(path=path)
    assert "not a 10x feature-barcode matrix of Cell Ranger 2 or 3+" in str(caught.value)
    assert "This is a molecule_info.h5; give filtered_feature_bc_matrix.h5" in str(caught.value)


def test_tenx_h5_v2_with_two_genomes_is_refused(tmp_path):
    path = tenx_h5(tmp_path / "m.h5", version=2, genomes=("hg19", "mm10"))
    with pytest.raises(DataError, match='several genomes \\("hg19", "mm10"\\)'):
        rio.read_single_cell(path=path)


def test_cells_with_zero_counts_are_left_out_with_a_notice(tmp_path):
    values = COUNTS.copy()
    values[1] = 0
    dataset = rio.read_single_cell(path=write_folder(tmp_path / "m", tenx_files(values)))
    _assert_counts(dataset, counts=values[[0, 2, 3]],
                   barcodes=[BARCODES[0], BARCODES[2], BARCODES[3]])
    assert dataset.notices == ('m/matrix.mtx.gz: 1 cell with no count at all ("AAAG-1") was '
                               "left out; 3 cells kept.",)


def test_all_cells_zero_is_an_error(tmp_path):
    values = np.zeros_like(COUNTS)
    with pytest.raises(DataError, match="Every cell of .* has zero counts"):
        rio.read_single_cell(path=write_folder(tmp_path / "m", tenx_files(values)))


def test_duplicate_barcodes_are_refused(tmp_path):
    barcodes = ["AAAC-1", "AAAG-1", "AAAC-1", "GGGA-1"]
    with pytest.raises(DataError, match=r'barcodes of .* are not unique: "AAAC-1" appears more '
                                        r"than once.*prefix each sample"):
        rio.read_single_cell(path=write_folder(tmp_path / "m", tenx_files(barcodes=barcodes)))


def test_archive_expanding_beyond_the_cap_is_refused(monkeypatch):
    big = tenx_files() | {"padding.bin": b"\0" * 3_000_000}
    monkeypatch.setenv("RNACLUST_MAX_UPLOAD_MB", "0.1")  # cap: 20 x 0.1 MB = 2 MB
    with pytest.raises(DataError, match="expands to more than 2 MB"):
        rio.read_single_cell(tar_bytes(big), "big.tar.gz")


def test_damaged_zip_and_lone_mtx_and_other_files():
    content = zip_bytes(tenx_files())
    with pytest.raises(DataError, match="could not be opened as a .zip or .tar.gz"):
        rio.read_single_cell(content[:200], "cut.zip")
    with pytest.raises(DataError, match="is a matrix.mtx.gz alone"):
        rio.read_single_cell(tenx_files()["matrix.mtx.gz"], "matrix.mtx.gz")
    with pytest.raises(DataError, match="is not a single-cell file"):
        rio.read_single_cell(b"gene_id,S1\nG1,3\n", "counts.csv")


def test_truncated_h5_is_refused(tmp_path):
    content = tenx_h5(tmp_path / "m.h5").read_bytes()
    with pytest.raises(DataError, match="could not be opened.*truncated"):
        rio.read_single_cell(content[:600], "m.h5")


def test_loom_file_is_named_with_what_to_do(tmp_path):
    import h5py

    path = tmp_path / "cells.loom"
    with h5py.File(path, "w") as handle:
        handle["matrix"] = np.zeros((3, 4))
        handle.create_group("row_attrs")
        handle.create_group("col_attrs")
    with pytest.raises(DataError, match="This is a loom file: convert it to .h5ad"):
        rio.read_single_cell(path=path)


def test_pattern_mtx_has_no_counts(tmp_path):
    folder = write_folder(tmp_path / "m", tenx_files(field="pattern"))
    with pytest.raises(DataError, match="holds pattern values; single-cell clustering needs "
                                        "the raw counts"):
        rio.read_single_cell(path=folder)


def test_cell_ranger_outs_with_raw_and_filtered_reads_the_filtered(tmp_path):
    outs = tmp_path / "outs"
    write_folder(outs / "filtered_feature_bc_matrix", tenx_files())
    write_folder(outs / "raw_feature_bc_matrix", tenx_files(COUNTS * 2))
    _assert_counts(rio.read_single_cell(path=outs))
    write_folder(outs / "other_matrix", tenx_files())
    (outs / "filtered_feature_bc_matrix" / "matrix.mtx.gz").rename(outs / "x.gz")
    with pytest.raises(DataError, match="holds several matrices"):
        rio.read_single_cell(path=outs)


@pytest.mark.parametrize("cut", [40, -30], ids=["in-the-header", "in-the-body"])
def test_truncated_matrix_in_a_folder_and_in_a_zip(tmp_path, cut):
    big = np.arange(1, 301).reshape(4, 75) % 7  # enough entries for a body to cut
    files = tenx_files(big, gene_ids=[f"G{i}" for i in range(75)],
                       symbols=[f"S{i}" for i in range(75)])
    files["matrix.mtx.gz"] = files["matrix.mtx.gz"][:cut]
    with pytest.raises(DataError, match="damaged|could not be read as a Matrix Market"):
        rio.read_single_cell(path=write_folder(tmp_path / "m", files))
    with pytest.raises(DataError, match="damaged|could not be read as a Matrix Market"):
        rio.read_single_cell(zip_bytes(files), "m.zip")


def test_large_sparse_input_is_never_densified(tmp_path):
    """20,000 cells x 20,000 genes at 0.1 %: dense float32 would take 1.6 GB; the reads
    of the .h5 and the .h5ad stay far below (numpy's allocations are traced)."""
    import tracemalloc

    import h5py

    rng = np.random.default_rng(0)
    n_cells = n_genes = 20_000
    counts = sparse.random(n_cells, n_genes, density=0.001, format="csr", random_state=rng,
                           data_rvs=lambda n: rng.integers(1, 9, n)).astype(np.int32)
    counts[:, 0] = 1  # no empty cell
    counts = counts.tocsr()
    path = tmp_path / "big.h5"
    with h5py.File(path, "w") as handle:
        group = handle.create_group("matrix")
        group["barcodes"] = np.array([f"C{i}" for i in range(n_cells)], dtype="S")
        group["data"], group["indices"], group["indptr"] = counts.data, counts.indices, \
            counts.indptr
        group["shape"] = np.array([n_genes, n_cells])
        features = group.create_group("features")
        features["id"] = np.array([f"G{j}" for j in range(n_genes)], dtype="S")
        features["name"] = features["id"][()]
    tracemalloc.start()
    try:
        dataset = rio.read_single_cell(path=path)
        dataset.to_h5ad(tmp_path / "big.h5ad")
        tracemalloc.reset_peak()
        from_h5ad = rio.read_single_cell(path=tmp_path / "big.h5ad")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sparse.isspmatrix_csr(from_h5ad.adata.X)
    assert (from_h5ad.adata.X != counts).nnz == 0
    assert peak < 100e6, f"peak {peak / 1e6:.0f} MB"
