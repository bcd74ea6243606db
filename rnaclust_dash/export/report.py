"""A self-contained HTML report of an analysis (``report`` command and the dashboard's
download; issue 14 item 3).

One file that opens offline: the figures (interactive plotly, plotly.js inlined once), the
assignments and metrics, the parameters, a methods paragraph with its references
(:mod:`.citations`), package versions, input checksums (sha256), the machine and its
threads. One builder per analysis kind: :func:`bulk_report` for the bulk clustering;
single-cell, time-course and module reports reuse :func:`report_html` with their own
sections.
"""

from __future__ import annotations

import hashlib
import html
import os
import platform
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

import pandas as pd

from .. import __version__
from ..params import split_list
from .citations import citation
from .files import package_versions

if TYPE_CHECKING:
    from ..dataset import Dataset
    from ..pipeline.run import Analysis
    from ..tl.embed import Embedding

REPORT_FILE = "report.html"
#: Packages listed in the report besides those of :func:`package_versions`.
_MORE_PACKAGES = ("plotly", "anndata", "harmonypy", "igraph", "threadpoolctl", "dash")


@dataclass(frozen=True)
class Section:
    """A titled part of the report: ``body`` is HTML (already escaped)."""

    title: str
    body: str


def sha256_of(content: bytes) -> str:
    """The sha256 hex digest of a file's bytes (the report's input checksums)."""
    return hashlib.sha256(content).hexdigest()


def file_checksum(content: bytes) -> tuple[int, str]:
    """``(size in bytes, sha256)`` of a file as uploaded: what the report lists of it."""
    return len(content), sha256_of(content)


def input_files_key(dataset_key: str) -> str:
    """The store key of the checksums of the files a dataset was read from."""
    from ..store import stage_key

    return stage_key(dataset_key, "input_files", {})


def record_input_files(store, dataset_key: str, files: Mapping[str, bytes], *,
                       previous_key: str | None = None) -> None:
    """Keep the size and sha256 of the files a dataset was read from (the dashboard's
    uploads, whose bytes are not kept), for the report's input checksums.

    Parameters
    ----------
    store : ResultStore
        Where they are kept (beside the dataset, under :func:`input_files_key`).
    dataset_key : str
        The dataset read from ``files``.
    files : mapping of str to bytes
        File name -> the bytes as uploaded.
    previous_key : str, optional, keyword-only
        The dataset these files annotate (a sample sheet or gene lengths uploaded after
        the counts): its files are kept too.

    Returns
    -------
    None
    """
    earlier = stored_input_files(store, previous_key) if previous_key else {}
    store.put(input_files_key(dataset_key),
              earlier | {name: file_checksum(content) for name, content in files.items()})


def stored_input_files(store, dataset_key: str) -> dict[str, tuple[int, str]]:
    """File name -> ``(bytes, sha256)`` recorded by :func:`record_input_files` (empty
    when nothing was recorded, or the record was evicted)."""
    return dict(store.get(input_files_key(dataset_key)) or {})


def machine_description() -> dict:
    """The machine the report was made on: system, processor, CPU count, BLAS threads,
    Python."""
    from threadpoolctl import threadpool_info

    blas = sorted({f"{pool.get('internal_api')} ({pool.get('num_threads')} threads)"
                   for pool in threadpool_info()})
    return {"system": platform.platform(), "processor": platform.machine(),
            "cpus": os.cpu_count(), "threads available": len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "thread pools": ", ".join(blas) or "none loaded",
            "python": sys.version.split()[0]}


def report_versions() -> dict:
    """Versions of the packages the numbers and figures depend on."""
    versions = dict(package_versions())
    for name in _MORE_PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions


def _table(frame: pd.DataFrame, *, max_rows: int | None = None,
           all_rows: str = "assignments.csv") -> str:
    shown = frame if max_rows is None or len(frame) <= max_rows else frame.head(max_rows)
    note = "" if shown is frame else (f"<p class='note'>First {max_rows:,} of {len(frame):,} "
                                      f"rows (all rows: {all_rows}).</p>")
    return shown.to_html(index=False, border=0, classes="table", float_format="%.4g") + note


def _pairs(values: dict) -> str:
    return _table(pd.DataFrame({"name": list(values), "value": [str(v) for v in
                                                                values.values()]}))


def _figure_html(figure: dict, *, div_id: str) -> str:
    import plotly.io as pio
    from ..pl.common import for_browser

    return pio.to_html(for_browser(figure), include_plotlyjs=False, full_html=False,
                       div_id=div_id, config={"displaylogo": False, "responsive": True},
                       validate=False)


