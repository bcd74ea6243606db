"""Parity with the R/Bioconductor reference outputs on real data.

The references were computed by ``../shared/tools/r_reference.R`` (R 4.2.2, Bioconductor
3.16): DESeq2 ``estimateSizeFactors``; edgeR ``cpm(y, log=TRUE, prior.count=2)`` after TMM;
the sample-clustering input ``log2(counts(dds, normalized=TRUE) + 1)`` restricted to the
500 genes of highest variance (``head(order(var, decreasing=TRUE), 500)``); ``cutree(hclust(d,
method), k)`` with k = number of groups; ``hclust(dp, "average")$height``; and
``cluster::silhouette`` of the average/Pearson cut with the Pearson distance.

pasilla and airway use the bundled counts and the small reference copies in
``tests/data/reference``; gse60450 (which must not be copied into the repository) and the
large log-CPM references are read from ``../shared/data`` and skipped when it is absent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rnaclust_dash.cluster import cut_tree, hierarchical_tree
from rnaclust_dash.dataset import Dataset
from rnaclust_dash.distance import pairwise_distances
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pipeline import put_dataset, run_analysis
from rnaclust_dash.pp.features import top_variable_genes
from rnaclust_dash.pp.normalization import normalize
from rnaclust_dash.pp.size_factors import deseq2_size_factors, edger_log_cpm
from rnaclust_dash.store import ResultStore
from rnaclust_dash.validate import silhouette_values

from reference_paths import SHARED_DATA, LOCAL_REFERENCE, BUNDLED

#: The hclust columns of sample_clusters.csv: (metric, linkage) as r_reference.R makes them.
HCLUST_COLUMNS = {f"hclust_{metric}_{linkage}": (metric, linkage)
                  for linkage in ("single", "complete", "average")
                  for metric in ("pearson", "spearman", "euclidean")}
HCLUST_COLUMNS["hclust_euclidean_ward"] = ("euclidean", "ward")  # R ward.D2


def _paths(name: str) -> dict:
    if name == "gse60450":
        folder = SHARED_DATA / "gse60450"
        return {"counts": folder / "counts.csv.gz", "samples": folder / "samples.csv",
                "reference": folder / "reference", "shared_reference": folder / "reference"}
    return {"counts": BUNDLED / name / "counts.csv.gz", "samples": BUNDLED / name / "samples.csv",
            "reference": LOCAL_REFERENCE / name,
            "shared_reference": SHARED_DATA / name / "reference"}


def _read(path: Path, **kwargs) -> pd.DataFrame:
    frame = pd.read_csv(path, index_col=0, dtype={0: str}, **kwargs)
    frame.index = frame.index.astype(str)
    return frame


class Case:
    """One dataset: counts, k and the R reference tables."""

    def __init__(self, name: str):
        paths = _paths(name)
        self.name = name
        self.paths = paths
        self.counts = _read(paths["counts"]).astype(np.float64)
        samples = _read(paths["samples"])
        assert list(samples.index) == list(self.counts.columns)
        self.k = int(samples["group"].nunique())
        ref = paths["reference"]
        self.size_factors = _read(ref / "deseq2_size_factors.csv")["size_factor"]
        self.norm_factors = _read(ref / "edger_norm_factors.csv")
        self.cluster_input = _read(ref / "cluster_input_top500_log2mor.csv")
        self.clusters = _read(ref / "sample_clusters.csv")
        self.heights = pd.read_csv(ref / "hclust_pearson_average_heights.csv")["height"]
        self.silhouette = _read(ref / "silhouette_hclust_pearson_average.csv")

    @property
    def items(self) -> np.ndarray:
        """R's clustering input as samples x genes."""
        return self.cluster_input.to_numpy().T


_CASES: dict[str, Case] = {}


@pytest.fixture(scope="module", params=["pasilla", "airway", "gse60450"])
def case(request) -> Case:
    name = request.param
    if name == "gse60450" and not (SHARED_DATA / "gse60450" / "counts.csv.gz").exists():
        pytest.skip("gse60450 is read from ../shared/data, which is not present here")
    if name not in _CASES:
        _CASES[name] = Case(name)
    return _CASES[name]


def test_reference_has_the_expected_hclust_columns(case):
    columns = {c for c in case.clusters.columns if c.startswith("hclust_")}
    assert columns == set(HCLUST_COLUMNS)
    assert list(case.clusters.index) == list(case.counts.columns)


def test_reference_k_matches_groups(case):
    expected = {"pasilla": 2, "airway": 2, "gse60450": 6}[case.name]
    assert case.k == expected
    assert case.clusters["hclust_pearson_average"].nunique() == expected


def test_deseq2_size_factors_match_r(case):
    ours = deseq2_size_factors(case.counts.to_numpy())
    reference = case.size_factors.loc[case.counts.columns].to_numpy()
    np.testing.assert_allclose(ours, reference, rtol=1e-6, atol=0)


