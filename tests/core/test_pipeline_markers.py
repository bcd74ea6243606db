"""rnaclust_dash.pipeline.markers: the groups and matrices of the marker tests (one home
of the ``markers`` command and the Markers view), on the bundled pasilla counts."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from rnaclust_dash.errors import ParameterError
from rnaclust_dash.io import build_dataset, parse_metadata
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pipeline import normalized_matrix, put_dataset
from rnaclust_dash.pipeline.markers import group_names, marker_inputs, run_markers
from rnaclust_dash.store import ResultStore
from tests.core.reference_paths import BUNDLED

PASILLA = BUNDLED / "pasilla"


@pytest.fixture
def stored(tmp_path):
    dataset = build_dataset((PASILLA / "counts.csv.gz").read_bytes(), "counts.csv.gz")
    sheet, _ = parse_metadata((PASILLA / "samples.csv").read_bytes(), "samples.csv",
                              list(dataset.counts.columns))
    dataset = dataclasses.replace(dataset, metadata=sheet)
    store = ResultStore(tmp_path / "store")
    yield store, put_dataset(store, dataset), dataset
    store.cache.close()


def test_group_names_put_cluster_numbers_in_numeric_order():
    groups = pd.Series(["cluster 10", "cluster 2", None, "b", "a", "10", "9"], dtype=object)
    assert group_names(groups) == ["cluster 2", "9", "10", "cluster 10", "a", "b"]


def test_unlogged_values_are_tested_as_log2_x_plus_1_and_said(stored):
    store, key, dataset = stored
    params = AnalysisParams(log_transform=False)
    inputs = marker_inputs(store, key, params, test="t-test", group_by="condition")
    normalized = normalized_matrix(store, key, params).values
    np.testing.assert_allclose(inputs.values.to_numpy(), np.log2(normalized.to_numpy() + 1))
    assert any("log2(x + 1)" in notice for notice in inputs.notices)
    table = run_markers(inputs, test="t-test")
    treated = inputs.groups.index[inputs.groups == "treated"]
    rows = table[table["group"] == "treated"].set_index("gene").loc[normalized.index]
    np.testing.assert_allclose(rows["mean_in"],
                               np.log2(normalized[treated] + 1).mean(axis=1), rtol=1e-12)


def test_deseq2_reads_the_raw_counts_of_the_filtered_genes(stored):
    store, key, dataset = stored
    inputs = marker_inputs(store, key, AnalysisParams(), test="deseq2", group_by="type")
    assert list(inputs.values.index) == list(inputs.log_values.index)
    assert len(inputs.values) < len(dataset.counts)
    raw = dataset.counts.loc[inputs.values.index, inputs.values.columns]
    np.testing.assert_array_equal(inputs.values.to_numpy(), raw.to_numpy())


def test_a_missing_column_and_gene_clusters_are_refused(stored):
    store, key, _ = stored
    with pytest.raises(ParameterError, match="no such column 'tissue'"):
        marker_inputs(store, key, AnalysisParams(), test="t-test", group_by="tissue")
    with pytest.raises(ParameterError, match="gene clusters"):
        marker_inputs(store, key, AnalysisParams(target="genes"), test="t-test")
