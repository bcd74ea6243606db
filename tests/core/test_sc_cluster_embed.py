"""Embeddings of single cells: UMAP of a given graph (as scanpy) and t-SNE (issue 9 item 4)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from rnaclust_dash.errors import ParameterError
from rnaclust_dash.tl.embed import EMBEDDINGS, tsne_embedding, umap_from_graph

SCANPY = Path(__file__).resolve().parents[1] / "data" / "reference" / "scanpy"


def test_umap_of_scanpys_graph_is_scanpys_umap():
    """scanpy 1.11.5's tl.umap(random_state=0) of cellbench (its connectivities in): the
    same layout (scanpy_umap.csv, copied from ../shared/data/cellbench.../reference)."""
    graph = sparse.load_npz(SCANPY / "sc_tl_cellbench_connectivities.npz")
    expected = pd.read_csv(SCANPY / "sc_tl_cellbench_umap.csv", index_col=0).to_numpy()
    embedding = umap_from_graph(graph, random_state=0)
    assert embedding.coords.shape == (909, 2) and embedding.axis_titles == ("UMAP1", "UMAP2")
    spread = np.ptp(expected, axis=0)
    assert np.abs(embedding.coords - expected).max() < 1e-3 * spread.max()


def test_umap_from_graph_is_seeded():
    rng = np.random.default_rng(0)
    blocks = sparse.block_diag([sparse.csr_matrix(rng.random((30, 30)))] * 2).tocsr()
    graph = blocks + blocks.T
    first = umap_from_graph(graph, random_state=1).coords
    assert np.array_equal(first, umap_from_graph(graph, random_state=1).coords)
    # the two disconnected blocks lie apart
    centres = first[:30].mean(axis=0), first[30:].mean(axis=0)
    within = max(np.linalg.norm(first[:30] - centres[0], axis=1).max(),
                 np.linalg.norm(first[30:] - centres[1], axis=1).max())
    assert np.linalg.norm(centres[0] - centres[1]) > within


def test_tsne_separates_groups_is_seeded_and_lowers_perplexity():
    rng = np.random.default_rng(0)
    items = np.vstack([rng.normal(0, 1, (60, 5)), rng.normal(8, 1, (60, 5))])
    embedding = tsne_embedding(items, random_state=2)
    assert np.array_equal(embedding.coords, tsne_embedding(items, random_state=2).coords)
    coords = embedding.coords
    gap = np.linalg.norm(coords[:60].mean(axis=0) - coords[60:].mean(axis=0))
    assert gap > 3 * coords[:60].std(axis=0).max()
    assert embedding.notices == () and "tsne" in EMBEDDINGS
    few = tsne_embedding(items[:10], random_state=0)
    assert "perplexity lowered" in few.notices[0]
    with pytest.raises(ParameterError, match="at least 4"):
        tsne_embedding(items[:3])


def test_bulk_pipeline_offers_tsne(small_dataset, tmp_path):
    from rnaclust_dash.params import AnalysisParams
    from rnaclust_dash.pipeline import compute_embedding, put_dataset
    from rnaclust_dash.store import ResultStore

    store = ResultStore(tmp_path)
    key = put_dataset(store, small_dataset)
    embedding = compute_embedding(store, key, AnalysisParams(embedding="tsne"))
    assert embedding.axis_titles == ("tSNE1", "tSNE2")
    assert embedding.coords.shape == (small_dataset.n_samples, 2)
    store.cache.close()
