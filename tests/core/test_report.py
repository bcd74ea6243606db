"""The HTML report (issue 14 items 3 and 7): every figure, no external URL, plotly.js
inlined once, the methods paragraph names the chosen methods with their citations, the
input checksums are the files' sha256."""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from rnaclust_dash.cli import main
from rnaclust_dash.export.citations import CITATIONS
from rnaclust_dash.params.spec import BATCH_LABELS
from rnaclust_dash.pp.normalization import NORMALIZATION_LABELS
from rnaclust_dash.tl.methods import METHODS

REPO = Path(__file__).resolve().parents[2]
AIRWAY = REPO / "rnaclust_dash" / "data" / "airway"
PLOTLY_JS_MARK = "plotly.js v"  # the banner at the top of the plotly.js bundle


class _Tags(HTMLParser):
    """Every tag with its attributes, and the text of each script."""

    def __init__(self):
        super().__init__()
        self.tags, self.scripts, self._in_script = [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """report.html of airway: k-medoids on Spearman, VST, ComBat on the cell line."""
    out = tmp_path_factory.mktemp("report")
    assert main(["run", str(AIRWAY / "counts.csv.gz"), "--metadata",
                 str(AIRWAY / "samples.csv"), "--out", str(out / "run"), "--method",
                 "kmedoids", "--k", "2", "--distance", "spearman", "--normalization", "vst",
                 "--no-log", "--batch-method", "combat", "--batch-column", "cell"]) == 0
    assert main(["report", str(AIRWAY / "counts.csv.gz"), "--metadata",
                 str(AIRWAY / "samples.csv"), "--params", str(out / "run" / "params.json"),
                 "--out", str(out)]) == 0
    text = (out / "report.html").read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(text)
    return {"text": text, "parser": parser, "run": out / "run"}


def test_report_contains_every_figure_as_a_plotly_plot(report):
    text = report["text"]
    for number, heading in enumerate(("Heatmap", "PCA of the samples", "Silhouette"), 1):
        assert f"<h3>Figure {number}. {heading}</h3>" in text
        assert f"<a href='#figure-{number}-box'>Figure {number}. {heading}</a>" in text
    plots = re.findall(r'Plotly\.newPlot\(\s*"(figure-\d)"', text)
    assert plots == ["figure-1", "figure-2", "figure-3"]
    # the heatmap's matrix trace is in the figure data
    assert '"type":"heatmap"' in text.replace(" ", "")


def test_report_loads_nothing_from_outside_and_inlines_plotly_once(report):
    parser, text = report["parser"], report["text"]
    for tag, attrs in parser.tags:
        for name in ("src", "href", "data"):
            assert not re.match(r"\s*(https?:)?//", attrs.get(name) or ""), (tag, attrs)
    assert all("src" not in attrs for tag, attrs in parser.tags if tag == "script")
    assert sum(PLOTLY_JS_MARK in script for script in parser.scripts) == 1
    assert text.count(PLOTLY_JS_MARK) == 1
    # outside plotly.js itself, no URL at all except in the references (citation text)
    rest = "".join(s for s in parser.scripts if PLOTLY_JS_MARK not in s)
    markup = re.sub(r"<script[^>]*>.*?</script>", "", text, flags=re.S)
    references = re.search(r"<ol id='references'>.*?</ol>", markup, flags=re.S).group(0)
    assert not re.search(r"https?://", rest + markup.replace(references, ""))


def test_methods_paragraph_names_the_chosen_methods_with_their_citations(report):
    text = report["text"]
    methods = re.search(r"<div id='methods'>(.*?)</div>", text, flags=re.S).group(1)
    references = re.findall(r"<li>(.*?)</li>",
                            re.search(r"<ol id='references'>(.*?)</ol>", text, flags=re.S)
                            .group(1))
    for name, author in (("kmedoids", "Kaufman L, Rousseeuw PJ (1990)"),
                         ("vst", "Love MI, Huber W, Anders S (2014)"),
                         ("combat", "Johnson WE, Li C, Rabinovic A (2007)"),
                         ("silhouette", "Rousseeuw PJ (1987)")):
        entry = CITATIONS[name]
        mark = re.search(re.escape(entry.method.replace("'", "&#x27;")) + r" \[(\d+)\]",
                         methods)
        assert mark, f"{entry.method} not named in the methods"
        assert author in references[int(mark.group(1)) - 1]
    assert "spearman distances into k = 2 clusters" in methods
    assert "'cell'" in methods.replace("&#x27;", "'")
    assert "hierarchical" not in methods  # a method not used is not named


def test_report_lists_parameters_versions_checksums_and_machine(report):
    text = report["text"]
    counts = (AIRWAY / "counts.csv.gz").read_bytes()
    assert hashlib.sha256(counts).hexdigest() in text
    assert hashlib.sha256((AIRWAY / "samples.csv").read_bytes()).hexdigest() in text
    from importlib.metadata import version
    assert f"<td>{version('numpy')}</td>" in text and f"<td>{version('plotly')}</td>" in text
    assert "threads available" in text
    params = json.loads((report["run"] / "params.json").read_text())["parameters"]
    assert f"<td>{params['distance']}</td>" in text
    # the assignments table holds run's clusters
    for line in (report["run"] / "assignments.csv").read_text().splitlines()[1:]:
        sample, cluster = line.split(",")[:2]
        assert f"<td>{sample}</td>\n      <td>{cluster}</td>" in text


def test_every_method_normalization_and_batch_correction_has_a_citation():
    names = set(METHODS) | (set(NORMALIZATION_LABELS) | set(BATCH_LABELS)) - {"none"}
    assert sorted(names - set(CITATIONS)) == []
