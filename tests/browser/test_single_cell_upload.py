"""Single-cell input in headless Chromium: a 10x folder uploaded as .zip, a bad zip that
keeps what is loaded, and a dataset chosen from the server's data folder."""

import shutil
import zipfile
from pathlib import Path

import pytest
from layouts import ids
from test_app import choose, shot, upload, wait_rendered

pytestmark = pytest.mark.browser

SUBSET = Path(__file__).resolve().parents[1] / "data" / "io" / "cellbench_subset"


@pytest.fixture
def cellbench_zip(tmp_path) -> Path:
    """The 40-cell CellBench 10x folder, zipped as a user would (folder inside)."""
    folder = tmp_path / "zipped" / "filtered_feature_bc_matrix"
    folder.mkdir(parents=True)
    for name in ("matrix.mtx.gz", "barcodes.tsv.gz", "features.tsv.gz"):
        shutil.copy(SUBSET / name, folder / name)
    return Path(shutil.make_archive(str(tmp_path / "cellbench40"), "zip", folder.parent))


def test_uploading_a_10x_zip_then_a_zip_without_matrix(dash_duo, app_factory, tmp_path,
                                                       cellbench_zip):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    upload(dash_duo, ids.UPLOAD_COUNTS, cellbench_zip)
    dash_duo.wait_for_contains_text(f"#{ids.DATASET_INFO}", "cellbench40.zip", timeout=30)
    info = dash_duo.find_element(f"#{ids.DATASET_INFO}").text
    assert "single cells: 40 cells x 1,500 genes; raw counts" in info
    shot(dash_duo, "single_cell_zip")
    bad = tmp_path / "notes.zip"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("notes/readme.txt", "no matrix here")
    upload(dash_duo, ids.UPLOAD_COUNTS, bad)
    data_alert = ids.VIEW_ALERTS["data"]
    dash_duo.wait_for_contains_text(f"#{data_alert}", "No matrix.mtx", timeout=20)
    assert '"notes.zip"' in dash_duo.find_element(f"#{data_alert}").text
    assert "cellbench40.zip" in dash_duo.find_element(f"#{ids.DATASET_INFO}").text
    shot(dash_duo, "single_cell_bad_zip")


def test_a_dataset_of_the_server_data_folder_loads(dash_duo, app_factory, tmp_path,
                                                   monkeypatch):
    root = tmp_path / "server_data"
    shutil.copytree(SUBSET, root / "cellbench40")
    monkeypatch.setenv("RNACLUST_DATA_DIR", str(root))
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    choose(dash_duo, ids.DATA_DIR_ENTRY, "cellbench40 (10x folder, 0.1 MB)")
    dash_duo.wait_for_contains_text(f"#{ids.DATASET_INFO}", "40 cells x 1,500 genes",
                                    timeout=30)
    shot(dash_duo, "single_cell_data_dir")
