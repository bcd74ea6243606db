"""``python -m rnaclust_dash timecourse``: patterns over time (issue 11 item 5).

Values: for counts, DESeq2's VST with the time design (``vst(blind = FALSE)``, ``~ time``,
what DEGreport feeds degPatterns); log values as given; normalized values as log2(x + 1).
Genes: a list (``--genes``), the ``--top-genes`` N of most variable replicate means
(Mfuzz ``filter.std``), or (default) those whose change with time has padj below
``--lrt-padj`` in DESeq2's likelihood-ratio test of ``~ time`` vs ``~ 1`` (counts), or in
a one-way F-test of time (log values; stated). Then Mfuzz (replicate means standardised,
fuzzy c-means, m by ``mestimate`` or set) or degPatterns.

Writes memberships.csv (``gene,cluster,membership_1..membership_C``; degPatterns is hard:
1 in the gene's own cluster), centers.csv (cluster x time point), profiles.csv (the
averaged, standardised input, genes x time points) and params.json.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from ..cli import _output_folder, _print_notices, spec_type, stored_dataset
from ..errors import DataError, ParameterError
from ..tl.degpatterns import deg_patterns
from ..tl.deseq2_lrt import time_lrt, vst_by_time
from ..tl.timecourse import (average_replicates, mfuzz, select_by_variance, standardise,
                             time_f_test)
from ..export.tables import write_csv
from ._shared import (log_values, new_command, number_or_auto, read_gene_list,
                      require_metadata, write_params)


def add_parser(commands) -> None:
    command = new_command(commands, "timecourse", timecourse_command,
                          "soft clusters of gene profiles over time (Mfuzz) or degPatterns "
                          "clusters, on genes that change with time")
    command.add_argument("--time-column", required=True, metavar="COL",
                         help="numeric sample-sheet column of the time (or dose)")
    command.add_argument("--group-column", metavar="COL",
                         help="column of a condition; with --group only its samples are used, "
                              "without it the groups' profiles are put side by side")
    command.add_argument("--group", metavar="VALUE", help="the value of --group-column to keep")
    genes = command.add_mutually_exclusive_group()
    genes.add_argument("--genes", metavar="FILE", help="genes to cluster, one per line")
    genes.add_argument("--lrt-padj", type=spec_type("timecourse_lrt_padj"),
                       metavar="P",
                       help="genes whose test of time has padj below P (default 0.01)")
    genes.add_argument("--top-genes", type=spec_type("timecourse_top_genes"),
                       metavar="N",
                       help="the N genes whose replicate means vary most")
    command.add_argument("--method", choices=("mfuzz", "degpatterns"), default="mfuzz")
    command.add_argument("--clusters", type=spec_type("timecourse_clusters"),
                         metavar="C",
                         help="number of Mfuzz clusters (default 6)")
    command.add_argument("--fuzzifier", default="auto", metavar="auto|M",
                         help="Mfuzz fuzzifier m (> 1); auto: Mfuzz's mestimate (default)")
    command.add_argument("--min-cluster-size",
                         type=spec_type("timecourse_min_cluster_size"), default=15,
                         metavar="N",
                         help="degPatterns minc: clusters of N genes or fewer are dropped "
                              "(default 15)")
    command.add_argument("--seed", type=spec_type("command_seed"), default=0,
                         help="seed of the c-means starts")


def timecourse_command(args: argparse.Namespace) -> None:
    """Run the ``timecourse`` command (raises RnaclustError / OSError on bad input)."""
    _check_options(args)
    with stored_dataset(args) as (dataset, _store, key):
        sheet = require_metadata(dataset)
        notices = list(dataset.notices)
        values, genes, selection = _values_and_genes(dataset, sheet, args, notices)
    side_by_side = args.group_column if args.group is None else None
    expression = values.loc[genes]
    if args.method == "mfuzz":
        result = _mfuzz(expression, sheet, args, side_by_side, notices)
    else:
        result = _degpatterns(expression, sheet, args, side_by_side, notices)
    memberships, centers, profiles, extra = result
    out = _output_folder(args)
    write_csv(memberships, out / "memberships.csv")
    write_csv(centers.rename_axis("cluster"), out / "centers.csv", index=True)
    write_csv(profiles.rename_axis("gene"), out / "profiles.csv", index=True)
    write_params(out, "timecourse", args, dataset=dataset, dataset_key=key,
                 results={"gene_selection": selection, "n_genes": len(genes), **extra})
    _print_notices(notices)
    sizes = memberships["cluster"].value_counts().sort_index()
    print(f"{selection}: {len(genes):,} genes; {args.method} clusters (genes): "
          + ", ".join(f"{c}: {n}" for c, n in sizes.items()) + f"; results in {args.out}")


def _check_options(args: argparse.Namespace) -> None:
    if args.group is not None and args.group_column is None:
        raise ParameterError("--group needs --group-column (the column holding it).")
    if args.method == "degpatterns" and args.clusters is not None:
        raise ParameterError("degPatterns finds the number of clusters itself: drop "
                             "--clusters, or use --method mfuzz.")
    args.m = number_or_auto(args.fuzzifier, "timecourse_fuzzifier")


def _values_and_genes(dataset, sheet, args, notices: list) -> tuple[pd.DataFrame, list, str]:
    """The log-scale values of the samples used, the selected genes, and how they were
    selected (a phrase)."""
    where = {"time_column": args.time_column, "group_column": args.group_column,
             "group": args.group}
    counts = dataset.value_kind == "counts"
    if counts and _replicated(sheet.loc[dataset.counts.columns], args):
        values = vst_by_time(dataset.counts, sheet, **where)
    else:
        values, more = log_values(dataset)
        notices.extend(more)
        if counts:
            notices.append("No time point has a replicate, so the VST's dispersion trend "
                           "cannot use the time design: the blind VST is used.")
        if args.group is not None:
            keep = sheet.loc[values.columns, args.group_column].astype(str) == str(args.group)
            values = values.loc[:, keep.to_numpy()]
    if args.genes:
        wanted = read_gene_list(args.genes)
        genes = [g for g in wanted if g in values.index]
        if len(genes) < len(wanted):
            notices.append(f"{len(wanted) - len(genes)} of the {len(wanted)} genes of "
                           f"{args.genes} are not in the table and were left out.")
        selection = f"genes of {args.genes}"
    elif args.top_genes is not None:
        profiles = average_replicates(values, sheet, time_column=args.time_column,
                                      group_column=args.group_column, group=args.group).values
        genes = select_by_variance(profiles, top=args.top_genes).index.tolist()
        selection = f"the {args.top_genes} most variable genes"
    else:
        padj = 0.01 if args.lrt_padj is None else args.lrt_padj
        table = time_lrt(dataset.counts, sheet, **where) if counts else \
            time_f_test(values, sheet, **where)
        genes = table.index[(table["padj"] < padj).to_numpy()].tolist()
        test = "DESeq2 LRT of time" if counts else "F-test of time on the log values"
        selection = f"{test}, padj < {padj:g}"
    if len(genes) < 3:
        raise DataError(f"Only {len(genes)} gene(s) pass the selection ({selection}): a "
                        "pattern needs at least 3. Loosen the threshold (--lrt-padj), or "
                        "select by variance (--top-genes).")
    return values, genes, selection


def _replicated(sheet: pd.DataFrame, args) -> bool:
    """Whether some time point (of the group used) has more than one sample."""
    if args.group is not None and args.group_column in sheet.columns:
        sheet = sheet[sheet[args.group_column].astype(str) == str(args.group)]
    if args.time_column not in sheet.columns:
        return True  # the time design names the missing column
    return bool(sheet[args.time_column].duplicated().any())


def _time_labels(columns) -> list[str]:
    """Column names for time points, or ``group:time`` for groups side by side."""
    def text(value):
        return f"{value:g}" if isinstance(value, (float, np.floating)) else str(value)
    return [":".join(map(text, c)) if isinstance(c, tuple) else text(c) for c in columns]


def _mfuzz(expression, sheet, args, side_by_side, notices):
    averaged = average_replicates(expression, sheet, time_column=args.time_column,
                                  group_column=side_by_side)
    notices.extend(averaged.notices)
    profiles = standardise(averaged.values)
    profiles.columns = _time_labels(profiles.columns)
    fit = mfuzz(profiles, c=args.clusters or 6, m=args.m, random_state=args.seed)
    memberships = fit.membership.copy()
    memberships.columns = [f"membership_{c}" for c in memberships.columns]
    memberships.insert(0, "cluster", fit.labels)
    return (memberships.rename_axis("gene").reset_index(), fit.centers, profiles,
            {"fuzzifier": fit.m, "objective": fit.objective, "clusters": int(fit.centers.shape[0])})


def _degpatterns(expression, sheet, args, side_by_side, notices):
    result = deg_patterns(expression, sheet, time_column=args.time_column,
                          group_column=side_by_side, min_cluster_size=args.min_cluster_size)
    profiles = result.profiles.copy()
    profiles.columns = _time_labels(profiles.columns)
    clusters = result.clusters
    dropped = len(profiles) - len(clusters)
    if dropped:
        notices.append(f"{dropped:,} genes fell in patterns of {args.min_cluster_size} genes "
                       "or fewer and are left out (degPatterns' minc).")
    labels = np.sort(clusters.unique())
    memberships = pd.DataFrame({"gene": clusters.index, "cluster": clusters.to_numpy()})
    for label in labels:
        memberships[f"membership_{label}"] = (clusters.to_numpy() == label).astype(float)
    centers = profiles.loc[clusters.index].groupby(clusters.to_numpy()).mean()
    return memberships, centers, profiles, {"cut_height": result.cut_height,
                                            "clusters": int(len(labels))}
