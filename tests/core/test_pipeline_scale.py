"""The scale policy of the pipeline (issue 8 item 5): no distance matrix for methods that
need none above LARGE_ITEMS, the silhouette on a seeded sample, the distance cap checked
before the normalization, with advice for samples or genes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (adjusted_rand_score, calinski_harabasz_score, davies_bouldin_score,
                             silhouette_samples)

from rnaclust_dash import pipeline
from rnaclust_dash.dataset import Dataset
from rnaclust_dash.errors import ParameterError
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.export import write_results
from rnaclust_dash.pipeline import (LARGE_ITEMS, SILHOUETTE_SAMPLE,
                                    compute_embedding, put_dataset, run_analysis)
from rnaclust_dash.store import ResultStore
from rnaclust_dash.tl.validate import sampled_validation_summary


@pytest.fixture
def store(tmp_path):
    store = ResultStore(tmp_path / "cache")
    yield store
    store.cache.close()


def log_table(n_genes: int, n_samples: int = 12, seed: int = 0) -> Dataset:
    """Log-scale values, genes x samples, with three groups of co-moving genes."""
    rng = np.random.default_rng(seed)
    patterns = rng.normal(0, 2, (3, n_samples))
    values = patterns[np.arange(n_genes) % 3] + rng.normal(0, 1, (n_genes, n_samples)) + 8
    counts = pd.DataFrame(values, index=[f"G{i:06d}" for i in range(n_genes)],
                          columns=[f"S{j:02d}" for j in range(n_samples)])
    return Dataset(counts=counts, value_kind="log", name="synthetic")


GENES = dict(target="genes", top_genes=0, normalization="none", log_transform=False,
             min_count=0, min_samples=0)


def stage_names(store: ResultStore) -> set[str]:
    return {key.split("-", 1)[0] for key in store.cache.iterkeys()}


def test_kmeans_on_8000_genes_stores_no_distances_and_samples_the_silhouette(store, tmp_path):
    dataset = log_table(8_000)
    key = put_dataset(store, dataset)
    params = AnalysisParams(method="kmeans", k=3, n_init=2, **GENES)
    analysis = run_analysis(store, key, params)
    assert len(analysis.labels) == 8_000 > LARGE_ITEMS
    stages = stage_names(store)
    assert "distance" not in stages and "tree" not in stages
    assert {"features", "kmeans", "validation"} <= stages
    assert "distance" not in analysis.keys and analysis.item_tree is None
    # the silhouette of a seeded sample, said in the validation, metrics.json and a notice
    assert analysis.validation["silhouette_sample_size"] == SILHOUETTE_SAMPLE
    widths = analysis.validation["silhouette_values"]
    assert np.isfinite(widths).sum() == SILHOUETTE_SAMPLE
    assert any(f"Silhouette on {SILHOUETTE_SAMPLE:,} of 8,000 genes" in notice
               for notice in analysis.notices)
    write_results(analysis, compute_embedding(store, key, params), tmp_path / "out")
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["silhouette_sample_size"] == SILHOUETTE_SAMPLE
    assert metrics["n_items"] == 8_000
    # heatmap rows: by cluster, and within a cluster in the features' (variance) order
    assert not np.array_equal(analysis.features.item_ids, dataset.counts.index)
    order = analysis.item_order
    assert sorted(order.tolist()) == list(range(8_000))
    assert np.all(np.diff(analysis.labels[order]) >= 0)
    for cluster in (1, 2, 3):
        inside = order[analysis.labels[order] == cluster]
        assert np.all(np.diff(inside) > 0)
    # the three planted groups are found (a check that the large path clusters at all)
    planted = np.array([int(gene[1:]) % 3 for gene in analysis.features.item_ids])
    assert adjusted_rand_score(planted, analysis.labels) > 0.99


def test_sampled_validation_matches_scikit_learn_on_the_sample():
    rng = np.random.default_rng(1)
    items = np.vstack([rng.normal(0, 1, (300, 5)), rng.normal(3, 1, (200, 5))])
    labels = np.repeat([1, 2], [300, 200])
    summary = sampled_validation_summary(items, labels, metric="pearson", sample_size=120,
                                         random_state=7)
    sample = np.flatnonzero(np.isfinite(summary["silhouette_values"]))
    assert len(sample) == summary["silhouette_sample_size"] == 120
    expected = silhouette_samples(items[sample], labels[sample], metric="correlation")
    np.testing.assert_allclose(summary["silhouette_values"][sample], expected, atol=1e-10)
    assert summary["silhouette"] == pytest.approx(expected.mean())
    # the other two indices see every item
    assert summary["calinski_harabasz"] == pytest.approx(calinski_harabasz_score(items, labels))
    assert summary["davies_bouldin"] == pytest.approx(davies_bouldin_score(items, labels))
    again = sampled_validation_summary(items, labels, metric="pearson", sample_size=120,
                                       random_state=7)
    np.testing.assert_array_equal(again["silhouette_values"], summary["silhouette_values"])
    other = sampled_validation_summary(items, labels, metric="pearson", sample_size=120,
                                       random_state=8)
    assert not np.array_equal(np.isfinite(other["silhouette_values"]),
                              np.isfinite(summary["silhouette_values"]))


def test_sample_holds_every_cluster():
    items = np.arange(1000, dtype=float)[:, None] * np.ones((1, 3))
    items[:, 1] += np.sin(np.arange(1000))
    labels = np.ones(1000, dtype=int)
    labels[500] = 2  # a cluster of one item, which a draw of 10 almost surely misses
    summary = sampled_validation_summary(items, labels, metric="euclidean", sample_size=10,
                                         random_state=0)
    assert np.isfinite(summary["silhouette_values"][500])
    assert summary["silhouette_sample_size"] == 11


def test_between_the_thresholds_distance_methods_still_build_distances(store, monkeypatch):
    monkeypatch.setattr(pipeline.scale, "LARGE_ITEMS", 100)
    key = put_dataset(store, log_table(300))
    kmeans = run_analysis(store, key, AnalysisParams(method="kmeans", k=3, **GENES))
    assert "distance" not in kmeans.keys and "distance" not in stage_names(store)
    hierarchical = run_analysis(store, key, AnalysisParams(k=3, **GENES))
    assert hierarchical.keys["distance"] in store and hierarchical.item_tree is not None
    # above LARGE_ITEMS the silhouette is sampled whatever the method
    assert hierarchical.validation["silhouette_sample_size"] == min(SILHOUETTE_SAMPLE, 300)


def test_leiden_above_the_threshold_builds_no_distances(store, monkeypatch):
    monkeypatch.setattr(pipeline.scale, "LARGE_ITEMS", 100)
    key = put_dataset(store, log_table(600))
    analysis = run_analysis(store, key, AnalysisParams(method="leiden", resolution=0.3,
                                                       pcs=5, **GENES))
    assert "distance" not in stage_names(store) and "tree" not in stage_names(store)
    assert analysis.labels.max() >= 2


def test_distance_cap_is_checked_before_the_normalization(store, monkeypatch):
    def no_normalization(*args, **kwargs):
        raise AssertionError("normalized before the size check")

    monkeypatch.setattr(pipeline.scale, "MAX_DISTANCE_ITEMS", 200)
    monkeypatch.setattr(pipeline.prepare, "normalize", no_normalization)
    key = put_dataset(store, log_table(300))
    with pytest.raises(ParameterError, match=r"300 genes are too many to cluster here with "
                                             r"Hierarchical.*"
                                             r"'Most variable genes'.*k-means"):
        run_analysis(store, key, AnalysisParams(k=3, **GENES))
    with pytest.raises(ParameterError, match="250 genes are too many to cluster here with PAM"):
        run_analysis(store, key, AnalysisParams(k=3, method="kmedoids",
                                                **GENES | {"top_genes": 250}))


def test_distance_cap_advice_for_samples(store, monkeypatch):
    monkeypatch.setattr(pipeline.scale, "MAX_DISTANCE_ITEMS", 10)
    key = put_dataset(store, log_table(50, n_samples=14))
    params = AnalysisParams(k=3, normalization="none", log_transform=False, min_count=0,
                            min_samples=0, top_genes=0)
    with pytest.raises(ParameterError, match="14 samples are too many to cluster here with "
                                             "Hierarchical") as error:
        run_analysis(store, key, params)
    assert "Most variable genes" not in str(error.value)
    assert "k-means" in str(error.value)
    # excluding samples brings them under the cap; k-means needs no distances at all
    assert len(run_analysis(store, key, params.replace(exclude="S00,S01,S02,S03")).labels) == 10
    assert len(run_analysis(store, key, params.replace(method="kmeans")).labels) == 14


def test_genes_after_the_filter_are_checked_before_the_distances(store, monkeypatch):
    monkeypatch.setattr(pipeline.scale, "MAX_DISTANCE_ITEMS", 200)
    calls = []
    monkeypatch.setattr(pipeline.run, "pairwise_distances",
                        lambda *args, **kwargs: calls.append(1))
    key = put_dataset(store, log_table(300))
    with pytest.raises(ParameterError, match="300 genes are too many"):
        run_analysis(store, key, AnalysisParams(k=3, **GENES | {"min_count": 1,
                                                               "min_samples": 1}))
    assert calls == []


def test_choose_k_on_a_large_kmeans_analysis_computes_the_distances_it_needs(store,
                                                                              monkeypatch):
    from rnaclust_dash.assess import choose_k
    from rnaclust_dash.tl.distance import pairwise_distances

    monkeypatch.setattr(pipeline.scale, "LARGE_ITEMS", 100)
    key = put_dataset(store, log_table(150))
    params = AnalysisParams(method="kmeans", k=3, n_init=2, **GENES)
    analysis = run_analysis(store, key, params)
    assert "distance" not in stage_names(store)
    distances = pipeline.item_distances(store, analysis)
    np.testing.assert_allclose(distances, pairwise_distances(analysis.features.items,
                                                             metric="pearson"))
    table = choose_k(store, key, params, k_values=range(2, 5), gap_refs=0).table
    assert table["silhouette"].notna().all() and list(table["k"]) == [2, 3, 4]
    monkeypatch.setattr(pipeline.run, "MAX_DISTANCE_ITEMS", 120)
    with pytest.raises(ParameterError, match="150 genes are too many for the distances"):
        pipeline.item_distances(store, run_analysis(store, key, params.replace(k=4)))
