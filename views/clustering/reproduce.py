"""Downloads of the sidebar for reproducing and reporting the analysis (issue 14): a zip
of a runnable script, a notebook and params.json, the self-contained HTML report (with
the checksums of the files as loaded) and the same report as PDF (a background job).
All are made by :mod:`rnaclust_dash.export` (as the export-script and report commands)."""

from __future__ import annotations

from dash import Input, Output, State, dcc, no_update

from callbacks.common import error_message
from layouts import ids
from rnaclust_dash.export.notebook import script_bundle
from rnaclust_dash.export.pdf import html_to_pdf
from rnaclust_dash.export.report import REPORT_FILE, bulk_report, stored_input_files
from rnaclust_dash.export.script import ScriptInputs
from rnaclust_dash.export import params_json
from rnaclust_dash.errors import RnaclustError
from rnaclust_dash.pipeline import compute_embedding, load_dataset, run_analysis
from rnaclust_dash.store import ResultStore

from .embedding import embedding_params

SCRIPT_BUNDLE_FILE = "rnaclust-dash-analysis.zip"
REPORT_PDF_FILE = "report.pdf"


def script_inputs(dataset) -> ScriptInputs:
    """The file names the downloaded script reads: the dataset's name when it is a file
    name, else counts.csv; samples.csv and lengths.csv when the dataset has them."""
    counts = dataset.name if "." in dataset.name else "counts.csv"
    return ScriptInputs(counts=counts,
                        metadata="samples.csv" if dataset.metadata is not None else None,
                        gene_lengths="lengths.csv" if dataset.gene_lengths is not None
                        else None, out="results")


def register(app, store: ResultStore) -> None:
    """The script and report downloads."""
    embedding_states = (State(ids.ANALYSIS_STORE, "data"), State(ids.EMBEDDING_METHOD, "value"),
                        State(ids.UMAP_NEIGHBORS, "value"), State(ids.UMAP_MIN_DIST, "value"))

    @app.callback(Output(ids.DOWNLOAD_SCRIPT, "data"),
                  Input(ids.DOWNLOAD_SCRIPT_BUTTON, "n_clicks"), *embedding_states,
                  prevent_initial_call=True)
    def download_script(_, analysis_store, embedding, neighbors, min_dist):
        if not analysis_store:
            return no_update
        params = embedding_params(analysis_store, embedding, neighbors, min_dist)
        dataset = load_dataset(store, analysis_store["key"])
        bundle = script_bundle(params, script_inputs(dataset), dataset_name=dataset.name,
                               params_text=params_json(params, dataset_name=dataset.name,
                                                       dataset_key=analysis_store["key"]))
        return dcc.send_bytes(bundle, SCRIPT_BUNDLE_FILE)

    @app.callback(Output(ids.DOWNLOAD_REPORT, "data"),
                  Input(ids.DOWNLOAD_REPORT_BUTTON, "n_clicks"), *embedding_states,
                  prevent_initial_call=True)
    def download_report(_, analysis_store, embedding, neighbors, min_dist):
        if not analysis_store:
            return no_update
        return dcc.send_string(report_text(store, analysis_store, embedding, neighbors,
                                           min_dist), REPORT_FILE)

    # Chromium takes tens of seconds to draw and print: a background job (callbacks/jobs)
    @app.callback(Output(ids.DOWNLOAD_REPORT_PDF, "data"),
                  Output(ids.ERROR, "children", allow_duplicate=True),
                  Output(ids.ERROR, "is_open", allow_duplicate=True),
                  Input(ids.DOWNLOAD_REPORT_PDF_BUTTON, "n_clicks"), *embedding_states,
                  background=True, prevent_initial_call=True,
                  running=[(Output(ids.DOWNLOAD_REPORT_PDF_BUTTON, "disabled"), True, False)])
    def download_report_pdf(_, analysis_store, embedding, neighbors, min_dist):
        if not analysis_store:
            return no_update, no_update, no_update
        try:
            text = report_text(store, analysis_store, embedding, neighbors, min_dist)
            pdf = html_to_pdf(text)
        except RnaclustError as error:  # no Chromium, or it failed: say so
            return no_update, error_message(error), True
        return dcc.send_bytes(pdf, REPORT_PDF_FILE), no_update, no_update


def report_text(store: ResultStore, analysis_store: dict, embedding, neighbors,
                min_dist) -> str:
    """The HTML report of the analysis on screen, with the checksums of its input files
    as recorded when they were loaded."""
    key = analysis_store["key"]
    params = embedding_params(analysis_store, embedding, neighbors, min_dist)
    dataset = load_dataset(store, key)
    analysis = run_analysis(store, key, params)
    return bulk_report(analysis, compute_embedding(store, key, params), dataset,
                       inputs=stored_input_files(store, key), dataset_key=key,
                       params_text=params_json(params, dataset_name=dataset.name,
                                               dataset_key=key))