class References:
    """The numbered references of a methods paragraph, in the order they are first cited
    (one instance per report)."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def cite(self, name: str) -> str:
        """``"<method> [n]"`` for a key of :data:`~.citations.CITATIONS` (the name itself
        when it has no citation); the reference is numbered on its first citation."""
        entry = citation(name)
        if entry is None:
            return name
        if entry.reference not in self.items:
            self.items.append(entry.reference)
        return f"{entry.method} [{self.items.index(entry.reference) + 1}]"

    def fill(self, template: str) -> str:
        """``template`` with each ``{key}`` replaced by :meth:`cite` of the key."""
        return template.format_map(_Citing(self))


class _Citing(dict):
    def __init__(self, refs: References) -> None:
        super().__init__()
        self.refs = refs

    def __missing__(self, key: str) -> str:
        return self.refs.cite(key)


@dataclass(frozen=True)
class ReportPart:
    """What an analysis beyond the clustering adds to the report: a methods sentence
    (``{key}`` marks a citation, see :meth:`References.fill`), its figures (title ->
    plotly figure) and its tables (sections)."""

    methods: str
    figures: dict
    sections: tuple = ()


def methods_paragraph(params, dataset: Dataset, analysis: Analysis, *,
                      refs: References | None = None) -> tuple[str, list[str]]:
    """A methods paragraph naming each method used, and its numbered references.

    ``refs`` (keyword-only) continues the numbering of a report's references (a new
    :class:`References` when None).

    Returns
    -------
    tuple
        ``(paragraph, references)``: plain text with ``[n]`` marks; ``references[n - 1]``
        is the citation of mark ``n``.
    """
    refs = References() if refs is None else refs
    cite = refs.cite
    sentences = [f"Counts of {dataset.n_genes:,} genes in {dataset.n_samples:,} samples "
                 f"({dataset.name}) were analysed with rnaclust-dash {__version__}."]
    excluded = split_list(params.exclude)
    if excluded:
        sentences.append(f"Samples {', '.join(excluded)} were left out.")
    if params.normalization != "none":
        sentences.append(f"Values were normalized with {cite(params.normalization)}"
                         + (f" and log2-transformed (pseudocount {params.pseudocount:g})"
                            if params.log_transform else "") + ".")
    sentences.append(f"Genes with at least {params.min_count:g} in at least "
                     f"{params.min_samples} samples were kept.")
    if params.batch_method != "none":
        protect = split_list(params.protect)
        sentences.append(f"The batch effect of '{params.batch_column}' was removed with "
                         f"{cite(params.batch_method)}"
                         + (f", protecting {', '.join(protect)}" if protect else "") + ".")
    n_genes = analysis.features.values.shape[0]
    sentences.append(f"The {n_genes:,} genes of largest variance were kept" + (", as per-gene z-scores" if params.zscore
                                     and params.target == "genes" else "") + ".")
    method = cite(params.method)
    how = (f" ({params.linkage} linkage)" if params.method == "hierarchical" else "")
    size = (f"k = {params.k} clusters" if params.method not in ("leiden", "louvain")
            else f"clusters at resolution {params.resolution:g}")
    sentences.append(f"The {params.target} were clustered by {method}{how} on "
                     f"{params.distance} distances into {size} (random seed {params.seed})"
                     + (f", with {cite('optimal_order')}" if params.optimal_order else "")
                     + ".")
    metrics = analysis.metrics()
    sentences.append(f"Clusters were assessed with {cite('silhouette')} (mean "
                     f"{metrics['silhouette']:.3f}), the {cite('calinski_harabasz')} and the "
                     f"{cite('davies_bouldin')}, and shown by {cite(params.embedding)}.")
    return " ".join(sentences), refs.items


def report_html(title: str, sections: list[Section]) -> str:
    """The report as one HTML document: plotly.js inlined once in the head, no link to
    anything outside the file."""
    from plotly.offline import get_plotlyjs

    from .pdf import printable  # the print rules: no figure cut across pages

    body = "\n".join(f"<section><h2>{html.escape(s.title)}</h2>\n{s.body}\n</section>"
                     for s in sections)
    return printable(f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n"
            f"<script type='text/javascript'>{get_plotlyjs()}</script>\n</head>\n"
            f"<body><h1>{html.escape(title)}</h1>\n{body}\n</body></html>\n")


_STYLE = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
          "h2{border-bottom:1px solid #ccc;padding-bottom:.2em}"
          ".table{border-collapse:collapse;font-size:.9em}"
          ".table td,.table th{padding:.2em .6em;border-bottom:1px solid #eee;text-align:left}"
          ".note{color:#666;font-size:.9em}.figure{margin-bottom:2em}"
          "ul.plain{list-style:none;padding-left:0}")


def figures_html(figures: dict, *, first_number: int = 1) -> str:
    """Each figure under its numbered title (``Figure n. title``), plotly.js not included
    (:func:`report_html` inlines it once)."""
    return "\n".join(
        f"<div class='figure' id='figure-{number}-box'><h3>Figure {number}. "
        f"{html.escape(name)}</h3>{_figure_html(figure, div_id=f'figure-{number}')}</div>"
        for number, (name, figure) in enumerate(figures.items(), start=first_number))


def figure_list(figures: dict) -> Section:
    """The list of the report's figures, numbered as :func:`figures_html` numbers them."""
    items = "".join(f"<li><a href='#figure-{n}-box'>Figure {n}. {html.escape(name)}</a></li>"
                    for n, name in enumerate(figures, start=1))
    return Section("List of figures", f"<ul id='figure-list' class='plain'>{items}</ul>")


