"""Diffusion map, DPT, PAGA, root choice and pseudotime genes on toy data (issue 12).

Graphs are built with umap-learn's fuzzy_simplicial_set (the UMAP connectivities scanpy's
``pp.neighbors`` makes), so the functions are tested on the kind of graph they get.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.stats import spearmanr
from sklearn.neighbors import NearestNeighbors

from rnaclust_dash.errors import DataError, ParameterError
from rnaclust_dash.tl.trajectory.diffusion import (diffusion_map, diffusion_pseudotime,
                                                   transition_matrix, unreachable_message)
from rnaclust_dash.tl.trajectory.genes import pseudotime_genes, smoothed_trends
from rnaclust_dash.tl.trajectory.paga import paga_connectivities, paga_edges
from rnaclust_dash.tl.trajectory.root import earliest_members, root_by_id, root_in_group


def knn_graphs(points: np.ndarray, n_neighbors: int = 15):
    """(connectivities, distances) as scanpy's pp.neighbors(method="umap") builds them."""
    from umap.umap_ import fuzzy_simplicial_set

    distances, indices = NearestNeighbors(n_neighbors=n_neighbors).fit(points).kneighbors()
    # scanpy's knn includes the item itself at distance 0
    indices = np.column_stack([np.arange(len(points)), indices])
    distances = np.column_stack([np.zeros(len(points)), distances])
    connectivities = fuzzy_simplicial_set(
        sp.coo_matrix((len(points), 1)), n_neighbors + 1, 0, "euclidean",
        knn_indices=indices, knn_dists=distances)[0].tocsr()
    rows = np.repeat(np.arange(len(points)), n_neighbors)
    knn = sp.csr_matrix((distances[:, 1:].ravel() + 1e-12, (rows, indices[:, 1:].ravel())),
                        shape=(len(points), len(points)))
    return connectivities, knn


def branching_cells(seed: int = 0, n_per_arm: int = 150):
    """A Y: a trunk (true time 0..1) splitting into two branches (time 1..2), in 10-D
    with noise. Returns points, true time, branch labels (trunk, left, right)."""
    rng = np.random.default_rng(seed)
    t_trunk = rng.uniform(0, 1, n_per_arm)
    t_left, t_right = rng.uniform(1, 2, n_per_arm), rng.uniform(1, 2, n_per_arm)
    trunk = np.column_stack([t_trunk * 4, np.zeros(n_per_arm)])
    left = np.column_stack([4 + (t_left - 1) * 3, (t_left - 1) * 3])
    right = np.column_stack([4 + (t_right - 1) * 3, -(t_right - 1) * 3])
    plane = np.vstack([trunk, left, right])
    points = np.hstack([plane, np.zeros((len(plane), 8))]) + rng.normal(0, 0.15, (len(plane), 10))
    time = np.concatenate([t_trunk, t_left, t_right])
    branch = np.repeat(["trunk", "left", "right"], n_per_arm)
    return points, time, branch


@pytest.fixture(scope="module")
def branching():
    points, time, branch = branching_cells()
    connectivities, knn = knn_graphs(points)
    return points, time, branch, connectivities, knn


def test_dpt_orders_a_branching_process_as_its_true_time(branching):
    points, time, branch, connectivities, _ = branching
    diffmap = diffusion_map(connectivities, n_comps=15, random_state=0)
    pseudotime = diffusion_pseudotime(diffmap, int(np.argmin(time)))
    assert pseudotime.min() == 0 and pseudotime.max() == pytest.approx(1.0)
    assert spearmanr(pseudotime, time)[0] >= 0.95
    for arm in ("left", "right"):  # the order holds along each branch too
        assert spearmanr(pseudotime[branch == arm], time[branch == arm])[0] >= 0.9


