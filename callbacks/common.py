"""What the callbacks share: reading controls into parameters, and turning errors into
messages the user can act on (never a crash, never losing what is on screen)."""

from __future__ import annotations

import functools
import logging
import traceback
from typing import Any, Callable

from dash import html

from rnaclust_dash.errors import RnaclustError
from rnaclust_dash.params import AnalysisParams

log = logging.getLogger("rnaclust_dash.ui")

# Control id -> (AnalysisParams field, label used in messages). Order = callback args.
CONTROL_FIELDS = {
    "cluster-target": ("target", "Cluster"),
    "normalization": ("normalization", "Normalization"),
    "log-transform": ("log_transform", "log2 switch"),
    "pseudocount": ("pseudocount", "Pseudocount"),
    "min-count": ("min_count", "Minimum count"),
    "min-samples": ("min_samples", "Minimum number of samples"),
    "top-genes": ("top_genes", "Most variable genes"),
    "exclude-samples": ("exclude", "Exclude samples"),
    "batch-column": ("batch_column", "Batch column"),
    "batch-method": ("batch_method", "Batch correction"),
    "protect-columns": ("protect", "Protect biology"),
    "zscore": ("zscore", "z-score switch"),
    "method": ("method", "Method"),
    "distance": ("distance", "Distance"),
    "linkage": ("linkage", "Linkage"),
    "n-clusters": ("k", "Number of clusters (k)"),
    "kmeans-init": ("kmeans_init", "K-means start"),
    "minibatch": ("minibatch", "mini-batch switch"),
    "optimal-order": ("optimal_order", "optimal leaf order switch"),
    "resolution": ("resolution", "Resolution"),
    "neighbors": ("neighbors", "Neighbours in the graph"),
    "fuzzifier": ("fuzzifier", "Fuzzifier m"),
    "covariance": ("covariance", "Covariance model"),
    "pcs": ("pcs", "Principal components"),
    "n-init": ("n_init", "Starts (n_init)"),
    "seed": ("seed", "Seed"),
    "embedding-method": ("embedding", "Map"),
    "umap-neighbors": ("umap_neighbors", "UMAP neighbours"),
    "umap-min-dist": ("umap_min_dist", "UMAP min_dist"),
}

SWITCHES = {"log_transform", "zscore", "minibatch", "optimal_order"}

# Multi-choice dropdowns (lists) and optional single choices, kept as comma-separated text.
LISTS = {"exclude", "batch_column", "protect"}


class IncompleteControl(Exception):
    """A number box is empty: the user is still typing, so nothing should change yet."""


def params_from_controls(values: dict[str, Any]) -> AnalysisParams:
    """Parameters from control values keyed by control id.

    Switches (checklists) count as on when their list is non-empty. An empty number box
    (or one the browser finds invalid) raises :class:`IncompleteControl`.
    """
    fields = {}
    for control_id, value in values.items():
        field, label = CONTROL_FIELDS[control_id]
        if field in SWITCHES:
            fields[field] = bool(value)
        elif field in LISTS:
            fields[field] = ",".join(value) if isinstance(value, list) else (value or "")
        elif value is None or value == "":
            raise IncompleteControl(label)
        else:
            fields[field] = value
    return AnalysisParams.from_dict(fields)


def controls_from_params(params: AnalysisParams, control_ids) -> dict[str, Any]:
    """Control values (keyed by control id) that :func:`params_from_controls` reads back
    as ``params``: the inverse, for scripts and tests."""
    values = {}
    for control_id in control_ids:
        field, _ = CONTROL_FIELDS[control_id]
        value = getattr(params, field)
        if field in SWITCHES:
            value = ["on"] if value else []
        elif field in LISTS:
            value = [part for part in value.split(",") if part]
        values[control_id] = value
    return values


def error_message(error: Exception) -> list:
    """Alert content for an error: its message, and that the previous results stay."""
    if isinstance(error, RnaclustError):
        text = str(error)
    else:  # a bug of ours: say so plainly, log the details for the admin
        log.error("unexpected error in a callback\n%s", traceback.format_exc())
        text = (f"Something went wrong on the server ({type(error).__name__}: {error}). "
                "Please report it with the file you used.")
    return [html.B("Could not update: "), text,
            html.Div("What was shown before is kept.", className="small")]


def guarded(n_outputs: int, error_slot: tuple[int, int]) -> Callable:
    """Wrap a callback body so that any error leaves every output unchanged except the
    error alert (children, is_open) at ``error_slot``."""
    from dash import no_update

    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except IncompleteControl:
                return tuple([no_update] * n_outputs)
            except Exception as error:  # noqa: BLE001 - the app must never crash
                outputs = [no_update] * n_outputs
                outputs[error_slot[0]] = error_message(error)
                outputs[error_slot[1]] = True
                return tuple(outputs)
        return wrapper
    return decorate
