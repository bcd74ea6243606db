"""The sidebar's script and report downloads (issue 14 items 2, 3 and 7): the downloaded
script, run on the example's files, writes the assignments the dashboard downloads, byte
for byte; the downloaded report holds the three figures and the methods."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile

from callback_helpers import (PASILLA, REPO, analysis_controls, assert_accepted, data_url,
                              guarded_analysis, guarded_data, out, registered)
import pytest
from dash import no_update

from callbacks import data
from layouts import ids
from views.clustering import analysis, reproduce


def _run_downloaded_script(sent: dict, folder) -> str:
    """Unzip the script download in ``folder``, put the example's files there under the
    names the script reads, run it; returns the assignments.csv it writes."""
    assert sent["filename"] == "rnaclust-dash-analysis.zip"
    assert sent["base64"]
    bundle = zipfile.ZipFile(io.BytesIO(base64.b64decode(sent["content"])))
    assert sorted(bundle.namelist()) == ["analysis.ipynb", "analysis.py", "params.json"]
    bundle.extractall(folder)
    script = (folder / "analysis.py").read_text()
    names = dict(re.findall(r"^(COUNTS|METADATA|GENE_LENGTHS) = (?:Path\()?'([^']+)'", script,
                            flags=re.M))
    for name, source in (("COUNTS", "counts.csv.gz"), ("METADATA", "samples.csv"),
                         ("GENE_LENGTHS", "lengths.csv.gz")):
        content = (PASILLA / source).read_bytes()
        if source.endswith(".gz") and not names[name].endswith(".gz"):
            content = gzip.decompress(content)
        (folder / names[name]).write_bytes(content)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "analysis.py"], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return (folder / "results" / "assignments.csv").read_text()


def test_downloaded_script_reproduces_the_downloaded_assignments(store, example_analysis_store,
                                                                 tmp_path):
    sent = registered(reproduce, store).functions["download_script"](
        1, example_analysis_store, "pca", 15, 0.1)[0]
    expected = registered(analysis, store).functions["download_assignments"](
        1, example_analysis_store)["content"]
    assert _run_downloaded_script(sent, tmp_path) == expected


def test_downloaded_report_has_the_figures_and_methods(store, example_analysis_store):
    sent = registered(reproduce, store).functions["download_report"](
        1, example_analysis_store, "pca", 15, 0.1)[0]
    assert sent["filename"] == "report.html"
    text = sent["content"]
    assert re.findall(r'Plotly\.newPlot\(\s*"(figure-\d)"', text) == [
        "figure-1", "figure-2", "figure-3"]
    assert "<div id='methods'>" in text and "Rousseeuw PJ (1987)" in text
    assert example_analysis_store["key"] in text
    assert "<script src" not in text


def test_nothing_to_download_before_an_analysis(store):
    functions = registered(reproduce, store).functions
    for name in ("download_script", "download_report", "download_report_pdf"):
        assert functions[name](1, None, "pca", 15, 0.1) == (no_update,) * 4


@pytest.mark.skipif(not shutil.which("chromium"), reason="needs Chromium")
def test_report_pdf_download_is_a_pdf_of_the_report(store, example_analysis_store):
    sent, message, is_open, _ = registered(reproduce, store).functions[
        "download_report_pdf"](1, example_analysis_store, "pca", 15, 0.1)
    assert message is no_update and is_open is no_update
    assert sent["filename"] == "report.pdf" and sent["base64"]
    pdf = base64.b64decode(sent["content"])
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 2


def test_report_pdf_without_chromium_says_so(store, example_analysis_store, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    sent, message, is_open, color = registered(reproduce, store).functions[
        "download_report_pdf"](1, example_analysis_store, "pca", 15, 0.1)
    assert sent is no_update and is_open is True and color == "danger"
    assert "Chromium could not print the report" in str(message)


def _report_of(store, data_outputs) -> str:
    dataset_store = out(data_outputs, data, ids.DATASET_STORE, "data")
    outputs = guarded_analysis(store, dataset_store, analysis_controls(data_outputs), [])
    assert_accepted(outputs, analysis)
    analysis_store = out(outputs, analysis, ids.ANALYSIS_STORE, "data")
    return registered(reproduce, store).functions["download_report"](
        1, analysis_store, "pca", 15, 0.1)[0]["content"]


def _checksum_rows(text: str) -> dict[str, str]:
    section = text[text.index("<h2>Input files</h2>"):]
    rows = re.findall(r"<td>([^<]+)</td>\s*<td>(\d+)</td>\s*<td>([0-9a-f]{64})</td>", section)
    return {name: digest for name, _, digest in rows}


def test_report_lists_the_checksums_of_the_uploaded_files(store):
    """The uploaded bytes are not kept, but their sha256 is: the counts, then the sample
    sheet uploaded after them (its dataset keeps the counts' checksum too)."""
    counts = (PASILLA / "counts.csv.gz").read_bytes()
    sheet = (PASILLA / "samples.csv").read_bytes()
    uploaded = guarded_data(store, ids.UPLOAD_COUNTS, None, data_url(counts, "application/gzip"),
                            "my_counts.csv.gz", None, None, None, None, None)
    assert_accepted(uploaded, data)
    annotated = guarded_data(store, ids.UPLOAD_METADATA, None, None, None, data_url(sheet),
                             "my_samples.csv", None, None,
                             out(uploaded, data, ids.DATASET_STORE, "data"))
    assert_accepted(annotated, data)
    assert _checksum_rows(_report_of(store, uploaded)) == {
        "my_counts.csv.gz": hashlib.sha256(counts).hexdigest()}
    assert _checksum_rows(_report_of(store, annotated)) == {
        "my_counts.csv.gz": hashlib.sha256(counts).hexdigest(),
        "my_samples.csv": hashlib.sha256(sheet).hexdigest()}


def test_report_of_the_example_lists_the_example_files(store, example_analysis_store):
    text = registered(reproduce, store).functions["download_report"](
        1, example_analysis_store, "pca", 15, 0.1)[0]["content"]
    rows = _checksum_rows(text)
    assert rows["pasilla/counts.csv.gz"] == hashlib.sha256(
        (PASILLA / "counts.csv.gz").read_bytes()).hexdigest()
    assert set(rows) == {"pasilla/counts.csv.gz", "pasilla/samples.csv",
                         "pasilla/lengths.csv.gz"}


def test_script_of_split_clusters_reproduces_the_split_assignments(
        store, example_analysis_store, tmp_path):
    """The clusters on screen include a split: the downloaded script replays it (it was
    left out, the script giving the clusters before the split), and the report shows it."""
    split = example_analysis_store | {"splits": [{"cluster": "2", "k": 2}]}
    functions = registered(reproduce, store).functions
    sent, *alert = functions["download_script"](1, split, "pca", 15, 0.1)
    assert alert == [no_update] * 3
    expected = registered(analysis, store).functions["download_assignments"](1, split)
    assert "2.1" in expected["content"] and "2.2" in expected["content"]
    assert _run_downloaded_script(sent, tmp_path) == expected["content"]
    report = functions["download_report"](1, split, "pca", 15, 0.1)[0]["content"]
    assert "&quot;subclusters&quot;" in report and ">2.1<" in report and ">2.2<" in report
    assert "Clusters were then split in place, in this order: 2;" in report


def test_the_sidebar_downloads_point_single_cells_to_the_cells_tab(store):
    from rnaclust_dash.errors import ParameterError
    from views.clustering.reproduce import sidebar_analysis

    with pytest.raises(ParameterError, match="Cells tab"):
        sidebar_analysis(store, None, "pca", None, None, {"key": "k", "mode": "single-cell"})
    # bulk data with nothing on screen yet: nothing to export, no message
    assert sidebar_analysis(store, None, "pca", None, None,
                            {"key": "k", "mode": "bulk"}) is None
