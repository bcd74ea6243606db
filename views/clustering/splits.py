"""Sub-clusters in place from the Clustering view (issue 12 item 1).

The history of splits lives in ``ids.SPLITS_STORE`` (records of
:func:`rnaclust_dash.tl.subcluster.steps_to_records`); the analysis callback applies it and
puts the splits it kept into ``ids.ANALYSIS_STORE["splits"]``, which every view reads
(:func:`callbacks.common.stored_analysis`), so the heatmap, scatter, silhouette, metrics,
markers, gene clusters and downloads all show ``3.1``/``3.2``. A split acts on one cluster:
the one the selection (a clicked cluster bar or silhouette bar, a lasso, a dendrogram
branch) lies in, or the one chosen in the menu. When the selection is part of that cluster
(a lasso over some of its points), the card offers: split the selection off (``3.1`` = the
selection, ``3.2`` = the rest), re-cluster the selection only (the rest becomes the last
child), or re-cluster the whole cluster; a line says what Split will do before the click,
and the split step records the selection's ids (``members``). Undo drops the last split.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import numpy as np
from dash import Input, Output, State, ctx, dcc, html, no_update

from layouts import ids
from rnaclust_dash.errors import ParameterError
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.store import ResultStore
from rnaclust_dash.tl.labels import natural_codes
from rnaclust_dash.tl.methods import get_method
from rnaclust_dash.pipeline import run_analysis
from rnaclust_dash.pipeline.subcluster import split_analysis, split_step
from rnaclust_dash.tl.subcluster import SplitStep, steps_from_records, steps_to_records

from callbacks.common import error_message, stored_analysis

CLUSTER = "split-cluster"
VALUE = "split-value"
SPLIT_BUTTON = "split-button"
UNDO_BUTTON = "split-undo"
HISTORY = "split-history"
ALERT = "split-alert"
HINT = "split-hint"
#: What a selection inside a cluster (a lasso over part of it) does; its box, its text.
MODE = "split-mode"
MODE_BOX = "split-mode-box"
ACTION = "split-action"
SPLIT_OFF, RECLUSTER, WHOLE = "split-off", "recluster", "whole"


def new_split(params: AnalysisParams, cluster, value, members: list | None = None,
              mode: str = WHOLE) -> SplitStep:
    """The split of ``cluster`` into ``value`` sub-clusters (k), or at resolution ``value``
    for a graph method (Leiden/Louvain); with ``members`` (a selection inside the
    cluster), ``mode`` SPLIT_OFF splits them off, RECLUSTER re-clusters them alone."""
    if cluster is None:
        raise ParameterError("Choose the cluster to split and the k (or resolution).")
    if members is not None and mode == SPLIT_OFF:
        return split_step(str(cluster), params, members=members)
    members = members if mode == RECLUSTER else None
    if value is None:
        raise ParameterError("Choose the cluster to split and the k (or resolution).")
    if get_method(params.method).uses == "k":
        if float(value) != int(value):
            raise ParameterError(f"Split into a whole number of sub-clusters; got {value}.")
        return split_step(str(cluster), params, k=int(value), members=members)
    return split_step(str(cluster), params, resolution=float(value), members=members)


def history_text(splits: list | None) -> str:
    """'Splits: 2 (k = 2), 2.1 (k = 3), 3 (5 selected split off)' or nothing."""
    if not splits:
        return ""
    return "Splits: " + ", ".join(_record_text(s) for s in splits)


def _record_text(record: dict) -> str:
    how = ("k = %d" % record["k"] if "k" in record else "resolution %g" % record["resolution"]
           if "resolution" in record else "")
    if "members" not in record:
        return f"{record['cluster']} ({how})"
    chosen = f"{len(record['members'])} selected"
    return f"{record['cluster']} ({chosen} " + (f"re-clustered, {how})" if how
                                                else "split off)")


def selection_part(analysis, selected: list | None, cluster) -> list[str] | None:
    """The selected item ids when they are part (not all) of ``cluster`` on screen (a
    lasso over part of it), else None: the split then acts on the whole cluster."""
    if not selected or cluster is None:
        return None
    labels = np.asarray(analysis.labels).astype(str)
    item_ids = np.asarray(analysis.features.item_ids).astype(str)
    chosen = np.isin(item_ids, [str(i) for i in selected])
    in_cluster = labels == str(cluster)
    if not chosen.any() or (chosen & ~in_cluster).any() or chosen.sum() == in_cluster.sum():
        return None
    return item_ids[chosen].tolist()


def action_text(part: list | None, cluster, mode: str, value, uses_k: bool,
                noun: str = "items") -> str:
    """What a click on Split will do, said before the click (``noun``: samples, genes)."""
    if cluster is None:
        return "Choose a cluster (or select items: a cluster bar, a lasso, a branch)."
    how = f"into k = {value}" if uses_k else f"at resolution {value}"
    if part is None or mode == WHOLE:
        return f"Split re-clusters all of cluster {cluster} {how}: {cluster}.1, {cluster}.2..."
    n = len(part)
    if mode == SPLIT_OFF:
        return (f"Split makes the {n} selected {noun} cluster {cluster}.1 and the rest of "
                f"cluster {cluster} cluster {cluster}.2 (nothing is re-clustered).")
    return (f"Split re-clusters the {n} selected {noun} only {how} ({cluster}.1, "
            f"{cluster}.2...); the rest of cluster {cluster} becomes the last child.")


def split_card() -> dbc.Card:
    """The split control: cluster, k (or resolution), Split, Undo and the history."""
    return dbc.Card(dbc.CardBody([
        dcc.Store(id=ids.SPLITS_STORE, data=[]),
        html.Div([
            html.B("Sub-cluster", className="me-2",
                   title="Re-cluster the items of one cluster with the same method; its "
                         "children are named 3.1, 3.2... and every view shows them."),
            html.Div(dcc.Dropdown(id=CLUSTER, options=[], clearable=False,
                                  placeholder="cluster"),
                     style={"minWidth": "8rem"}, className="me-2"),
            dbc.InputGroup([dbc.InputGroupText(id=HINT, children="into k"),
                            dbc.Input(id=VALUE, type="number", min=0, value=2,
                                      debounce=True, style={"maxWidth": "6rem"})],
                           size="sm", className="w-auto me-2"),
            dbc.Button("Split", id=SPLIT_BUTTON, size="sm", color="primary",
                       className="me-2"),
            dbc.Button("Undo last split", id=UNDO_BUTTON, size="sm", color="secondary",
                       className="me-2"),
            html.Span(id=HISTORY, className="small text-muted"),
        ], className="d-flex flex-wrap align-items-center"),
        html.Div(dbc.RadioItems(id=MODE, value=SPLIT_OFF, inline=True, className="small",
                                options=[{"label": "split the selection off as its own "
                                                   "cluster", "value": SPLIT_OFF},
                                         {"label": "re-cluster the selection only",
                                          "value": RECLUSTER},
                                         {"label": "re-cluster the whole cluster",
                                          "value": WHOLE}]),
                 id=MODE_BOX, style={"display": "none"}, className="mt-1"),
        html.Div(id=ACTION, className="small text-muted mt-1"),
        dbc.Alert(id=ALERT, color="danger", is_open=False, dismissable=True,
                  className="small mt-2 mb-0"),
    ], className="py-2"), className="mb-2")


def menu(store: ResultStore, analysis_store: dict | None, selected: list | None,
         current) -> tuple:
    """Options and value of the cluster menu (the cluster the selection lies in, when it
    lies in one), the k/resolution hint and the history text."""
    if not analysis_store:
        return [], None, "into k", ""
    analysis = stored_analysis(store, analysis_store)
    labels = np.asarray(analysis.labels).astype(str)
    names = natural_codes(labels)[0]
    value = current if current in names else None
    if selected:
        chosen = set(labels[np.isin(analysis.features.item_ids, list(selected))].tolist())
        if len(chosen) == 1:
            value = chosen.pop()
    uses_k = get_method(analysis.params.method).uses == "k"
    return ([{"label": f"cluster {n}", "value": n} for n in names], value,
            "into k" if uses_k else "resolution", history_text(analysis_store.get("splits")))


def split_history(store: ResultStore, analysis_store: dict, action: str, cluster,
                  value, selected: list | None = None, mode: str = WHOLE) -> list:
    """The new history: the analysis' splits plus one split of ``cluster`` (checked by
    running it: a ParameterError says why it cannot be made), or minus the last one.
    ``selected`` part of the cluster (a lasso over part of it) is split as ``mode`` says."""
    history = list(analysis_store.get("splits") or [])
    if action == UNDO_BUTTON:
        if not history:
            raise ParameterError("There is no split to undo.")
        return history[:-1]
    params = AnalysisParams.from_dict(analysis_store["params"])
    part = (selection_part(stored_analysis(store, analysis_store), selected, cluster)
            if selected and mode != WHOLE else None)
    history += steps_to_records([new_split(params, cluster, value, part, mode)])
    split_analysis(store, run_analysis(store, analysis_store["key"], params),
                   steps_from_records(history))  # raises when the split cannot be made
    return history


def register(app, store: ResultStore) -> None:
    """Register the menu and the Split/Undo callbacks."""

    @app.callback(Output(CLUSTER, "options"), Output(CLUSTER, "value"),
                  Output(HINT, "children"), Output(HISTORY, "children"),
                  Input(ids.ANALYSIS_STORE, "data"), Input(ids.SELECTION_STORE, "data"),
                  State(CLUSTER, "value"))
    def update_menu(analysis_store, selected, current):
        try:
            return menu(store, analysis_store, selected, current)
        except Exception:  # noqa: BLE001 - the analysis callback reports analysis errors
            return no_update, no_update, no_update, no_update

    @app.callback(Output(MODE_BOX, "style"), Output(ACTION, "children"),
                  Input(CLUSTER, "value"), Input(MODE, "value"), Input(VALUE, "value"),
                  Input(ids.SELECTION_STORE, "data"), State(ids.ANALYSIS_STORE, "data"))
    def say_what_split_does(cluster, mode, value, selected, analysis_store):
        if not analysis_store:
            return {"display": "none"}, ""
        try:
            analysis = stored_analysis(store, analysis_store)
        except Exception:  # noqa: BLE001 - the analysis callback reports analysis errors
            return no_update, no_update
        part = selection_part(analysis, selected, cluster)
        uses_k = get_method(analysis.params.method).uses == "k"
        return ({"display": "none" if part is None else "block"},
                action_text(part, cluster, mode, value, uses_k, analysis.params.target))

    @app.callback(Output(ids.SPLITS_STORE, "data"), Output(ALERT, "children"),
                  Output(ALERT, "is_open"),
                  Input(SPLIT_BUTTON, "n_clicks"), Input(UNDO_BUTTON, "n_clicks"),
                  State(ids.ANALYSIS_STORE, "data"), State(CLUSTER, "value"),
                  State(VALUE, "value"), State(ids.SELECTION_STORE, "data"),
                  State(MODE, "value"), prevent_initial_call=True)
    def split_or_undo(_split, _undo, analysis_store, cluster, value, selected, mode):
        if not analysis_store:
            return no_update, no_update, no_update
        try:
            return (split_history(store, analysis_store, ctx.triggered_id, cluster, value,
                                  selected, mode), None, False)
        except Exception as error:  # noqa: BLE001 - said in the card's alert
            return no_update, error_message(error), True
