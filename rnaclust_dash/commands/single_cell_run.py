"""``run`` on single cells: the single-cell pipeline and its files (issue 9 item 7).

Called by :func:`rnaclust_dash.cli.run_command` when the mode is (or is detected as)
single-cell; the options are run's (one per parameter of the spec), with the single-cell
defaults of :func:`~rnaclust_dash.params.single_cell_defaults` unless ``--params`` is
given.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from ..export.tables import write_csv
from ..cli import _explicit_options, _print_notices
from ..dataset import Dataset
from ..errors import ParameterError
from ..params import SPEC, params_from_document, single_cell_defaults, split_list
from ..store import ResultStore


def run_single_cell_command(args: argparse.Namespace, dataset: Dataset, store: ResultStore,
                            key: str) -> None:
    """``run`` on single cells (``--mode single-cell``, or detected from the input): the
    single-cell pipeline and its files (``SC_RESULT_FILES`` of
    :mod:`rnaclust_dash.export.single_cell_files`; with ``--resolutions`` the
    resolution panel, with ``--stability-resamples`` the clusters' stability under
    subsampling; with ``--subcluster`` clusters split in place, recorded in params.json
    as ``subclusters`` so that ``--params`` replays them)."""
    from ..pipeline.single_cell import run_single_cell
    from ..export.single_cell_files import write_single_cell_results
    from .trajectory import params_with_splits, split_steps

    if args.write_corrected:
        raise ParameterError("--write-corrected writes a batch-corrected bulk matrix; for "
                             "single cells Harmony corrects the principal components, which "
                             "result.h5ad holds (obsm X_pca and the embedding).")
    params = (params_from_document(Path(args.params).read_text()) if args.params
              else single_cell_defaults()).replace(**_explicit_options(args))
    resolutions = _resolutions(args.resolutions)
    steps = split_steps(args, params)
    if steps and args.stability_resamples:
        raise ParameterError("--stability-resamples scores the clusters the method found; "
                             "with --subcluster the labels are split afterwards: run the "
                             "stability without --subcluster.")
    result = run_single_cell(dataset, params, store=store, dataset_key=key, splits=steps)
    agreement = None
    if args.compare_column:
        agreement = _compare_cells(result, dataset, args.compare_column)
    write_single_cell_results(result, dataset, args.out, extra_metrics=agreement)
    if steps:  # params.json records the splits; --params replays them
        path = Path(args.out) / "params.json"
        path.write_text(params_with_splits(path.read_text(), steps))
    _write_single_cell_assessment(result, args, resolutions)
    _print_notices(dataset.notices + result.notices)
    metrics = result.metrics()
    removed = metrics["n_cells_input"] - metrics["n_cells"]
    print(f"{metrics['n_cells']:,} cells ({removed:,} removed by QC) x {metrics['n_genes']:,} "
          f"genes in {metrics['n_clusters']} clusters ({params.method}); results in "
          f"{args.out}")


def _resolutions(text: str | None) -> list[float]:
    if not text:
        return []
    try:
        values = [float(part) for part in split_list(text)]
    except ValueError:
        raise ParameterError(f"--resolutions takes numbers separated by commas, e.g. "
                             f"0.2,0.5,1; got {text!r}.") from None
    bad = [v for v in values if not 0 < v <= SPEC["resolution"].max]
    if bad or not values:
        raise ParameterError(f"--resolutions: each resolution must be above 0 and at most "
                             f"{SPEC['resolution'].max:g}; got {text!r}.")
    return values


def _compare_cells(result, dataset: Dataset, column: str) -> dict:
    """ARI and NMI of the cell clusters against a cell-sheet column."""
    from ..tl.agreement import agreement

    if column not in dataset.adata.obs.columns:
        raise ParameterError(f"--compare-column {column}: the cell sheet has no such column "
                             "(give it with --metadata).")
    truth = dataset.adata.obs[column].reindex(result.cell_ids).to_numpy()
    values = agreement(result.labels, truth)
    return {"ari": values["ari"], "nmi": values["nmi"], "compare_column": column}


def _write_single_cell_assessment(result, args: argparse.Namespace,
                                  resolutions: list[float]) -> None:
    """resolution_panel.csv, resolution_labels.csv, resolution_tree.csv and
    cluster_stability.csv / cell_stability.csv when asked for."""
    from ..pipeline.single_cell_assess import resolution_panel, single_cell_stability

    out = Path(args.out)
    params = result.params
    if resolutions:
        if params.method not in ("leiden", "louvain"):
            raise ParameterError("--resolutions scans the resolution of Leiden or Louvain; "
                                 f"{params.method} has a k instead.")
        panel = resolution_panel(result.graph.connectivities, resolutions=resolutions,
                                 method=params.method, random_state=params.seed,
                                 cell_ids=result.cell_ids)
        write_csv(panel.summary, out / "resolution_panel.csv")
        write_csv(panel.labels.rename(columns=lambda r: f"resolution_{r:g}").rename_axis(
            "id").reset_index(), out / "resolution_labels.csv")
        write_csv(panel.tree, out / "resolution_tree.csv")
    if args.stability_resamples:
        stability = single_cell_stability(result, n_resamples=args.stability_resamples,
                                          random_state=params.seed)
        jaccard = stability.cluster_jaccard
        write_csv(pd.DataFrame({"cluster": jaccard.index, "jaccard_mean": jaccard.to_numpy()}),
                  out / "cluster_stability.csv")
        write_csv(pd.DataFrame({"id": result.cell_ids, "cluster": result.labels,
                               "stability": stability.item_stability}),
                  out / "cell_stability.csv")
