"""The sidebar's script and report downloads (issue 14 items 2, 3 and 7): the downloaded
script, run on the example's files, writes the assignments the dashboard downloads, byte
for byte; the downloaded report holds the three figures and the methods."""

from __future__ import annotations

import base64
import gzip
import io
import os
import re
import subprocess
import sys
import zipfile

from callback_helpers import PASILLA, REPO, registered
from dash import no_update

from views.clustering import analysis, reproduce


def test_downloaded_script_reproduces_the_downloaded_assignments(store, example_analysis_store,
                                                                 tmp_path):
    sent = registered(reproduce, store).functions["download_script"](
        1, example_analysis_store, "pca", 15, 0.1)
    assert sent["filename"] == "rnaclust-dash-analysis.zip"
    assert sent["base64"]
    bundle = zipfile.ZipFile(io.BytesIO(base64.b64decode(sent["content"])))
    assert sorted(bundle.namelist()) == ["analysis.ipynb", "analysis.py", "params.json"]
    bundle.extractall(tmp_path)
    script = (tmp_path / "analysis.py").read_text()
    names = dict(re.findall(r"^(COUNTS|METADATA|GENE_LENGTHS) = (?:Path\()?'([^']+)'", script,
                            flags=re.M))
    # the example's files under the names the script reads
    for name, source in (("COUNTS", "counts.csv.gz"), ("METADATA", "samples.csv"),
                         ("GENE_LENGTHS", "lengths.csv.gz")):
        content = (PASILLA / source).read_bytes()
        if source.endswith(".gz") and not names[name].endswith(".gz"):
            content = gzip.decompress(content)
        (tmp_path / names[name]).write_bytes(content)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "analysis.py"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    expected = registered(analysis, store).functions["download_assignments"](
        1, example_analysis_store)["content"]
    assert (tmp_path / "results" / "assignments.csv").read_text() == expected


def test_downloaded_report_has_the_figures_and_methods(store, example_analysis_store):
    sent = registered(reproduce, store).functions["download_report"](
        1, example_analysis_store, "pca", 15, 0.1)
    assert sent["filename"] == "report.html"
    text = sent["content"]
    assert re.findall(r'Plotly\.newPlot\(\s*"(figure-\d)"', text) == [
        "figure-1", "figure-2", "figure-3"]
    assert "<div id='methods'>" in text and "Rousseeuw PJ (1987)" in text
    assert example_analysis_store["key"] in text
    assert "<script src" not in text


def test_nothing_to_download_before_an_analysis(store):
    functions = registered(reproduce, store).functions
    assert functions["download_script"](1, None, "pca", 15, 0.1) is no_update
    assert functions["download_report"](1, None, "pca", 15, 0.1) is no_update
