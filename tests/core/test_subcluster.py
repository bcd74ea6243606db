"""Sub-clustering in place: child labels, the rest kept, replay and undo (issue 12 item 1)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from rnaclust_dash.errors import ParameterError
from rnaclust_dash.tl.subcluster import (SplitStep, replay_splits, restrict_graph,
                                         split_cluster, steps_from_records, steps_to_records)


def _blobs():
    """Cluster 1: three tight blobs far apart (12 items); cluster 2: 6 items elsewhere."""
    rng = np.random.default_rng(0)
    centres = np.repeat([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]], 4, axis=0)
    inside = centres + rng.normal(0, 0.1, centres.shape)
    other = np.array([[100.0, 100.0]]) + rng.normal(0, 0.1, (6, 2))
    return np.vstack([inside, other]), np.array(["1"] * 12 + ["2"] * 6)


def _kmeans_fit(points):
    from sklearn.cluster import KMeans

    def fit(indices, step):
        return KMeans(step.k, n_init=10, random_state=0).fit_predict(points[indices])
    return fit


def test_split_names_children_after_the_parent_and_keeps_the_rest():
    points, labels = _blobs()
    result = split_cluster(labels, SplitStep("1", k=3), _kmeans_fit(points))
    assert result[:4].tolist() == ["1.1"] * 4  # numbered by first appearance
    assert result[4:8].tolist() == ["1.2"] * 4 and result[8:12].tolist() == ["1.3"] * 4
    assert result[12:].tolist() == ["2"] * 6
    assert labels[0] == "1"  # input untouched


def test_replay_is_deterministic_and_undo_is_replaying_one_step_less():
    points, labels = _blobs()
    fit = _kmeans_fit(points)
    steps = (SplitStep("1", k=3), SplitStep("1.2", k=2))
    twice = replay_splits(labels, steps, fit)
    assert set(twice[4:8]) == {"1.2.1", "1.2.2"}
    assert np.array_equal(twice, replay_splits(labels, steps, fit))
    undone = replay_splits(labels, steps[:-1], fit)
    assert np.array_equal(undone, split_cluster(labels, steps[0], fit))
    assert np.array_equal(replay_splits(labels, (), fit), labels)


def test_history_round_trips_through_params_records():
    steps = (SplitStep("3", resolution=0.5), SplitStep("3.1", k=2, features="selection"))
    records = steps_to_records(steps)
    assert records == [{"cluster": "3", "resolution": 0.5},
                       {"cluster": "3.1", "k": 2, "features": "selection"}]
    assert steps_from_records(records) == steps


def test_restrict_graph_keeps_only_edges_inside_the_selection():
    graph = sp.csr_matrix(np.arange(16, dtype=float).reshape(4, 4))
    sub = restrict_graph(graph, [1, 3])
    assert sub.toarray().tolist() == [[5.0, 7.0], [13.0, 15.0]]


def test_bad_splits_say_what_is_wrong():
    points, labels = _blobs()
    fit = _kmeans_fit(points)
    with pytest.raises(ParameterError, match="no cluster '7'"):
        split_cluster(labels, SplitStep("7", k=2), fit)
    with pytest.raises(ParameterError, match="Cluster 2 has 6 items: too few to split "
                                             r"\(at least 7 are needed for k = 6\)"):
        split_cluster(labels, SplitStep("2", k=6), fit)
    with pytest.raises(ParameterError, match="either a number of sub-clusters"):
        SplitStep("1")
    with pytest.raises(ParameterError, match="features must be one of parent, selection"):
        SplitStep("1", k=2, features="pca")
    with pytest.raises(ParameterError, match="k of at least 2"):
        SplitStep("1", k=1)
    with pytest.raises(ParameterError, match="stayed in one piece at resolution 0.1"):
        split_cluster(labels, SplitStep("1", resolution=0.1),
                      lambda indices, step: np.zeros(len(indices)))
    with pytest.raises(ParameterError, match="has no 'cluster'"):
        steps_from_records([{"k": 2}])
