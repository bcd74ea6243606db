"""The result files of the command line and the downloads of the dashboard.

Each file is made by one function here, so the ``run``, ``choose-k`` and ``stability``
commands and the dashboard's downloads write the same bytes: ``assignments.csv`` and
``params.json`` of a download equal those of ``run`` with the same parameters. File names
and columns are documented in the README ("Command line").
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import __version__
from ..params import params_document
from .tables import csv_text, write_csv

if TYPE_CHECKING:  # types only: the export layer reads results, it runs nothing
    from ..assess import KChoice
    from ..params import AnalysisParams
    from ..pipeline.run import Analysis
    from ..tl.consensus import ConsensusResult
    from ..tl.embed import Embedding
    from ..tl.stability import StabilityResult

ASSIGNMENTS_FILE = "assignments.csv"
PARAMS_FILE = "params.json"


def assignments_csv(analysis: Analysis) -> str:
    """assignments.csv: one row per item (``id, cluster, silhouette`` and, for soft
    methods, the confidence), in the order of the analysis."""
    return csv_text(analysis.assignments())


def params_json(params: AnalysisParams, *, dataset_name: str = "",
                dataset_key: str = "") -> str:
    """params.json of an analysis: its parameters and the dataset they ran on (read back
    by ``run --params`` and the dashboard)."""
    return params_document(params, dataset_name=dataset_name, dataset_key=dataset_key)


def output_folder(out_dir) -> Path:
    """The output folder, created when missing."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_params(out_dir, params: AnalysisParams, *, dataset_name: str = "",
                 dataset_key: str = "") -> None:
    """Write params.json (:func:`params_json`) into ``out_dir``."""
    (output_folder(out_dir) / PARAMS_FILE).write_text(
        params_json(params, dataset_name=dataset_name, dataset_key=dataset_key))


def write_results(analysis: Analysis, embedding: Embedding, out_dir, *,
                  dataset_name: str = "", extra_metrics: dict | None = None) -> None:
    """Write the ``run`` command's result files into ``out_dir``: assignments.csv,
    metrics.json, size_factors.csv (when normalized by size factors), normalized.csv
    (genes x samples), embedding.csv and params.json."""
    out = output_folder(out_dir)
    (out / ASSIGNMENTS_FILE).write_text(assignments_csv(analysis))
    metrics = analysis.metrics() | (extra_metrics or {}) | {
        "parameters": analysis.params.to_dict(), "versions": package_versions()}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    if analysis.size_factors is not None:
        factors = pd.concat([analysis.size_factors, analysis.norm_factors], axis=1)
        write_csv(factors.rename_axis("id").reset_index(), out / "size_factors.csv")
    write_csv(analysis.features.values.rename_axis("gene_id"), out / "normalized.csv",
              index=True)
    write_csv(pd.DataFrame({"id": analysis.features.item_ids, "x": embedding.coords[:, 0],
                            "y": embedding.coords[:, 1]}), out / "embedding.csv")
    write_params(out, analysis.params, dataset_name=dataset_name,
                 dataset_key=analysis.dataset_key)


def write_corrected(matrix: pd.DataFrame, out_dir) -> None:
    """corrected.csv: the batch-corrected matrix (genes x samples, ``gene_id`` index)."""
    write_csv(matrix.rename_axis("gene_id"), output_folder(out_dir) / "corrected.csv",
              index=True)


def write_choose_k(choice: KChoice, out_dir) -> None:
    """The ``choose-k`` files: k_selection.csv (one row per k, one column per index),
    suggested_k.json (index -> k) and cluster_tree.csv (the clustree edges)."""
    out = output_folder(out_dir)
    write_csv(choice.table, out / "k_selection.csv")
    (out / "suggested_k.json").write_text(json.dumps(choice.suggested, indent=2))
    write_csv(choice.tree, out / "cluster_tree.csv")


def write_stability(analysis: Analysis, result: StabilityResult, out_dir) -> None:
    """The ``stability`` files: cluster_stability.csv (``cluster, jaccard_mean``) and
    item_stability.csv (``id, cluster, stability``; clusters numbered as ``run``'s
    assignments.csv)."""
    out = output_folder(out_dir)
    jaccard = result.cluster_jaccard
    write_csv(pd.DataFrame({"cluster": jaccard.index, "jaccard_mean": jaccard.to_numpy()}),
              out / "cluster_stability.csv")
    write_csv(pd.DataFrame({"id": analysis.features.item_ids, "cluster": analysis.labels,
                            "stability": result.item_stability}), out / "item_stability.csv")


def write_consensus(consensus: ConsensusResult, ids, k: int, out_dir) -> None:
    """Write the consensus clustering files into ``out_dir``.

    Parameters
    ----------
    consensus : ConsensusResult
        From :func:`rnaclust_dash.assess.assess_stability`.
    ids : sequence of str
        Item ids, in the order of the consensus matrices.
    k : int
        The k whose consensus matrix is written.
    out_dir : path
        The output folder.

    Notes
    -----
    Files: ``consensus_matrix.csv`` (items x items at ``k``, ids as header and index),
    ``consensus_cdf.csv`` (``k, consensus_index, cdf``), ``consensus_delta_area.csv``
    (``k, area, delta_area``) and ``item_consensus.csv`` (``k, id, cluster,
    item_consensus``: the mean consensus of each item with each consensus cluster, as
    ConsensusClusterPlus's item-consensus table).
    """
    out = output_folder(out_dir)
    write_csv(pd.DataFrame(consensus.matrices[k], index=ids, columns=ids).rename_axis("id"),
              out / "consensus_matrix.csv", index=True)
    write_csv(consensus.cdf, out / "consensus_cdf.csv")
    write_csv(pd.DataFrame({"area": consensus.area_under_cdf,
                            "delta_area": consensus.delta_area}).rename_axis("k").reset_index(),
              out / "consensus_delta_area.csv")
    frames = [table.set_axis(ids).rename_axis("id").reset_index()
              .melt(id_vars="id", var_name="cluster", value_name="item_consensus")
              .assign(k=k_value) for k_value, table in consensus.item_consensus.items()]
    write_csv(pd.concat(frames, ignore_index=True)[["k", "id", "cluster", "item_consensus"]],
              out / "item_consensus.csv")


def write_command_params(out_dir, command: str, args: argparse.Namespace, *, dataset=None,
                         dataset_key: str = "", results: dict | None = None) -> None:
    """params.json of the ``markers``-style commands (enrich, modules, timecourse): the
    command's options, what it chose (``results``), the dataset and the package
    versions."""
    options = {name: value for name, value in vars(args).items()
               if name not in ("handler", "command") and not callable(value)}
    document = {"command": command, "parameters": options, "results": results or {},
                "dataset": {"name": getattr(dataset, "name", ""), "key": dataset_key},
                "versions": package_versions()}
    (output_folder(out_dir) / PARAMS_FILE).write_text(
        json.dumps(document, indent=2, default=_plain))


def _plain(value):
    """JSON for numpy scalars and anything else (as text)."""
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def package_versions(extra: tuple[str, ...] = ()) -> dict:
    """Versions of the packages whose numbers the results depend on (and of ``extra``
    packages, e.g. igraph for single cells)."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {"rnaclust_dash": __version__}
    for name in ("numpy", "scipy", "pandas", "scikit-learn", "fastcluster", "umap-learn",
                 *extra):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions
