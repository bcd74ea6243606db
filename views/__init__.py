"""The dashboard's views, one module per view (as 8Knot does).

Each view module holds everything of one tab: its component ids, its layout, its
callbacks and its glue to :mod:`rnaclust_dash.pl`. It exposes

- ``TAB_ID`` (str): the tab's id in ``layouts.ids.VIEW_TABS``;
- ``TAB_LABEL`` (str): the tab's label;
- ``layout() -> dash component``: the tab's content;
- ``register(app, store) -> None``: its callbacks against one result store.

Adding a view is one module here and one entry in :data:`VIEWS` (tab order).
The page frame (stores, sidebar, navbar) stays in :mod:`layouts.main`; glue shared by
several views (errors, jobs, patches) in :mod:`callbacks.common` and its neighbours.
"""

from __future__ import annotations

from types import ModuleType

import dash_bootstrap_components as dbc

from . import modules, timecourse

# Modules in tab order, after the tabs still built by layouts.main.
VIEWS: tuple[ModuleType, ...] = (timecourse, modules)


def view_tabs() -> list[dbc.Tab]:
    """One ``dbc.Tab`` per registered view, in :data:`VIEWS` order."""
    return [dbc.Tab(view.layout(), label=view.TAB_LABEL, tab_id=view.TAB_ID)
            for view in VIEWS]


def register_views(app, store) -> None:
    """Register the callbacks of every view in :data:`VIEWS`."""
    for view in VIEWS:
        view.register(app, store)
