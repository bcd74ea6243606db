"""The data callback with single-cell input: uploads of 10x archives, .h5 and .h5ad, the
server's data folder (RNACLUST_DATA_DIR) and cell sheets; bad input keeps the dataset."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from callback_helpers import assert_accepted, assert_rejected, data_url, guarded_data, out, \
    text_of
from dash import no_update

from callbacks import data
from layouts import ids
from layouts.data_dir import data_dir_control, data_dir_options
from rnaclust_dash.pipeline import load_dataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from sc_builders import BARCODES, COUNTS, tenx_files, tenx_h5, write_folder, zip_bytes  # noqa: E402


def call(store, trigger, current_store, *, counts=None, name=None, metadata=None,
         lengths=None, entry=None, example=None):
    return guarded_data(store, trigger, example,
                        None if counts is None else data_url(counts, "application/zip"), name,
                        None if metadata is None else data_url(metadata), name,
                        None if lengths is None else data_url(lengths), name,
                        current_store, entry)


def stored(store, outputs):
    return load_dataset(store, out(outputs, data, ids.DATASET_STORE, "data")["key"])


def test_uploading_a_10x_zip_loads_single_cells(store, example_store):
    outputs = call(store, ids.UPLOAD_COUNTS, example_store, counts=zip_bytes(tenx_files()),
                   name="pbmc.zip")
    assert_accepted(outputs, data)
    dataset = stored(store, outputs)
    assert dataset.is_sparse
    np.testing.assert_array_equal(dataset.adata.X.toarray(), COUNTS)
    info = text_of(out(outputs, data, ids.DATASET_INFO, "children"))
    assert "single cells: 4 cells x 3 genes; raw counts" in info
    assert out(outputs, data, ids.EXCLUDE, "options") == []
    assert out(outputs, data, ids.EXAMPLE, "value") is None


@pytest.mark.parametrize("content, name, expected", [
    (zip_bytes({"readme.txt": b"hello"}), "x.zip", "No matrix.mtx or matrix.mtx.gz"),
    (zip_bytes(tenx_files(barcodes=BARCODES[:3])), "x.zip", "must come from the same"),
    (zip_bytes(tenx_files(COUNTS * 0.5, field="real")), "x.zip", "does not hold raw counts"),
    (zip_bytes(tenx_files(barcodes=["a", "a", "b", "c"])), "x.zip", "are not unique"),
], ids=["no-matrix", "mismatched-lengths", "non-integer", "duplicate-barcodes"])
def test_bad_single_cell_uploads_keep_the_dataset(store, example_store, content, name,
                                                  expected):
    outputs = call(store, ids.UPLOAD_COUNTS, example_store, counts=content, name=name)
    assert expected in assert_rejected(outputs, data)
    assert load_dataset(store, example_store["key"]).name == "pasilla"


def test_h5ad_without_counts_and_h5_of_another_kind_are_rejected(store, example_store,
                                                                 tmp_path):
    import h5py

    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as handle:
        handle["umi"] = np.arange(3)
    outputs = call(store, ids.UPLOAD_COUNTS, example_store, counts=path.read_bytes(),
                   name="other.h5")
    assert "not a 10x feature-barcode matrix" in assert_rejected(outputs, data)
    import anndata as ad
    import pandas as pd

    normalized = ad.AnnData(X=np.log1p(COUNTS).astype(np.float32),
                            obs=pd.DataFrame(index=pd.Index(BARCODES, dtype=object)),
                            var=pd.DataFrame(index=pd.Index(["a", "b", "c"], dtype=object)))
    normalized.write_h5ad(tmp_path / "norm.h5ad")
    outputs = call(store, ids.UPLOAD_COUNTS, example_store,
                   counts=(tmp_path / "norm.h5ad").read_bytes(), name="norm.h5ad")
    assert '"norm.h5ad" holds no raw counts' in assert_rejected(outputs, data)
    assert load_dataset(store, example_store["key"]).name == "pasilla"


def test_cell_sheet_on_single_cells_and_no_gene_lengths(store, example_store):
    loaded = call(store, ids.UPLOAD_COUNTS, example_store, counts=zip_bytes(tenx_files()),
                  name="pbmc.zip")
    current = out(loaded, data, ids.DATASET_STORE, "data")
    sheet = b"barcode,cell_type\nAAAC-1,T\nAAAG-1,T\nCCCT-1,B\nGGGA-1,NK\n"
    outputs = call(store, ids.UPLOAD_METADATA, current, metadata=sheet, name="cells.csv")
    assert_accepted(outputs, data)
    assert list(stored(store, outputs).adata.obs["cell_type"]) == ["T", "T", "B", "NK"]
    assert "cell_type" in [o["value"] for o in out(outputs, data, ids.COLOR_BY, "options")]
    outputs = call(store, ids.UPLOAD_LENGTHS, current, lengths=b"gene,length\nENSG01,100\n",
                   name="lengths.csv")
    assert "Gene lengths are for bulk count tables" in assert_rejected(outputs, data)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    root = tmp_path / "server_data"
    write_folder(root / "pbmc_folder", tenx_files())
    tenx_h5(root / "pbmc.h5")
    monkeypatch.setenv("RNACLUST_DATA_DIR", str(root))
    return root


def test_data_folder_is_listed_in_the_data_card(data_dir, monkeypatch):
    assert [o["value"] for o in data_dir_options()] == ["pbmc.h5", "pbmc_folder"]
    assert data_dir_control().hidden is False
    monkeypatch.delenv("RNACLUST_DATA_DIR")
    assert data_dir_options() == [] and data_dir_control().hidden is True


@pytest.mark.parametrize("entry", ["pbmc.h5", "pbmc_folder"])
def test_choosing_a_data_folder_entry_loads_it(store, example_store, data_dir, entry):
    outputs = call(store, ids.DATA_DIR_ENTRY, example_store, entry=entry)
    assert_accepted(outputs, data)
    dataset = stored(store, outputs)
    np.testing.assert_array_equal(dataset.adata.X.toarray(), COUNTS)
    assert dataset.name == entry
    assert out(outputs, data, ids.EXAMPLE, "value") is None
    assert out(outputs, data, ids.DATA_DIR_ENTRY, "value") == entry
    # Choosing the example afterwards empties the data-folder choice.
    back = call(store, ids.EXAMPLE, out(outputs, data, ids.DATASET_STORE, "data"),
                example="pasilla")
    assert out(back, data, ids.DATA_DIR_ENTRY, "value") is None


@pytest.mark.parametrize("entry", ["../secret.csv", "/etc/passwd", "missing.h5"])
def test_names_outside_the_data_folder_are_refused(store, example_store, data_dir, entry):
    (data_dir.parent / "secret.csv").write_bytes(b"gene_id,S1,S2\nG1,1,2\n")
    outputs = call(store, ids.DATA_DIR_ENTRY, example_store, entry=entry)
    assert "data folder" in assert_rejected(outputs, data)


def test_cleared_data_folder_choice_changes_nothing(store, example_store, data_dir):
    outputs = call(store, ids.DATA_DIR_ENTRY, example_store, entry=None)
    assert all(value is no_update for value in outputs)
