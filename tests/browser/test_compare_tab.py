"""The compare view in headless Chromium: a placeholder until Compare is pressed, then two
values of k side by side (heatmaps with dendrograms, maps), their ARI and contingency
table; choosing a lesson example shows its story in the data card."""

import pytest
from test_app import (choose, click, graph_traces, open_tab, set_number, shot, wait_rendered,
                      wait_until)

from layouts import ids
from layouts.main import LESSON
from rnaclust_dash.io import LESSONS
from views import compare

pytestmark = pytest.mark.browser


def test_comparing_two_k_draws_two_heatmaps_two_maps_and_their_ari(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    open_tab(dash_duo, compare.TAB_LABEL)
    placeholder = dash_duo.wait_for_element(f"#{compare.PLACEHOLDER}")
    assert "press Compare" in placeholder.text
    assert not dash_duo.find_element(f"#{compare.RESULTS}").is_displayed()
    shot(dash_duo, "compare_view_before")
    dash_duo.select_dcc_dropdown(f"#{compare.CHOICE}", index=4)  # k
    dash_duo.wait_for_contains_text(f"#{compare.VALUE_A}", "2", timeout=10)
    click(dash_duo, f"#{compare.RUN}")
    dash_duo.wait_for_contains_text(f"#{compare.SUMMARY}", "ARI", timeout=30)
    for graph in (compare.HEATMAP_A, compare.HEATMAP_B, compare.FIGURE_A, compare.FIGURE_B):
        wait_until(lambda g=graph: graph_traces(dash_duo, g) > 0)
    assert dash_duo.find_element(f"#{compare.RESULTS}").is_displayed()
    assert not dash_duo.find_elements(f"#{compare.PLACEHOLDER}")
    assert "k) = 2" in dash_duo.find_element(f"#{compare.TITLE_A}").text
    assert "k) = 3" in dash_duo.find_element(f"#{compare.TITLE_B}").text
    assert "k) = 2" in dash_duo.find_element(f"#{compare.FIGURE_A}").text
    assert "A cluster 1" in dash_duo.find_element(f"#{compare.SUMMARY}").text
    dash_duo.driver.set_window_size(1600, 1300)
    shot(dash_duo, "compare_view")
    dash_duo.driver.set_window_size(1600, 2300)  # the whole tab: heatmaps and maps
    shot(dash_duo, "compare_view_maps")
    # another dataset: the comparison of the old one goes away
    dash_duo.driver.set_window_size(1400, 1000)
    dash_duo.select_dcc_dropdown(f"#{ids.EXAMPLE}", value="airway: a batch effect")
    dash_duo.wait_for_contains_text(f"#{compare.PLACEHOLDER}", "press Compare", timeout=30)
    wait_until(lambda: not dash_duo.find_element(f"#{compare.RESULTS}").is_displayed())


def test_choosing_the_batch_lesson_shows_its_story_in_the_data_card(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    dash_duo.select_dcc_dropdown(f"#{ids.EXAMPLE}", value="airway: a batch effect")
    dash_duo.wait_for_contains_text(f"#{LESSON}", "batch effect", timeout=30)
    card = dash_duo.find_element(f"#{LESSON}").text
    assert LESSONS["airway"].story[2] in card and "LGPL" in card
    assert dash_duo.find_element(f"#{ids.N_CLUSTERS}").get_attribute("value") == "4"
    shot(dash_duo, "lesson_card")


def test_the_single_cell_example_opens_the_cells_tab_with_the_five_cell_lines(
        dash_duo, app_factory):
    from views import cells

    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    dash_duo.select_dcc_dropdown(f"#{ids.EXAMPLE}", value="cellbench: single cells")
    dash_duo.wait_for_contains_text(f"#{LESSON}", "cell lines", timeout=30)
    # the first analysis compiles UMAP (numba) in the job: minutes on a loaded machine
    dash_duo.wait_for_contains_text(f"#{cells.SUMMARY}", "5 clusters", timeout=300)
    assert dash_duo.find_element(f"#{cells.CONTROL_IDS['resolution']}") \
        .get_attribute("value") == "0.5"
    wait_until(lambda: graph_traces(dash_duo, cells.MAP) > 0)
    shot(dash_duo, "lesson_cellbench")


def test_the_batch_lesson_in_compare_no_correction_against_combat(dash_duo, app_factory):
    """airway, k = 2: without correction the clusters are not the treatment; with ComBat
    (batch column and protected group set by the lesson) they are."""
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    dash_duo.select_dcc_dropdown(f"#{ids.EXAMPLE}", value="airway: a batch effect")
    dash_duo.wait_for_contains_text(f"#{LESSON}", "batch effect", timeout=30)
    set_number(dash_duo, ids.N_CLUSTERS, 2)
    open_tab(dash_duo, compare.TAB_LABEL)
    choose(dash_duo, compare.CHOICE, "Batch correction")
    dash_duo.wait_for_contains_text(f"#{compare.VALUE_A}", "None", timeout=10)
    choose(dash_duo, compare.VALUE_B, "ComBat")
    click(dash_duo, f"#{compare.RUN}")
    dash_duo.wait_for_contains_text(f"#{compare.SUMMARY}", "ARI", timeout=60)
    for graph in (compare.HEATMAP_A, compare.HEATMAP_B):
        wait_until(lambda g=graph: graph_traces(dash_duo, g) > 0)
    assert "(2 clusters)" in dash_duo.find_element(f"#{compare.TITLE_B}").text
    dash_duo.driver.set_window_size(1600, 2300)
    shot(dash_duo, "compare_airway_combat")
