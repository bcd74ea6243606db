"""A selection inside a cluster (a lasso over part of it; issue 12 item 1): split off, or
re-clustered alone; recorded with its members and read back from old records."""

from __future__ import annotations

import numpy as np
import pytest

from rnaclust_dash.errors import ParameterError
from rnaclust_dash.tl.subcluster import (SplitStep, replay_present_splits, split_cluster,
                                         steps_from_records, steps_to_records)

IDS = np.array([f"s{i}" for i in range(10)])
LABELS = np.array(["1"] * 7 + ["2"] * 3)


def _fit_by_first_feature(points):
    """Two groups by the sign of the first feature (a stand-in for a method)."""
    def fit(indices, step):
        return (points[indices, 0] > 0).astype(int)
    return fit


def _never_called(indices, step):
    raise AssertionError("a selection split off is not clustered")


def test_a_selection_split_off_is_c1_and_the_rest_of_its_cluster_c2():
    step = SplitStep("1", members=("s1", "s4"))
    result = split_cluster(LABELS, step, _never_called, item_ids=IDS)
    assert result.tolist() == ["1.2", "1.1", "1.2", "1.2", "1.1", "1.2", "1.2", "2", "2", "2"]


def test_a_selection_re_clustered_alone_leaves_the_rest_of_its_cluster_as_the_last_child():
    points = np.array([[-1.0], [1.0], [-1.0], [1.0], [5.0], [5.0], [5.0], [0], [0], [0]])
    step = SplitStep("1", k=2, members=("s0", "s1", "s2", "s3"))
    result = split_cluster(LABELS, step, _fit_by_first_feature(points), item_ids=IDS)
    assert result.tolist() == ["1.1", "1.2", "1.1", "1.2", "1.3", "1.3", "1.3", "2", "2", "2"]


def test_selections_that_cannot_be_split_say_why():
    with pytest.raises(ParameterError, match="too few to split .* split the selection off"):
        split_cluster(LABELS, SplitStep("1", k=2, members=("s0", "s1")), _never_called,
                      item_ids=IDS)
    with pytest.raises(ParameterError, match="1 of the 2 selected items are not in cluster 1"):
        split_cluster(LABELS, SplitStep("1", members=("s0", "s8")), _never_called, item_ids=IDS)
    with pytest.raises(ParameterError, match="whole cluster 2"):
        split_cluster(LABELS, SplitStep("2", members=("s7", "s8", "s9")), _never_called,
                      item_ids=IDS)
    with pytest.raises(ParameterError, match="selection is empty"):
        SplitStep("1", members=())


def test_members_round_trip_through_records_and_old_records_still_read():
    steps = (SplitStep("1", members=("s1", "s4")), SplitStep("1.2", k=2))
    records = steps_to_records(steps)
    assert records == [{"cluster": "1", "members": ["s1", "s4"]}, {"cluster": "1.2", "k": 2}]
    assert steps_from_records(records) == steps
    assert steps_from_records([{"cluster": "3", "k": 2}])[0].members is None  # older file
    with pytest.raises(ParameterError, match="list of item ids"):
        steps_from_records([{"cluster": "1", "members": "s1"}])


def test_a_selection_no_longer_inside_its_cluster_is_dropped_on_screen():
    labels, kept, dropped = replay_present_splits(
        LABELS, [SplitStep("2", members=("s6", "s7"))], _never_called, item_ids=IDS)
    assert labels.tolist() == LABELS.tolist() and kept == () and len(dropped) == 1
