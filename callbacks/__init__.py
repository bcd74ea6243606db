"""Thin callbacks: read the controls, call the core, return figures."""

from rnaclust_dash.store import ResultStore

from . import controls, data


def register_callbacks(app, store: ResultStore) -> None:
    """Register every callback of the dashboard against one result store."""
    # The views import this package's glue (common, jobs, patching).
    from views import choose_k, qc
    from views.clustering import agreement, analysis, embedding, selection
    from views.markers import enrichment, tab as markers
    for module in (data, controls, analysis, embedding, selection, qc, choose_k, agreement):
        module.register(app, store)
    for module in (markers, enrichment):
        module.register(app, store)
    from views import register_views
    register_views(app, store)
