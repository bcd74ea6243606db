"""The stability view: bootstrap / subsample stability of the current clusters
(clusterboot's Jaccard) and consensus clustering (Monti 2003), as a background job with
progress and cancel.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import numpy as np
from dash import Input, Output, State, dcc, html, no_update

from callbacks.common import ViewOutputs, k_range_text, stored_analysis
from callbacks.jobs import running_outputs, throttled
from layouts import ids
from layouts.components import GRAPH_CONFIG, job_controls, view_alert
from layouts.param_controls import labelled_box
from rnaclust_dash.assess import assess_stability
from rnaclust_dash.params import ASSESS_SPEC, AnalysisParams, check_option
from rnaclust_dash.pl.common import empty_figure
from rnaclust_dash.pl.stability import consensus_figure
from rnaclust_dash.pl.stability import stability_figure
from rnaclust_dash.errors import RnaclustError
from rnaclust_dash.store import ResultStore
from views.clustering import splits

TAB_ID = "stability"
TAB_LABEL = "Stability"
#: Checkbox: resample the selected items only, into the split's k (issue 12).
ON_SELECTION = "stability-on-selection"
BULK_ONLY = True  # single cells: a notice pointing to the Cells tab (views.bulk_only)
CONSENSUS_K_MAX = ASSESS_SPEC["consensus_k_max"].default

STABILITY_VIEW = ViewOutputs("stability", (Output(ids.STABILITY_FIGURE, "figure"),
                                           Output(ids.CONSENSUS_FIGURE, "figure"),
                                           Output(ids.STABILITY_STATUS, "children")))


def layout() -> html.Div:
    """Bootstrap/subsample stability and consensus clustering of the current clusters."""
    return html.Div([
        html.Small("Re-clusters resampled data many times: clusters that keep their members "
                   "(Jaccard > 0.75) can be trusted; below 0.5 they dissolve. Consensus "
                   "clustering (Monti 2003) shows how often items cluster together.",
                   className="text-muted d-block mt-2"),
        html.Div([labelled_box("n_resamples", ids.STABILITY_RESAMPLES, debounce=False),
                  dbc.Select(id=ids.STABILITY_SCHEME, value="bootstrap", size="sm",
                             className="me-2 w-auto",
                             options=[{"label": "bootstrap", "value": "bootstrap"},
                                      {"label": "subsample 80%", "value": "subsample"}]),
                  dbc.Checklist(id=ids.STABILITY_CONSENSUS, switch=True, value=["consensus"],
                                options=[{"label": "consensus clustering "
                                                   f"(k = 2..{CONSENSUS_K_MAX})",
                                          "value": "consensus"}]),
                  dbc.Checkbox(id=ON_SELECTION, value=False, className="ms-3 mt-1",
                               label="on the selection (a cluster to split, into the "
                                     "split's k)")],
                 className="d-flex flex-wrap align-items-center mt-2"),
        job_controls(ids.STABILITY_RUN, ids.STABILITY_CANCEL, ids.STABILITY_PROGRESS,
                     ids.STABILITY_STATUS, "Run"),
        view_alert("stability"),
        dcc.Graph(id=ids.STABILITY_FIGURE, config=GRAPH_CONFIG),
        dcc.Graph(id=ids.CONSENSUS_FIGURE, config=GRAPH_CONFIG),
    ])


def stability_panel(store: ResultStore, analysis_store: dict, resamples, scheme, consensus,
                    progress=None, selection: list | None = None, split_k=None) -> tuple:
    """Figures, status line and alert of the stability panel (``STABILITY_VIEW.all``).
    ``selection``: item ids to resample alone, clustered into ``split_k`` sub-clusters
    (the split's k), as the split of that selection would be (issue 12)."""
    params = AnalysisParams.from_dict(analysis_store["params"])
    analysis, result, agreement = assess_stability(
        store, analysis_store["key"], params, n_resamples=check_option("n_resamples", resamples or 100), scheme=scheme,
        consensus_k_max=CONSENSUS_K_MAX if consensus else None, progress=progress,
        item_ids=selection, k=split_k)
    item_ids = analysis.features.item_ids
    if selection is not None:
        item_ids = item_ids[np.isin(item_ids, list(selection))]
    k = int(result.labels.max()) if selection is not None else params.k
    prefix = _split_prefix(store, analysis_store, selection)
    jaccard_by_cluster, labels = result.cluster_jaccard, result.labels
    if prefix:  # the children the split of that cluster gets: 2.1, 2.2
        jaccard_by_cluster = jaccard_by_cluster.rename(lambda c: f"{prefix}{c}")
        labels = np.array([f"{prefix}{c}" for c in labels])
    stability = stability_figure(jaccard_by_cluster, result.item_stability, labels, item_ids)
    consensus_view = empty_figure("Consensus clustering is off.")
    notice = None
    if agreement is not None:
        k = k if k in agreement.matrices else min(agreement.matrices)
        n_items = len(item_ids)
        # A resample of m items holds k up to m - 1 (assess.consensus_k_values).
        per_resample = max(agreement.matrices) + 1
        used, narrowed = k_range_text(
            agreement.matrices, (2, max(CONSENSUS_K_MAX, k)),
            reason=f"each resample holds {per_resample} of the {n_items:,} {params.target}")
        consensus_view = consensus_figure(agreement, k=k, item_ids=item_ids,
                                          title=f"Consensus clustering, {used}")
        notice = f"Consensus clustering computed for {used}." if narrowed else None
    noun = "cluster" if selection is None else "sub-cluster"
    jaccard = ", ".join(f"{noun} {c}: {j:.2f}" for c, j in jaccard_by_cluster.items())
    status = f"{result.n_resamples_done} resamples; mean Jaccard {jaccard}."
    if selection is not None:
        status = (f"The {len(item_ids):,} selected {params.target} split into k = {k}: "
                  + status)
    elif analysis_store.get("splits"):  # issue 12: resampling re-runs the parent clustering
        notice = " ".join(filter(None, [notice, "Stability is of the clusters before the "
                                        "splits (sub-clusters are not resampled): tick 'on "
                                        "the selection' to resample a split cluster."]))
    return STABILITY_VIEW.shown(stability, consensus_view, status, notice=notice)


def _split_prefix(store: ResultStore, analysis_store: dict, selection: list | None) -> str:
    """'3.' when the selection lies in cluster 3 on screen (the whole cluster, or part of it
    re-clustered alone: its sub-clusters are named as that split names them, 3.1, 3.2),
    else ''."""
    if selection is None:
        return ""
    on_screen = stored_analysis(store, analysis_store)
    labels = np.asarray(on_screen.labels).astype(str)
    chosen = np.isin(on_screen.features.item_ids, list(selection))
    parents = set(labels[chosen].tolist())
    if len(parents) != 1:
        return ""
    return f"{parents.pop()}."


def register(app, store: ResultStore) -> None:
    """Register the stability background job."""

    @app.callback(*STABILITY_VIEW.all, Input(ids.STABILITY_RUN, "n_clicks"),
                  State(ids.ANALYSIS_STORE, "data"),
                  State(ids.STABILITY_RESAMPLES, "value"), State(ids.STABILITY_SCHEME, "value"),
                  State(ids.STABILITY_CONSENSUS, "value"), State(ON_SELECTION, "value"),
                  State(ids.SELECTION_STORE, "data"), State(splits.VALUE, "value"),
                  background=True,
                  running=running_outputs(ids.STABILITY_PROGRESS, ids.STABILITY_CANCEL,
                                          ids.STABILITY_RUN),
                  progress=[Output(ids.STABILITY_PROGRESS, "value"),
                            Output(ids.STABILITY_PROGRESS, "label")],
                  cancel=[Input(ids.STABILITY_CANCEL, "n_clicks")], prevent_initial_call=True)
    @STABILITY_VIEW.guard
    def compute_stability(set_progress, _, analysis_store, resamples, scheme, consensus,
                          on_selection, selected, split_k):
        if not analysis_store:
            return STABILITY_VIEW.shown(no_update, no_update, "Load data first.")
        if on_selection and not selected:
            raise RnaclustError("Select items first (click a cluster's bar, lasso in the "
                                "scatter), or untick 'on the selection'.")
        return stability_panel(store, analysis_store, resamples, scheme, bool(consensus),
                               progress=throttled(set_progress),
                               selection=list(selected) if on_selection else None,
                               split_k=split_k if on_selection else None)
