"""The dashboard's views, one module per view (as 8Knot does).

Each view module holds everything of one tab: its component ids, its layout, its
callbacks and its glue to :mod:`rnaclust_dash.pl`. It exposes

- ``TAB_ID`` (str): the tab's id in ``layouts.ids.VIEW_TABS``;
- ``TAB_LABEL`` (str): the tab's label;
- ``layout() -> dash component``: the tab's content;
- ``register(app, store) -> None``: its callbacks against one result store;
- ``BULK_ONLY = True`` (optional): the tab works on bulk tables only; while single cells
  are loaded it shows one notice pointing to the Cells tab (:mod:`.bulk_only`).

Adding a view is one module here and one entry in :data:`VIEWS` (tab order). A view too
large for one module is a package exposing the same four names (:mod:`.clustering`);
helpers of one view sit beside it (:mod:`.marker_results` and the enrichment card
:mod:`.enrichment` of :mod:`.markers`). The page frame (stores, sidebar, navbar) stays in
:mod:`layouts.main`, blocks shared by views in :mod:`layouts.components`, the sidebar's
controls are built from the parameter spec (:mod:`layouts.param_controls`); glue shared
by several views (controls -> parameters, errors, jobs, patches) in
:mod:`callbacks.common` and its neighbours.
"""

from __future__ import annotations

from types import ModuleType

import dash_bootstrap_components as dbc

from . import (batch, bulk_only, cells, choose_k, clustering, compare, genes, markers, modules, qc,
               stability, timecourse, trajectory)

#: The view modules, in tab order (the first tab is open at start).
VIEWS: tuple[ModuleType, ...] = (clustering, qc, batch, choose_k, stability, markers,
                                 genes, timecourse, modules, trajectory, cells,
                                 compare)


def view_tabs() -> list[dbc.Tab]:
    """One ``dbc.Tab`` per registered view, in :data:`VIEWS` order (a bulk-only view
    behind its single-cell notice)."""
    return [dbc.Tab(bulk_only.wrap(view.TAB_ID, view.layout()) if _bulk_only(view)
                    else view.layout(), label=view.TAB_LABEL, tab_id=view.TAB_ID)
            for view in VIEWS]


def _bulk_only(view: ModuleType) -> bool:
    return getattr(view, "BULK_ONLY", False)


def register_views(app, store) -> None:
    """Register the callbacks of every view in :data:`VIEWS`."""
    for view in VIEWS:
        view.register(app, store)
    bulk_only.register(app, [view.TAB_ID for view in VIEWS if _bulk_only(view)])
