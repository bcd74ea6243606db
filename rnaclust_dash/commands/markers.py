"""``python -m rnaclust_dash markers``: marker / DE genes per sample group (issue 10 item 5).

Groups are the sample clusters of ``run`` with the same options (the same pipeline, so the
same assignments), or the values of a sample-sheet column (``--group-by``). Each group is
tested against the rest of the samples, or against one group (``--versus``):

- ``t-test`` / ``wilcoxon``: on the normalized log values the pipeline clusters (all genes
  passing the filter, after batch correction);
- ``deseq2``: DESeq2's Wald test on the raw counts of the same genes and samples.

Groups and matrices come from :mod:`rnaclust_dash.pipeline.markers` (shared with the
dashboard's Markers view).

Writes markers.csv (``group,gene,symbol,base_mean,log2fc,statistic,pvalue,padj,mean_in,
mean_out``), groups.csv (``sample,group``) and params.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..cli import _add_command, _output_folder, _print_notices, analysis_params, stored_dataset
from ..errors import ParameterError
from ..params import params_document
from ..pipeline import run_analysis
from ..pipeline.markers import marker_inputs, run_markers
from ..tl.gene_ids import read_mapping_table
from ..tl.markers import MARKER_TESTS
from ..export.tables import write_csv
from ._shared import add_gene_map_argument


def add_parser(commands) -> None:
    command = _add_command(commands, "markers", markers_command,
                           "marker genes of each sample cluster (or group of a sheet column) "
                           "against the rest: DESeq2, t-test or Wilcoxon")
    # --group-by is the spec's group_by (one option for bulk and single-cell markers)
    command.add_argument("--test", choices=list(MARKER_TESTS), default="t-test",
                         help="t-test or wilcoxon on the normalized log values, deseq2 on the "
                              "raw counts (default t-test)")
    command.add_argument("--versus", metavar="GROUP",
                         help="compare every group with this one instead of with the rest")
    add_gene_map_argument(command)


def markers_command(args: argparse.Namespace) -> None:
    """Run the ``markers`` command (raises RnaclustError / OSError on bad input)."""
    with stored_dataset(args) as (dataset, store, key):
        # --group-by (the spec's group_by) picks this command's groups, recorded under
        # "markers" in params.json; the analysis parameters are the clustering's
        params = analysis_params(args, dataset).replace(group_by="")
        if params.target != "samples":
            raise ParameterError("Markers compare groups of samples: use --target samples "
                                 "(the default).")
        notices = list(dataset.notices)
        if not args.group_by:
            notices += run_analysis(store, key, params).notices
        mapping = read_mapping_table(Path(args.gene_map)) if args.gene_map else None
        inputs = marker_inputs(store, key, params, test=args.test, group_by=args.group_by,
                               mapping=mapping)
    table = run_markers(inputs, test=args.test, reference=args.versus)
    labels = inputs.groups.dropna()
    out = _output_folder(args)
    write_csv(table, out / "markers.csv")
    write_csv(labels.rename_axis("sample").rename("group").reset_index(), out / "groups.csv")
    document = json.loads(params_document(params, dataset_name=dataset.name, dataset_key=key))
    document["markers"] = {"group_by": args.group_by or "clusters", "test": args.test,
                           "versus": args.versus, "symbols": inputs.symbol_report}
    (out / "params.json").write_text(json.dumps(document, indent=2))
    _print_notices(notices + inputs.notices + [inputs.symbol_report])
    against = f"group {args.versus}" if args.versus else "the rest"
    for group, rows in table.groupby("group", sort=False):
        significant = rows[rows["padj"] < 0.05]
        print(f"{group} ({int((labels == group).sum())} samples) vs {against}: "
              f"{int((significant['log2fc'] > 0).sum())} genes up, "
              f"{int((significant['log2fc'] < 0).sum())} down (padj < 0.05)")
    print(f"{args.test} on {inputs.values.shape[0]:,} genes; results in {args.out}")
