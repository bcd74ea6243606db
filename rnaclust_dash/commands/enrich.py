"""``python -m rnaclust_dash enrich``: over-representation of gene lists (issue 10 item 5).

Queries: gene list files (``--genes``, one query per file), the clusters of a gene
clustering (``--assignments``, run's assignments.csv with ``--target genes``), or the up
(or down) markers of each group (``--markers``, markers.csv: genes with padj < 0.05, the
``--top`` N by p-value). Universe: ``--universe``, else the genes the input says were
tested (every gene of assignments.csv or markers.csv); for bare gene lists, all genes of
the gene sets. Ids are mapped to symbols (:mod:`rnaclust_dash.tl.gene_ids`) when the gene
sets hold symbols and the ids are not.

Writes enrichment.csv (``query,term,description,n_overlap,n_term,n_query,n_universe,
pvalue,padj,genes``) and params.json.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from ..cli import _output_folder, _print_notices, spec_type
from ..errors import DataError, ParameterError
from ..tl.enrichment import cluster_queries, enrich_queries, marker_queries
from ..tl.gene_ids import detect_id_kind
from ..tl.genesets import BUNDLED_GENE_SETS, bundled_gene_sets, read_gmt
from ..export.tables import write_csv
from ._shared import (add_gene_map_argument, gene_symbols, new_command, read_gene_list,
                      write_params)


def add_parser(commands) -> None:
    command = new_command(commands, "enrich", enrich_command,
                          "over-representation (hypergeometric, BH) of gene lists, gene "
                          "clusters or marker genes in GO or GMT gene sets", inputs=False)
    query = command.add_mutually_exclusive_group(required=True)
    query.add_argument("--genes", metavar="FILE", action="append",
                       help="a gene list, one gene per line (repeat for several lists)")
    query.add_argument("--assignments", metavar="FILE",
                       help="assignments.csv of run --target genes: one query per cluster")
    query.add_argument("--markers", metavar="FILE",
                       help="markers.csv of the markers command: one query per group")
    command.add_argument("--top", type=spec_type("enrich_top"), metavar="N",
                         help="with --markers: at most N genes per group, by p-value "
                              "(default: all with padj < 0.05)")
    command.add_argument("--direction", choices=("up", "down"), default="up",
                         help="with --markers: genes higher (up) or lower in the group")
    command.add_argument("--gene-sets", required=True, metavar="go-bp|go-mf|go-cc|FILE.gmt",
                         help="bundled GO sets for human symbols, or a GMT file")
    command.add_argument("--universe", metavar="FILE",
                         help="all genes tested, one per line (default: every gene of the "
                              "assignments or markers; for --genes, every gene of the sets)")
    command.add_argument("--min-size", type=spec_type("enrich_min_size"), default=10,
                         help="smallest set tested, counted within the universe (default 10)")
    command.add_argument("--max-size", type=spec_type("enrich_max_size"), default=500,
                         help="largest set tested, counted within the universe (default 500)")
    add_gene_map_argument(command)
    command.add_argument("--out", required=True, help="folder for the result files")


def enrich_command(args: argparse.Namespace) -> None:
    """Run the ``enrich`` command (raises RnaclustError / OSError on bad input)."""
    if (args.top is not None or args.direction != "up") and not args.markers:
        raise ParameterError("--top and --direction pick genes of a marker table: use them "
                             "with --markers.")
    queries, universe = _queries(args)
    gene_sets = _gene_sets(args.gene_sets)
    notices = []
    if args.universe:
        universe = read_gene_list(args.universe)
    elif universe is None:
        universe = list(dict.fromkeys(g for members in gene_sets.members for g in members))
        notices.append(f"No --universe given: the {len(universe):,} genes of "
                       f"{gene_sets.source} are the universe. Give the genes you tested "
                       "for unbiased p-values.")
    queries, universe, report = _to_set_ids(queries, universe, gene_sets, args.gene_map)
    if report:
        notices.append(report)
    table = enrich_queries(queries, gene_sets, universe=universe, min_size=args.min_size,
                           max_size=args.max_size)
    out = _output_folder(args)
    write_csv(table, out / "enrichment.csv")
    write_params(out, "enrich", args, results={"n_universe": len(set(universe)),
                                               "queries": {q: len(g) for q, g in
                                                           queries.items()},
                                               "symbols": report})
    _print_notices(notices + table.attrs["notices"])
    for query, rows in table.groupby("query", sort=False):
        best = rows.iloc[0]
        print(f"{query}: {int((rows['padj'] < 0.05).sum())} of {len(rows)} sets with padj "
              f"< 0.05; top {best['term']} {best['description']} (padj {best['padj']:.3g})")
    print(f"{len(queries)} queries against {gene_sets.source}; results in {args.out}")


def _queries(args: argparse.Namespace) -> tuple[dict, list | None]:
    """Query name -> genes, and the universe the input implies (None for gene lists)."""
    if args.genes:
        names = [Path(path).name.split(".")[0] for path in args.genes]
        if len(set(names)) < len(names):
            names = [Path(path).name for path in args.genes]
        return {name: read_gene_list(path) for name, path in zip(names, args.genes)}, None
    path = args.assignments or args.markers
    table = pd.read_csv(path, dtype={"id": str, "gene": str})
    if args.assignments:
        missing = {"id", "cluster"} - set(table.columns)
        if missing:
            raise DataError(f"{Path(path).name} lacks the column(s) {', '.join(sorted(missing))}: "
                            "use an assignments.csv written by run --target genes.")
        return cluster_queries(table["id"], table["cluster"]), table["id"].tolist()
    queries = marker_queries(table, direction=args.direction, top=args.top)
    if not queries:
        raise DataError(f"No group of {Path(path).name} has genes {args.direction} with padj "
                        "< 0.05: there is nothing to test. Try the other --direction.")
    return queries, table["gene"].drop_duplicates().tolist()


def _gene_sets(choice: str):
    if choice in BUNDLED_GENE_SETS:
        return bundled_gene_sets(choice)
    path = Path(choice)
    if not path.exists():
        raise ParameterError(f"--gene-sets {choice}: neither a bundled collection "
                             f"({', '.join(BUNDLED_GENE_SETS)}) nor a file.")
    return read_gmt(path)


def _to_set_ids(queries: dict, universe: list, gene_sets, gene_map: str | None
                ) -> tuple[dict, list, str]:
    """Map the query and universe ids to symbols when the sets hold symbols and the ids do
    not (or when a ``--gene-map`` is given). Returns the ids and a report ('' if none)."""
    sample = [g for members in gene_sets.members[:200] for g in members]
    sets_kind = detect_id_kind(sample)[0]
    ids = list(dict.fromkeys([*universe, *(g for genes in queries.values() for g in genes)]))
    if gene_map is None and (sets_kind != "symbol" or detect_id_kind(ids)[0] == "symbol"):
        return queries, universe, ""
    mapping = gene_symbols(ids, gene_map, if_none_mapped="raise")
    symbol = dict(zip(ids, mapping.symbols))
    return ({name: [symbol[g] for g in genes] for name, genes in queries.items()},
            [symbol[g] for g in universe], mapping.report)
