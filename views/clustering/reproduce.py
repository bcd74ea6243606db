"""Downloads of the sidebar for reproducing and reporting the analysis (issue 14): a zip
of a runnable script, a notebook and params.json, the self-contained HTML report (with
the checksums of the files as loaded) and the same report as PDF (a background job).
The callbacks are :mod:`views.reproduce_downloads`' (shared with the Cells tab); the
files are made by :mod:`rnaclust_dash.export` (as the export-script and report
commands)."""

from __future__ import annotations

from dash import State

from layouts import ids
from rnaclust_dash.commands.trajectory import params_with_splits
from rnaclust_dash.errors import ParameterError
from rnaclust_dash.export import params_json
from rnaclust_dash.export.report import bulk_report, stored_input_files
from rnaclust_dash.export.report_sections import analysis_splits_part
from rnaclust_dash.export.script import ScriptInputs
from rnaclust_dash.pipeline import compute_embedding, load_dataset, run_analysis
from rnaclust_dash.pipeline.subcluster import split_analysis
from rnaclust_dash.store import ResultStore
from rnaclust_dash.tl.subcluster import steps_from_records

from ..reproduce_downloads import DownloadIds, ExportedAnalysis, register_downloads
from .embedding import embedding_params

#: The sidebar's buttons and downloads (laid out by layouts.main.downloads).
SIDEBAR = DownloadIds(script_button=ids.DOWNLOAD_SCRIPT_BUTTON, script=ids.DOWNLOAD_SCRIPT,
                      report_button=ids.DOWNLOAD_REPORT_BUTTON, report=ids.DOWNLOAD_REPORT,
                      pdf_button=ids.DOWNLOAD_REPORT_PDF_BUTTON, pdf=ids.DOWNLOAD_REPORT_PDF,
                      alert=ids.ERROR)


def script_inputs(dataset) -> ScriptInputs:
    """The file names the downloaded script reads: the dataset's name when it is a file
    name, else counts.csv; samples.csv and lengths.csv when the dataset has them."""
    counts = dataset.name if "." in dataset.name else "counts.csv"
    return ScriptInputs(counts=counts,
                        metadata="samples.csv" if dataset.metadata is not None else None,
                        gene_lengths="lengths.csv" if dataset.gene_lengths is not None
                        else None, out="results")


def analysis_on_screen(store: ResultStore, analysis_store: dict | None, embedding, neighbors,
                       min_dist) -> ExportedAnalysis | None:
    """The bulk analysis on screen as the downloads export it: params.json with the
    splits on screen (the script replays them), and its report with the splits."""
    if not analysis_store:
        return None
    key = analysis_store["key"]
    params = embedding_params(analysis_store, embedding, neighbors, min_dist)
    steps = steps_from_records(analysis_store.get("splits"))
    dataset = load_dataset(store, key)
    text = params_with_splits(params_json(params, dataset_name=dataset.name, dataset_key=key),
                              steps)

    def report() -> str:
        # as `report --params params.json`: the clusters with the splits replayed
        analysis = split_analysis(store, run_analysis(store, key, params), steps)
        return bulk_report(analysis, compute_embedding(store, key, params), dataset,
                           inputs=stored_input_files(store, key), dataset_key=key,
                           params_text=text,
                           parts=(analysis_splits_part(analysis, steps),) if steps else ())
    return ExportedAnalysis(text, script_inputs(dataset), report)


def register(app, store: ResultStore) -> None:
    """The script and report downloads."""
    states = (State(ids.ANALYSIS_STORE, "data"), State(ids.EMBEDDING_METHOD, "value"),
              State(ids.UMAP_NEIGHBORS, "value"), State(ids.UMAP_MIN_DIST, "value"),
              State(ids.DATASET_STORE, "data"))
    register_downloads(app, SIDEBAR, states,
                       lambda *values: sidebar_analysis(store, *values))


def sidebar_analysis(store: ResultStore, analysis_store: dict | None, embedding, neighbors,
                     min_dist, dataset_store: dict | None = None) -> ExportedAnalysis | None:
    """What the sidebar's downloads export: the bulk analysis on screen
    (:func:`analysis_on_screen`); single cells are exported from the Cells tab, which
    the alert says rather than leaving the click unanswered."""
    if (dataset_store or {}).get("mode") == "single-cell":
        raise ParameterError("Single cells are exported from the Cells tab: its "
                             "\"Reproduce and report\" card downloads their parameters, "
                             "script and report.")
    return analysis_on_screen(store, analysis_store, embedding, neighbors, min_dist)
