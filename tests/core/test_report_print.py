"""The report in print (issue 14 item 3, "optional PDF"): no figure is cut across pages.
``break-inside: avoid`` keeps a figure on one page only when it fits one; the silhouette
of 150 samples is 1,600 px tall, so in print a figure taller than a page is redrawn at
the page's height. Checked on ``report --pdf`` with pdftotext, page by page."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from rnaclust_dash.cli import main
from rnaclust_dash.export.pdf import PRINT_SCRIPT, printable

needs_chromium = pytest.mark.skipif(
    not (shutil.which("chromium") and shutil.which("pdftotext")),
    reason="needs Chromium and pdftotext (poppler-utils)")

N_SAMPLES = 150


def _counts(path) -> None:
    """Genes x samples counts of three groups of 50 samples."""
    rng = np.random.default_rng(0)
    base = rng.gamma(2, 50, size=1000)
    effect = rng.normal(0, 1, size=(1000, 3)) * (rng.random((1000, 1)) < 0.2)
    groups = np.repeat([0, 1, 2], N_SAMPLES // 3)
    counts = rng.poisson(base[:, None] * np.exp(effect[:, groups]))
    pd.DataFrame(counts, index=pd.Index([f"g{i}" for i in range(1000)], name="gene_id"),
                 columns=[f"s{j:03d}" for j in range(N_SAMPLES)]).to_csv(path)


def _pages(pdf) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    return text.split("\f")


@needs_chromium
def test_a_silhouette_taller_than_a_page_is_printed_whole_on_one_page(tmp_path):
    _counts(tmp_path / "counts.csv")
    assert main(["report", str(tmp_path / "counts.csv"), "--k", "3", "--out",
                 str(tmp_path / "out"), "--pdf"]) == 0
    pages = _pages(tmp_path / "out" / "report.pdf")
    info = subprocess.run(["pdfinfo", str(tmp_path / "out" / "report.pdf")],
                          capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info, info  # the print rules ask for A4, not Chromium's Letter
    figures = {n: [i for i, page in enumerate(pages) if f"Figure {n}." in page
                   and "List of figures" not in page] for n in (1, 2, 3)}
    assert all(len(found) == 1 for found in figures.values()), figures
    silhouette = pages[figures[3][0]]
    # its three clusters' labels and its x axis are on the page of its title
    for label in ("cluster 1 (n=50)", "cluster 2 (n=50)", "cluster 3 (n=50)", "silhouette"):
        assert label in silhouette, label
    # and none of its bars' sample ids spill onto the next page
    following = pages[figures[3][0] + 1]
    assert not following.lstrip().startswith("s0") and "s149" not in following.split(
        "Assignments")[0]


def test_printable_adds_the_print_rules_once():
    page = "<html><head><style>body{}</style></head><body></body></html>"
    once = printable(page)
    assert "@media print" in once and once.count(PRINT_SCRIPT) == 1
    assert printable(once) == once


def test_report_html_carries_the_print_rules_for_a_browsers_print():
    """report.html printed from a browser (not only report --pdf) keeps figures whole."""
    from rnaclust_dash.export.report import Section, report_html

    text = report_html("a report", [Section("Figures", "<div class='figure'></div>")])
    assert text.count(PRINT_SCRIPT) == 1 and ".figure{break-inside:avoid}" in text
    assert text.index(PRINT_SCRIPT) < text.index("<body>")
