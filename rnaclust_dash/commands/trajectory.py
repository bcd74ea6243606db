"""``python -m rnaclust_dash trajectory``: diffusion pseudotime and PAGA (issue 12), and
the ``--subcluster`` options ``run`` shares.

The items are those of ``run`` with the same options (samples of a table, or cells of a
genes x cells table), as clustered (the top genes' log values, on ``--pcs`` principal
components); the kNN graph joins each to its ``--neighbors`` nearest (UMAP weights, as
scanpy's ``pp.neighbors`` with one more: scanpy counts the item itself). Pseudotime
starts at a root: an item (``--root-cell``), the
centre of a cluster (``--root-cluster``: its medoid in the diffusion map) or of the items
at the earliest value of a sheet column (``--root-column``).
PAGA joins the clusters, or the values of ``--groups-column``; ``--subcluster`` splits
clusters first, as in ``run``.

Writes pseudotime.csv (``id,pseudotime``; empty where the root cannot reach), paga.csv
(``from,to,connectivity``), diffmap.csv (``id,DC0..``; DC0 is the stationary state, as
scanpy's ``X_diffmap``), groups.csv (``id,group``), pseudotime_genes.csv (``gene,rho,
pvalue,padj,direction``) and params.json.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd

from ..export.tables import write_csv
from ..cli import _add_command, _output_folder, _print_notices, analysis_params, stored_dataset
from ..errors import ParameterError
from ..io.single_cell import resolve_mode
from ..params import params_document
from ..pipeline.subcluster import split_step
from ..pipeline.trajectory import RootChoice, analysis_trajectory
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
    add_subcluster_options(command)


def add_subcluster_options(command: argparse.ArgumentParser) -> None:
    """``--subcluster C [--subcluster-k K | --subcluster-resolution R]
    [--subcluster-features parent|selection]``, repeatable."""
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
        key = option_string.rsplit("-", 1)[1]  # k, resolution or features
        setattr(namespace, self.dest, splits[:-1] + [splits[-1] | {key: value}])


def split_steps(args: argparse.Namespace, params) -> tuple:
    """The splits to replay: the ``--subcluster`` options, else the ``subclusters`` of
    ``--params``' params.json (none when neither)."""
    if getattr(args, "subclusters", None):
        return tuple(split_step(s["cluster"], params, k=s.get("k"),
                                resolution=s.get("resolution"),
                                features=s.get("features", "parent"))
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
    with stored_dataset(args) as (dataset, store, key):
        params = analysis_params(args, dataset)
        if resolve_mode(params.mode, dataset) == "single-cell":
            raise ParameterError(
                f"{dataset.name} holds single cells; the single-cell pipeline (QC, HVG, "
                "PCA, Leiden) is not in this version of the trajectory command yet. To "
                "order the cells with the bulk preprocessing add --mode bulk.")
        steps = split_steps(args, params)
        root = RootChoice(item=args.root_cell, group=args.root_cluster,
                          column=args.root_column)
        analysis, trajectory, genes = analysis_trajectory(
            store, key, params, root, groups_column=args.groups_column, steps=steps,
            n_comps=args.n_comps, n_dcs=args.n_dcs)
        document = json.loads(params_with_splits(params_document(
            params, dataset_name=dataset.name, dataset_key=key), steps))
    out = _output_folder(args)
    _write_files(out, trajectory, genes, args.paga_threshold)
    document["trajectory"] = {
        "root": str(trajectory.ids[trajectory.root]), "root_cell": args.root_cell,
        "root_cluster": args.root_cluster, "root_column": args.root_column,
        "groups_column": args.groups_column, "n_neighbors": trajectory.n_neighbors,
        "n_comps": int(trajectory.diffmap.eigenvalues.size), "n_dcs": args.n_dcs,
        "paga_threshold": args.paga_threshold,
        "eigenvalues": trajectory.diffmap.eigenvalues.astype(float).round(7).tolist()}
    (out / "params.json").write_text(json.dumps(document, indent=2))
    _print_notices(dataset.notices + analysis.notices + trajectory.notices)
    reached = np.isfinite(trajectory.pseudotime)
    print(f"pseudotime of {int(reached.sum())} of {len(reached)} {params.target} from "
          f"{trajectory.ids[trajectory.root]}; PAGA between "
          f"{len(trajectory.paga)} groups; results in {args.out}")


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
