"""Tests of rnaclust_dash.io: real 10x data (parity with scipy), cell sheets, mode
detection, the server data folder and the CLI reading single-cell inputs."""

from __future__ import annotations

import gzip
import os
import shutil

import numpy as np
import pandas as pd
import pytest
import scipy.io
from scipy import sparse

from io_helpers import FIXTURES, shared_file
from rnaclust_dash import io as rio
from rnaclust_dash.cli import main
from rnaclust_dash.dataset import Dataset
from rnaclust_dash.errors import DataError
from sc_builders import BARCODES, COUNTS, tenx_files, tenx_h5, write_folder, zip_bytes

SUBSET = FIXTURES / "cellbench_subset"


def _mmread_cells_by_genes(path) -> np.ndarray:
    return sparse.csr_matrix(scipy.io.mmread(path)).T.toarray()


# --- real data: the matrix equals scipy's reading of it ------------------------------------------

def test_cellbench_subset_equals_scipy_mmread():
    dataset = rio.read_single_cell(path=SUBSET)
    expected = _mmread_cells_by_genes(SUBSET / "matrix.mtx.gz")
    assert dataset.adata.shape == (40, 1500) == expected.shape
    np.testing.assert_array_equal(dataset.adata.X.toarray(), expected)
    barcodes = pd.read_csv(SUBSET / "barcodes.tsv.gz", header=None)[0].tolist()
    assert list(dataset.adata.obs_names) == barcodes
    features = pd.read_csv(SUBSET / "features.tsv.gz", header=None, sep="\t")
    assert list(dataset.adata.var_names) == features[0].tolist()
    assert dataset.adata.var["gene_symbol"].iloc[:3].tolist() == ["TSPAN6", "DPM1", "SCYL3"]


def test_cellbench_full_folder_zip_and_h5ad_equal_scipy_mmread(tmp_path):
    source = shared_file("cellbench_5cl_celseq2_3plates", "counts.mtx.gz").parent
    folder = tmp_path / "cellbench"
    folder.mkdir()
    for name, target in (("counts.mtx.gz", "matrix.mtx.gz"), ("barcodes.tsv.gz",) * 2,
                         ("features.tsv.gz",) * 2):
        shutil.copy(source / name, folder / target)
    expected = sparse.csr_matrix(scipy.io.mmread(source / "counts.mtx.gz")).T.tocsr()
    dataset = rio.read_single_cell(path=folder)
    assert dataset.adata.shape == (909, 16039)
    assert (dataset.adata.X != expected).nnz == 0
    assert dataset.adata.X.nnz == expected.nnz == 4_996_652
    zipped = shutil.make_archive(str(tmp_path / "cellbench"), "zip", tmp_path, "cellbench")
    from_zip = rio.read_single_cell(open(zipped, "rb").read(), "cellbench.zip")
    assert (from_zip.adata.X != expected).nnz == 0
    dataset.to_h5ad(tmp_path / "cellbench.h5ad")
    from_h5ad = rio.read_single_cell(path=tmp_path / "cellbench.h5ad")
    assert (from_h5ad.adata.X != expected).nnz == 0
    assert list(from_h5ad.adata.var["gene_symbol"]) == list(dataset.adata.var["gene_symbol"])


# --- cell sheets -----------------------------------------------------------------------------------

def _tiny(tmp_path) -> Dataset:
    return rio.read_single_cell(path=write_folder(tmp_path / "m", tenx_files()))


def test_cell_sheet_columns_join_by_barcode_and_unknown_or_missing_are_reported(tmp_path):
    sheet = b"barcode,cell_type,n\nGGGA-1,NK,4\nAAAC-1,T,1\nTTTT-1,B,9\nCCCT-1,B,3\n"
    dataset = rio.attach_cell_sheet(_tiny(tmp_path), sheet, "cells.csv")
    obs = dataset.adata.obs
    assert obs["cell_type"].tolist()[:1] + obs["cell_type"].tolist()[2:] == ["T", "B", "NK"]
    assert pd.isna(obs.loc["AAAG-1", "cell_type"])
    assert obs["n"].tolist()[2:] == [3, 4] and obs["n"].dtype.kind == "f"
    assert dataset.notices == (
        'cells.csv: 1 row name no cell of the data ("TTTT-1"); ignored (cells without '
        "counts, or filtered out by Cell Ranger).",
        'cells.csv: 1 cell of the data has no row ("AAAG-1"); their annotations are empty.')
    assert dataset.adata.X is not None and (dataset.adata.X != _tiny(tmp_path).adata.X).nnz == 0


