"""The choose-k and stability tabs: long runs as background jobs with progress and cancel.

A click on a point of the k panel (or a node of the cluster tree) applies that k.
"""

from __future__ import annotations

from dash import Input, Output, State, no_update

from layouts import ids
from rnaclust_dash.assess import assess_stability, choose_k, resolution_scan
from rnaclust_dash.pl.common import empty_figure
from rnaclust_dash.pl.kselect import INDEX_NAMES
from rnaclust_dash.pl.kselect import cluster_tree_figure
from rnaclust_dash.pl.kselect import k_selection_figure
from rnaclust_dash.pl.stability import consensus_figure
from rnaclust_dash.pl.stability import stability_figure
from rnaclust_dash.tl.methods import GRAPH_CLUSTERINGS
from rnaclust_dash.errors import RnaclustError
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.store import ResultStore

from callbacks.common import ViewOutputs

SHOWN, HIDDEN = {"display": "flex"}, {"display": "none"}
CONSENSUS_K_MAX = 6

K_VIEW = ViewOutputs("choose-k", (Output(ids.K_FIGURE, "figure"), Output(ids.K_TREE, "figure"),
                                  Output(ids.K_STATUS, "children")))
STABILITY_VIEW = ViewOutputs("stability", (Output(ids.STABILITY_FIGURE, "figure"),
                                           Output(ids.CONSENSUS_FIGURE, "figure"),
                                           Output(ids.STABILITY_STATUS, "children")))


def k_range_text(used, requested: tuple[int, int], *, reason: str) -> tuple[str, bool]:
    """'k 2–6', or 'k 2–6 (narrowed from 2–10: 7 samples)' when fewer k were possible
    than asked for; and whether it was narrowed."""
    used = sorted(int(k) for k in used)
    shown = f"k {used[0]}\u2013{used[-1]}" if len(used) > 1 else f"k {used[0]}"
    low, high = requested
    if (used[0], used[-1]) == (low, high):
        return shown, False
    return f"{shown} (narrowed from {low}\u2013{high}: {reason})", True


def throttled(set_progress):
    """A ``progress(done, total)`` that reports whole percentages only (each report is a
    write to the job store)."""
    last = [-1]

    def report(done: int, total: int) -> None:
        percent = int(100 * done / max(total, 1))
        if percent != last[0]:
            last[0] = percent
            set_progress((percent, f"{percent}%"))
    return report


def k_panel(store: ResultStore, analysis_store: dict, k_min, k_max, gap_refs,
            progress=None) -> tuple:
    """Figures, status line and alert of the k panel (``K_VIEW.all``; a plain function:
    testable without a browser). When the data allow fewer k than asked for, the range
    used is said in the figure and in the tab's alert."""
    params = AnalysisParams.from_dict(analysis_store["params"])
    if params.method in GRAPH_CLUSTERINGS:  # no k: scan the resolution instead
        choice = resolution_scan(store, analysis_store["key"], params, progress=progress)
        summary = ", ".join(f"{INDEX_NAMES.get(name, name)} resolution = {r:g}"
                            for name, r in choice.suggested.items())
        return K_VIEW.shown(
            k_selection_figure(choice.table, choice.suggested,
                                              current_k=params.resolution, x="resolution"),
            cluster_tree_figure(choice.tree),
            f"Suggested: {summary}. Tree levels are the resolutions in increasing order.")
    if k_min is None or k_max is None or k_min > k_max:
        raise RnaclustError("Give a k range with 'k from' at most 'to'.")
    n_items = analysis_store.get("n_items")
    choice = choose_k(store, analysis_store["key"], params,
                      k_values=range(int(k_min), int(k_max) + 1), gap_refs=int(gap_refs or 0),
                      progress=progress)
    reason = (f"{int(n_items):,} {params.target}; k must be below that" if n_items
              else f"k must be below the number of {params.target}")
    used, narrowed = k_range_text(choice.table["k"], (int(k_min), int(k_max)), reason=reason)
    summary = ", ".join(f"{INDEX_NAMES.get(name, name)} k = {k}"
                        for name, k in choice.suggested.items())
    return K_VIEW.shown(
        k_selection_figure(choice.table, choice.suggested, current_k=params.k,
                                          title=used),
        cluster_tree_figure(choice.tree), f"{used}. Suggested: {summary}.",
        notice=f"Computed for {used}." if narrowed else None)


