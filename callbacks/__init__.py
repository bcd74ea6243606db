"""Thin callbacks: read the controls, call the core, return figures."""

from rnaclust_dash.store import ResultStore

from . import agreement, analysis, assess, controls, data, embedding, qc, selection


def register_callbacks(app, store: ResultStore) -> None:
    """Register every callback of the dashboard against one result store."""
    for module in (data, controls, analysis, embedding, selection, qc, assess, agreement):
        module.register(app, store)