def test_root_group_picks_the_centre_of_the_group(branching):
    points, time, branch, connectivities, _ = branching
    diffmap = diffusion_map(connectivities, n_comps=15)
    early = time < 0.2
    root = root_in_group(diffmap, early)
    assert early[root]
    assert 0.05 < time[root] < 0.15  # the middle of the early cells, not an end
    assert spearmanr(diffusion_pseudotime(diffmap, root), time)[0] >= 0.95


def test_transitions_are_symmetric_with_unit_top_eigenvalue(branching):
    _, _, _, connectivities, _ = branching
    matrix = transition_matrix(connectivities)
    assert abs(matrix - matrix.T).max() < 1e-12
    diffmap = diffusion_map(connectivities, n_comps=6)
    assert diffmap.eigenvalues[0] == pytest.approx(1.0, abs=1e-5)
    assert np.all(np.diff(diffmap.eigenvalues) <= 0)
    assert diffmap.components.shape == (connectivities.shape[0], 6)


def test_diffusion_map_does_not_change_its_input(branching):
    _, _, _, connectivities, _ = branching
    before = connectivities.copy()
    diffusion_map(connectivities, n_comps=5)
    assert (connectivities != before).nnz == 0


def test_paga_counts_edges_against_a_random_null_by_hand():
    # 6 items, groups a a a b b c; directed kNN edges given by hand.
    edges = [(0, 1), (1, 0), (2, 3), (3, 2), (4, 5), (5, 4), (0, 2), (3, 4)]
    rows, cols = zip(*edges)
    knn = sp.csr_matrix((np.ones(len(edges)), (rows, cols)), shape=(6, 6))
    groups = ["a", "a", "a", "b", "b", "c"]
    result = paga_connectivities(knn, groups)
    # e: edges leaving a = 4 (0->1, 1->0, 2->3, 0->2), b = 3, c = 1; n = (3, 2, 1), n - 1 = 5
    # a-b: e_ab + e_ba = 1 + 1 = 2; expected (4 * 2 + 3 * 3) / 5 = 3.4
    assert result.loc["a", "b"] == pytest.approx(2 / 3.4)
    # b-c: 1 + 1 = 2; expected (3 * 1 + 1 * 2) / 5 = 1 -> capped at 1
    assert result.loc["b", "c"] == 1.0
    assert result.loc["a", "c"] == 0.0 and result.loc["a", "a"] == 0.0
    assert np.allclose(result.to_numpy(), result.to_numpy().T)
    table = paga_edges(result, threshold=0.5)
    assert table.to_dict("records") == [
        {"from": "a", "to": "b", "connectivity": pytest.approx(2 / 3.4)},
        {"from": "b", "to": "c", "connectivity": 1.0}]


def test_paga_joins_adjacent_stages_and_not_distant_ones(branching):
    points, time, branch, _, knn = branching
    # early trunk, late trunk, and the two branches: a path s1 - s2 - (L, R)
    stage = np.where(branch == "trunk", np.where(time < 0.5, "s1", "s2"), branch)
    result = paga_connectivities(knn, stage)
    assert result.loc["s1", "s2"] > 0.3
    assert result.loc["s2", "left"] > 0.05 and result.loc["s2", "right"] > 0.05
    assert result.loc["s1", "left"] == 0 and result.loc["s1", "right"] == 0


def test_paga_orders_child_clusters_naturally():
    knn = sp.csr_matrix(np.ones((4, 4)) - np.eye(4))
    result = paga_connectivities(knn, ["3.10", "3.2", "10", "2"])
    assert list(result.index) == ["2", "3.2", "3.10", "10"]


