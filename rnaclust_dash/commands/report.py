"""``python -m rnaclust_dash report COUNTS --params params.json --out DIR``: a
self-contained HTML report (report.html) of the analysis (issue 14 item 3): figures,
tables, parameters, methods with citations, versions, input checksums and the machine.

The analysis is the one params.json records: the bulk clustering (as ``run``), with the
clusters split as its ``subclusters`` say (a table of the splits), the marker genes when it
is the params.json of ``markers`` and the trajectory when it is that of ``trajectory``;
single cells (a 10x folder, .h5 or .h5ad) as ``run --mode single-cell``, with their splits
or their trajectory; for the params.json of ``timecourse`` or ``modules``, their results as
written beside it. ``--enrichment`` adds an enrichment.csv of ``enrich``. ``--pdf`` also
prints report.pdf with Chromium (:mod:`rnaclust_dash.export.pdf`). Opens offline.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from ..cli import (_add_command, _explicit_options, _output_folder, _print_notices,
                   analysis_params, stored_dataset)
from ..export.report import REPORT_FILE, bulk_report
from ..export.report_patterns import PATTERN_FILES, pattern_report
from ..io.single_cell import resolve_mode
from ..params import params_document, single_cell_defaults
from ..tl.subcluster import steps_from_records


def add_parser(commands) -> None:
    command = _add_command(commands, "report", report_command,
                           "a self-contained HTML report (figures, tables, methods with "
                           "citations, versions, input checksums) that opens offline")
    command.add_argument("--enrichment", metavar="FILE",
                         help="enrichment.csv of the enrich command: its terms, genes and "
                              "dot plot go into the report")
    command.add_argument("--pdf", action="store_true",
                         help="also print the report as report.pdf (needs Chromium)")


def input_checksum_files(*paths: str | None) -> dict[str, bytes]:
    """File name -> bytes of each input given (every file of a 10x folder, as
    ``folder/file``), for the report's sha256 checksums."""
    files: dict[str, bytes] = {}
    for path in map(Path, filter(None, paths)):
        if path.is_file():
            files[path.name] = path.read_bytes()
        elif path.is_dir():
            files |= {f"{path.name}/{inner.relative_to(path)}": inner.read_bytes()
                      for inner in sorted(path.rglob("*")) if inner.is_file()}
    return files


def report_command(args: argparse.Namespace) -> None:
    """Write report.html (and report.pdf with ``--pdf``) into ``--out``."""
    document = json.loads(Path(args.params).read_text()) if args.params else {}
    inputs = input_checksum_files(args.counts, args.metadata, args.gene_lengths, args.params,
                                  args.enrichment)
    with stored_dataset(args) as (dataset, store, key):
        text, notices = _report_text(args, document, dataset, store, key, inputs)
    out = _output_folder(args)
    path = out / REPORT_FILE
    path.write_text(text, encoding="utf-8")
    _print_notices(notices)
    print(f"wrote {path} ({len(text) / 1e6:.1f} MB)")
    if args.pdf:
        from ..export.pdf import write_pdf

        pdf = write_pdf(path, out / "report.pdf")
        print(f"wrote {pdf}")


def _report_text(args, document: dict, dataset, store, key: str,
                 inputs: dict) -> tuple[str, list]:
    """The report's HTML and the notices to print, for the analysis params.json records."""
    if document.get("command") in PATTERN_FILES:  # timecourse, modules: from their files
        text = pattern_report(document["command"], document, Path(args.params).parent,
                              dataset, inputs=inputs, dataset_key=key,
                              params_text=json.dumps(document, indent=2))
        return text, list(dataset.notices)
    params = analysis_params(args, dataset)
    if resolve_mode(params.mode, dataset) == "single-cell":
        return _single_cell(args, document, dataset, store, key, inputs)
    return _bulk(args, document, params, dataset, store, key, inputs)


def _single_cell(args, document: dict, dataset, store, key: str,
                 inputs: dict) -> tuple[str, list]:
    """The single-cell report, with the splits params.json records replayed and the
    trajectory of its ``trajectory`` entry."""
    from ..export.report_single_cell import single_cell_report, single_cell_splits_part
    from ..pipeline.single_cell import run_single_cell

    params = (analysis_params(args, dataset) if args.params
              else single_cell_defaults().replace(**_explicit_options(args)))
    steps = steps_from_records(document.get("subclusters"))
    parts, notices = [], []
    if "trajectory" in document:  # as the trajectory command: no splits for cells
        result, part, notices = _cell_trajectory_part(document["trajectory"], params,
                                                      dataset, store, key)
        parts.append(part)
    else:
        result = run_single_cell(dataset, params, store=store, dataset_key=key, splits=steps)
    if steps and "trajectory" not in document:
        parts.insert(0, single_cell_splits_part(result, steps))
    text = single_cell_report(result, dataset, inputs=inputs, dataset_key=key,
                              params_text=json.dumps(document, indent=2) if document else
                              params_document(params, dataset_name=dataset.name,
                                              dataset_key=key), parts=tuple(parts))
    return text, list(dataset.notices + result.notices) + notices


