"""The dashboard is one module per view (views.VIEWS): each declares its tab, builds its
layout and registers callbacks that only reach components of the page."""

from __future__ import annotations

import importlib

from callback_helpers import walk

import views
from layouts import ids
from layouts.main import build_layout

#: The tabs as they were before the views moved into views/ (tab order kept).
FIRST_TABS = ["clustering", "qc", "batch", "choose-k", "stability", "markers"]


def test_every_view_declares_its_tab_layout_and_callbacks():
    for view in views.VIEWS:
        assert isinstance(view.TAB_ID, str) and view.TAB_ID, view
        assert isinstance(view.TAB_LABEL, str) and view.TAB_LABEL, view
        assert callable(view.layout) and callable(view.register), view
    tab_ids = [view.TAB_ID for view in views.VIEWS]
    assert len(set(tab_ids)) == len(tab_ids)
    assert tab_ids[:len(FIRST_TABS)] == FIRST_TABS


def test_the_page_has_one_tab_per_view_in_order_and_unique_ids():
    page = build_layout()
    tabs = next(node for node in walk(page) if getattr(node, "id", None) == ids.VIEW_TABS)
    assert [tab.tab_id for tab in tabs.children] == [view.TAB_ID for view in views.VIEWS]
    assert [tab.label for tab in tabs.children] == [view.TAB_LABEL for view in views.VIEWS]
    assert tabs.active_tab == "clustering"
    component_ids = [node.id for node in walk(page) if isinstance(getattr(node, "id", None), str)]
    duplicated = {i for i in component_ids if component_ids.count(i) > 1}
    assert not duplicated


def test_every_callback_reaches_only_components_of_the_page(tmp_path, monkeypatch):
    monkeypatch.setenv("RNACLUST_WARM_UMAP", "0")
    app_module = importlib.import_module("app")
    app = app_module.create_app(tmp_path, warm_umap=False)
    on_page = {node.id for node in walk(build_layout())
               if isinstance(getattr(node, "id", None), str)}
    missing = set()
    for callback in app.callback_map.values():
        for dependency in [*callback["inputs"], *callback["state"]]:
            if dependency["id"] not in on_page:
                missing.add(dependency["id"])
        outputs = callback["output"]
        for output in outputs if isinstance(outputs, list) else [outputs]:
            if output.component_id not in on_page:
                missing.add(output.component_id)
    assert not missing
