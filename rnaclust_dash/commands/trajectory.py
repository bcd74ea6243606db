"""``python -m rnaclust_dash trajectory``: diffusion pseudotime and PAGA (issue 12), and
the ``--subcluster`` options ``run`` shares.

Bulk samples: the items are those of ``run`` with the same options, as clustered (the
top genes' log values, on ``--pcs`` principal components); the kNN graph joins each to
its ``--neighbors`` nearest (UMAP weights, as scanpy's ``pp.neighbors`` with one more:
scanpy counts the item itself). Single cells (a 10x folder, .h5, .h5ad, or
``--mode single-cell``): the single-cell pipeline of ``run`` with its options (QC,
normalize, HVG, PCA, Harmony, neighbours, Leiden/Louvain) and DPT and PAGA on its kNN
graph, as scanpy's ``tl.diffmap``/``tl.dpt``/``tl.paga`` after ``pp.neighbors``.

Pseudotime starts at a root: an item (``--root-cell``), the centre of a cluster
(``--root-cluster``: its medoid in the diffusion map) or of the items at the earliest
value of a sheet column (``--root-column``). PAGA joins the clusters, or the values of
``--groups-column``; ``--subcluster`` splits clusters of samples first, as in ``run``.

Writes pseudotime.csv (``id,pseudotime``; empty where the root cannot reach: a notice
names those items), paga.csv (``from,to,connectivity``), diffmap.csv (``id,DC0..``; DC0
is the stationary state, as scanpy's ``X_diffmap``), groups.csv (``id,group``),
pseudotime_genes.csv (``gene,rho,pvalue,padj,direction``; cells: ``symbol`` after
``gene``), params.json and, with ``--enrich``, enrichment.csv (the ``enrich`` command's
columns; queries "increasing along pseudotime" and "decreasing along pseudotime").
"""

from __future__ import annotations

import argparse
import json

from pathlib import Path

import numpy as np
import pandas as pd

from ..export.tables import write_csv
from ..cli import (_add_command, _explicit_options, _output_folder, _print_notices,
                   analysis_params, spec_type, stored_dataset)
from ..errors import ParameterError
from ..io.single_cell import resolve_mode
from ..params import COMMAND_SPEC, params_document, params_from_document, single_cell_defaults
from ..pipeline.subcluster import split_step
from ..pipeline.trajectory import RootChoice, analysis_trajectory, cell_trajectory
from ..tl.enrichment import enrich_queries
from ..tl.trajectory.genes import pseudotime_gene_lists
from ._shared import add_gene_map_argument
from .enrich import _gene_sets, _to_set_ids
from ..tl.subcluster import SPLIT_FEATURES, steps_from_records, steps_to_records
from ..tl.trajectory.paga import paga_edges


def add_parser(commands) -> None:
    command = _add_command(commands, "trajectory", trajectory_command,
                           "diffusion pseudotime from a root, PAGA connectivities between "
                           "clusters and the genes that change along pseudotime")
    roots = command.add_mutually_exclusive_group(required=True)
    roots.add_argument("--root-cell", metavar="ID", help="the item where pseudotime starts")
    roots.add_argument("--root-cluster", metavar="C",
                       help="start at the centre of this cluster (or group of --groups-column)")
    roots.add_argument("--root-column", metavar="COL",
                       help="start among the items at the earliest value of this "
                            "sample-sheet column (e.g. hours)")
    command.add_argument("--groups-column", metavar="COL",
                         help="sample-sheet column whose values are PAGA's groups "
                              "(default: the clusters)")
    command.add_argument("--n-comps", type=int, default=15, metavar="N",
                         help="diffusion components computed (default 15, as scanpy)")
    command.add_argument("--n-dcs", type=int, default=10, metavar="N",
                         help="diffusion components DPT uses (default 10, as scanpy)")
    command.add_argument("--paga-threshold", type=float, default=0.0, metavar="X",
                         help="leave PAGA edges at or below this out of paga.csv (default 0)")
    command.add_argument("--enrich", metavar="go-bp|go-mf|go-cc|FILE.gmt",
                         help="over-representation of the genes rising and of those falling "
                              "along pseudotime (padj < 0.05) in GO (bundled, human symbols) "
                              "or a GMT file: enrichment.csv")
    command.add_argument("--enrich-top", type=spec_type("trajectory_enrich_top"), metavar="N",
                         help="with --enrich: at most N genes per direction, by p-value "
                              "(default: all with padj < 0.05)")
    add_gene_map_argument(command)
    add_subcluster_options(command)


