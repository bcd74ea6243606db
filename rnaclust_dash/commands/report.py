"""``python -m rnaclust_dash report COUNTS --params params.json --out DIR``: a
self-contained HTML report (report.html) of the analysis (issue 14 item 3): figures,
tables, parameters, methods with citations, versions, input checksums and the machine.
It runs the same pipeline as ``run`` (the same assignments) and opens offline."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cli import _add_command, _output_folder, _print_notices, analysis_params, stored_dataset
from ..export.report import REPORT_FILE, bulk_report
from ..io.single_cell import resolve_mode
from ..errors import ParameterError
from ..params import params_document
from ..pipeline import compute_embedding, run_analysis


def add_parser(commands) -> None:
    _add_command(commands, "report", report_command,
                 "a self-contained HTML report (figures, tables, methods with citations, "
                 "versions, input checksums) that opens offline")


def report_command(args: argparse.Namespace) -> None:
    """Write report.html into ``--out``."""
    with stored_dataset(args) as (dataset, store, key):
        params = analysis_params(args, dataset)
        if resolve_mode(params.mode, dataset) == "single-cell":
            raise ParameterError("The report covers the bulk clustering in this version: add "
                                 "--mode bulk to report single cells clustered as samples.")
        analysis = run_analysis(store, key, params)
        embedding = compute_embedding(store, key, params)
        inputs = {Path(path).name: Path(path).read_bytes()
                  for path in (args.counts, args.metadata, args.gene_lengths, args.params)
                  if path and Path(path).is_file()}
        text = bulk_report(analysis, embedding, dataset, inputs=inputs,
                           params_text=params_document(params, dataset_name=dataset.name,
                                                       dataset_key=key))
    path = _output_folder(args) / REPORT_FILE
    path.write_text(text, encoding="utf-8")
    _print_notices(dataset.notices + analysis.notices)
    print(f"wrote {path} ({len(text) / 1e6:.1f} MB)")
