"""Split a cluster of cells in the browser (issue 12 item 1): after the map of the nested
planted cells (type3 holds two sub-types; resolution 0.05 keeps it whole), the Split row
splits a cluster, its children show in the summary and the dot plot, Undo takes the
split back."""

import sys
from pathlib import Path

import pytest
from layouts import ids
from cells_uploads import synthetic_zip
from test_app import click, graph_json, set_number, shot, upload, wait_rendered, \
    wait_until
from test_cells_tab import choose_typed

from views import cells, cells_splits

pytestmark = pytest.mark.browser

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from sc_synthetic import nested_cells  # noqa: E402


@pytest.fixture
def nested_zip(tmp_path) -> Path:
    return synthetic_zip(nested_cells(), tmp_path, "nested")


def dot_plot_groups(dash_duo) -> set[str]:
    """The clusters on the dot plot's rows (the marker table pages through its groups)."""
    return {str(t) for t in graph_json(dash_duo, cells.DOT_PLOT,
                                       "g.layout.yaxis.ticktext || []") or []}


def test_split_a_cluster_then_undo(dash_duo, app_factory, nested_zip):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    upload(dash_duo, ids.UPLOAD_COUNTS, nested_zip)
    dash_duo.wait_for_contains_text(f"#{cells.SUMMARY}", "clusters", timeout=300)
    for name, value in (("min_genes", 50), ("resolution", 0.05)):
        set_number(dash_duo, cells.CONTROL_IDS[name], value)
    click(dash_duo, f"#{cells.RUN}")
    dash_duo.wait_for_contains_text(f"#{cells.SUMMARY}", "3 clusters", timeout=300)
    click(dash_duo, f"#{cells_splits.SPLIT_CLUSTER}")
    choose_typed(dash_duo, "3")
    click(dash_duo, f"#{cells_splits.SPLIT_BUTTON}")
    dash_duo.wait_for_contains_text(f"#{cells_splits.SPLIT_MESSAGE}", "Splits: 3 at 0.5",
                                    timeout=30)
    dash_duo.wait_for_contains_text(f"#{cells.SUMMARY}", "4 clusters", timeout=300)
    dash_duo.driver.set_window_size(1400, 2200)
    shot(dash_duo, "cells_split_3")
    wait_until(lambda: {"3.1", "3.2"} <= dot_plot_groups(dash_duo), timeout=30)
    click(dash_duo, f"#{cells_splits.UNDO_BUTTON}")
    dash_duo.wait_for_contains_text(f"#{cells.SUMMARY}", "3 clusters", timeout=120)
    wait_until(lambda: dot_plot_groups(dash_duo) == {"1", "2", "3"}, timeout=30)
