"""``python -m rnaclust_dash markers``: marker / DE genes per sample group (issue 10 item 5).

Groups are the sample clusters of ``run`` with the same options (the same pipeline, so the
same assignments), or the values of a sample-sheet column (``--group-by``). Each group is
tested against the rest of the samples, or against one group (``--versus``):

- ``t-test`` / ``wilcoxon``: on the normalized log values the pipeline clusters (all genes
  passing the filter, after batch correction);
- ``deseq2``: DESeq2's Wald test on the raw counts of the same samples.

Writes markers.csv (``group,gene,symbol,base_mean,log2fc,statistic,pvalue,padj,mean_in,
mean_out``), groups.csv (``sample,group``) and params.json.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd

from ..cli import _add_command, _output_folder, _print_notices, analysis_params, stored_dataset
from ..errors import DataError, ParameterError
from ..params import params_document
from ..pipeline import normalized_matrix, prepared_dataset, run_analysis
from ..pp.normalization import LOG_SCALE_METHODS
from ..tl.markers import MARKER_TESTS, find_markers
from ._shared import add_gene_map_argument, gene_symbols


def add_parser(commands) -> None:
    command = _add_command(commands, "markers", markers_command,
                           "marker genes of each sample cluster (or group of a sheet column) "
                           "against the rest: DESeq2, t-test or Wilcoxon")
    command.add_argument("--group-by", metavar="COLUMN",
                         help="sample-sheet column whose values are the groups (default: the "
                              "clusters of run with the same options)")
    command.add_argument("--test", choices=list(MARKER_TESTS), default="t-test",
                         help="t-test or wilcoxon on the normalized log values, deseq2 on the "
                              "raw counts (default t-test)")
    command.add_argument("--versus", metavar="GROUP",
                         help="compare every group with this one instead of with the rest")
    add_gene_map_argument(command)


def markers_command(args: argparse.Namespace) -> None:
    """Run the ``markers`` command (raises RnaclustError / OSError on bad input)."""
    with stored_dataset(args) as (dataset, store, key):
        params = analysis_params(args, dataset)
        if params.target != "samples":
            raise ParameterError("Markers compare groups of samples: use --target samples "
                                 "(the default).")
        notices = list(dataset.notices)
        if args.group_by:
            labels = _column_groups(prepared_dataset(store, key, params), args.group_by)
        else:
            analysis = run_analysis(store, key, params)
            notices += analysis.notices
            labels = pd.Series(analysis.labels, index=analysis.features.item_ids).astype(str)
        data = _test_input(store, key, params, dataset, args.test)[labels.index]
    symbols = gene_symbols(data.index, args.gene_map)
    table = find_markers(data, labels.to_numpy(dtype=object), test=args.test,
                         reference=args.versus, symbols=symbols.symbols)
    out = _output_folder(args)
    table.to_csv(out / "markers.csv", index=False)
    labels.rename_axis("sample").rename("group").reset_index().to_csv(out / "groups.csv",
                                                                      index=False)
    document = json.loads(params_document(params, dataset_name=dataset.name, dataset_key=key))
    document["markers"] = {"group_by": args.group_by or "clusters", "test": args.test,
                           "versus": args.versus, "symbols": symbols.report}
    (out / "params.json").write_text(json.dumps(document, indent=2))
    _print_notices(notices + [symbols.report])
    against = f"group {args.versus}" if args.versus else "the rest"
    for group, rows in table.groupby("group", sort=False):
        significant = rows[rows["padj"] < 0.05]
        print(f"{group} ({int((labels == group).sum())} samples) vs {against}: "
              f"{int((significant['log2fc'] > 0).sum())} genes up, "
              f"{int((significant['log2fc'] < 0).sum())} down (padj < 0.05)")
    print(f"{args.test} on {data.shape[0]:,} genes; results in {args.out}")


def _column_groups(dataset, column: str) -> pd.Series:
    """The sheet column's value per sample (samples without one are left out)."""
    sheet = dataset.metadata
    if sheet is None or column not in sheet.columns:
        present = "" if sheet is None else f" (columns: {', '.join(map(str, sheet.columns))})"
        raise ParameterError(f"--group-by {column}: the sample sheet has no such column"
                             f"{present}; give the sheet with --metadata.")
    values = sheet[column].reindex(dataset.counts.columns)
    values = values[values.notna()]
    return values.astype(str).rename_axis(None)


def _test_input(store, key, params, dataset, test: str) -> pd.DataFrame:
    """Raw counts for DESeq2, the normalized log values for the t-test and Wilcoxon."""
    if test == "deseq2":
        if dataset.value_kind != "counts":
            raise DataError(f"DESeq2 needs raw read counts (non-negative integers), but this "
                            f"table holds {dataset.value_kind} values. Upload the raw counts, "
                            "or use --test t-test or wilcoxon.")
        return prepared_dataset(store, key, params).counts
    log_scale = (params.normalization in LOG_SCALE_METHODS or params.log_transform
                 or dataset.value_kind == "log")
    if not log_scale:
        raise ParameterError(f"The {test} compares log values, but the values are not logged "
                             "(--no-log): drop --no-log, or choose --normalization vst.")
    values = normalized_matrix(store, key, params).values
    if not np.isfinite(values.to_numpy()).all():
        values = values[np.isfinite(values.to_numpy()).all(axis=1)]
    return values
