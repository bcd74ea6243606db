"""cluster_graph: Leiden / Louvain on a given weighted graph (issue 9 item 4)."""

import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.metrics import adjusted_rand_score

from rnaclust_dash.errors import ParameterError
from rnaclust_dash.tl.graph import cluster_graph


def _two_cliques_with_a_bridge() -> sparse.csr_matrix:
    """Two 5-node cliques (weight 1) joined by one weak edge (0.1): the two cliques are
    the partition of largest modularity."""
    dense = np.zeros((10, 10))
    dense[:5, :5] = 1.0
    dense[5:, 5:] = 1.0
    np.fill_diagonal(dense, 0.0)
    dense[4, 5] = dense[5, 4] = 0.1
    return sparse.csr_matrix(dense)


@pytest.mark.parametrize("method", ["leiden", "louvain"])
def test_cluster_graph_finds_two_cliques(method):
    labels = cluster_graph(_two_cliques_with_a_bridge(), method=method)
    assert labels.tolist() == [1] * 5 + [2] * 5


def test_resolution_splits_communities():
    # A ring of 12 cliques of 4: higher resolution can only give more communities.
    blocks = [np.ones((4, 4)) - np.eye(4)] * 12
    dense = sparse.block_diag(blocks).toarray()
    for b in range(12):
        i, j = 4 * b + 3, (4 * (b + 1)) % 48
        dense[i, j] = dense[j, i] = 1.0
    graph = sparse.csr_matrix(dense)
    coarse = cluster_graph(graph, resolution=0.05).max()
    fine = cluster_graph(graph, resolution=1.0).max()
    assert coarse < fine == 12


def test_seeded_and_leaves_random_alone():
    rng = np.random.default_rng(1)
    weights = sparse.random(200, 200, density=0.05, random_state=rng, format="csr")
    graph = weights + weights.T
    state = random.getstate()
    first = cluster_graph(graph, resolution=2.0, random_state=3)
    assert random.getstate() == state
    assert np.array_equal(first, cluster_graph(graph, resolution=2.0, random_state=3))
    assert first.min() == 1 and first[0] == 1  # numbered by first appearance


def test_input_not_modified_and_dense_accepted():
    graph = _two_cliques_with_a_bridge()
    before = graph.copy()
    dense_labels = cluster_graph(graph.toarray())
    assert (graph != before).nnz == 0
    assert np.array_equal(dense_labels, cluster_graph(graph))


@pytest.mark.parametrize("bad, message", [
    (sparse.csr_matrix(np.ones((3, 4))), "square"),
    (sparse.csr_matrix(-np.ones((3, 3))), "not negative"),
])
def test_bad_graphs_are_refused(bad, message):
    with pytest.raises(ParameterError, match=message):
        cluster_graph(bad)


def test_bad_parameters_are_refused():
    graph = _two_cliques_with_a_bridge()
    with pytest.raises(ParameterError, match="walktrap"):
        cluster_graph(graph, method="walktrap")
    with pytest.raises(ParameterError, match="positive"):
        cluster_graph(graph, resolution=0)


# --- parity with scanpy 1.11.5 (tests/data/make_sc_tl_scanpy_reference.py) ---------------

SCANPY = Path(__file__).resolve().parents[1] / "data" / "reference" / "scanpy"


@pytest.mark.parametrize("dataset", ["cellbench", "hsmm"])
@pytest.mark.parametrize("resolution", [0.5, 1.0])
def test_leiden_on_scanpys_graph_gives_scanpys_labels(dataset, resolution):
    """Same connectivities in, the labels of scanpy's leiden(flavor="igraph",
    n_iterations=2, random_state=0) out: the same partition, cell for cell."""
    graph = sparse.load_npz(SCANPY / f"sc_tl_{dataset}_connectivities.npz")
    expected = pd.read_csv(SCANPY / f"sc_tl_{dataset}_leiden.csv", index_col=0)[
        f"leiden_r{resolution}"].to_numpy()
    labels = cluster_graph(graph, resolution=resolution, random_state=0)
    assert adjusted_rand_score(labels, expected) == 1.0


# --- shape of the single-cell clustering modules ------------------------------------------

SC_TL_MODULES = ("tl/graph.py", "tl/sc_markers.py", "tl/embed.py", "pipeline/single_cell.py",
                 "pipeline/single_cell_assess.py", "export/single_cell_files.py",
                 "commands/single_cell_run.py")


@pytest.mark.parametrize("module", SC_TL_MODULES)
def test_sc_tl_modules_stay_small_and_import_no_dash(module):
    from tests.core.package_shape import assert_module_small

    path = Path(__file__).resolve().parents[2] / "rnaclust_dash" / module
    assert_module_small(path)
    assert "import dash" not in path.read_text() and "from dash" not in path.read_text()
