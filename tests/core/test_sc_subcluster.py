"""Sub-clustering a cluster of cells in place on their graph (issue 12 item 1, single
cell): the partition of scanpy's ``tl.leiden(restrict_to=...)`` on the same graph."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.metrics import adjusted_rand_score

from rnaclust_dash.errors import ParameterError
from rnaclust_dash.tl.subcluster import (SplitStep, graph_split_fit, replay_splits,
                                         split_graph_cluster)

SCANPY = Path(__file__).resolve().parents[1] / "data" / "reference" / "scanpy"


def _reference(dataset: str) -> tuple[sparse.csr_matrix, pd.DataFrame, str]:
    graph = sparse.load_npz(SCANPY / f"sc_tl_{dataset}_connectivities.npz")
    table = pd.read_csv(SCANPY / f"sc_tl_{dataset}_leiden_restrict.csv", index_col=0,
                        dtype=str)
    cluster = table.columns[1].split("_")[1]  # restrict_<C>_r<resolution>
    return graph, table, cluster


@pytest.mark.parametrize("dataset", ["cellbench", "hsmm"])
@pytest.mark.parametrize("resolution", [0.5, 1.0])
def test_a_cluster_split_on_its_subgraph_is_scanpys_restrict_to(dataset, resolution):
    """scanpy's children "C,0", "C,1"... are ours "C.1", "C.2"... cell for cell (the same
    partition of C; numbering aside), and every other cell keeps its cluster."""
    graph, table, cluster = _reference(dataset)
    expected = table[f"restrict_{cluster}_r{resolution}"].to_numpy()
    labels = split_graph_cluster(graph, table["parent"].to_numpy(), cluster,
                                 resolution=resolution, random_state=0)
    inside = table["parent"].to_numpy() == cluster
    assert adjusted_rand_score(labels[inside], expected[inside]) == 1.0
    assert len(set(labels[inside])) == len(set(expected[inside])) > 1
    assert all(label.startswith(f"{cluster}.") for label in labels[inside])
    np.testing.assert_array_equal(labels[~inside], expected[~inside])


def test_graph_splits_replay_from_records_and_refuse_k():
    graph, table, cluster = _reference("hsmm")
    parent = table["parent"].to_numpy()
    fit = graph_split_fit(graph, random_state=0)
    once = replay_splits(parent, [SplitStep(cluster, resolution=0.5)], fit)
    np.testing.assert_array_equal(
        once, split_graph_cluster(graph, parent, cluster, resolution=0.5))
    with pytest.raises(ParameterError, match="needs a resolution, not k"):
        replay_splits(parent, [SplitStep(cluster, k=2)], fit)
    with pytest.raises(ParameterError, match="graph has 271 cells but there are 10 labels"):
        split_graph_cluster(graph, parent[:10], cluster)
