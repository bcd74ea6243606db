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


def _two_blobs(n_per_blob, seed=0):
    """PCs of two separated blobs and their kNN connectivities (10 neighbours)."""
    from sklearn.neighbors import kneighbors_graph

    rng = np.random.default_rng(seed)
    pcs = np.vstack([rng.normal(0, 1, (n_per_blob, 5)), rng.normal(8, 1, (n_per_blob, 5))])
    knn = kneighbors_graph(pcs, 10, mode="connectivity")
    return pcs.astype(np.float32), (knn + knn.T).tocsr()


def _record_init(monkeypatch):
    """Record the ``init`` umap-learn's simplicial_set_embedding is called with."""
    import umap.umap_

    seen = []
    original = umap.umap_.simplicial_set_embedding

    def spy(*args, **kwargs):
        seen.append(kwargs["init"])
        return original(*args, **kwargs)

    monkeypatch.setattr(umap.umap_, "simplicial_set_embedding", spy)
    return seen


def test_umap_starts_from_the_first_two_pcs_above_the_threshold(monkeypatch):
    """Above UMAP_PCA_INIT_ABOVE cells the layout starts from PC1 and PC2 (with a
    notice); at or below it, from the spectral layout as scanpy (no notice)."""
    from rnaclust_dash.tl import embed

    pcs, graph = _two_blobs(40)
    seen = _record_init(monkeypatch)
    monkeypatch.setattr(embed, "UMAP_PCA_INIT_ABOVE", 80)  # 80 cells: not above
    below = umap_from_graph(graph, data=pcs, random_state=0)
    assert isinstance(seen[-1], str) and seen[-1] == "spectral" and below.notices == ()
    monkeypatch.setattr(embed, "UMAP_PCA_INIT_ABOVE", 79)
    above = umap_from_graph(graph, data=pcs, random_state=0)
    assert np.array_equal(seen[-1], pcs[:, :2])
    assert len(above.notices) == 1 and "first two principal components" in above.notices[0]
    assert embed.umap_init(80) == "pca" and embed.umap_init(80, has_data=False) == "spectral"
    # the blobs lie apart from either start
    for coords in (below.coords, above.coords):
        gap = np.linalg.norm(coords[:40].mean(axis=0) - coords[40:].mean(axis=0))
        assert gap > 3 * max(coords[:40].std(axis=0).max(), coords[40:].std(axis=0).max())

