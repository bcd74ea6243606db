"""Bulk-only tabs while single cells are loaded: one notice pointing to the Cells tab
instead of their content; with a bulk table, their content as before."""

from __future__ import annotations

import pytest

import app as app_module
from layouts import ids
from views import VIEWS, bulk_only, view_tabs

#: The tabs that need a genes x samples table (issue 9: guarded against single cells).
BULK_TABS = {"qc", "batch", "choose-k", "stability", "markers", "genes", "timecourse",
             "modules", "compare"}


def components(layout):
    """Every component of a layout tree."""
    stack, found = [layout], []
    while stack:
        node = stack.pop()
        found.append(node)
        children = getattr(node, "children", None)
        stack.extend(children if isinstance(children, (list, tuple)) else
                     [children] if children is not None and not isinstance(children, str)
                     else [])
    return found


def test_the_bulk_only_tabs_are_those_that_need_samples():
    flagged = {view.TAB_ID for view in VIEWS if getattr(view, "BULK_ONLY", False)}
    assert flagged == BULK_TABS
    # the single-cell tabs and the clustering tab (it says so itself) are not hidden
    assert not flagged & {"cells", "trajectory", "clustering"}


def test_each_bulk_tab_holds_its_notice_above_its_content():
    for tab in view_tabs():
        found = {getattr(c, "id", None): c for c in components(tab)}
        notice, content = bulk_only.notice_id(tab.tab_id), bulk_only.content_id(tab.tab_id)
        if tab.tab_id in BULK_TABS:
            assert found[notice].is_open is False  # hidden until single cells are loaded
            assert "Cells tab" in str(found[notice].children)
            assert content in found
        else:
            assert notice not in found and content not in found


@pytest.mark.parametrize("dataset_store, single_cell", [
    ({"key": "k", "mode": "single-cell"}, True), ({"key": "k", "mode": "bulk"}, False),
    (None, False)])
def test_single_cells_show_the_notice_and_hide_the_content(dataset_store, single_cell):
    values = bulk_only.visibility(dataset_store, 3)
    assert values[0::2] == [single_cell] * 3
    assert values[1::2] == [{"display": "none"} if single_cell else {}] * 3


def test_one_callback_drives_every_bulk_tab_from_the_dataset(tmp_path):
    dash_app = app_module.create_app(tmp_path / "cache", warm_umap=False)
    driven = [key for key, callback in dash_app.callback_map.items()
              if any(i["id"] == ids.DATASET_STORE for i in callback["inputs"])
              and bulk_only.notice_id("qc") in key]
    assert len(driven) == 1
    for tab_id in BULK_TABS:
        assert f"{bulk_only.notice_id(tab_id)}.is_open" in driven[0]
        assert f"{bulk_only.content_id(tab_id)}.style" in driven[0]


def test_the_notice_button_opens_the_cells_tab(tmp_path):
    dash_app = app_module.create_app(tmp_path / "cache", warm_umap=False)
    going = [callback for key, callback in dash_app.callback_map.items()
             if key.startswith(f"{ids.VIEW_TABS}.active_tab@") and any(
                 i["id"] == bulk_only.button_id("genes") for i in callback["inputs"])]
    assert len(going) == 1
    assert {i["id"] for i in going[0]["inputs"]} == {bulk_only.button_id(t) for t in BULK_TABS}