def add_subcluster_options(command: argparse.ArgumentParser) -> None:
    """``--subcluster C [--subcluster-k K | --subcluster-resolution R]
    [--subcluster-features parent|selection] [--subcluster-members ID,ID,...]``,
    repeatable."""
    command.add_argument("--subcluster", metavar="CLUSTER", action=_NewSplit,
                         dest="subclusters", default=None,
                         help="split this cluster in place (children C.1, C.2, ...); "
                              "repeat to split further, e.g. --subcluster 3 --subcluster "
                              "3.1")
    command.add_argument("--subcluster-k", metavar="K", type=int, action=_SplitSetting,
                         dest="subclusters", help="sub-clusters of the --subcluster before "
                                                  "it (methods with k; default 2)")
    command.add_argument("--subcluster-resolution", metavar="R", type=float,
                         action=_SplitSetting, dest="subclusters",
                         help="resolution for the --subcluster before it (Leiden/Louvain; "
                              "default --resolution)")
    command.add_argument("--subcluster-features", choices=SPLIT_FEATURES,
                         action=_SplitSetting, dest="subclusters",
                         help="cluster the --subcluster before it on the parent's features "
                              "(default) or on the most variable genes of its own samples")
    command.add_argument("--subcluster-members", metavar="ID,ID,...", type=_id_list,
                         action=_SplitSetting, dest="subclusters",
                         help="only these items of the --subcluster before it (a selection "
                              "inside the cluster): split off as C.1 (the rest C.2), or with "
                              "--subcluster-k/--subcluster-resolution re-clustered alone "
                              "(the rest of the cluster becomes the last child)")


def _id_list(text: str) -> list[str]:
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not ids:
        raise argparse.ArgumentTypeError("give the item ids separated by commas")
    return ids


class _NewSplit(argparse.Action):
    def __call__(self, parser, namespace, value, option_string=None):
        splits = list(getattr(namespace, self.dest) or [])
        setattr(namespace, self.dest, splits + [{"cluster": value}])


class _SplitSetting(argparse.Action):
    def __call__(self, parser, namespace, value, option_string=None):
        splits = list(getattr(namespace, self.dest) or [])
        if not splits:
            parser.error(f"{option_string} belongs to a --subcluster: give --subcluster "
                         "CLUSTER before it.")
        key = option_string.rsplit("-", 1)[1]  # k, resolution, features or members
        setattr(namespace, self.dest, splits[:-1] + [splits[-1] | {key: value}])


def split_steps(args: argparse.Namespace, params) -> tuple:
    """The splits to replay: the ``--subcluster`` options, else the ``subclusters`` of
    ``--params``' params.json (none when neither)."""
    if getattr(args, "subclusters", None):
        return tuple(split_step(s["cluster"], params, k=s.get("k"),
                                resolution=s.get("resolution"),
                                features=s.get("features", "parent"),
                                members=s.get("members"))
                     for s in args.subclusters)
    if getattr(args, "params", None):
        with open(args.params, encoding="utf-8") as handle:
            document = json.load(handle)
        if isinstance(document, dict):
            return steps_from_records(document.get("subclusters"))
    return ()


def params_with_splits(text: str, steps) -> str:
    """A params.json text with the splits recorded (``subclusters``) when there are any."""
    if not steps:
        return text
    return json.dumps(json.loads(text) | {"subclusters": steps_to_records(steps)}, indent=2)


