"""``python -m rnaclust_dash export-script --params params.json --out DIR``: a runnable
Python script (analysis.py) and Jupyter notebook (analysis.ipynb) of the analysis in
params.json (issue 14 item 2): the params.json of ``run`` (bulk or single cells, with
their cluster splits), ``markers``, ``trajectory`` (samples or cells), ``timecourse`` or
``modules``, and with ``--enrich-params`` that of ``enrich`` on the markers. Both call the public API step by step with the parameters and seed inline, and
write the same files as the commands (assignments.csv, markers.csv, enrichment.csv,
pseudotime.csv, paga.csv...)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..export.notebook import write_notebook
from ..export.script import ScriptInputs, write_script
from ..export.script_analyses import analysis_steps


def add_parser(commands) -> None:
    description = ("write a runnable Python script and Jupyter notebook of the analysis in "
                   "params.json")
    command = commands.add_parser("export-script", help=description, description=description)
    command.set_defaults(handler=export_script_command)
    command.add_argument("--params", required=True, help="params.json (as saved by the "
                                                         "dashboard or run)")
    command.add_argument("--out", required=True, help="folder for analysis.py and "
                                                      "analysis.ipynb")
    command.add_argument("--enrich-params", metavar="FILE",
                         help="params.json of an enrich run on the markers (or gene "
                              "clusters) of --params: the script adds the enrichment")
    command.add_argument("--counts", default="counts.csv",
                         help="the count table the script reads: a table, or for single "
                              "cells a 10x folder, .h5 or .h5ad (default counts.csv; edit "
                              "the path in the script later if you like)")
    command.add_argument("--metadata", help="the sample (or cell) sheet the script reads")
    command.add_argument("--gene-lengths", help="the gene-length table the script reads")
    command.add_argument("--results", default="results",
                         help="folder the script writes its result files into (default "
                              "results)")


def export_script_command(args: argparse.Namespace) -> None:
    """Write analysis.py and analysis.ipynb into ``--out``."""
    enrich_text = Path(args.enrich_params).read_text() if args.enrich_params else None
    inputs = ScriptInputs(counts=args.counts, metadata=args.metadata,
                          gene_lengths=args.gene_lengths, out=args.results)
    steps, title = analysis_steps(Path(args.params).read_text(), inputs,
                                  enrich_text=enrich_text)
    script = write_script(steps, args.out, title=title)
    book = write_notebook(steps, args.out, title=title)
    print(f"wrote {script} and {book}")
