"""``python -m rnaclust_dash modules``: co-expression modules as WGCNA (issue 11 item 5).

Values: DESeq2's blind VST of counts, or log-CPM (``--normalization``); log values as
given, log2(x + 1) of normalized values. The ``--top-genes`` N of highest variance. Then ``pickSoftThreshold`` (the power
is the lowest whose scale-free fit R^2 exceeds 0.85, or the WGCNA FAQ's choice, said,
when none does), ``blockwiseModules`` (numeric labels, 0 = unassigned), eigengenes and
their Pearson correlation with sample-sheet traits (Student p-values). Text trait
columns become one 0/1 indicator per value (``strain=mut``).

Writes soft_threshold.csv, modules.csv (``gene,module``), eigengenes.csv (samples x
``ME<module>``), module_trait.csv (``module,trait,correlation,pvalue``), hub_genes.csv
(``module,gene,kME``: the 10 genes of highest module membership in each module) and
params.json.
"""

from __future__ import annotations

import argparse

from ..cli import _output_folder, _print_notices, spec_type, stored_dataset
from ..export.tables import write_csv
from ..tl.modules import NETWORK_TYPES
from ..pipeline.modules import (R_SQUARED_CUT, fit_of_chosen_power, module_expression,
                                module_tables, soft_threshold, trait_table)
from ._shared import new_command, number_or_auto, require_metadata, write_params


def add_parser(commands) -> None:
    command = new_command(commands, "modules", modules_command,
                          "co-expression modules as WGCNA: soft threshold, modules, "
                          "eigengenes and their correlation with traits")
    command.add_argument("--normalization", choices=("vst", "logcpm-tmm", "logcpm"),
                         default="vst", help="log scale of counts: DESeq2's blind VST "
                                             "(default) or edgeR's log-CPM")
    command.add_argument("--top-genes", type=spec_type("modules_top_genes"), default=5000,
                         metavar="N",
                         help="the N genes of highest variance (default 5000; 0 = all)")
    command.add_argument("--power", default="auto", metavar="auto|P",
                         help="soft-threshold power; auto: the lowest with a scale-free fit "
                              f"R^2 above {R_SQUARED_CUT} (default)")
    command.add_argument("--network", choices=NETWORK_TYPES, default="unsigned")
    command.add_argument("--min-module-size", type=spec_type("modules_min_module_size"),
                         default=30, metavar="N")
    command.add_argument("--merge-cut-height",
                         type=spec_type("modules_merge_cut_height"), default=0.25, metavar="H",
                         help="merge modules whose eigengenes correlate above 1 - H "
                              "(default 0.25)")
    command.add_argument("--deep-split", type=int, choices=range(5), default=2,
                         help="dynamic tree cut sensitivity 0..4 (default 2)")
    command.add_argument("--trait-columns", metavar="COL[,COL]",
                         help="sample-sheet columns to correlate with the eigengenes "
                              "(default: every column that varies and is not a sample id)")
    command.add_argument("--seed", type=spec_type("command_seed"), default=0,
                         help="seed of the pre-clustering into blocks (over 5,000 genes)")


def modules_command(args: argparse.Namespace) -> None:
    """Run the ``modules`` command (raises RnaclustError / OSError on bad input)."""
    power = number_or_auto(args.power, "modules_power")
    with stored_dataset(args) as (dataset, _store, key):
        sheet = require_metadata(dataset)
        expression, notices = module_expression(dataset, normalization=args.normalization,
                                                top_genes=args.top_genes)
        notices = list(dataset.notices) + notices
    traits = trait_table(sheet.loc[expression.columns], args.trait_columns)
    table, suggested, why = soft_threshold(expression, network=args.network)
    if power is None:
        power = suggested
        notices.append(why)
    else:
        notices.extend(fit_of_chosen_power(table, power, suggested))
    tables = module_tables(expression, traits, power=power, network=args.network,
                           min_module_size=args.min_module_size, deep_split=args.deep_split,
                           merge_cut_height=args.merge_cut_height, random_state=args.seed)
    result = tables.result
    notices.extend(result.notices)
    out = _output_folder(args)
    write_csv(table, out / "soft_threshold.csv")
    write_csv(result.modules.rename_axis("gene").reset_index(), out / "modules.csv")
    write_csv(result.eigengenes.rename_axis("sample"), out / "eigengenes.csv", index=True)
    write_csv(tables.module_trait, out / "module_trait.csv")
    write_csv(tables.hubs, out / "hub_genes.csv")
    sizes = result.modules.value_counts().sort_index()
    write_params(out, "modules", args, dataset=dataset, dataset_key=key,
                 results={"power": power, "suggested_power": suggested,
                          "n_genes": len(expression), "traits": list(traits.columns),
                          "module_sizes": {int(m): int(n) for m, n in sizes.items()}})
    _print_notices(notices)
    print(f"power {power:g}, {args.network} network of {len(expression):,} genes: "
          f"{int((sizes.index > 0).sum())} modules (" + ", ".join(
              f"{m}: {n}" for m, n in sizes.items() if m > 0)
          + f"; {int(sizes.get(0, 0))} genes unassigned); results in {args.out}")