def trajectory_command(args: argparse.Namespace) -> None:
    """Run the ``trajectory`` command (raises RnaclustError / OSError on bad input)."""
    if args.n_dcs < 2 or args.n_comps < args.n_dcs:
        raise ParameterError(f"--n-dcs must be at least 2 and at most --n-comps "
                             f"({args.n_comps}); got {args.n_dcs}.")
    gene_sets = _gene_sets(args.enrich) if args.enrich else None  # a bad choice fails first
    root = RootChoice(item=args.root_cell, group=args.root_cluster, column=args.root_column)
    with stored_dataset(args) as (dataset, store, key):
        params = analysis_params(args, dataset)
        if resolve_mode(params.mode, dataset) == "single-cell":
            steps, what = (), "cells"
            params, notices, trajectory, genes = _cells(args, dataset, store, key, root)
        else:
            steps, what = split_steps(args, params), params.target
            analysis, trajectory, genes = analysis_trajectory(
                store, key, params, root, groups_column=args.groups_column, steps=steps,
                n_comps=args.n_comps, n_dcs=args.n_dcs)
            notices = list(analysis.notices)
        document = json.loads(params_with_splits(params_document(
            params, dataset_name=dataset.name, dataset_key=key), steps))
    out = _output_folder(args)
    _write_files(out, trajectory, genes, args.paga_threshold)
    if gene_sets is not None:
        notices += _write_enrichment(out, genes, gene_sets, args)
    document["trajectory"] = {
        "root": str(trajectory.ids[trajectory.root]), "root_cell": args.root_cell,
        "root_cluster": args.root_cluster, "root_column": args.root_column,
        "groups_column": args.groups_column, "n_neighbors": trajectory.n_neighbors,
        "n_comps": int(trajectory.diffmap.eigenvalues.size), "n_dcs": args.n_dcs,
        "paga_threshold": args.paga_threshold,
        "eigenvalues": trajectory.diffmap.eigenvalues.astype(float).round(7).tolist(),
        "enrich": args.enrich, "enrich_top": args.enrich_top}
    (out / "params.json").write_text(json.dumps(document, indent=2))
    _print_notices(dataset.notices + tuple(notices) + trajectory.notices)
    reached = np.isfinite(trajectory.pseudotime)
    print(f"pseudotime of {int(reached.sum())} of {len(reached)} {what} from "
          f"{trajectory.ids[trajectory.root]}; PAGA between "
          f"{len(trajectory.paga)} groups; results in {args.out}")


def _cells(args: argparse.Namespace, dataset, store, key: str, root: RootChoice) -> tuple:
    """``(params, notices, trajectory, genes)`` of single cells: the single-cell
    pipeline (``run``'s single-cell defaults and options), then DPT and PAGA on its
    kNN graph."""
    if getattr(args, "subclusters", None):
        raise ParameterError("--subcluster splits clusters of bulk samples; for single "
                             "cells raise the --resolution instead, or give PAGA the "
                             "groups of a cell-sheet column (--groups-column).")
    params = (params_from_document(Path(args.params).read_text()) if args.params
              else single_cell_defaults()).replace(**_explicit_options(args))
    result, trajectory, genes = cell_trajectory(
        dataset, params, root, store=store, dataset_key=key,
        groups_column=args.groups_column, n_comps=args.n_comps, n_dcs=args.n_dcs)
    return params, list(result.notices), trajectory, genes


def _write_enrichment(out, genes: pd.DataFrame, gene_sets, args: argparse.Namespace) -> list:
    """enrichment.csv: over-representation of the genes rising and those falling along
    pseudotime (padj < 0.05), every gene tested as the universe; returns notices."""
    column = "symbol" if "symbol" in genes.columns else "gene"
    queries = pseudotime_gene_lists(genes, top=args.enrich_top, column=column)
    if not queries:
        return ["No gene changes along pseudotime with padj < 0.05: there is nothing to "
                "enrich (enrichment.csv not written)."]
    universe = genes[column].astype(str).drop_duplicates().tolist()
    queries, universe, report = _to_set_ids(queries, universe, gene_sets, args.gene_map)
    table = enrich_queries(queries, gene_sets, universe=universe,
                           min_size=COMMAND_SPEC["enrich_min_size"].default,
                           max_size=COMMAND_SPEC["enrich_max_size"].default)
    write_csv(table, out / "enrichment.csv")
    return ([report] if report else []) + list(table.attrs["notices"])


def _write_files(out, trajectory, genes: pd.DataFrame, threshold: float) -> None:
    pseudotime = np.where(np.isfinite(trajectory.pseudotime), trajectory.pseudotime, np.nan)
    write_csv(pd.DataFrame({"id": trajectory.ids, "pseudotime": pseudotime}),
              out / "pseudotime.csv")
    write_csv(paga_edges(trajectory.paga, threshold=threshold), out / "paga.csv")
    components = trajectory.diffmap.components
    diffmap = pd.DataFrame(components, columns=[f"DC{i}" for i in range(components.shape[1])])
    diffmap.insert(0, "id", trajectory.ids)
    write_csv(diffmap, out / "diffmap.csv")
    write_csv(pd.DataFrame({"id": trajectory.ids, "group": trajectory.groups}),
              out / "groups.csv")
    write_csv(genes, out / "pseudotime_genes.csv")
