"""Splits of an analysis' clusters (issue 12 item 1): the chosen method of the registry
re-run on the items of one cluster, on the parent's features (the values as clustered)
or on the most variable genes among the cluster's samples; graph methods build their
graph and principal components on the selection."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..params import AnalysisParams
from ..pp.features import top_variable_genes
from ..store import ResultStore, stage_key
from ..tl.distance import pairwise_distances
from ..tl.methods import get_method
from ..tl.subcluster import (SelectionFit, SplitStep, replay_present_splits, replay_splits,
                            steps_to_records)
from ..tl.validate import validation_summary
from .prepare import normalized_matrix
from .run import Analysis, fit_method, item_distances


def split_step(cluster: str, params: AnalysisParams, *, k: int | None = None,
               resolution: float | None = None, features: str = "parent",
               members=None) -> SplitStep:
    """A split of ``cluster`` with the analysis' method: the k or resolution given, else
    k = 2 (methods with k) or the analysis' resolution (graph methods); ``features``
    "selection" re-selects the most variable genes among the cluster's samples.
    ``members`` (item ids of a selection inside the cluster): without k or resolution
    they are split off as ``C.1`` (the rest ``C.2``), with one they alone are re-clustered
    (see :class:`~rnaclust_dash.tl.subcluster.SplitStep`)."""
    method = get_method(params.method)
    if k is not None and method.uses != "k":
        raise ParameterError(f"{method.label} sets no k: split cluster {cluster} with a "
                             "resolution (--subcluster-resolution) instead.")
    if resolution is not None and method.uses != "resolution":
        raise ParameterError(f"{method.label} takes no resolution: split cluster {cluster} "
                             "into k sub-clusters (--subcluster-k) instead.")
    if members is not None and k is None and resolution is None:
        return SplitStep(str(cluster), features=features, members=tuple(members))
    if k is None and resolution is None:
        if method.uses == "k":
            k = 2
        else:
            resolution = params.resolution
    if features == "selection" and (params.target != "samples"
                                    or params.batch_method == "harmony"):
        raise ParameterError("Re-selecting the most variable genes on a cluster works for "
                             "sample clusters without Harmony: split on the parent's "
                             "features instead.")
    return SplitStep(str(cluster), k=k, resolution=resolution, features=features,
                     members=None if members is None else tuple(members))


def selection_fit(items: np.ndarray, params: AnalysisParams, *,
                  all_genes: pd.DataFrame | None = None) -> SelectionFit:
    """``fit(indices, step)`` with the analysis' method and choices on ``items[indices]``
    (items x features as clustered), k or resolution from the step; for a step with
    ``features="selection"``, on the ``top_genes`` most variable genes of ``all_genes``
    (genes x items, normalized log values of every gene) among the selected items.

    Parameters
    ----------
    items : numpy.ndarray
        (n_items, n_features) the items as the analysis clustered them.
    params : AnalysisParams
        The analysis: its method, distance, seed and the method's own parameters.
    all_genes : pandas.DataFrame, optional, keyword-only
        (n_genes, n_items) normalized log values of every gene, columns in the order of
        ``items``; needed by a step with ``features="selection"``.

    Returns
    -------
    SelectionFit
        ``fit(indices, step) -> labels`` for
        :func:`~rnaclust_dash.tl.subcluster.replay_splits`.
    """
    method = get_method(params.method)

    def fit(indices: np.ndarray, step: SplitStep) -> np.ndarray:
        split_params = selection_params(params, step, n_items=len(indices),
                                        n_features=items.shape[1])
        if step.features == "selection":
            if all_genes is None:
                raise ParameterError("Re-selecting genes on a cluster needs the matrix of "
                                     "all genes.")
            chosen = top_variable_genes(all_genes.iloc[:, indices], params.top_genes)
            selection = chosen.to_numpy(dtype=np.float64).T
        else:
            selection = items[indices]
        data = (pairwise_distances(selection, metric=params.distance)
                if method.needs == "distances" else selection)
        return fit_method(method, data, split_params).labels

    return fit


def selection_params(params: AnalysisParams, step: SplitStep, *, n_items: int,
                     n_features: int) -> AnalysisParams:
    """The analysis' parameters for clustering a selection of ``n_items`` items as ``step``
    says: its k or resolution, and no more principal components than the selection holds
    (the split, and the stability and k panels on the selection, fit with these)."""
    changes = {"k": step.k} if step.k is not None else {"resolution": step.resolution}
    if "pcs" in get_method(params.method).params and params.pcs:
        # the selection may have fewer items than the parent's components
        changes["pcs"] = min(params.pcs, n_items - 1, n_features)
    return dataclasses.replace(params, **changes)


def split_analysis(store: ResultStore, analysis: Analysis,
                   steps: Sequence[SplitStep]) -> Analysis:
    """The analysis with its clusters split as ``steps`` say (labels become text such as
    ``"3.1"``), the validation indices recomputed on the new labels.

    Parameters
    ----------
    store : ResultStore
        Where the analysis' distances are (or are stored).
    analysis : Analysis
        From :func:`~.run.run_analysis`; not modified.
    steps : sequence of SplitStep
        The splits, in order (see :func:`split_step`).

    Returns
    -------
    Analysis
        A new analysis (the same one when ``steps`` is empty); the heatmap order of
        the items is the parent's.
    """
    if not steps:
        return analysis
    labels = _stored(store, analysis, steps, "splits", lambda: replay_splits(
        analysis.labels, steps, _fit(store, analysis, steps),
        item_ids=analysis.features.item_ids))
    return _with_labels(store, analysis, labels, steps)


def _fit(store: ResultStore, analysis: Analysis, steps: Sequence[SplitStep]) -> SelectionFit:
    """:func:`selection_fit` of the analysis, with all genes when a step re-selects them."""
    all_genes = None
    if any(step.features == "selection" for step in steps):
        all_genes = normalized_matrix(store, analysis.dataset_key, analysis.params).values.loc[
            :, analysis.features.item_ids]
    return selection_fit(analysis.features.items, analysis.params, all_genes=all_genes)


def _split_key(analysis: Analysis, steps: Sequence[SplitStep], stage: str) -> str | None:
    """Store key of a result of the analysis' splits: its partition's key (which holds the
    dataset's), every parameter (a split fits with them) and the split records; None for
    an analysis that was not run by :func:`~.run.run_analysis` (nothing is stored)."""
    partition = (analysis.keys or {}).get("partition")
    if partition is None:
        return None
    return stage_key(partition, stage, {"params": analysis.params.to_dict(),
                                        "splits": steps_to_records(steps)})


def _stored(store: ResultStore, analysis: Analysis, steps: Sequence[SplitStep], stage: str,
            compute):
    """``compute()``, stored once under :func:`_split_key` and read back afterwards: every
    view reads the analysis on screen, the splits are fitted once."""
    key = _split_key(analysis, steps, stage)
    return compute() if key is None else store.get_or_compute(key, compute)


def _with_labels(store: ResultStore, analysis: Analysis, labels: np.ndarray,
                 steps: Sequence[SplitStep], notices: tuple = ()) -> Analysis:
    """The analysis with new labels (those of ``steps``) and the validation indices of
    them (stored)."""
    validation = _stored(store, analysis, steps, "split-validation", lambda: validation_summary(
        analysis.features.items, item_distances(store, analysis), labels))
    # A soft method's confidence is that of the parent clusters: not shown for the split.
    return dataclasses.replace(analysis, labels=labels, validation=validation,
                               confidence=None, notices=analysis.notices + notices)


def split_analysis_present(store: ResultStore, analysis: Analysis,
                           steps: Sequence[SplitStep]) -> tuple[Analysis, tuple]:
    """As :func:`split_analysis` for the dashboard, where the parent clustering may change
    under recorded splits: a split of a cluster that no longer exists is dropped, with a
    notice in the returned analysis.

    Returns
    -------
    analysis : Analysis
        The analysis with the splits kept (the input itself when there are none).
    kept : tuple of SplitStep
        The splits applied, in order (the history to keep).
    """
    if not steps:
        return analysis, ()
    labels, kept, dropped = _stored(store, analysis, steps, "present-splits",
                                    lambda: replay_present_splits(
                                        analysis.labels, steps, _fit(store, analysis, steps),
                                        item_ids=analysis.features.item_ids))
    notices = tuple(f"The split of cluster {step.cluster} was dropped: there is no cluster "
                    f"{step.cluster} in this clustering (k or the method changed)."
                    if step.members is None else
                    f"The split of a selection off cluster {step.cluster} was dropped: the "
                    f"selected items are no longer all in cluster {step.cluster} (k or the "
                    "method changed)." for step in dropped)
    if not kept:
        return dataclasses.replace(analysis, notices=analysis.notices + notices), ()
    return _with_labels(store, analysis, labels, kept, notices), kept
