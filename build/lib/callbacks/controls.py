"""Controls that depend on other controls: show only the options that apply."""

from __future__ import annotations

from dash import Input, Output

from layouts import ids
from rnaclust_dash.params import SPEC
from rnaclust_dash.tl.hierarchical import EUCLIDEAN_LINKAGES
from rnaclust_dash.tl.methods import get_method
from rnaclust_dash.store import ResultStore

HIDDEN = {"display": "none"}
SHOWN = {}


def linkage_options(distance: str) -> list[dict]:
    """Linkage choices; Ward, centroid and median are offered only with the Euclidean
    distance, and say why."""
    options = []
    linkage_param = SPEC["linkage"]
    for linkage in linkage_param.choices:
        label = linkage_param.choice_label(linkage)
        disabled = linkage in EUCLIDEAN_LINKAGES and distance != "euclidean"
        options.append({"label": label, "value": linkage, "disabled": disabled,
                        "title": "works with cluster centres or variances: choose the "
                                 "Euclidean distance to use it" if disabled else ""})
    return options


#: Option group -> the parameters it holds (a group shows when the method reads one).
OPTION_GROUPS = (("kmeans_init", "n_init", "minibatch"), ("neighbors",), ("fuzzifier",),
                 ("covariance",), ("pcs",))


def method_option_styles(method: str) -> tuple[dict, ...]:
    """Which option groups a method uses (from its registry entry): k-means, graph,
    c-means, mixture, k and PCs."""
    entry = get_method(method)
    reads = set(entry.params)
    kmeans, graph, cmeans, mixture, pcs = (SHOWN if reads & set(group) else HIDDEN
                                           for group in OPTION_GROUPS)
    return kmeans, graph, cmeans, mixture, SHOWN if entry.uses == "k" else HIDDEN, pcs


def register(app, store: ResultStore) -> None:
    """Register the control-visibility callbacks (they need no data)."""

    @app.callback(Output(ids.KMEANS_OPTIONS, "style"), Output(ids.GRAPH_OPTIONS, "style"),
                  Output(ids.CMEANS_OPTIONS, "style"), Output(ids.GMM_OPTIONS, "style"),
                  Output(ids.K_BOX, "style"), Output(ids.PCS_BOX, "style"),
                  Input(ids.METHOD, "value"))
    def show_method_options(method):
        return method_option_styles(method)

    @app.callback(Output(ids.ZSCORE, "style"), Input(ids.TARGET, "value"))
    def show_zscore_switch(target):
        return SHOWN if target == "genes" else HIDDEN

    @app.callback(Output(ids.LINKAGE, "options"), Input(ids.DISTANCE, "value"))
    def offer_linkages(distance):
        return linkage_options(distance)
