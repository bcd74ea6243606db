"""Glue shared by the views: controls -> parameters, errors, jobs, patches; the data card
and the control-visibility callbacks of the sidebar."""

from rnaclust_dash.store import ResultStore

from . import controls, data, gene_search  # gene search: shared by the views


def register_callbacks(app, store: ResultStore) -> None:
    """Register every callback of the dashboard against one result store: the sidebar's,
    then each view's (:data:`views.VIEWS`)."""
    for module in (data, controls, gene_search):
        module.register(app, store)
    from views import register_views  # the views import this package's glue
    register_views(app, store)