def test_cell_sheet_without_the_gem_well_suffix_matches(tmp_path):
    sheet = b"cell,group\nAAAC,a\nAAAG,a\nCCCT,b\nGGGA,b\n"
    dataset = rio.attach_cell_sheet(_tiny(tmp_path), sheet, "cells.csv")
    assert dataset.adata.obs["group"].tolist() == ["a", "a", "b", "b"]
    assert dataset.notices == ()


def test_cell_sheet_of_the_real_subset(tmp_path):
    dataset = rio.read_single_cell(path=SUBSET)
    dataset = rio.attach_cell_sheet(dataset, (SUBSET / "cells.csv").read_bytes(), "cells.csv")
    sheet = pd.read_csv(SUBSET / "cells.csv", index_col=0)
    assert dataset.adata.obs["cell_type"].tolist() == sheet["cell_type"].tolist()
    assert set(sheet["cell_type"]) == {"A549", "H1975", "H2228", "H838", "HCC827"}


def test_cell_sheet_errors(tmp_path):
    dataset = _tiny(tmp_path)
    with pytest.raises(DataError, match='lists the barcode "AAAC-1" more than once'):
        rio.attach_cell_sheet(dataset, b"barcode,a\nAAAC-1,1\nAAAC-1,2\n", "cells.csv")
    with pytest.raises(DataError, match='None of the barcodes in the first column of '
                                        '"cells.csv" \\("x", "y"\\) is a cell of the data'):
        rio.attach_cell_sheet(dataset, b"barcode,a\nx,1\ny,2\n", "cells.csv")


# --- mode ------------------------------------------------------------------------------------------

def test_detect_mode_by_format_and_by_sparse_columns(tmp_path, small_dataset):
    assert rio.detect_mode(_tiny(tmp_path)) == "single-cell"
    assert rio.detect_mode(small_dataset) == "bulk"
    rng = np.random.default_rng(0)
    genes, cells = [f"g{i}" for i in range(30)], [f"c{j}" for j in range(2_001)]
    sparse_values = rng.poisson(0.3, size=(30, 2_001)).astype(float)  # ~74 % zeros
    assert (sparse_values == 0).mean() > 0.5
    wide = Dataset(counts=pd.DataFrame(sparse_values, index=genes, columns=cells))
    assert rio.detect_mode(wide) == "single-cell"
    dense = Dataset(counts=pd.DataFrame(sparse_values + 1, index=genes, columns=cells))
    assert rio.detect_mode(dense) == "bulk"
    narrow = Dataset(counts=pd.DataFrame(sparse_values[:, :2_000], index=genes,
                                         columns=cells[:2_000]))
    assert rio.detect_mode(narrow) == "bulk"


def test_resolve_mode_forced_and_auto(small_dataset):
    assert rio.resolve_mode("auto", small_dataset) == "bulk"
    assert rio.resolve_mode("single-cell", small_dataset) == "single-cell"
    with pytest.raises(Exception, match="not a valid mode"):
        rio.resolve_mode("spatial", small_dataset)


def test_is_single_cell_input_by_content(tmp_path):
    assert rio.is_single_cell_input(zip_bytes(tenx_files()))
    assert rio.is_single_cell_input(path=tmp_path)  # a folder
    assert rio.is_single_cell_input(path=tenx_h5(tmp_path / "m.h5"))
    assert not rio.is_single_cell_input(b"gene_id,S1\nG1,3\n")
    assert not rio.is_single_cell_input(gzip.compress(b"gene_id,S1\nG1,3\n"))

def test_an_xlsx_whose_first_member_is_not_the_content_types_is_a_table(tmp_path):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("docProps/app.xml", bytes(np.random.default_rng(0).integers(
            0, 256, 6000, dtype=np.uint8)))  # pushes the xlsx names past the first 4 KB
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert not rio.is_single_cell_input(buffer.getvalue())
    path = tmp_path / "book.xlsx"
    path.write_bytes(buffer.getvalue())
    assert not rio.is_single_cell_input(path=path)


# --- the server's data folder ---------------------------------------------------------------------