def _cell_trajectory_part(entry: dict, params, dataset, store, key: str):
    """``(result, part, notices)``: the single-cell run and its trajectory in the report."""
    from ..export.report_single_cell import cell_trajectory_part
    from ..pipeline.trajectory import RootChoice, cell_trajectory

    root = RootChoice(item=entry.get("root_cell"), group=entry.get("root_cluster"),
                      column=entry.get("root_column"))
    result, trajectory, genes = cell_trajectory(
        dataset, params, root, store=store, dataset_key=key,
        groups_column=entry.get("groups_column"), n_comps=entry.get("n_comps", 15),
        n_dcs=entry.get("n_dcs", 10))
    part = cell_trajectory_part(result, trajectory, genes,
                                groups_column=entry.get("groups_column"),
                                threshold=entry.get("paga_threshold", 0.0))
    return result, part, list(trajectory.notices)


def _bulk(args, document: dict, params, dataset, store, key: str,
          inputs: dict) -> tuple[str, list]:
    from ..export.report_sections import analysis_splits_part
    from ..pipeline import compute_embedding, run_analysis
    from ..pipeline.subcluster import split_analysis

    steps = steps_from_records(document.get("subclusters"))  # splits replayed first
    analysis = split_analysis(store, run_analysis(store, key, params), steps)
    embedding = compute_embedding(store, key, params)
    parts = []
    if steps:
        parts.append(analysis_splits_part(analysis, steps))
    if "markers" in document:
        parts.append(_markers_part(document["markers"], params, store, key, steps))
    if "trajectory" in document:
        parts.append(_trajectory_part(document["trajectory"], params, store, key, steps))
    if args.enrichment:
        from ..export.report_sections import enrichment_part

        table = pd.read_csv(args.enrichment, dtype={"query": str, "term": str})
        sets = _enrichment_source(Path(args.enrichment))
        parts.append(enrichment_part(table, source=sets))
    text = bulk_report(analysis, embedding, dataset, inputs=inputs, dataset_key=key,
                       params_text=json.dumps(document, indent=2) if document else
                       params_document(params, dataset_name=dataset.name, dataset_key=key),
                       parts=tuple(parts))
    return text, list(dataset.notices + analysis.notices)


def _markers_part(entry: dict, params, store, key: str, steps=()):
    from ..export.report_sections import markers_part
    from ..pipeline.markers import marker_inputs, run_markers

    test, versus = entry.get("test", "t-test"), entry.get("versus")
    group_by = entry.get("group_by", "clusters")
    inputs = marker_inputs(store, key, params.replace(group_by=""), test=test,
                           group_by=None if group_by == "clusters" else group_by,
                           splits=steps)
    table = run_markers(inputs, test=test, reference=versus)
    return markers_part(table, inputs, test=test, versus=versus, group_by=group_by)


def _trajectory_part(entry: dict, params, store, key: str, steps):
    from ..export.report_sections import trajectory_part
    from ..pipeline.trajectory import RootChoice, analysis_trajectory

    root = RootChoice(item=entry.get("root_cell"), group=entry.get("root_cluster"),
                      column=entry.get("root_column"))
    analysis, trajectory, genes = analysis_trajectory(
        store, key, params, root, groups_column=entry.get("groups_column"), steps=steps,
        n_comps=entry.get("n_comps", 15), n_dcs=entry.get("n_dcs", 10))
    return trajectory_part(trajectory, genes, analysis.features.values,
                           groups_column=entry.get("groups_column"),
                           threshold=entry.get("paga_threshold", 0.0))


def _enrichment_source(path: Path) -> str:
    """The gene sets of an enrichment.csv: from the params.json beside it, if any."""
    beside = path.with_name("params.json")
    if beside.is_file():
        options = json.loads(beside.read_text()).get("parameters", {})
        return str(options.get("gene_sets") or "")
    return ""
