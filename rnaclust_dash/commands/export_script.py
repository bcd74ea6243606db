"""``python -m rnaclust_dash export-script --params params.json --out DIR``: a runnable
Python script (analysis.py) and Jupyter notebook (analysis.ipynb) of the analysis in
params.json (issue 14 item 2). Both call the public API step by step with the parameters
and seed inline, and write assignments.csv equal to that of ``run``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..export.notebook import write_notebook
from ..export.script import ScriptInputs, analysis_title, bulk_steps, write_script
from ..errors import ParameterError
from ..params import params_from_document


def add_parser(commands) -> None:
    description = ("write a runnable Python script and Jupyter notebook of the analysis in "
                   "params.json")
    command = commands.add_parser("export-script", help=description, description=description)
    command.set_defaults(handler=export_script_command)
    command.add_argument("--params", required=True, help="params.json (as saved by the "
                                                         "dashboard or run)")
    command.add_argument("--out", required=True, help="folder for analysis.py and "
                                                      "analysis.ipynb")
    command.add_argument("--counts", default="counts.csv",
                         help="the count table the script reads (default counts.csv; edit "
                              "the path in the script later if you like)")
    command.add_argument("--metadata", help="the sample sheet the script reads")
    command.add_argument("--gene-lengths", help="the gene-length table the script reads")
    command.add_argument("--results", default="results",
                         help="folder the script writes assignments.csv into (default "
                              "results)")


def export_script_command(args: argparse.Namespace) -> None:
    """Write analysis.py and analysis.ipynb into ``--out``."""
    text = Path(args.params).read_text()
    params = params_from_document(text)
    if params.mode == "single-cell":
        raise ParameterError("export-script writes the bulk clustering in this version; the "
                             "single-cell pipeline has no script export yet.")
    dataset_name = json.loads(text).get("dataset", {}).get("name") or "an RNA-seq table"
    inputs = ScriptInputs(counts=args.counts, metadata=args.metadata,
                          gene_lengths=args.gene_lengths, out=args.results)
    steps = bulk_steps(params, inputs)
    title = analysis_title(params, dataset_name)
    script = write_script(steps, args.out, title=title)
    book = write_notebook(steps, args.out, title=title)
    print(f"wrote {script} and {book}")
