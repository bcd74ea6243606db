"""Thin callbacks: read the controls, call the core, return figures."""

from rnaclust_dash.store import ResultStore

from . import agreement, analysis, assess, controls, data, embedding, qc, selection
from . import enrichment, markers  # the Markers view (markers, enrichment)
from . import gene_search  # gene search, heatmap drill-in and sample labels


def register_callbacks(app, store: ResultStore) -> None:
    """Register every callback of the dashboard against one result store."""
    for module in (data, controls, analysis, embedding, selection, qc, assess, agreement):
        module.register(app, store)
    for module in (markers, enrichment, gene_search):
        module.register(app, store)
    from views import register_views  # the views import this package's glue
    register_views(app, store)
