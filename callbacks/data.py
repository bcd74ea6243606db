"""Loading data: the example, an uploaded count table or single-cell file, a dataset of
the server's data folder, a sample (or cell) sheet, gene lengths."""

from __future__ import annotations

import dataclasses
from importlib import resources

from dash import Input, Output, State, ctx, html, no_update

from layouts import ids
from layouts.main import DEFAULT_EXAMPLE, LESSON, lesson_card
from rnaclust_dash import io
from rnaclust_dash.dataset import Dataset
from rnaclust_dash.errors import DataError
from rnaclust_dash.export.report import record_input_files
from rnaclust_dash.pp.normalization import NORMALIZATION_LABELS
from rnaclust_dash.params import AnalysisParams, default_params, single_cell_defaults
from rnaclust_dash.pipeline import load_dataset, load_summary, put_dataset
from rnaclust_dash.store import ResultStore
from rnaclust_dash.views import color_choices
from views.cells import CONTROL_IDS as CELLS_CONTROLS

from .common import ViewOutputs

VIEW = ViewOutputs("data", (
    Output(ids.DATASET_STORE, "data"),
    Output(ids.EXAMPLE, "value"),
    Output(ids.DATA_DIR_ENTRY, "value"),
    Output(ids.DATASET_INFO, "children"),
    Output(LESSON, "children"),
    Output(ids.NORMALIZATION, "options"),
    Output(ids.NORMALIZATION, "value"),
    Output(ids.NORMALIZATION_HELP, "children"),
    Output(ids.LOG_TRANSFORM, "value"),
    Output(ids.MIN_COUNT, "value"),
    Output(ids.MIN_SAMPLES, "value"),
    Output(ids.N_CLUSTERS, "value"),
    Output(ids.COLOR_BY, "options"),
    Output(ids.COLOR_BY, "value"),
    Output(ids.EXCLUDE, "options"),
    Output(ids.EXCLUDE, "value"),
    Output(ids.BATCH_COLUMN, "options"),
    Output(ids.BATCH_COLUMN, "value"),
    Output(ids.PROTECT, "options"),
    Output(ids.PROTECT, "value"),
    Output(ids.BATCH_METHOD, "value"),
    Output(ids.SELECTION_STORE, "data", allow_duplicate=True),
    Output(ids.VIEW_TABS, "active_tab"),
    # An example's lesson may set the Cells tab's resolution (the single-cell example).
    Output(CELLS_CONTROLS["resolution"], "value", allow_duplicate=True),
), keep_on_error=True)
OUTPUTS = VIEW.all
ALERT = VIEW.alert
ERROR_SLOT = (VIEW.position(ALERT, "children"), VIEW.position(ALERT, "is_open"))

VALUE_KIND_WORDS = {"counts": "raw counts", "normalized": "already normalized values",
                    "log": "log-scale values"}


