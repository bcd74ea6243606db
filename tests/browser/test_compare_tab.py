"""The compare view in headless Chromium: two values of k side by side, with their ARI."""

import pytest
from test_app import click, graph_traces, open_tab, shot, wait_rendered, wait_until
from views import compare

pytestmark = pytest.mark.browser


def test_comparing_two_k_draws_two_maps_and_their_ari(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    open_tab(dash_duo, compare.TAB_LABEL)
    dash_duo.select_dcc_dropdown(f"#{compare.CHOICE}", index=4)  # k
    dash_duo.wait_for_contains_text(f"#{compare.VALUE_A}", "2", timeout=10)
    click(dash_duo, f"#{compare.RUN}")
    dash_duo.wait_for_contains_text(f"#{compare.SUMMARY}", "ARI", timeout=30)
    for graph in (compare.FIGURE_A, compare.FIGURE_B):
        wait_until(lambda g=graph: graph_traces(dash_duo, g) > 0)
    assert "k = 2" in dash_duo.find_element(f"#{compare.FIGURE_A}").text
    assert "k = 3" in dash_duo.find_element(f"#{compare.FIGURE_B}").text
    shot(dash_duo, "compare_view")
