"""Parameters, the staged and cached run, embeddings and the result files."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from rnaclust_dash import pipeline
from rnaclust_dash.tl.hierarchical import cut_tree
from rnaclust_dash.tl.hierarchical import hierarchical_tree
from rnaclust_dash.tl.kmeans import kmeans
from rnaclust_dash.dataset import Dataset
from rnaclust_dash.tl.distance import pairwise_distances
from rnaclust_dash.tl.embed import pca_embedding
from rnaclust_dash.errors import DataError, ParameterError, RnaclustError
from rnaclust_dash.params import (AnalysisParams, default_params, params_document,
                                  params_from_document)
from rnaclust_dash.export import write_results
from rnaclust_dash.pipeline import (check_items, compute_embedding, embedding_key, load_dataset,
                                    load_summary, put_dataset, run_analysis)
from rnaclust_dash.pp.features import top_variable_genes, zscore_rows
from rnaclust_dash.pp.normalization import normalize
from rnaclust_dash.store import ResultStore

FAST = {"top_genes": 100, "min_count": 5, "min_samples": 2}


class Counter:
    """Wrap a function and count its calls."""

    def __init__(self, function):
        self.function = function
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.function(*args, **kwargs)


@pytest.fixture
def counters(monkeypatch):
    distances = Counter(pipeline.run.pairwise_distances)
    trees = Counter(pipeline.run.hierarchical_tree)
    normalizations = Counter(pipeline.prepare.normalize)
    monkeypatch.setattr(pipeline.run, "pairwise_distances", distances)
    monkeypatch.setattr(pipeline.run, "hierarchical_tree", trees)
    monkeypatch.setattr(pipeline.prepare, "normalize", normalizations)
    return {"distances": distances, "trees": trees, "normalize": normalizations}


def _calls(counters) -> dict:
    return {name: c.calls for name, c in counters.items()}


@pytest.fixture
def store(tmp_path):
    store = ResultStore(tmp_path / "cache")
    yield store
    store.cache.close()


# --- parameters ----------------------------------------------------------------------------

def test_ward_with_pearson_is_refused():
    with pytest.raises(ParameterError, match="Euclidean"):
        AnalysisParams(linkage="ward", distance="pearson")
    with pytest.raises(ParameterError, match="Ward linkage needs Euclidean distance"):
        AnalysisParams().replace(linkage="ward")  # the default distance is Pearson
    assert AnalysisParams(linkage="ward", distance="euclidean").linkage == "ward"
    # k-means does not use the linkage: no objection
    assert AnalysisParams(method="kmeans", linkage="ward", distance="pearson").method == "kmeans"


@pytest.mark.parametrize("name, value", [
    ("distance", "canberra"), ("linkage", "ward.D"), ("method", "dbscan"),
    ("normalization", "magic"), ("target", "cells"), ("embedding", "mds"),
    ("kmeans_init", "forgy"),
])
def test_unknown_choice_is_refused(name, value):
    with pytest.raises(ParameterError, match=f"'{value}' is not a valid {name}"):
        AnalysisParams(**{name: value})


@pytest.mark.parametrize("changes, message", [
    ({"k": 1}, "k must be at least 2"),
    ({"n_init": 0}, "n_init must be at least 1"),
    ({"min_count": -1}, "cannot be negative"),
    ({"top_genes": -5}, "Keep at least 2 of the most variable genes"),
    ({"top_genes": 1}, "Keep at least 2 of the most variable genes"),
    ({"seed": -1}, "Seed must be a whole number from 0"),
    ({"pseudocount": 0}, "pseudocount must be positive"),
    ({"umap_neighbors": 1}, "at least 2 neighbours"),
    ({"umap_min_dist": 1.5}, "between 0 and 1"),
])
def test_out_of_range_values_are_refused(changes, message):
    with pytest.raises(ParameterError, match=message):
        AnalysisParams(**changes)


def test_from_dict_unknown_key():
    with pytest.raises(ParameterError, match=r"Unknown parameter\(s\) colour, nclusters"):
        AnalysisParams.from_dict({"k": 3, "nclusters": 3, "colour": "red"})


def test_from_dict_converts_strings():
    params = AnalysisParams.from_dict({"k": "4", "log_transform": "false", "zscore": "yes",
                                       "pseudocount": "0.5", "distance": "spearman"})
    assert (params.k, params.log_transform, params.zscore, params.pseudocount,
            params.distance) == (4, False, True, 0.5, "spearman")
    with pytest.raises(ParameterError, match="k='four' is not a valid int"):
        AnalysisParams.from_dict({"k": "four"})


def test_params_document_round_trip():
    params = AnalysisParams(target="genes", normalization="logcpm", log_transform=False,
                            pseudocount=0.5, min_count=3, min_samples=1, top_genes=250,
                            zscore=False, distance="spearman", method="kmeans",
                            linkage="complete", k=5, kmeans_init="random", n_init=4, seed=9,
                            embedding="umap", umap_neighbors=7, umap_min_dist=0.25)
    text = params_document(params, dataset_name="x.csv", dataset_key="dataset-abc")
    document = json.loads(text)
    assert document["dataset"] == {"name": "x.csv", "key": "dataset-abc"}
    assert document["rnaclust_dash_version"] == "0.1.0"
    assert document["parameters"]["k"] == 5
    assert params_from_document(text) == params
    # a bare dict of parameters is accepted too
    assert params_from_document(json.dumps({"k": 3})) == AnalysisParams(k=3)


def test_params_round_trip_keeps_a_fractional_min_count():
    params = AnalysisParams(min_count=2.5)
    assert params_from_document(params_document(params)).min_count == 2.5


@pytest.mark.parametrize("text, message", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "must hold a JSON object"),
])
def test_params_from_bad_document(text, message):
    with pytest.raises(ParameterError, match=message):
        params_from_document(text)


def test_check_items():
    params = AnalysisParams(k=2)
    with pytest.raises(DataError, match="Only 2 samples to cluster: clustering needs at least 3"):
        check_items(2, params)
    with pytest.raises(DataError, match="Only 1 gene to cluster.*Lower the gene filter"):
        check_items(1, params.replace(target="genes"))
    with pytest.raises(ParameterError, match="k = 7 is too large for 7 samples: choose k "
                                             "between 2 and 6"):
        check_items(7, params.replace(k=7))
    check_items(7, params.replace(k=6))  # n - 1 is fine
    check_items(3, params)


def test_default_params(small_dataset):
    params = default_params(small_dataset)
    assert params.k == 3 and params.normalization == "deseq2"
    normalized = Dataset(counts=small_dataset.counts / 3.0, value_kind="normalized")
    params = default_params(normalized)
    assert (params.normalization, params.log_transform, params.min_count, params.k) == \
        ("none", True, 0, 2)
    assert default_params(Dataset(counts=small_dataset.counts,
                                  value_kind="log")).log_transform is False


# --- the store and the stages ----------------------------------------------------------------

def test_put_dataset_is_content_addressed(store, small_dataset, tmp_path):
    key = put_dataset(store, small_dataset)
    assert key.startswith("dataset-")
    assert put_dataset(ResultStore(tmp_path / "other"), small_dataset) == key
    changed = Dataset(counts=small_dataset.counts + 1.0, metadata=small_dataset.metadata,
                      gene_lengths=small_dataset.gene_lengths, name="small")
    assert put_dataset(store, changed) != key
    pd.testing.assert_frame_equal(load_dataset(store, key).counts, small_dataset.counts)
    summary = load_summary(store, key)
    assert (summary["n_genes"], summary["n_samples"], summary["has_lengths"]) == (300, 9, True)
    assert summary["normalizations"]["tpm"] is None
    with pytest.raises(DataError, match="upload it again"):
        load_dataset(store, "dataset-" + "0" * 40)


def test_changing_k_recuts_the_stored_tree(store, small_dataset, counters):
    key = put_dataset(store, small_dataset)
    params = AnalysisParams(k=2, **FAST)
    first = run_analysis(store, key, params)
    after_first = _calls(counters)
    assert after_first == {"distances": 2, "trees": 2, "normalize": 1}  # items + display axis
    for k in (3, 4, 5, 8):
        analysis = run_analysis(store, key, params.replace(k=k))
        assert _calls(counters) == after_first, k
        np.testing.assert_array_equal(analysis.labels, cut_tree(first.item_tree, k))
        assert len(np.unique(analysis.labels)) == k
        assert analysis.keys["tree"] == first.keys["tree"]
        assert analysis.keys["partition"] != first.keys["partition"]
        np.testing.assert_array_equal(analysis.item_tree, first.item_tree)
    np.testing.assert_array_equal(run_analysis(store, key, params).labels, first.labels)
    assert _calls(counters) == after_first


def test_changing_k_of_kmeans_reuses_distances_and_trees(store, small_dataset, counters):
    key = put_dataset(store, small_dataset)
    params = AnalysisParams(method="kmeans", k=2, **FAST)
    run_analysis(store, key, params)
    before = _calls(counters)
    analysis = run_analysis(store, key, params.replace(k=4))
    assert _calls(counters) == before
    assert len(np.unique(analysis.labels)) == 4


def test_changing_normalization_recomputes(store, small_dataset, counters):
    key = put_dataset(store, small_dataset)
    params = AnalysisParams(k=3, **FAST)
    first = run_analysis(store, key, params)
    before = _calls(counters)
    second = run_analysis(store, key, params.replace(normalization="cpm"))
    assert counters["normalize"].calls == before["normalize"] + 1
    assert counters["distances"].calls == before["distances"] + 2
    assert counters["trees"].calls == before["trees"] + 2
    for stage in ("normalize", "features", "distance", "tree", "partition", "other_tree"):
        assert second.keys[stage] != first.keys[stage], stage
    # the CPM analysis is the CPM values, not the DESeq2 ones
    expected = top_variable_genes(normalize(small_dataset.counts, method="cpm", min_count=5,
                                            min_samples=2).values, 100)
    pd.testing.assert_frame_equal(second.features.values, expected)
    np.testing.assert_allclose(second.size_factors.to_numpy(),
                               small_dataset.counts.sum(axis=0).to_numpy() / 1e6)


def test_changing_distance_keeps_the_normalization(store, small_dataset, counters):
    key = put_dataset(store, small_dataset)
    params = AnalysisParams(k=3, **FAST)
    first = run_analysis(store, key, params)
    second = run_analysis(store, key, params.replace(distance="euclidean"))
    assert counters["normalize"].calls == 1
    assert counters["distances"].calls == 4
    assert second.keys["features"] == first.keys["features"]
    assert second.keys["distance"] != first.keys["distance"]


def test_two_store_objects_on_one_directory_share_results(tmp_path, small_dataset, counters):
    # as two gunicorn workers would: separate handles, same folder
    worker_a = ResultStore(tmp_path / "shared-cache")
    worker_b = ResultStore(tmp_path / "shared-cache")
    key = put_dataset(worker_a, small_dataset)
    params = AnalysisParams(k=3, **FAST)
    from_a = run_analysis(worker_a, key, params)
    assert key in worker_b
    for stage in ("normalize", "features", "distance", "tree", "other_tree"):
        assert from_a.keys[stage] in worker_b, stage  # (the cut at k is not stored: O(n))
    before = _calls(counters)
    from_b = run_analysis(worker_b, key, params)
    assert _calls(counters) == before  # nothing recomputed
    np.testing.assert_array_equal(from_b.labels, from_a.labels)
    np.testing.assert_array_equal(from_b.item_tree, from_a.item_tree)
    # and the other way round: B computes, A reads
    from_b2 = run_analysis(worker_b, key, params.replace(distance="spearman"))
    before = _calls(counters)
    from_a2 = run_analysis(worker_a, key, params.replace(distance="spearman"))
    assert _calls(counters) == before
    np.testing.assert_array_equal(from_a2.labels, from_b2.labels)
    worker_a.cache.close()
    worker_b.cache.close()


def test_same_params_same_results_in_a_fresh_store(tmp_path, small_dataset):
    params = AnalysisParams(k=3, method="kmeans", seed=4, **FAST)
    results = []
    for name in ("one", "two"):
        fresh = ResultStore(tmp_path / name)
        key = put_dataset(fresh, small_dataset)
        results.append(run_analysis(fresh, key, params))
        fresh.cache.close()
    first, second = results
    assert first.keys == second.keys
    np.testing.assert_array_equal(first.labels, second.labels)
    np.testing.assert_array_equal(first.validation["silhouette_values"],
                                  second.validation["silhouette_values"])
    assert first.metrics() == second.metrics()


def test_samples_target_clusters_the_log_normalized_top_genes(store, small_dataset):
    key = put_dataset(store, small_dataset)
    analysis = run_analysis(store, key, AnalysisParams(k=3, **FAST))
    normalized = normalize(small_dataset.counts, method="deseq2", min_count=5, min_samples=2)
    expected = top_variable_genes(normalized.values, 100)
    pd.testing.assert_frame_equal(analysis.features.values, expected)
    np.testing.assert_array_equal(analysis.features.items, expected.to_numpy().T)
    assert list(analysis.features.item_ids) == list(small_dataset.counts.columns)
    assert analysis.features.display.dtype == np.float32
    np.testing.assert_allclose(analysis.features.display, zscore_rows(expected.to_numpy()),
                               atol=1e-5)
    distances = pairwise_distances(expected.to_numpy().T, metric="pearson")
    labels = cut_tree(hierarchical_tree(distances, linkage="average"), 3)
    np.testing.assert_array_equal(analysis.labels, labels)
    # the heatmap's other axis: genes clustered on the display values
    assert analysis.other_tree.shape == (99, 4)
    assert sorted(analysis.item_order.tolist()) == list(range(9))


def test_genes_target_with_zscore_clusters_z_scores(store, small_dataset):
    key = put_dataset(store, small_dataset)
    analysis = run_analysis(store, key, AnalysisParams(target="genes", k=4, zscore=True, **FAST))
    values = analysis.features.values
    assert values.shape == (100, 9)
    np.testing.assert_allclose(values.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(values.std(axis=1, ddof=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(analysis.features.items, values.to_numpy())
    assert list(analysis.features.item_ids) == list(values.index)
    assert len(analysis.labels) == 100 and len(np.unique(analysis.labels)) == 4
    assert analysis.other_tree.shape == (8, 4)  # samples, for display
    normalized = normalize(small_dataset.counts, method="deseq2", min_count=5, min_samples=2)
    selected = top_variable_genes(normalized.values, 100)
    np.testing.assert_allclose(values.to_numpy(), zscore_rows(selected.to_numpy()), atol=1e-12)


def test_genes_target_without_zscore_clusters_log_values(store, small_dataset):
    key = put_dataset(store, small_dataset)
    analysis = run_analysis(store, key, AnalysisParams(target="genes", k=4, zscore=False, **FAST))
    normalized = normalize(small_dataset.counts, method="deseq2", min_count=5, min_samples=2)
    expected = top_variable_genes(normalized.values, 100)
    pd.testing.assert_frame_equal(analysis.features.values, expected)
    np.testing.assert_array_equal(analysis.features.items, expected.to_numpy())


def test_zscore_switch_is_part_of_the_features_key(store, small_dataset):
    key = put_dataset(store, small_dataset)
    params = AnalysisParams(target="genes", k=4, zscore=True, **FAST)
    scored = run_analysis(store, key, params)
    plain = run_analysis(store, key, params.replace(zscore=False))
    assert plain.keys["features"] != scored.keys["features"]
    assert not np.allclose(plain.features.items, scored.features.items)
    assert not np.allclose(plain.features.values.std(axis=1, ddof=1), 1.0)
    # for samples the switch does not apply: same stage results
    samples = run_analysis(store, key, params.replace(target="samples", k=3))
    samples_plain = run_analysis(store, key, params.replace(target="samples", k=3, zscore=False))
    assert samples.keys == samples_plain.keys


def test_kmeans_path(store, small_dataset):
    key = put_dataset(store, small_dataset)
    params = AnalysisParams(method="kmeans", k=3, seed=2, n_init=5, kmeans_init="random", **FAST)
    analysis = run_analysis(store, key, params)
    expected = kmeans(analysis.features.items, k=3, init="random", n_init=5, random_state=2)
    np.testing.assert_array_equal(analysis.labels, expected.labels)
    assert analysis.labels[0] == 1
    assert analysis.item_tree is None
    assert analysis.keys["partition"].startswith("kmeans-")
    # items ordered by cluster for the heatmap
    assert np.all(np.diff(analysis.labels[analysis.item_order]) >= 0)
    assert sorted(analysis.item_order.tolist()) == list(range(9))
    # validation with the chosen distance
    distances = pairwise_distances(analysis.features.items, metric="pearson")
    from rnaclust_dash.tl.validate import silhouette_values
    np.testing.assert_allclose(analysis.assignments()["silhouette"],
                               silhouette_values(distances, expected.labels))
    # another seed is a different stage result
    other = run_analysis(store, key, params.replace(seed=3))
    assert other.keys["partition"] != analysis.keys["partition"]


def test_unavailable_normalization_is_a_parameter_error(store, small_dataset):
    without_lengths = Dataset(counts=small_dataset.counts, name="no lengths")
    key = put_dataset(store, without_lengths)
    with pytest.raises(ParameterError, match="TPM normalization is not available: needs gene "
                                             "lengths"):
        run_analysis(store, key, AnalysisParams(normalization="tpm", k=3, **FAST))
    logs = Dataset(counts=np.log2(small_dataset.counts + 1), value_kind="log", name="logs")
    key = put_dataset(store, logs)
    with pytest.raises(ParameterError, match="not integer counts"):
        run_analysis(store, key, AnalysisParams(normalization="deseq2", k=3, **FAST))


def test_tpm_with_lengths_runs(store, small_dataset):
    key = put_dataset(store, small_dataset)
    analysis = run_analysis(store, key, AnalysisParams(normalization="tpm", k=3, **FAST))
    expected = normalize(small_dataset.counts, method="tpm", gene_lengths=small_dataset.gene_lengths,
                         min_count=5, min_samples=2)
    np.testing.assert_allclose(analysis.size_factors.to_numpy(), expected.size_factors.to_numpy())


def test_k_too_large_for_the_data(store, small_dataset):
    key = put_dataset(store, small_dataset)
    with pytest.raises(ParameterError, match="k = 9 is too large for 9 samples"):
        run_analysis(store, key, AnalysisParams(k=9, **FAST))


# --- embeddings ----------------------------------------------------------------------------

def test_pca_embedding_axis_titles_carry_percentages(store, small_dataset):
    key = put_dataset(store, small_dataset)
    params = AnalysisParams(k=3, **FAST)
    embedding = compute_embedding(store, key, params)
    x_title, y_title = embedding.axis_titles
    assert re.fullmatch(r"PC1 \(\d{1,3}\.\d%\)", x_title), x_title
    assert re.fullmatch(r"PC2 \(\d{1,3}\.\d%\)", y_title), y_title
    first, second = (float(re.search(r"([\d.]+)%", t).group(1)) for t in embedding.axis_titles)
    assert 0 < second <= first <= 100
    assert embedding.coords.shape == (9, 2) and embedding.coords.dtype == np.float32
    analysis = run_analysis(store, key, params)
    direct = pca_embedding(analysis.features.items)
    np.testing.assert_allclose(embedding.coords, direct.coords, atol=1e-5)
    assert embedding_key(key, params) in store
    # PCA: first component carries the largest variance of the coordinates
    assert embedding.coords[:, 0].var() >= embedding.coords[:, 1].var()


def test_pca_percentages_by_hand():
    # x: -2, 0, 2, 0 (variance 8/3); y: 1, -1, 1, -1 (variance 4/3); x and y uncorrelated,
    # so the components are the axes and explain 2/3 and 1/3 of the variance
    items = np.array([[-2.0, 1.0], [0.0, -1.0], [2.0, 1.0], [0.0, -1.0]])
    embedding = pca_embedding(items)
    assert embedding.axis_titles == ("PC1 (66.7%)", "PC2 (33.3%)")


# --- result files --------------------------------------------------------------------------

def test_write_results_files_and_columns(store, small_dataset, tmp_path):
    key = put_dataset(store, small_dataset)
    params = AnalysisParams(k=3, **FAST)
    analysis = run_analysis(store, key, params)
    embedding = compute_embedding(store, key, params)
    out = tmp_path / "out"
    write_results(analysis, embedding, out, dataset_name="small.csv")
    assert sorted(p.name for p in out.iterdir()) == [
        "assignments.csv", "embedding.csv", "metrics.json", "normalized.csv", "params.json",
        "size_factors.csv"]

    assignments = pd.read_csv(out / "assignments.csv")
    assert list(assignments.columns) == ["id", "cluster", "silhouette"]
    assert list(assignments["id"]) == list(small_dataset.counts.columns)
    np.testing.assert_array_equal(assignments["cluster"], analysis.labels)
    np.testing.assert_allclose(assignments["silhouette"], analysis.validation["silhouette_values"])

    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics) == {"silhouette", "calinski_harabasz", "davies_bouldin", "n_items",
                            "parameters", "versions"}
    assert metrics["n_items"] == 9
    assert metrics["silhouette"] == pytest.approx(assignments["silhouette"].mean())
    assert metrics["parameters"] == params.to_dict()
    assert metrics["versions"]["rnaclust_dash"] == "0.1.0"
    assert metrics["versions"]["numpy"] == np.__version__

    size_factors = pd.read_csv(out / "size_factors.csv")
    assert list(size_factors.columns) == ["id", "size_factor"]
    np.testing.assert_allclose(size_factors["size_factor"], analysis.size_factors.to_numpy())

    normalized = pd.read_csv(out / "normalized.csv", index_col=0)
    assert normalized.index.name == "gene_id"
    assert normalized.shape == (100, 9)  # genes x samples
    assert list(normalized.columns) == list(small_dataset.counts.columns)
    np.testing.assert_allclose(normalized.to_numpy(), analysis.features.values.to_numpy(),
                               rtol=1e-12)

    coords = pd.read_csv(out / "embedding.csv")
    assert list(coords.columns) == ["id", "x", "y"]
    np.testing.assert_allclose(coords[["x", "y"]].to_numpy(), embedding.coords, rtol=1e-6)

    document = json.loads((out / "params.json").read_text())
    assert document["dataset"] == {"name": "small.csv", "key": key}
    assert params_from_document((out / "params.json").read_text()) == params


def test_write_results_without_size_factors(store, small_dataset, tmp_path):
    logs = Dataset(counts=np.log2(small_dataset.counts + 1), value_kind="log", name="logs")
    key = put_dataset(store, logs)
    params = AnalysisParams(normalization="none", log_transform=False, min_count=0,
                            min_samples=0, top_genes=50, k=3)
    write_results(run_analysis(store, key, params), compute_embedding(store, key, params),
                  tmp_path / "out")
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert "size_factors.csv" not in names
    assert {"assignments.csv", "metrics.json", "normalized.csv", "embedding.csv",
            "params.json"} <= names


def test_errors_are_rnaclust_errors():
    assert issubclass(DataError, RnaclustError) and issubclass(ParameterError, RnaclustError)


def test_too_many_items_for_a_distance_matrix_is_refused(monkeypatch):
    monkeypatch.setattr(pipeline.scale, "MAX_DISTANCE_ITEMS", 50)
    with pytest.raises(ParameterError, match=r"60 genes are too many.*at most 50"):
        pipeline.check_items(60, AnalysisParams(target="genes"))
    pipeline.check_items(50, AnalysisParams(target="genes"))  # at the limit: fine


def test_heatmap_of_more_genes_than_the_limit_has_no_gene_tree(store, small_dataset,
                                                                 monkeypatch):
    monkeypatch.setattr(pipeline.run, "MAX_DISTANCE_ITEMS", 100)
    key = put_dataset(store, small_dataset)
    analysis = run_analysis(store, key, AnalysisParams(top_genes=250, min_count=0,
                                                       min_samples=0, k=3))
    assert analysis.other_tree is None
    assert any("order of variance" in notice for notice in analysis.notices)
    assert analysis.item_tree is not None  # the 9 samples still get their tree


# --- exclusions and batch correction ------------------------------------------------------

@pytest.fixture
def batched(small_dataset):
    """The small dataset with a batch column crossing its 3 groups (not confounded)."""
    metadata = small_dataset.metadata.copy()
    metadata["batch"] = ["b1", "b2", "b1", "b2", "b1", "b2", "b1", "b2", "b1"]
    return small_dataset.__class__(**{**small_dataset.__dict__, "metadata": metadata})


def test_excluded_samples_leave_the_analysis(store, small_dataset):
    key = put_dataset(store, small_dataset)
    dropped = list(small_dataset.counts.columns[:2])
    analysis = run_analysis(store, key, AnalysisParams(exclude=",".join(dropped), k=2))
    assert list(analysis.features.item_ids) == list(small_dataset.counts.columns[2:])
    with pytest.raises(ParameterError, match="Cannot exclude nosuch: no such sample"):
        run_analysis(store, key, AnalysisParams(exclude="nosuch"))


@pytest.mark.parametrize("method", ["combat", "combat-np", "limma"])
def test_log_scale_batch_correction_is_applied_to_the_normalized_values(store, batched, method):
    from rnaclust_dash.pp.batch_log_scale import combat, remove_batch_effect

    key = put_dataset(store, batched)
    plain = AnalysisParams(top_genes=0, k=3)
    params = plain.replace(batch_column="batch", batch_method=method, protect="group")
    corrected = run_analysis(store, key, params).features.values
    before = run_analysis(store, key, plain).features.values
    batch = batched.metadata["batch"].to_numpy()
    covariates = batched.metadata[["group"]]
    if method == "limma":
        expected = remove_batch_effect(before.to_numpy(), batch, covariates=covariates)
    else:
        expected = combat(before.to_numpy(), batch, covariates=covariates,
                          parametric=method == "combat")
    # Same genes; feature selection keeps all of them in variance order.
    np.testing.assert_allclose(corrected.loc[before.index].to_numpy(), expected, atol=1e-10)


def test_combat_seq_corrects_the_counts_before_normalization(store, batched):
    from rnaclust_dash.pp.batch_counts import combat_seq

    key = put_dataset(store, batched)
    params = AnalysisParams(top_genes=0, k=3, normalization="cpm", log_transform=False,
                            min_count=0, min_samples=0, batch_column="batch",
                            batch_method="combat-seq", protect="group")
    values = run_analysis(store, key, params).features.values
    fixed = combat_seq(batched.counts.to_numpy(), batched.metadata["batch"].to_numpy(),
                       group=batched.metadata["group"].astype(str).to_numpy())
    cpm = fixed / fixed.sum(axis=0) * 1e6
    frame = pd.DataFrame(cpm, index=batched.counts.index, columns=batched.counts.columns)
    np.testing.assert_allclose(values.to_numpy(), frame.loc[values.index].to_numpy(), rtol=1e-12)


def test_batch_correction_needs_its_columns_and_log_values(store, batched):
    key = put_dataset(store, batched)
    with pytest.raises(ParameterError, match="needs the sample-sheet column"):
        AnalysisParams(batch_method="combat")
    with pytest.raises(ParameterError, match="column\\(s\\) lane, which the sheet does not have"):
        run_analysis(store, key, AnalysisParams(batch_column="lane", batch_method="combat"))
    with pytest.raises(ParameterError, match="log-scale values"):
        run_analysis(store, key, AnalysisParams(batch_column="batch", batch_method="combat",
                                                normalization="cpm", log_transform=False))


def test_confounded_batch_and_biology_is_refused_with_the_table(store, small_dataset):
    metadata = small_dataset.metadata.copy()
    metadata["batch"] = metadata["group"].map(lambda g: f"run-{g}")
    dataset = small_dataset.__class__(**{**small_dataset.__dict__, "metadata": metadata})
    key = put_dataset(store, dataset)
    with pytest.raises(ParameterError) as caught:
        run_analysis(store, key, AnalysisParams(batch_column="batch", batch_method="combat",
                                                protect="group", k=3))
    assert "confounded" in str(caught.value).lower()


def test_harmony_clusters_samples_on_corrected_components(store, batched):
    from rnaclust_dash.pp.batch_harmony import harmony_embedding

    key = put_dataset(store, batched)
    params = AnalysisParams(k=3, batch_column="batch", batch_method="harmony")
    analysis = run_analysis(store, key, params)
    plain = run_analysis(store, key, params.replace(batch_method="none"))
    expected = harmony_embedding(plain.features.items, batched.metadata["batch"].to_numpy(),
                                 random_state=params.seed)
    np.testing.assert_allclose(analysis.features.items, expected, rtol=1e-10, atol=1e-10)
    assert analysis.features.items.shape == (9, 8)  # n - 1 components for 9 samples
    # The heatmap still shows the (uncorrected) genes.
    assert analysis.features.values.equals(plain.features.values)
    with pytest.raises(ParameterError, match="Harmony corrects the samples"):
        run_analysis(store, key, params.replace(target="genes"))
