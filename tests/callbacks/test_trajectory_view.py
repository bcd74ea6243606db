"""The Trajectory tab's glue, called as plain functions on the pasilla example."""

from __future__ import annotations

import pytest
from callback_helpers import analysis_controls, assert_accepted, guarded_analysis, guarded_data, out
from dash import no_update

from callbacks import data
from views.clustering import analysis
from layouts import ids
from rnaclust_dash.errors import ParameterError
from rnaclust_dash.pipeline.trajectory import RootChoice
from views import trajectory
from views.clustering import splits


@pytest.fixture
def analysis_store(store) -> dict:
    outputs = guarded_data(store, ids.EXAMPLE, "pasilla", None, None, None, None, None, None,
                           None)
    assert_accepted(outputs, data)
    result = guarded_analysis(store, out(outputs, data, ids.DATASET_STORE, "data"),
                              analysis_controls(outputs), [])
    assert_accepted(result, analysis)
    return out(result, analysis, ids.ANALYSIS_STORE, "data")


def test_a_request_runs_once_then_reads_the_stored_trajectory(store, analysis_store):
    root = RootChoice(group="1")
    result, job, status, _, _ = trajectory.request(store, analysis_store, trajectory.TAB_ID,
                                                   trajectory.CLUSTERS, root)
    assert result is no_update and "Ordering" in status
    reference = trajectory.compute(store, job)
    again = trajectory.request(store, analysis_store, trajectory.TAB_ID, trajectory.CLUSTERS,
                               root)
    assert again[0] == reference and again[1] is no_update
    # another tab asks for nothing
    assert trajectory.request(store, analysis_store, "markers", trajectory.CLUSTERS,
                              root)[1] is no_update
    main, heatmap, status, _ = trajectory.figures(store, reference, "pca", 0.0)
    metas = [trace.get("meta") for trace in main["data"]]
    assert metas.count("paga-node") == 1 and metas.count("root") == 1
    points = sum(len(t["x"]) for t in main["data"] if t.get("meta") == "embedding")
    assert points == 7 and "pseudotime for 7 of 7 samples" in status
    assert heatmap["data"][0]["type"] == "heatmap"
    diffmap = trajectory.figures(store, reference, "diffmap", 0.0)[0]
    assert diffmap["layout"]["xaxis"]["title"]["text"] == "DC1"


def test_a_click_picks_a_sample_or_a_paga_group_as_root():
    sample = {"points": [{"curveNumber": 0, "customdata": "treated2"}]}
    assert trajectory.clicked_root(sample) == ("treated2", "cell", no_update)
    node = {"points": [{"curveNumber": 3, "customdata": "group:2"}]}
    assert trajectory.clicked_root(node) == (no_update, "cluster", "2")
    assert trajectory.clicked_root({"points": [{"curveNumber": 1}]}) == (
        no_update, no_update, no_update)
    assert trajectory.root_choice("cell", None, "1", None, trajectory.CLUSTERS) is None
    assert trajectory.root_choice("column", None, "1", "hours",
                                  trajectory.CLUSTERS).column == "hours"


def test_menus_offer_clusters_and_sheet_columns(store, analysis_store):
    groups, value, roots, root, columns, column = trajectory.choices(
        store, analysis_store, None)
    assert value == trajectory.CLUSTERS and groups[0]["value"] == trajectory.CLUSTERS
    assert {"label": "sheet: condition", "value": "condition"} in groups
    assert root == roots[0]["value"] == "1"
    assert columns == [] and column is None  # pasilla's sheet has no numbers


def test_a_root_outside_the_samples_is_said(store, analysis_store):
    job = {"analysis": analysis_store,
           "choice": {"groups": trajectory.CLUSTERS, "root_cell": "nope", "root_group": None,
                      "root_column": None}}
    with pytest.raises(ParameterError, match="'nope' is not among the 7 items"):
        trajectory.compute(store, job)


def test_the_trajectory_follows_the_global_splits_and_their_undo(store, analysis_store):
    # splits have one home: the Choose k tab's history in the analysis store
    history = splits.split_history(store, analysis_store, splits.SPLIT_BUTTON, "1", 2)
    split_store = dict(analysis_store, splits=history)
    labels = set(trajectory.split_labels(store, split_store))
    assert {"1.1", "1.2"} <= labels and "1" not in labels
    menus = trajectory.choices(store, split_store, trajectory.CLUSTERS)
    assert [o["value"] for o in menus[2]][:2] == ["1.1", "1.2"]
    # the trajectory's PAGA groups are the split clusters
    _, job, *_ = trajectory.request(store, split_store, trajectory.TAB_ID,
                                    trajectory.CLUSTERS, RootChoice(group="1.1"))
    result = trajectory.compute(store, job)
    _, found, _ = store.get(result["key"])
    assert {"1.1", "1.2"} <= set(found.paga.index)
    undone = dict(analysis_store, splits=splits.split_history(
        store, split_store, splits.UNDO_BUTTON, None, None))
    assert "1" in set(trajectory.split_labels(store, undone))
    _, job, *_ = trajectory.request(store, undone, trajectory.TAB_ID, trajectory.CLUSTERS,
                                    RootChoice(group="1"))
    _, found, _ = store.get(trajectory.compute(store, job)["key"])
    assert "1" in set(found.paga.index) and "1.1" not in set(found.paga.index)


def test_the_tab_has_no_split_controls_of_its_own():
    text = str(trajectory.layout())
    for component in (splits.SPLIT_BUTTON, splits.UNDO_BUTTON, "trajectory-split"):
        assert component not in text