@pytest.fixture
def data_dir(tmp_path):
    root = tmp_path / "data"
    write_folder(root / "pbmc_small" / "outs" / "filtered_feature_bc_matrix", tenx_files())
    (root / "pbmc.zip").write_bytes(zip_bytes(tenx_files()))
    tenx_h5(root / "pbmc.h5")
    (root / "bulk.csv").write_bytes(b"gene_id,S1,S2\nG1,3,4\nG2,5,0\n")
    (root / "notes.md").write_text("not data")
    (root / ".hidden.h5").write_bytes(tenx_h5(tmp_path / "x.h5").read_bytes())
    (root / "empty_folder").mkdir()
    outside = tmp_path / "secret.csv"
    outside.write_bytes(b"gene_id,S1,S2\nG1,1,2\n")
    os.symlink(outside, root / "link_out.csv")
    return root


def test_list_data_dir_names_sizes_formats(data_dir):
    entries = rio.list_data_dir(data_dir)
    assert [(e.name, e.format) for e in entries] == [
        ("bulk.csv", "table"), ("pbmc.h5", "10x .h5"), ("pbmc.zip", "10x archive"),
        ("pbmc_small", "10x folder")]
    sizes = {e.name: e.size for e in entries}
    assert sizes["bulk.csv"] == len(b"gene_id,S1,S2\nG1,3,4\nG2,5,0\n")
    folder = data_dir / "pbmc_small" / "outs" / "filtered_feature_bc_matrix"
    assert sizes["pbmc_small"] == sum(p.stat().st_size for p in folder.iterdir())
    assert entries[0].label() == "bulk.csv (table, 0.0 MB)"


@pytest.mark.parametrize("name", ["pbmc.h5", "pbmc.zip", "pbmc_small"])
def test_load_data_dir_entry_reads_single_cell_entries(data_dir, name):
    dataset = rio.load_data_dir_entry(data_dir, name)
    np.testing.assert_array_equal(dataset.adata.X.toarray(), COUNTS)
    assert list(dataset.adata.obs_names) == BARCODES


def test_load_data_dir_entry_reads_a_table(data_dir):
    dataset = rio.load_data_dir_entry(data_dir, "bulk.csv")
    assert list(dataset.counts.columns) == ["S1", "S2"] and not dataset.is_sparse


@pytest.mark.parametrize("name", ["../secret.csv", "/etc/passwd", "..", "", "link_out.csv",
                                  "pbmc_small/outs", "missing.h5", ".hidden.h5"])
def test_data_dir_refuses_names_outside_the_folder(data_dir, name):
    with pytest.raises(DataError, match="data folder|not a dataset"):
        rio.load_data_dir_entry(data_dir, name)


def test_data_dir_root_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("RNACLUST_DATA_DIR", raising=False)
    assert rio.data_dir_root() is None
    monkeypatch.setenv("RNACLUST_DATA_DIR", str(tmp_path))
    assert rio.data_dir_root() == tmp_path
    monkeypatch.setenv("RNACLUST_DATA_DIR", str(tmp_path / "nope"))
    with pytest.raises(Exception, match="not a folder"):
        rio.data_dir_root()


# --- command line ----------------------------------------------------------------------------------

def test_cli_run_reads_a_10x_folder_and_cell_sheet_in_bulk_mode(tmp_path):
    out = tmp_path / "out"
    status = main(["run", str(SUBSET), "--out", str(out), "--mode", "bulk", "--k", "5",
                   "--metadata", str(SUBSET / "cells.csv"), "--compare-column", "cell_type",
                   "--min-samples", "0"])
    assert status == 0
    assignments = pd.read_csv(out / "assignments.csv")
    barcodes = pd.read_csv(SUBSET / "barcodes.tsv.gz", header=None)[0]
    assert sorted(assignments["id"]) == sorted(barcodes)
    assert assignments["cluster"].nunique() == 5


def test_cli_refuses_gene_lengths_for_single_cells(tmp_path, capsys):
    status = main(["run", str(SUBSET), "--out", str(tmp_path), "--gene-lengths",
                   str(SUBSET / "cells.csv")])
    assert status == 2
    assert "--gene-lengths is for bulk count tables" in capsys.readouterr().err


# --- package shape ---------------------------------------------------------------------------------

@pytest.mark.parametrize("module", ["archives", "cell_matrix", "cells", "data_dir", "h5ad",
                                    "single_cell", "tenx", "tenx_h5"])
def test_single_cell_io_modules_are_small_and_dash_free(module):
    from package_shape import assert_module_small

    path = FIXTURES.parents[2] / "rnaclust_dash" / "io" / f"{module}.py"
    assert_module_small(path)
    assert "import dash" not in path.read_text() and "from dash" not in path.read_text()
