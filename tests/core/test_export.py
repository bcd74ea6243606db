"""rnaclust_dash.export: one home for the files written out. The text a download sends
is the file the command line writes (same bytes), and params.json reads back."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from rnaclust_dash.export import (ASSIGNMENTS_FILE, PARAMS_FILE, assignments_csv, params_json,
                                  write_results, write_stability)
from rnaclust_dash.params import AnalysisParams, params_from_document
from rnaclust_dash.pipeline import compute_embedding, put_dataset, run_analysis
from rnaclust_dash.store import ResultStore
from rnaclust_dash.tl.stability import StabilityResult

FAST = {"top_genes": 100, "min_count": 5, "min_samples": 2}


@pytest.fixture
def analysed(tmp_path, small_dataset):
    store = ResultStore(tmp_path / "store")
    key = put_dataset(store, small_dataset)
    params = AnalysisParams(k=3, method="kmeans", **FAST)
    yield run_analysis(store, key, params), compute_embedding(store, key, params), key
    store.cache.close()


def test_the_downloads_are_the_files_of_run(analysed, tmp_path):
    analysis, embedding, key = analysed
    write_results(analysis, embedding, tmp_path / "out", dataset_name="small.csv")
    assert (tmp_path / "out" / ASSIGNMENTS_FILE).read_text() == assignments_csv(analysis)
    assert (tmp_path / "out" / PARAMS_FILE).read_text() == params_json(
        analysis.params, dataset_name="small.csv", dataset_key=key)


def test_assignments_csv_holds_each_item_once_with_its_cluster(analysed, small_dataset):
    analysis, _, _ = analysed
    table = pd.read_csv(io.StringIO(assignments_csv(analysis)))
    assert list(table.columns) == ["id", "cluster", "silhouette"]
    assert table["id"].tolist() == list(small_dataset.counts.columns)
    np.testing.assert_array_equal(table["cluster"], analysis.labels)


def test_params_json_reads_back(analysed):
    analysis, _, key = analysed
    text = params_json(analysis.params, dataset_name="small.csv", dataset_key=key)
    assert params_from_document(text) == analysis.params


def test_stability_files_number_clusters_as_run(analysed, tmp_path):
    analysis, _, _ = analysed
    n = len(analysis.labels)
    clusters = sorted(set(analysis.labels.tolist()))
    result = StabilityResult(
        cluster_jaccard=pd.Series(np.linspace(0.5, 0.9, len(clusters)), index=clusters),
        jaccard=np.full((len(clusters), 3), 0.7), item_stability=np.linspace(0, 1, n),
        labels=analysis.labels, n_resamples_done=3)
    write_stability(analysis, result, tmp_path)
    items = pd.read_csv(tmp_path / "item_stability.csv")
    assert list(items.columns) == ["id", "cluster", "stability"]
    np.testing.assert_array_equal(items["cluster"], analysis.labels)
    np.testing.assert_allclose(items["stability"], np.linspace(0, 1, n))
    per_cluster = pd.read_csv(tmp_path / "cluster_stability.csv")
    assert list(per_cluster.columns) == ["cluster", "jaccard_mean"]
    assert per_cluster["cluster"].tolist() == clusters
