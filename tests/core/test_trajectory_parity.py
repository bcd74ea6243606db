"""Parity with scanpy 1.11.5 on the HSMM myoblast time course (issue 12 item 4).

References (tests/data/reference/trajectory, made by tests/data/make_trajectory_reference.py
in a scanpy venv; equal to ../shared/data/hsmm_myoblast_timecourse_fpkm/reference to
3e-8): scanpy's kNN graph (15 neighbours on 30 PCs), its diffmap(n_comps=15) eigenvalues,
dpt() from the cell of lowest Monocle pseudotime, paga(groups="cell_type").
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.stats import pearsonr, spearmanr

from reference_paths import LOCAL_REFERENCE
from rnaclust_dash.tl.trajectory.diffusion import diffusion_map, diffusion_pseudotime
from rnaclust_dash.tl.trajectory.paga import paga_connectivities
from rnaclust_dash.tl.trajectory.root import earliest_members, root_in_group

HERE = LOCAL_REFERENCE / "trajectory"
#: Spearman(scanpy's DPT, hours) as the shared reference's summary states it.
SCANPY_SPEARMAN_HOURS = 0.5587


@pytest.fixture(scope="module")
def hsmm():
    cells = pd.read_csv(HERE / "hsmm_cells.csv", index_col=0)
    dpt = pd.read_csv(HERE / "scanpy_dpt.csv", index_col=0)["dpt_pseudotime"]
    return {"cells": cells, "dpt": dpt.loc[cells.index],
            "connectivities": sp.load_npz(HERE / "hsmm_connectivities.npz"),
            "distances": sp.load_npz(HERE / "hsmm_distances.npz"),
            "pca": pd.read_csv(HERE / "hsmm_pca30.csv.gz", index_col=0).loc[cells.index]}


def _pseudotime_from_monocle_root(connectivities, cells):
    diffmap = diffusion_map(connectivities, n_comps=15, random_state=0)
    earliest = earliest_members(cells["monocle_pseudotime"], cells.index, column="monocle")
    root = root_in_group(diffmap, earliest)
    assert cells.index[root] == "T48_CT_G10"
    return diffmap, diffusion_pseudotime(diffmap, root)


def test_diffmap_eigenvalues_equal_scanpys(hsmm):
    diffmap = diffusion_map(hsmm["connectivities"], n_comps=15, random_state=0)
    reference = pd.read_csv(HERE / "scanpy_diffmap_evals.csv")["eigenvalue"].to_numpy()
    assert np.abs(diffmap.eigenvalues - reference).max() < 1e-5


def test_dpt_on_scanpys_graph_matches_scanpy(hsmm):
    _, pseudotime = _pseudotime_from_monocle_root(hsmm["connectivities"], hsmm["cells"])
    assert spearmanr(pseudotime, hsmm["dpt"])[0] >= 0.98
    assert np.abs(pseudotime - hsmm["dpt"].to_numpy()).max() < 1e-4
    hours = spearmanr(pseudotime, hsmm["cells"]["time_hours"])[0]
    assert abs(hours - SCANPY_SPEARMAN_HOURS) <= 0.05


def test_dpt_on_the_graph_rebuilt_from_scanpys_pcs_matches_scanpy(hsmm):
    # The same graph built again with umap-learn from the 30 PCs scanpy used.
    from test_trajectory import knn_graphs

    connectivities, _ = knn_graphs(hsmm["pca"].to_numpy(dtype=np.float64), n_neighbors=14)
    _, pseudotime = _pseudotime_from_monocle_root(connectivities, hsmm["cells"])
    assert spearmanr(pseudotime, hsmm["dpt"])[0] >= 0.98
    hours = spearmanr(pseudotime, hsmm["cells"]["time_hours"])[0]
    assert abs(hours - SCANPY_SPEARMAN_HOURS) <= 0.05


def test_dpt_and_paga_on_the_projects_own_graph_match_scanpy(hsmm):
    # pp.neighbors (the graph the pipeline builds) on the 30 PCs scanpy used
    from rnaclust_dash.pp.neighbors import neighbors

    graph = neighbors(hsmm["pca"].to_numpy(dtype=np.float32), n_neighbors=15)
    _, pseudotime = _pseudotime_from_monocle_root(graph.connectivities, hsmm["cells"])
    assert spearmanr(pseudotime, hsmm["dpt"])[0] >= 0.98
    reference = pd.read_csv(HERE / "scanpy_paga_connectivities_by_label.csv", index_col=0)
    result = paga_connectivities(graph.distances, hsmm["cells"]["cell_type"])
    upper = np.triu_indices(len(reference), k=1)
    assert pearsonr(result.to_numpy()[upper], reference.to_numpy()[upper])[0] >= 0.95


def test_paga_on_scanpys_graph_matches_scanpy(hsmm):
    reference = pd.read_csv(HERE / "scanpy_paga_connectivities_by_label.csv", index_col=0)
    result = paga_connectivities(hsmm["distances"], hsmm["cells"]["cell_type"])
    assert list(result.index) == list(reference.index)
    upper = np.triu_indices(len(reference), k=1)
    assert pearsonr(result.to_numpy()[upper], reference.to_numpy()[upper])[0] >= 0.95
    assert np.abs(result.to_numpy() - reference.to_numpy()).max() < 1e-9


def test_the_pipelines_trajectory_on_scanpys_pcs_matches_scanpy(hsmm):
    # item_trajectory (the CLI's and the view's path): root from a sheet column, PAGA on
    # the time labels; 14 neighbours besides the cell = scanpy's n_neighbors=15
    from rnaclust_dash.pipeline.trajectory import RootChoice, item_trajectory

    cells = hsmm["cells"]
    root = RootChoice(column="monocle_pseudotime", values=cells["monocle_pseudotime"])
    result = item_trajectory(hsmm["pca"].to_numpy(), cells.index, cells["cell_type"], root,
                             n_neighbors=14, n_comps=15, n_dcs=10)
    assert result.ids[result.root] == "T48_CT_G10" and result.n_neighbors == 14
    assert spearmanr(result.pseudotime, hsmm["dpt"])[0] >= 0.98
    hours = spearmanr(result.pseudotime, cells["time_hours"])[0]
    assert abs(hours - SCANPY_SPEARMAN_HOURS) <= 0.05
    reference = pd.read_csv(HERE / "scanpy_paga_connectivities_by_label.csv", index_col=0)
    upper = np.triu_indices(len(reference), k=1)
    assert pearsonr(result.paga.to_numpy()[upper], reference.to_numpy()[upper])[0] >= 0.95