def decode(contents: str) -> bytes:
    """Bytes of an upload, after checking it is within the size limit."""
    # Size of the decoded file: base64 carries 3 bytes in 4 characters, after the
    # "data:<type>;base64," header and before the "=" padding.
    payload = contents.partition(",")[2]
    io.check_upload_size(len(payload) * 3 // 4 - payload[-2:].count("="))
    return io.decode_upload(contents)


def read_new_dataset(trigger: str | None, example: str | None, counts: str | None,
                     counts_name: str | None, metadata: str | None, metadata_name: str | None,
                     lengths: str | None, lengths_name: str | None,
                     current: Dataset | None, data_dir_entry: str | None = None) -> Dataset:
    """The dataset a data control asks for (raises DataError with a message)."""
    if trigger == ids.UPLOAD_COUNTS and counts:
        content = decode(counts)
        if io.is_single_cell_input(content):
            return io.read_single_cell(content, counts_name or "upload")
        return io.build_dataset(content, counts_name or "upload")
    if trigger == ids.DATA_DIR_ENTRY and data_dir_entry:
        root = io.data_dir_root()
        if root is None:
            raise DataError("This server has no data folder (RNACLUST_DATA_DIR is not set).")
        return io.load_data_dir_entry(root, data_dir_entry)
    if trigger in (ids.UPLOAD_METADATA, ids.UPLOAD_LENGTHS) and current is not None:
        if trigger == ids.UPLOAD_METADATA and metadata and current.is_sparse:
            return io.attach_cell_sheet(current, decode(metadata), metadata_name or "cell sheet")
        if trigger == ids.UPLOAD_LENGTHS and current.is_sparse:
            raise DataError("Gene lengths are for bulk count tables (TPM, RPKM); single-cell "
                            "counts are normalized without them.")
        if trigger == ids.UPLOAD_METADATA and metadata:
            frame, notices = io.parse_metadata(decode(metadata),
                                               metadata_name or "sample sheet",
                                               list(current.counts.columns))
            return dataclasses.replace(current, metadata=frame, notices=current.notices + notices)
        if trigger == ids.UPLOAD_LENGTHS and lengths:
            series, notices = io.parse_gene_lengths(decode(lengths),
                                                    lengths_name or "gene lengths",
                                                    list(current.counts.index))
            return dataclasses.replace(current, gene_lengths=series,
                                       notices=current.notices + notices)
    return io.load_example(example or DEFAULT_EXAMPLE)


def input_files(trigger: str | None, example: str | None, uploads: dict) -> dict[str, bytes]:
    """The files (name -> bytes as uploaded) the dataset of ``trigger`` is read from, for
    the report's checksums: the upload that triggered, else the example's files (a dataset
    of the server's data folder: none). ``uploads``: trigger -> (contents, file name)."""
    if trigger in uploads:
        contents, name = uploads[trigger]
        return {name or "upload": decode(contents)} if contents else {}
    if trigger == ids.DATA_DIR_ENTRY:
        return {}
    name = example or DEFAULT_EXAMPLE
    folder = resources.files("rnaclust_dash") / "data" / name
    return {f"{name}/{file}": (folder / file).read_bytes()
            for file in ("counts.csv.gz", "counts.h5", "samples.csv", "cells.csv",
                         "lengths.csv.gz")  # counts first: the Cells script reads them
            if (folder / file).is_file()}


def dataset_info(summary: dict, *, mode: str = "bulk") -> list:
    """A short description of what is loaded, with its notices."""
    metadata = summary["metadata"]
    annotations = ", ".join(map(str, metadata.columns)) if metadata is not None else "none"
    if mode == "single-cell":
        shape = (f"single cells: {summary['n_samples']:,} cells x {summary['n_genes']:,} genes; "
                 f"{VALUE_KIND_WORDS[summary['value_kind']]}; cell annotations: {annotations}")
    else:
        shape = (f"{summary['n_genes']:,} genes x {summary['n_samples']:,} samples; "
                 f"{VALUE_KIND_WORDS[summary['value_kind']]}; gene lengths: "
                 f"{'yes' if summary['has_lengths'] else 'no'}; sample sheet: {annotations}")
    lines = [
        html.B(summary["name"]),
        html.Div(summary["description"], className="small text-muted"),
        html.Div(shape, className="small"),
    ]
    if summary["notices"]:
        lines.append(html.Ul([html.Li(n) for n in summary["notices"]], className="small notices"))
    return lines


def normalization_options(summary: dict) -> list[dict]:
    """Dropdown options; unavailable methods are disabled and say why."""
    options = []
    for method, reason in summary["normalizations"].items():
        label = NORMALIZATION_LABELS[method]
        options.append({"label": label if reason is None else f"{label} (n/a)",
                        "value": method, "disabled": reason is not None, "title": reason or ""})
    return options


def unavailable_text(summary: dict) -> str:
    """One line saying which normalizations are off and why."""
    off = {m: r for m, r in summary["normalizations"].items() if r}
    if not off:
        return ""
    reasons = sorted(set(off.values()))
    return "Not available: " + "; ".join(
        ", ".join(NORMALIZATION_LABELS[m] for m, r in off.items() if r == reason) + f" ({reason})"
        for reason in reasons)


def starting_params(dataset: Dataset, *, mode: str, from_example: bool) -> tuple:
    """The parameters a new table starts from and the column the map is coloured by: the
    dataset's defaults, plus the lesson's settings when it is a bundled example."""
    params = single_cell_defaults() if mode == "single-cell" else default_params(dataset)
    lesson = io.LESSONS.get(dataset.name) if from_example else None
    if lesson is None:
        return params, "cluster"
    params = AnalysisParams.from_dict(params.to_dict() | dict(lesson.settings))
    # The sidebar's colour is the bulk map's (the Cells tab colours its own map).
    columns = [] if mode == "single-cell" or dataset.metadata is None else \
        list(dataset.metadata.columns)
    return params, lesson.color_by if lesson.color_by in columns else "cluster"


def update_data(store: ResultStore, trigger, example, counts, counts_name, metadata,
                metadata_name, lengths, lengths_name, current_store,
                data_dir_entry=None) -> tuple:
    """The body of the data callback (plain function: testable without a browser)."""
    if trigger in (ids.EXAMPLE, ids.DATA_DIR_ENTRY) and not (
            example if trigger == ids.EXAMPLE else data_dir_entry):
        return tuple([no_update] * len(OUTPUTS))  # cleared after another load: nothing to do
    current_key = (current_store or {}).get("key")
    current = load_dataset(store, current_key) if current_key and trigger in (
        ids.UPLOAD_METADATA, ids.UPLOAD_LENGTHS) else None
    dataset = read_new_dataset(trigger, example, counts, counts_name, metadata, metadata_name,
                               lengths, lengths_name, current, data_dir_entry)
    key = put_dataset(store, dataset)
    uploads = {ids.UPLOAD_COUNTS: (counts, counts_name),
               ids.UPLOAD_METADATA: (metadata, metadata_name),
               ids.UPLOAD_LENGTHS: (lengths, lengths_name)}
    # a sheet or lengths without a table annotate the example (as read_new_dataset)
    source = trigger if trigger == ids.UPLOAD_COUNTS or current is not None else ids.EXAMPLE
    record_input_files(store, key, input_files(source, example, uploads),
                       previous_key=current_key if current is not None else None)
    summary = load_summary(store, key)
    mode = io.detect_mode(dataset)
    # Excluding single cells one by one is no use (QC filters them), and 100,000 options
    # would make the page heavy.
    items = [] if mode == "single-cell" else [str(s) for s in dataset.adata.obs_names]
    columns = [] if summary["metadata"] is None else [str(c) for c in summary["metadata"].columns]
    values = {
        (ids.DATASET_STORE, "data"): {"key": key, "mode": mode},
        (ALERT, "children"): None,
        (ALERT, "is_open"): False,
        (ids.DATASET_INFO, "children"): dataset_info(summary, mode=mode),
        (ids.NORMALIZATION, "options"): normalization_options(summary),
        (ids.NORMALIZATION_HELP, "children"): unavailable_text(summary),
        (ids.COLOR_BY, "options"): [{"label": c, "value": c}
                                    for c in color_choices("samples", summary["metadata"])],
        (ids.EXCLUDE, "options"): [{"label": s, "value": s} for s in items],
        (ids.BATCH_COLUMN, "options"): [{"label": c, "value": c} for c in columns],
        (ids.PROTECT, "options"): [{"label": c, "value": c} for c in columns],
    }
    if current is None:  # a new table: start from the defaults (or the lesson) that suit it
        params, color_by = starting_params(
            dataset, mode=mode, from_example=trigger not in (ids.UPLOAD_COUNTS,
                                                             ids.DATA_DIR_ENTRY))
        bulk = default_params(dataset) if mode == "single-cell" else params
        values |= {
            # After an upload the example box empties, so choosing an example reloads it.
            (LESSON, "children"): lesson_card(dataset.name) if trigger not in (
                ids.UPLOAD_COUNTS, ids.DATA_DIR_ENTRY) else None,
            (ids.EXAMPLE, "value"): None if trigger in (ids.UPLOAD_COUNTS, ids.DATA_DIR_ENTRY)
            else (example or DEFAULT_EXAMPLE),
            (ids.DATA_DIR_ENTRY, "value"): data_dir_entry if trigger == ids.DATA_DIR_ENTRY
            else None,
            (ids.NORMALIZATION, "value"): bulk.normalization,
            (ids.LOG_TRANSFORM, "value"): ["log"] if bulk.log_transform else [],
            (ids.MIN_COUNT, "value"): bulk.min_count,
            (ids.MIN_SAMPLES, "value"): bulk.min_samples,
            (ids.N_CLUSTERS, "value"): bulk.k,
            (ids.COLOR_BY, "value"): color_by,
            (ids.EXCLUDE, "value"): [],
            (ids.BATCH_COLUMN, "value"): bulk.batch_column or None,
            (ids.PROTECT, "value"): [c for c in bulk.protect.split(",") if c],
            (ids.BATCH_METHOD, "value"): bulk.batch_method,
            (CELLS_CONTROLS["resolution"], "value"): params.resolution if mode == "single-cell"
            else no_update,
            (ids.SELECTION_STORE, "data"): [],
            # single cells are analysed in their own tab (the bulk tabs would densify)
            (ids.VIEW_TABS, "active_tab"): "cells" if mode == "single-cell" else no_update,
        }
    # Anything not set keeps its value (same table, new annotations: the user's choices).
    return tuple(values.get((o.component_id, o.component_property), no_update) for o in OUTPUTS)


def register(app, store: ResultStore) -> None:
    """Register the data callback."""

    @app.callback(*OUTPUTS,
              Input(ids.EXAMPLE, "value"),
              Input(ids.UPLOAD_COUNTS, "contents"),
              Input(ids.UPLOAD_METADATA, "contents"),
              Input(ids.UPLOAD_LENGTHS, "contents"),
              # Inputs, not States: a file whose content equals the last upload's leaves
              # `contents` unchanged (no callback), but the card must name the new file.
              Input(ids.UPLOAD_COUNTS, "filename"),
              Input(ids.UPLOAD_METADATA, "filename"),
              Input(ids.UPLOAD_LENGTHS, "filename"),
              Input(ids.DATA_DIR_ENTRY, "value"),
              State(ids.DATASET_STORE, "data"),
              prevent_initial_call="initial_duplicate")
    @VIEW.guard
    def load_data(example, counts, metadata, lengths, counts_name, metadata_name,
                  lengths_name, data_dir_entry, current_store):
        return update_data(store, ctx.triggered_id, example, counts, counts_name, metadata,
                           metadata_name, lengths, lengths_name, current_store,
                           data_dir_entry)
