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

from ..cli import _output_folder, _print_notices, spec_type, stored_dataset
from ..errors import ParameterError
from ..export.tables import write_csv
from ..pipeline.timecourse import degpatterns_tables, mfuzz_tables, timecourse_input
from ._shared import (new_command, number_or_auto, read_gene_list, require_metadata,
                      write_params)


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
        chosen = timecourse_input(
            dataset, time_column=args.time_column, group_column=args.group_column,
            group=args.group, genes=read_gene_list(args.genes) if args.genes else None,
            genes_source=args.genes or "", top_genes=args.top_genes, lrt_padj=args.lrt_padj)
    side_by_side = args.group_column if args.group is None else None
    expression = chosen.values.loc[chosen.genes]
    where = {"time_column": args.time_column, "group_column": side_by_side}
    if args.method == "mfuzz":
        result = mfuzz_tables(expression, sheet, clusters=args.clusters or 6, m=args.m,
                              random_state=args.seed, **where)
    else:
        result = degpatterns_tables(expression, sheet, min_cluster_size=args.min_cluster_size,
                                    **where)
    out = _output_folder(args)
    write_csv(result.memberships, out / "memberships.csv")
    write_csv(result.centers.rename_axis("cluster"), out / "centers.csv", index=True)
    write_csv(result.profiles.rename_axis("gene"), out / "profiles.csv", index=True)
    write_params(out, "timecourse", args, dataset=dataset, dataset_key=key,
                 results={"gene_selection": chosen.selection, "n_genes": len(chosen.genes),
                          **result.extra})
    _print_notices(list(dataset.notices) + list(chosen.notices) + list(result.notices))
    sizes = result.memberships["cluster"].value_counts().sort_index()
    print(f"{chosen.selection}: {len(chosen.genes):,} genes; {args.method} clusters (genes): "
          + ", ".join(f"{c}: {n}" for c, n in sizes.items()) + f"; results in {args.out}")


def _check_options(args: argparse.Namespace) -> None:
    if args.group is not None and args.group_column is None:
        raise ParameterError("--group needs --group-column (the column holding it).")
    if args.method == "degpatterns" and args.clusters is not None:
        raise ParameterError("degPatterns finds the number of clusters itself: drop "
                             "--clusters, or use --method mfuzz.")
    args.m = number_or_auto(args.fuzzifier, "timecourse_fuzzifier")
