"""Downloads of the sidebar for reproducing and reporting the analysis (issue 14): a zip
of a runnable script, a notebook and params.json, and the self-contained HTML report.
Both are made by :mod:`rnaclust_dash.export` (as the export-script and report commands)."""

from __future__ import annotations

from dash import Input, Output, State, dcc, no_update

from layouts import ids
from rnaclust_dash.export.notebook import script_bundle
from rnaclust_dash.export.report import REPORT_FILE, bulk_report, stored_input_files
from rnaclust_dash.export.script import ScriptInputs
from rnaclust_dash.export import params_json
from rnaclust_dash.pipeline import compute_embedding, load_dataset, run_analysis
from rnaclust_dash.store import ResultStore

from .embedding import embedding_params

SCRIPT_BUNDLE_FILE = "rnaclust-dash-analysis.zip"


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
        key = analysis_store["key"]
        params = embedding_params(analysis_store, embedding, neighbors, min_dist)
        dataset = load_dataset(store, key)
        analysis = run_analysis(store, key, params)
        text = bulk_report(analysis, compute_embedding(store, key, params), dataset,
                           inputs=stored_input_files(store, key), dataset_key=key,
                           params_text=params_json(params, dataset_name=dataset.name,
                                                   dataset_key=key))
        return dcc.send_string(text, REPORT_FILE)