def test_genes_along_pseudotime_match_scipy_spearman_and_find_the_planted_ones():
    rng = np.random.default_rng(3)
    time = rng.uniform(0, 1, 200)
    values = rng.normal(0, 1, (200, 30))
    values[:, 0] += 4 * time  # rises
    values[:, 1] -= 4 * time  # falls
    values[:, 2] = np.round(values[:, 2])  # ties
    values[:, 3] = 1.0  # constant
    genes = [f"g{i}" for i in range(30)]
    pseudotime = time.copy()
    pseudotime[:5] = np.inf  # unreachable: left out
    table = pseudotime_genes(sp.csr_matrix(values), genes, pseudotime).set_index("gene")
    for gene in (0, 2, 7):
        rho, pvalue = spearmanr(values[5:, gene], time[5:])
        assert table.loc[f"g{gene}", "rho"] == pytest.approx(rho, abs=1e-12)
        assert table.loc[f"g{gene}", "pvalue"] == pytest.approx(pvalue, rel=1e-9)
    assert list(table.index[:2]) == ["g0", "g1"] or list(table.index[:2]) == ["g1", "g0"]
    assert table.loc["g0", "direction"] == "up" and table.loc["g1", "direction"] == "down"
    assert np.isnan(table.loc["g3", "rho"]) and table.index[-1] == "g3"
    assert table.loc["g0", "padj"] < 1e-10 and table["padj"].dropna().max() <= 1


def test_smoothed_trends_average_bins_in_pseudotime_order():
    time = np.array([0.9, 0.1, 0.5, 0.3, 0.7, 0.2])
    values = np.column_stack([time * 10, -time])
    trends = smoothed_trends(values, ["up", "down"], time, n_bins=3, zscore=False)
    assert list(trends.columns) == [0.15, 0.4, 0.8]
    assert np.allclose(trends.loc["up"].to_numpy(), [1.5, 4.0, 8.0])
    scaled = smoothed_trends(values, ["up", "down"], time, n_bins=3)
    assert np.allclose(scaled.mean(axis=1), 0) and scaled.loc["down"].is_monotonic_decreasing


def test_disconnected_graph_gives_infinite_pseudotime_and_names_the_cells():
    points = np.vstack([np.random.default_rng(0).normal(0, 0.1, (40, 3)),
                        np.random.default_rng(1).normal(50, 0.1, (10, 3))])
    connectivities, _ = knn_graphs(points, n_neighbors=5)
    diffmap = diffusion_map(connectivities, n_comps=8)
    assert diffmap.n_components == 2
    pseudotime = diffusion_pseudotime(diffmap, 0)
    assert np.isinf(pseudotime[40:]).all() and np.isfinite(pseudotime[:40]).all()
    ids = [f"cell{i}" for i in range(50)]
    message = unreachable_message(pseudotime, ids)
    assert "10 of 50" in message and "cell40" in message
    assert unreachable_message(pseudotime[:40], ids[:40]) is None


def test_bad_roots_and_graphs_say_what_is_wrong():
    with pytest.raises(ParameterError, match="'nope' is not among the 3 items"):
        root_by_id(["a", "b", "c"], "nope")
    with pytest.raises(DataError, match="holds no numbers"):
        earliest_members(pd.Series(["x", "y"], index=["a", "b"]), ["a", "b"], column="stage")
    with pytest.raises(DataError, match="not symmetric"):
        diffusion_map(sp.csr_matrix(np.triu(np.ones((5, 5)), 1)), n_comps=3)
    lonely = np.ones((5, 5)) - np.eye(5)
    lonely[4, :] = lonely[:, 4] = 0
    with pytest.raises(DataError, match="no neighbour"):
        diffusion_map(lonely, n_comps=3)
    with pytest.raises(ParameterError, match="more than 2 components"):
        diffusion_map(np.ones((5, 5)), n_comps=2)
    with pytest.raises(DataError, match="no group"):
        paga_connectivities(sp.eye(3), ["a", None, "b"])


def test_earliest_members_keeps_ties_and_aligns_on_ids():
    sheet = pd.Series([24, 0, 0, 48], index=["c1", "c2", "c3", "c4"])
    assert earliest_members(sheet, ["c4", "c3", "c2", "c1"], column="hours").tolist() == [
        False, True, True, False]