def stability_panel(store: ResultStore, analysis_store: dict, resamples, scheme, consensus,
                    progress=None) -> tuple:
    """Figures, status line and alert of the stability panel (``STABILITY_VIEW.all``)."""
    params = AnalysisParams.from_dict(analysis_store["params"])
    analysis, result, agreement = assess_stability(
        store, analysis_store["key"], params, n_resamples=int(resamples or 100), scheme=scheme,
        consensus_k_max=CONSENSUS_K_MAX if consensus else None, progress=progress)
    stability = stability_figure(result.cluster_jaccard, result.item_stability,
                                                analysis.labels, analysis.features.item_ids)
    consensus_view = empty_figure("Consensus clustering is off.")
    notice = None
    if agreement is not None:
        k = params.k if params.k in agreement.matrices else min(agreement.matrices)
        n_items = len(analysis.labels)
        # A resample of m items holds k up to m - 1 (assess.consensus_k_values).
        per_resample = max(agreement.matrices) + 1
        used, narrowed = k_range_text(
            agreement.matrices, (2, max(CONSENSUS_K_MAX, params.k)),
            reason=f"each resample holds {per_resample} of the {n_items:,} {params.target}")
        consensus_view = consensus_figure(agreement, k=k,
                                                         item_ids=analysis.features.item_ids,
                                                         title=f"Consensus clustering, {used}")
        notice = f"Consensus clustering computed for {used}." if narrowed else None
    jaccard = ", ".join(f"cluster {c}: {j:.2f}" for c, j in result.cluster_jaccard.items())
    return STABILITY_VIEW.shown(
        stability, consensus_view,
        f"{result.n_resamples_done} resamples; mean Jaccard {jaccard}.", notice=notice)


def clicked_choice(click: dict | None, method: str) -> tuple:
    """(k, resolution) outputs for a click on the k panel: the clicked k, or for graph
    methods the clicked resolution."""
    points = (click or {}).get("points") or []
    if not points or not isinstance(points[0].get("customdata"), (int, float)):
        return no_update, no_update
    value = points[0]["customdata"]
    if method in GRAPH_CLUSTERINGS:
        return no_update, float(value)
    return int(value), no_update


def register(app, store: ResultStore) -> None:
    """Register the two background jobs and the click-to-apply-k callback."""

    def running(progress_id, cancel_id, run_id):
        return [(Output(progress_id, "style"), {"display": "flex", "width": "16rem"}, HIDDEN),
                (Output(cancel_id, "style"), {"display": "inline"}, HIDDEN),
                (Output(run_id, "disabled"), True, False)]

    @app.callback(*K_VIEW.all, Input(ids.K_RUN, "n_clicks"), State(ids.ANALYSIS_STORE, "data"),
                  State(ids.K_MIN, "value"), State(ids.K_MAX, "value"),
                  State(ids.GAP_REFS, "value"),
                  background=True, running=running(ids.K_PROGRESS, ids.K_CANCEL, ids.K_RUN),
                  progress=[Output(ids.K_PROGRESS, "value"), Output(ids.K_PROGRESS, "label")],
                  cancel=[Input(ids.K_CANCEL, "n_clicks")], prevent_initial_call=True)
    @K_VIEW.guard
    def compute_k_panel(set_progress, _, analysis_store, k_min, k_max, gap_refs):
        if not analysis_store:
            return K_VIEW.shown(no_update, no_update, "Load data first.")
        return k_panel(store, analysis_store, k_min, k_max, gap_refs,
                       progress=throttled(set_progress))

    @app.callback(*STABILITY_VIEW.all, Input(ids.STABILITY_RUN, "n_clicks"),
                  State(ids.ANALYSIS_STORE, "data"),
                  State(ids.STABILITY_RESAMPLES, "value"), State(ids.STABILITY_SCHEME, "value"),
                  State(ids.STABILITY_CONSENSUS, "value"),
                  background=True,
                  running=running(ids.STABILITY_PROGRESS, ids.STABILITY_CANCEL,
                                  ids.STABILITY_RUN),
                  progress=[Output(ids.STABILITY_PROGRESS, "value"),
                            Output(ids.STABILITY_PROGRESS, "label")],
                  cancel=[Input(ids.STABILITY_CANCEL, "n_clicks")], prevent_initial_call=True)
    @STABILITY_VIEW.guard
    def compute_stability(set_progress, _, analysis_store, resamples, scheme, consensus):
        if not analysis_store:
            return STABILITY_VIEW.shown(no_update, no_update, "Load data first.")
        return stability_panel(store, analysis_store, resamples, scheme, bool(consensus),
                               progress=throttled(set_progress))

    @app.callback(Output(ids.N_CLUSTERS, "value", allow_duplicate=True),
                  Output(ids.RESOLUTION, "value", allow_duplicate=True),
                  Input(ids.K_FIGURE, "clickData"), State(ids.METHOD, "value"),
                  prevent_initial_call=True)
    def apply_clicked_k(click, method):
        return clicked_choice(click, method)
