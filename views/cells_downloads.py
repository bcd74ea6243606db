"""The Cells tab's reproduce-and-report downloads (issue 14 items 2-3 on single cells):
params.json of the analysis on the map (QC thresholds, HVGs, PCs, neighbours, method,
resolution, embedding, markers, seed and the splits made with "Split a cluster"), the
script + notebook that reproduce its assignments, the HTML report and its PDF.

The row and its callbacks are :mod:`views.reproduce_downloads`' (shared with the
Clustering sidebar); this module says what the Cells analysis on screen is: the map's
reference in :data:`views.cells.RESULT_STORE` (``{"key", "params", "map", "splits"}``),
i.e. the analysis that was run, not controls changed since.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from dash import State, html

from rnaclust_dash.commands.trajectory import params_with_splits
from rnaclust_dash.export import params_json
from rnaclust_dash.export.report import stored_input_files
from rnaclust_dash.export.script import ScriptInputs
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pipeline import load_dataset
from rnaclust_dash.store import ResultStore
from rnaclust_dash.tl.subcluster import steps_from_records

from .reproduce_downloads import (DownloadIds, ExportedAnalysis, download_row,
                                  register_downloads)

#: The Cells tab's buttons and downloads.
ROW = DownloadIds.prefixed("cells")


def cells_download_row() -> html.Div:
    """The row of downloads, with the command that reruns params.json."""
    return html.Div([
        download_row(ROW),
        html.Small(["The analysis on the map (run it first). Re-run it headless: ",
                    html.Code("python -m rnaclust_dash run COUNTS --params params.json "
                              "--out DIR")], className="text-muted d-block mt-1")],
        className="mt-2")


def cell_script_inputs(input_names: list[str], dataset_name: str) -> ScriptInputs:
    """The file names the Cells script reads: those the dataset was loaded from (the
    counts, then the cell sheet uploaded after them), else the dataset's name.

    Parameters
    ----------
    input_names : list of str
        The recorded input files, in the order they were loaded (``cellbench/counts.h5``).
    dataset_name : str
        The dataset's name (a file or folder name), when no file is recorded.
    """
    names = [PurePosixPath(name).name for name in input_names] or [dataset_name]
    return ScriptInputs(counts=names[0], metadata=names[1] if len(names) > 1 else None,
                        out="results")


def analysis_on_map(store: ResultStore,
                    result_store: dict | None) -> ExportedAnalysis | None:
    """The Cells analysis on the map as the downloads export it: params.json as ``run``
    writes it (splits as ``subclusters``), the script's inputs, and its report."""
    if not result_store:
        return None
    key = result_store["key"]
    params = AnalysisParams.from_dict(result_store["params"])
    steps = steps_from_records(result_store.get("splits"))
    dataset = load_dataset(store, key)
    text = params_with_splits(params_json(params, dataset_name=dataset.name, dataset_key=key),
                              steps)
    inputs = stored_input_files(store, key)

    def report() -> str:
        from rnaclust_dash.export.report_single_cell import (single_cell_report,
                                                             single_cell_splits_part)
        from rnaclust_dash.pipeline.single_cell import run_single_cell

        from rnaclust_dash.pp.neighbors import load_umap

        # each stage is cached by the Cells job and read back here; should one have
        # been evicted, umap-learn's numba code comes from the disk cache, as in the job
        load_umap()
        result = run_single_cell(dataset, params, store=store, dataset_key=key, splits=steps)
        return single_cell_report(result, dataset, inputs=inputs, dataset_key=key,
                                  params_text=text, parts=(single_cell_splits_part(
                                      result, steps),) if steps else ())
    return ExportedAnalysis(text, cell_script_inputs(list(inputs), dataset.name), report)


def register(app, store: ResultStore) -> None:
    """The Cells downloads (params.json, script + notebook, report, PDF)."""
    from .cells import RESULT_STORE

    register_downloads(app, ROW, (State(RESULT_STORE, "data"),),
                       lambda result_store: analysis_on_map(store, result_store))
