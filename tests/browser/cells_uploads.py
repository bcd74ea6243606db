"""Zipped 10x folders as a user uploads them, for the Cells browser tests (one home)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from reference_paths import SHARED_DATA  # noqa: E402
from sc_synthetic import write_tenx  # noqa: E402

CELLBENCH = SHARED_DATA / "cellbench_5cl_celseq2_3plates"


def synthetic_zip(adata, tmp_path: Path, name: str) -> Path:
    """``adata`` (cells x genes counts) as a zipped Cell Ranger folder, no cell sheet."""
    folder = write_tenx(adata, tmp_path / "zipped" / "filtered_feature_bc_matrix")
    (folder / "cells.csv").unlink(missing_ok=True)
    return Path(shutil.make_archive(str(tmp_path / name), "zip", folder.parent))


def cellbench_zip(tmp_path: Path, *, with_sheet: bool) -> Path:
    """CellBench's 909 cells (../shared) as a zipped 10x folder, with its cell sheet when
    ``with_sheet``; the test is skipped when ../shared is absent."""
    if not (CELLBENCH / "counts.mtx.gz").exists():
        pytest.skip("CellBench is not in ../shared/data")
    folder = tmp_path / "cellbench" / "filtered_feature_bc_matrix"
    folder.mkdir(parents=True)
    shutil.copy(CELLBENCH / "counts.mtx.gz", folder / "matrix.mtx.gz")
    names = ("barcodes.tsv.gz", "features.tsv.gz") + (("cells.csv",) if with_sheet else ())
    for name in names:
        shutil.copy(CELLBENCH / name, folder / name)
    return Path(shutil.make_archive(str(tmp_path / "cellbench"), "zip", folder.parent))
