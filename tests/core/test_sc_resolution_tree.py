"""The cluster tree across resolutions on a planted hierarchy whose tree is known: four
groups of 30 cells in two pairs. Low resolution finds the pairs, high the groups, and
each group comes whole from its pair (in-proportion 1); the figure draws that tree."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from rnaclust_dash.pipeline.single_cell_assess import resolution_panel
from rnaclust_dash.pl.resolution_tree import MIN_IN_PROP, resolution_tree_figure
from rnaclust_dash.tl.graph import cluster_graph
from rnaclust_dash.tl.kselect import cluster_tree

N_PER_GROUP = 30
GROUPS = np.repeat(np.arange(4), N_PER_GROUP)  # groups 0, 1 form pair 0; 2, 3 pair 1
PAIRS = GROUPS // 2


@pytest.fixture(scope="module")
def graph():
    """Random graph: dense inside a group, sparser inside a pair, rare across pairs."""
    rng = np.random.default_rng(0)
    same_group = GROUPS[:, None] == GROUPS[None, :]
    same_pair = PAIRS[:, None] == PAIRS[None, :]
    chance = np.where(same_group, 0.5, np.where(same_pair, 0.08, 0.003))
    upper = np.triu(rng.random(chance.shape) < chance, 1)
    return sparse.csr_matrix((upper | upper.T).astype(np.float64))


def same_partition(labels, truth) -> bool:
    """Whether two labellings group the items the same way (numbers aside)."""
    pairs = set(zip(labels.tolist(), truth.tolist()))
    return len(pairs) == len(set(labels.tolist())) == len(set(truth.tolist()))


def test_the_tree_of_a_planted_hierarchy(graph):
    panel = resolution_panel(graph, resolutions=(1.0, 0.2, 2.0), random_state=0)
    assert list(panel.labels.columns) == [0.2, 1.0, 2.0]
    assert panel.summary["n_clusters"].tolist() == [2, 4, 4]
    assert same_partition(panel.labels[0.2].to_numpy(), PAIRS)
    assert same_partition(panel.labels[1.0].to_numpy(), GROUPS)
    split = panel.tree[panel.tree["from_resolution"] == 0.2]
    # four edges, one per group, each carrying the whole group: in-proportion 1
    assert len(split) == 4 and (split["n_cells"] == N_PER_GROUP).all()
    assert (split["in_prop"] == 1.0).all()
    # each pair splits in two: every parent has two children
    assert split.groupby("from_cluster").size().tolist() == [2, 2]
    same = panel.tree[panel.tree["from_resolution"] == 1.0]
    assert len(same) == 4 and (same["in_prop"] == 1.0).all()


def test_each_resolution_is_leiden_of_the_graph_as_called_directly(graph):
    resolutions = (0.05, 0.3, 0.8, 1.5)
    reports = []
    panel = resolution_panel(graph, resolutions=resolutions, random_state=7,
                             progress=lambda done, total: reports.append((done, total)))
    assert reports == [(1, 4), (2, 4), (3, 4), (4, 4)]
    for resolution in resolutions:
        direct = cluster_graph(graph, method="leiden", resolution=resolution,
                               random_state=7)
        np.testing.assert_array_equal(panel.labels[resolution].to_numpy(), direct)


def test_the_figure_draws_one_node_per_cluster_and_the_strong_edges(graph):
    panel = resolution_panel(graph, resolutions=(0.2, 1.0, 2.0), random_state=0)
    figure = resolution_tree_figure(panel.labels, panel.tree, current=1.0)
    nodes = next(trace for trace in figure.data if trace.meta == "tree-nodes")
    assert len(nodes.x) == 2 + 4 + 4
    assert sorted(set(nodes.customdata)) == [0.2, 1.0, 2.0]
    current = [c for c, r in zip(nodes.marker.color, nodes.customdata) if r == 1.0]
    assert len(set(current)) == 1 and current[0] not in {
        c for c, r in zip(nodes.marker.color, nodes.customdata) if r != 1.0}
    edges = [trace for trace in figure.data if trace.meta != "tree-nodes"]
    assert len(edges) == (panel.tree["in_prop"] >= MIN_IN_PROP).sum() == 8
    # each row of the tree says how many clusters it has
    assert list(figure.layout.yaxis.ticktext) == [
        "resolution 0.2: 2 clusters", "resolution 1: 4 clusters", "resolution 2: 4 clusters"]
    # a group sits under its pair: children of one parent are next to each other
    x = dict(zip(zip(nodes.customdata, nodes.text), nodes.x))
    split = panel.tree[panel.tree["from_resolution"] == 0.2]
    for _, children in split.groupby("from_cluster"):
        xs = sorted(x[(1.0, str(c))] for c in children["to_cluster"])
        assert xs[1] - xs[0] == 1  # adjacent in the row


def edges_drawn(moved: int) -> list:
    """Edges drawn when ``moved`` of cluster 2's 10 cells join cluster 1 at resolution 1."""
    labels = {0.5: np.array([1] * 10 + [2] * 10),
              1.0: np.array([1] * 10 + [2] * (10 - moved) + [1] * moved)}
    tree = cluster_tree(labels).rename(columns={"from_k": "from_resolution",
                                                "to_k": "to_resolution",
                                                "n_items": "n_cells"})
    figure = resolution_tree_figure(pd.DataFrame(labels), tree)
    return [trace for trace in figure.data if trace.meta != "tree-nodes"]


def test_weak_edges_are_hidden_and_strong_ones_wider():
    # 1 cell of the 11 in cluster 1: in-proportion 0.09, under clustree's 0.1: hidden
    assert len(edges_drawn(1)) == 2
    # 2 of 12: 0.17, drawn, thinner than the edge carrying 10 of 12
    edges = edges_drawn(2)
    assert len(edges) == 3
    widths = sorted(trace.line.width for trace in edges)
    # in-proportions 2/12 (2 -> 1), 10/12 (1 -> 1), 8/8 (2 -> 2)
    assert widths == pytest.approx([1 + 5 * 2 / 12, 1 + 5 * 10 / 12, 1 + 5 * 1.0])
