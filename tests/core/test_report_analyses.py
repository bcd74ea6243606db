"""The report of every analysis (issue 14 items 3 and 7): single cells, markers with their
enrichment, and trajectories each add their figures (listed and drawn), tables and
methods sentences with citations; nothing is loaded from outside the file; ``--pdf``
prints a PDF that holds the methods and every figure's title."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from rnaclust_dash.cli import main
from rnaclust_dash.export.citations import CITATIONS
from tests.core.sc_synthetic import planted_cells, write_tenx
from tests.core.test_export_script_analyses import _time_course

REPO = Path(__file__).resolve().parents[2]
AIRWAY = REPO / "rnaclust_dash" / "data" / "airway"
FISSION = REPO / "rnaclust_dash" / "data" / "fission"


def _figures(text: str) -> list[str]:
    """Titles of the drawn figures, checked against the list of figures and the plots."""
    titles = re.findall(r"<h3>Figure (\d+)\. ([^<]*)</h3>", text)
    listed = re.findall(r"<a href='#figure-(\d+)-box'>Figure \d+\. ([^<]*)</a>", text)
    plots = re.findall(r'Plotly\.newPlot\(\s*"figure-(\d+)"', text)
    assert titles == listed and [n for n, _ in titles] == plots
    assert [int(n) for n in plots] == list(range(1, len(plots) + 1))
    return [title for _, title in titles]


def _methods(text: str) -> tuple[str, list[str]]:
    methods = re.search(r"<div id='methods'>(.*?)</div>", text, flags=re.S).group(1)
    references = re.findall(r"<li>(.*?)</li>", re.search(
        r"<ol id='references'>(.*?)</ol>", text, flags=re.S).group(1))
    return methods.replace("&#x27;", "'"), references


def _assert_cited(text: str, keys) -> None:
    """Each method is named with a [n] mark whose reference is its citation."""
    methods, references = _methods(text)
    for key in keys:
        entry = CITATIONS[key]
        mark = re.search(re.escape(entry.method) + r" \[(\d+)\]", methods)
        assert mark, f"{entry.method} is not named in the methods"
        assert references[int(mark.group(1)) - 1].replace("&#x27;", "'") == entry.reference


def _assert_offline(text: str) -> None:
    markup = re.sub(r"<script[^>]*>.*?</script>", "", text, flags=re.S)
    assert not re.search(r"<[^>]+(src|href)=['\"]?(https?:)?//", markup)
    assert "<script src" not in text


@pytest.fixture(scope="module")
def single_cell_report(tmp_path_factory):
    root = tmp_path_factory.mktemp("sc_report")
    tenx = write_tenx(planted_cells(), root / "filtered_feature_bc_matrix")
    assert main(["report", str(tenx), "--metadata", str(root / "cells.csv"), "--out",
                 str(root / "report"), "--min-genes", "50", "--hvg", "200", "--pcs", "10",
                 "--resolution", "0.5"]) == 0
    return root, (root / "report" / "report.html").read_text(encoding="utf-8")


def test_single_cell_report_has_qc_cell_map_and_markers(single_cell_report):
    root, text = single_cell_report
    assert _figures(text) == ["Quality control: per-cell metrics and thresholds",
                              "Quality control: counts against genes detected",
                              "UMAP of the cells by cluster",
                              "Top marker genes of each cluster"]
    _assert_cited(text, ("scanpy", "seurat", "pca", "leiden", "umap", "wilcoxon"))
    methods, _ = _methods(text)
    assert "fewer than 50 genes were removed (300 kept)" in methods
    assert "into 3 clusters" in methods
    for section in ("Quality control", "Clusters", "Marker genes", "Input files"):
        assert f"<h2>{section}</h2>" in text
    matrix = (root / "filtered_feature_bc_matrix" / "matrix.mtx.gz").read_bytes()
    assert hashlib.sha256(matrix).hexdigest() in text
    assert "<td>min_genes</td>" in text  # QC removals per rule
    _assert_offline(text)


@pytest.fixture(scope="module")
def markers_report(tmp_path_factory):
    root = tmp_path_factory.mktemp("markers_report")
    counts, sheet = AIRWAY / "counts.csv.gz", AIRWAY / "samples.csv"
    assert main(["markers", str(counts), "--metadata", str(sheet), "--out",
                 str(root / "markers"), "--k", "2", "--test", "t-test"]) == 0
    assert main(["enrich", "--markers", str(root / "markers" / "markers.csv"),
                 "--gene-sets", "go-bp",
                 "--out", str(root / "enrich")]) == 0
    assert main(["report", str(counts), "--metadata", str(sheet), "--params",
                 str(root / "markers" / "params.json"), "--enrichment",
                 str(root / "enrich" / "enrichment.csv"), "--out", str(root / "report")]) == 0
    return root, (root / "report" / "report.html").read_text(encoding="utf-8")


def test_markers_report_has_volcanoes_dot_plot_and_enrichment_with_genes(markers_report):
    root, text = markers_report
    assert _figures(text) == ["Heatmap", "PCA of the samples", "Silhouette",
                              "Volcano plot: 1 vs rest", "Volcano plot: 2 vs rest",
                              "Top marker genes of each group", "Enriched terms"]
    _assert_cited(text, ("t-test", "hypergeometric", "go", "hierarchical"))
    markers = pd.read_csv(root / "markers" / "markers.csv", dtype={"gene": str})
    best = markers[markers["padj"] < 0.05].sort_values("pvalue").iloc[0]
    assert f"<td>{best['gene']}</td>" in text
    enrichment = pd.read_csv(root / "enrich" / "enrichment.csv")
    top = enrichment.sort_values("pvalue").iloc[0]
    section = text[text.index("<h2>Enrichment</h2>"):]
    assert f"<td>{top['term']}</td>" in section and f"<td>{top['genes']}</td>" in section
    assert hashlib.sha256((root / "enrich" / "enrichment.csv").read_bytes()).hexdigest() in text
    _assert_offline(text)


def test_trajectory_report_has_pseudotime_paga_and_gene_trends(tmp_path):
    values, sheet = _time_course(tmp_path / "data")
    assert main(["trajectory", str(values), "--metadata", str(sheet), "--out",
                 str(tmp_path / "trajectory"), "--root-column", "hours", "--k", "3"]) == 0
    assert main(["report", str(values), "--metadata", str(sheet), "--params",
                 str(tmp_path / "trajectory" / "params.json"), "--out",
                 str(tmp_path / "report")]) == 0
    text = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert _figures(text)[3:] == ["Pseudotime and PAGA on the diffusion map",
                                  "Top genes along pseudotime"]
    _assert_cited(text, ("diffusion_pseudotime", "paga"))
    paga = pd.read_csv(tmp_path / "trajectory" / "paga.csv")
    section = text[text.index("<h2>Trajectory</h2>"):]
    for row in paga.itertuples():
        assert f"<td>{row[1]}</td>" in section  # every PAGA edge in the table
    root = pd.read_csv(tmp_path / "trajectory" / "pseudotime.csv").sort_values(
        "pseudotime").iloc[0]["id"]
    assert f"Root: <code>{root}</code>" in section


@pytest.mark.parametrize("command, titles, cited", [
    (["timecourse", "--time-column", "minute", "--group-column", "strain", "--group", "wt",
      "--top-genes", "200", "--clusters", "3"], ["Time profiles of each cluster"], ("mfuzz",)),
    (["modules", "--top-genes", "400", "--min-module-size", "20", "--trait-columns",
      "strain,minute"], ["Soft-threshold power: scale-free fit and mean connectivity",
                         "Module eigengenes", "Module-trait correlations"],
     ("wgcna", "dynamic_tree_cut"))], ids=["timecourse", "modules"])
def test_time_course_and_modules_reports_show_the_commands_results(tmp_path, command,
                                                                   titles, cited):
    counts, sheet = FISSION / "counts.csv.gz", FISSION / "samples.csv"
    results = tmp_path / command[0]
    assert main([command[0], str(counts), "--metadata", str(sheet), "--out", str(results),
                 *command[1:]]) == 0
    report = ["report", str(counts), "--metadata", str(sheet), "--params",
              str(results / "params.json"), "--out", str(tmp_path / "report")]
    assert main(report) == 0
    text = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert _figures(text) == titles
    _assert_cited(text, cited)
    first = sorted(results.glob("*.csv"))[0]
    assert hashlib.sha256(first.read_bytes()).hexdigest() in text  # the results read
    _assert_offline(text)
    first.unlink()  # a result file missing: a message, no report
    assert main(report[:-1] + [str(tmp_path / "again")]) == 2
    assert not (tmp_path / "again" / "report.html").exists()


@pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("pdftotext")),
                    reason="needs Chromium and pdftotext (poppler-utils)")
def test_pdf_report_holds_the_methods_and_every_figure(single_cell_report):
    root, text = single_cell_report
    out = root / "pdf"
    assert main(["report", str(root / "filtered_feature_bc_matrix"), "--out", str(out),
                 "--min-genes", "50", "--hvg", "200", "--pcs", "10", "--resolution", "0.5",
                 "--pdf"]) == 0
    pdf = (out / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    printed = subprocess.run(["pdftotext", "-layout", str(out / "report.pdf"), "-"],
                             capture_output=True, text=True, check=True).stdout
    flat = " ".join(printed.split())
    assert "following the steps of scanpy [1]" in flat
    for title in _figures(text):
        assert title in flat, title
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert pages >= 4  # methods, then the figures that do not share a page