def methods_section(paragraphs: list[str], refs: References) -> Section:
    """The methods paragraphs and the numbered references they cite."""
    text = "".join(f"<p class='methods'>{html.escape(p)}</p>" for p in paragraphs)
    listed = "".join(f"<li>{html.escape(ref)}</li>" for ref in refs.items)
    return Section("Methods", f"<div id='methods'>{text}</div>"
                              f"<h3>References</h3><ol id='references'>{listed}</ol>")


def closing_sections(*, notices, inputs: Mapping, dataset_key: str,
                     params_text: str, parameters: dict) -> list[Section]:
    """The sections every report ends with: parameters, notes, input checksums, software
    and machine."""
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in notices)
    sums = [value if isinstance(value, tuple) else file_checksum(value)
            for value in inputs.values()]
    checksums = pd.DataFrame({"file": list(inputs), "bytes": [size for size, _ in sums],
                              "sha256": [digest for _, digest in sums]})
    made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return [
        Section("Parameters", _pairs(parameters) + (
            f"<h3>params.json</h3><pre>{html.escape(params_text)}</pre>" if params_text
            else "")),
        Section("Notes", f"<ul>{notes}</ul>" if notes else "<p>None.</p>"),
        Section("Input files", (_table(checksums) if inputs else "<p>The files this "
                                "dataset was read from are not recorded (a dataset of the "
                                "server's data folder, or a record since evicted): run the "
                                "report command on them for their checksums.</p>") + (
            f"<p>Dataset content key: <code>{html.escape(dataset_key)}</code></p>"
            if dataset_key else "")),
        Section("Software and machine", _pairs(report_versions()) + "<h3>Machine</h3>"
                + _pairs(machine_description() | {"report made": made})),
    ]


def bulk_report(analysis: Analysis, embedding: Embedding, dataset: Dataset, *,
                inputs: Mapping, params_text: str = "", dataset_key: str = "",
                parts: tuple[ReportPart, ...] = ()) -> str:
    """The HTML report of a bulk clustering (and of the analyses that follow it).

    Parameters
    ----------
    analysis : Analysis
        The run (:func:`rnaclust_dash.pipeline.run_analysis`).
    embedding : Embedding
        Its 2-D embedding (:func:`rnaclust_dash.pipeline.compute_embedding`).
    dataset : Dataset
        The dataset as read (genes x samples counts, sample sheet).
    inputs : mapping of str to bytes or (int, str)
        File name -> content of each input file, or its ``(bytes, sha256)`` as
        :func:`stored_input_files` gives them (the report lists their checksums).
    params_text : str
        params.json of the analysis (shown as is).
    dataset_key : str
        The dataset's content key in the store (a hash of its values, ids and sheet).
    parts : tuple of ReportPart
        Markers, enrichment, trajectory... (:mod:`.report_sections`): their methods
        sentences, figures and tables follow the clustering's.

    Returns
    -------
    str
        The HTML document.
    """
    from .. import views

    params = analysis.params
    refs = References()
    paragraph, _ = methods_paragraph(params, dataset, analysis, refs=refs)
    figures = {"Heatmap": views.heatmap(analysis, metadata=dataset.metadata),
               f"{params.embedding.upper()} of the {params.target}":
                   views.embedding(analysis, embedding, metadata=dataset.metadata),
               "Silhouette": views.silhouette(analysis)}
    for part in parts:
        figures |= part.figures
    sections = [methods_section([paragraph] + [refs.fill(part.methods) for part in parts],
                                refs),
                figure_list(figures), Section("Figures", figures_html(figures)),
                Section("Metrics", _pairs(analysis.metrics())),
                Section("Assignments", _table(analysis.assignments(), max_rows=2000))]
    sections += [section for part in parts for section in part.sections]
    sections += closing_sections(
        notices=(*dataset.notices, *analysis.notices, *embedding.notices), inputs=inputs,
        dataset_key=dataset_key, params_text=params_text, parameters=params.to_dict())
    return report_html(f"rnaclust-dash report: {dataset.name}", sections)