def test_normalize_deseq2_reports_r_size_factors(case):
    result = normalize(case.counts, method="deseq2", log=False, min_count=0, min_samples=0)
    assert list(result.size_factors.index) == list(case.counts.columns)
    np.testing.assert_allclose(result.size_factors.to_numpy(),
                               case.size_factors.loc[case.counts.columns].to_numpy(),
                               rtol=1e-6, atol=0)
    # normalized counts = counts / size factor, every gene kept
    assert result.values.shape == case.counts.shape
    np.testing.assert_allclose(result.values.to_numpy() * result.size_factors.to_numpy(),
                               case.counts.to_numpy(), rtol=1e-12)


def test_edger_logcpm_prior2_with_r_tmm_factors(case):
    path = case.paths["shared_reference"] / "edger_tmm_logcpm_prior2.csv.gz"
    if not path.exists():
        pytest.skip(f"{path} is not present (too big to copy into the repository)")
    reference = _read(path)
    assert list(reference.index) == list(case.counts.index)
    assert list(reference.columns) == list(case.counts.columns)
    tmm = case.norm_factors.loc[case.counts.columns, "TMM"].to_numpy()
    # the lib sizes R used are the column sums
    np.testing.assert_array_equal(case.norm_factors.loc[case.counts.columns, "lib_size"],
                                  case.counts.sum(axis=0).to_numpy())
    ours = edger_log_cpm(case.counts.to_numpy(), prior_count=2, norm_factors=tmm)
    np.testing.assert_allclose(ours, reference.to_numpy(), rtol=0, atol=1e-6)


def test_top500_log2_median_of_ratios_input(case):
    normalized = normalize(case.counts, method="deseq2", log=True, pseudocount=1.0,
                           min_count=0, min_samples=0)
    selected = top_variable_genes(normalized.values, 500)
    assert list(selected.index) == list(case.cluster_input.index)  # same genes, same order
    assert list(selected.columns) == list(case.cluster_input.columns)
    np.testing.assert_allclose(selected.to_numpy(), case.cluster_input.to_numpy(),
                               rtol=0, atol=1e-9)


@pytest.mark.parametrize("column", sorted(HCLUST_COLUMNS))
def test_hclust_cut_matches_r_cutree(case, column):
    metric, linkage = HCLUST_COLUMNS[column]
    tree = hierarchical_tree(pairwise_distances(case.items, metric=metric), linkage=linkage)
    labels = cut_tree(tree, case.k)
    np.testing.assert_array_equal(labels, case.clusters[column].to_numpy())


def test_average_pearson_merge_heights_match_r(case):
    tree = hierarchical_tree(pairwise_distances(case.items, metric="pearson"), linkage="average")
    assert len(tree) == len(case.heights) == case.items.shape[0] - 1
    np.testing.assert_allclose(tree[:, 2], case.heights.to_numpy(), rtol=0, atol=1e-9)


def test_silhouette_matches_r_cluster_silhouette(case):
    distances = pairwise_distances(case.items, metric="pearson")
    labels = cut_tree(hierarchical_tree(distances, linkage="average"), case.k)
    np.testing.assert_array_equal(labels, case.silhouette["cluster"].to_numpy())
    widths = silhouette_values(distances, labels)
    np.testing.assert_allclose(widths, case.silhouette["sil_width"].to_numpy(),
                               rtol=0, atol=1e-9)


def test_run_analysis_reproduces_r(case, tmp_path):
    """The pipeline path (store, stages, parameters), not just the functions."""
    store = ResultStore(tmp_path / "cache")
    key = put_dataset(store, Dataset(counts=case.counts, name=case.name))
    base = AnalysisParams(target="samples", normalization="deseq2", log_transform=True,
                          pseudocount=1.0, min_count=0, min_samples=0, top_genes=500,
                          k=case.k)
    for column, (metric, linkage) in HCLUST_COLUMNS.items():
        analysis = run_analysis(store, key, base.replace(distance=metric, linkage=linkage))
        values = analysis.features.values
        assert list(values.index) == list(case.cluster_input.index), column
        np.testing.assert_allclose(values.to_numpy(), case.cluster_input.to_numpy(),
                                   rtol=0, atol=1e-9)
        np.testing.assert_allclose(analysis.features.items, case.items, rtol=0, atol=1e-9)
        assert list(analysis.features.item_ids) == list(case.counts.columns)
        np.testing.assert_allclose(analysis.size_factors.loc[case.counts.columns].to_numpy(),
                                   case.size_factors.loc[case.counts.columns].to_numpy(),
                                   rtol=1e-6, atol=0)
        np.testing.assert_array_equal(analysis.labels, case.clusters[column].to_numpy(),
                                      err_msg=column)
        assignments = analysis.assignments()
        np.testing.assert_array_equal(assignments["cluster"], case.clusters[column].to_numpy())
        if column == "hclust_pearson_average":
            np.testing.assert_allclose(analysis.item_tree[:, 2], case.heights.to_numpy(),
                                       rtol=0, atol=1e-9)
            np.testing.assert_allclose(assignments["silhouette"].to_numpy(),
                                       case.silhouette["sil_width"].to_numpy(),
                                       rtol=0, atol=1e-9)
            assert analysis.metrics()["silhouette"] == pytest.approx(
                case.silhouette["sil_width"].mean(), abs=1e-9)
