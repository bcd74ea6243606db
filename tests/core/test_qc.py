"""Tests of rnaclust_dash.pp.qc and the QC figures of rnaclust_dash.pl: QC metrics, outlier rules, QC figures, batch before/after."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import squareform

import rnaclust_dash
from rnaclust_dash.pl import qc as pl_qc
from rnaclust_dash.pl.batch import batch_before_after
from rnaclust_dash.pl.qc import count_distribution_figure
from rnaclust_dash.pl.qc import mean_variance_figure
from rnaclust_dash.pl.qc_samples import pca_figure
from rnaclust_dash.pl.qc_samples import sample_correlation_figure
from rnaclust_dash.pp.qc import box_statistics
from rnaclust_dash.pp.qc import flag_outliers
from rnaclust_dash.pp.qc import qc_summary
from rnaclust_dash.pp.batch_log_scale import combat
from rnaclust_dash.pp.normalization import normalize

DATA = Path(rnaclust_dash.__file__).parent / "data"
MAX_JSON = 1_000_000


def negative_binomial_counts(rng, n_genes, n_samples, *, mean=None, size=10.0):
    """Counts around per-gene means (log-normal), library depths within 1.5x."""
    if mean is None:
        mean = rng.lognormal(3.0, 1.8, size=n_genes)[:, None] * np.ones(n_samples)
    depth = rng.lognormal(0.0, 0.2, size=n_samples)
    mu = mean * depth
    return rng.negative_binomial(size, size / (size + mu)).astype(np.float64)


def as_table(counts, prefix="s"):
    genes = [f"g{i:05d}" for i in range(counts.shape[0])]
    samples = [f"{prefix}{j:02d}" for j in range(counts.shape[1])]
    return pd.DataFrame(counts, index=genes, columns=samples)


def log_cpm(counts):
    return normalize(counts, method="logcpm", min_count=10, min_samples=3).values


def sample_ids_in(fig, meta):
    """All customdata values of the traces with this meta, in trace order."""
    ids = []
    for trace in fig.data:
        if trace.meta == meta and trace.customdata is not None:
            ids += np.asarray(trace.customdata, dtype=object).ravel().tolist()
    return ids


# ------------------------------------------------------------------------ qc_summary
def test_qc_summary_by_hand():
    counts = pd.DataFrame({"s1": [10, 30, 60, 0], "s2": [0, 2, 2, 0], "s3": [6, 0, 4, 0]},
                          index=["g1", "g2", "g3", "g4"], dtype=float)
    summary = qc_summary(counts)
    assert list(summary.index) == ["s1", "s2", "s3"]
    assert summary["library_size"].tolist() == [100, 4, 10]
    assert summary["detected_genes"].tolist() == [3, 2, 2]
    assert summary["percent_top_100"].tolist() == [100, 100, 100]  # fewer than 100 genes
    # edgeR log-CPM: prior 2 x lib / mean lib (mean 38), library + 2 priors. The
    # all-zero g4 is left out, so the median of 3 genes is the middle count.
    prior = 2 * np.array([100, 4, 10]) / 38
    middle = np.array([30, 2, 4])
    expected = np.log2((middle + prior) / (np.array([100, 4, 10]) + 2 * prior) * 1e6)
    np.testing.assert_allclose(summary["median_log2_cpm"], expected, rtol=1e-12)


def test_qc_summary_top_100_genes_and_metadata():
    counts = pd.DataFrame({"a": np.arange(1, 151), "b": np.r_[1000, np.zeros(149)]},
                          index=[f"g{i}" for i in range(150)], dtype=float)
    metadata = pd.DataFrame({"group": ["x", "y"], "library_size": [0, 0]}, index=["b", "a"])
    summary = qc_summary(counts, metadata=metadata)
    # a: 51..150 of 1..150; b: one gene holds everything.
    np.testing.assert_allclose(summary["percent_top_100"], [100 * 10050 / 11325, 100.0])
    assert summary["group"].tolist() == ["y", "x"]  # aligned by sample id
    assert summary["library_size"].tolist() == [11325, 1000]  # the metric wins


def test_qc_summary_rejects_negative_values():
    with pytest.raises(Exception, match="raw counts"):
        qc_summary(pd.DataFrame({"a": [1.0, -2.0], "b": [3.0, 4.0]}))


# ----------------------------------------------------------------------- flag_outliers
@pytest.fixture(scope="module")
def table_with_two_bad_samples():
    """3,000 genes x 12 samples in two groups; s03 has a 20x smaller library, s07 is
    scrambled (its counts shuffled across genes)."""
    rng = np.random.default_rng(3)
    n_genes = 3000
    mean = rng.lognormal(6.0, 1.5, size=n_genes)
    effect = np.exp(rng.normal(0, 1, size=n_genes) * (rng.random(n_genes) < 0.2))
    group = np.repeat([0, 1], 6)
    counts = negative_binomial_counts(rng, n_genes, 12,
                                      mean=mean[:, None] * np.where(group == 1, effect[:, None], 1))
    counts[:, 3] = rng.binomial(counts[:, 3].astype(np.int64), 1 / 20)  # 20x fewer reads
    counts[:, 7] = rng.permutation(counts[:, 7])
    return as_table(counts)


def test_flag_outliers_finds_small_library_and_scrambled_profile(table_with_two_bad_samples):
    counts = table_with_two_bad_samples
    metadata = pd.DataFrame({"group": ["a"] * 6 + ["b"] * 6}, index=counts.columns)
    flags = flag_outliers(counts, log_cpm(counts), metadata=metadata)
    assert list(flags.columns[:3]) == ["sample", "flagged", "reason"]
    assert flags["sample"].tolist() == flags.index.tolist() == counts.columns.tolist()
    assert flags["group"].tolist() == metadata["group"].tolist()
    assert flags.loc[flags.flagged, "sample"].tolist() == ["s03", "s07"]
    reason = dict(zip(flags["sample"], flags["reason"]))
    library = counts.sum()
    fold = library.median() / library["s03"]
    assert 15 < fold < 25
    assert reason["s03"].startswith(
        f"library size {library['s03'] / 1e6:.1f} M reads is {fold:.0f}x below the median "
        f"({library.median() / 1e6:.1f} M)"), reason["s03"]
    assert "unlike the other samples" in reason["s07"]
    assert re.search(r"r = 0\.\d{3}, against 0\.9\d\d", reason["s07"]), reason["s07"]
    assert "library size" not in reason["s07"]
    assert (flags.loc[~flags.flagged, "reason"] == "").all()


def test_flag_outliers_mad_rules_need_three_samples():
    counts = pd.DataFrame({"a": [500.0, 300, 200], "b": [25.0, 15, 10]})
    flags = flag_outliers(counts, np.log2(counts + 1))
    # Two samples: no MADs, but b's library (50) is under 1/10 of the median (525).
    assert flags["flagged"].tolist() == [False, True]
    assert flags.loc["b", "reason"].startswith(
        "library size 50 reads is 10x below the median (525)")


@pytest.mark.parametrize("name", ["pasilla", "airway"])
def test_flag_outliers_flags_nothing_on_the_examples(name):
    counts = pd.read_csv(DATA / name / "counts.csv.gz", index_col=0)
    flags = flag_outliers(counts, log_cpm(counts))
    assert not flags["flagged"].any(), flags[flags.flagged].to_string()


# --------------------------------------------------------------------------- figures
@pytest.fixture(scope="module")
def big():
    """60,000 genes x 100 samples, 4 batches x 2 groups, with its QC results."""
    rng = np.random.default_rng(60)
    n_genes, n = 60_000, 100
    counts = as_table(negative_binomial_counts(rng, n_genes, n), prefix="sample_")
    metadata = pd.DataFrame({"batch": np.tile(["b1", "b2", "b3", "b4"], n // 4),
                             "group": np.repeat(["ctrl", "treat"], n // 2),
                             "rin": rng.uniform(6, 10, size=n)}, index=counts.columns)
    values = log_cpm(counts)
    return {"counts": counts, "metadata": metadata, "values": values,
            "summary": qc_summary(counts, metadata=metadata),
            "flags": flag_outliers(counts, values)}


def check_size(fig):
    size = len(fig.to_json())
    assert size < MAX_JSON, f"{size:,} bytes of JSON"
    return size


@pytest.mark.parametrize("builder", ["library_size_figure", "detected_genes_figure"])
@pytest.mark.parametrize("color_by", [None, "batch", "rin"])
def test_bar_figures_carry_sample_ids_and_marks(big, builder, color_by):
    ids = big["counts"].columns.tolist()
    flags = big["flags"].copy()
    flags.loc[ids[5], ["flagged", "reason"]] = [True, "a reason"]
    fig = getattr(pl_qc, builder)(big["summary"], color_by=color_by, metadata=big["metadata"],
                               excluded=[ids[2], ids[9]], outliers=flags)
    check_size(fig)
    bars = [t for t in fig.data if t.type == "bar"]
    assert sorted(c for t in bars for c in t.customdata) == sorted(ids)  # one bar each
    assert list(fig.layout.xaxis.categoryarray) == ids  # input order whatever the colour
    excluded = [c for t in bars for c, p in zip(t.customdata, t.marker.pattern.shape) if p]
    assert sorted(excluded) == [ids[2], ids[9]]
    marks = [t for t in fig.data if t.type == "scatter" and t.meta == "qc-sample"]
    assert len(marks) == 1 and ids[5] in list(marks[0].customdata)
    assert any("a reason" in h for t in bars for h in t.hovertext)


def test_count_distribution_boxes_are_numpy_quantiles(big):
    counts, values = big["counts"], big["values"]
    before = np.log2(counts.to_numpy() + 1)
    fig = count_distribution_figure(before, values.to_numpy(), sample_ids=counts.columns)
    check_size(fig)
    boxes = [t for t in fig.data if t.type == "box"]
    assert len(boxes) == 2
    for box, table in zip(boxes, (before, values.to_numpy())):
        assert list(box.customdata) == list(counts.columns) == list(box.x)
        for name, q in (("q1", 25), ("median", 50), ("q3", 75)):
            np.testing.assert_array_equal(getattr(box, name), np.percentile(table, q, axis=0))
        iqr = np.asarray(box.q3) - np.asarray(box.q1)
        low = np.asarray(box.lowerfence)
        assert (low >= np.asarray(box.q1) - 1.5 * iqr).all()
        # The fence is the smallest value within 1.5 IQR, so a value of the column.
        assert all(np.isin(low[j], table[:, j]) for j in range(table.shape[1]))
    assert boxes[0].xaxis != boxes[1].xaxis  # side by side


def test_box_statistics_by_hand_and_with_nan():
    stats = box_statistics(np.array([[1.0], [2], [3], [4], [100], [np.nan]]))
    assert stats["median"][0] == 3 and stats["q1"][0] == 2 and stats["q3"][0] == 4
    assert stats["lowerfence"][0] == 1 and stats["upperfence"][0] == 4
    assert stats["n_outside"][0] == 1 and stats["n"][0] == 5


def test_sample_correlation_heatmap_order_and_strips(big):
    values, metadata = big["values"], big["metadata"]
    fig = sample_correlation_figure(values, metadata=metadata)
    check_size(fig)
    heat = next(t for t in fig.data if t.meta == "correlation")
    shown = list(heat.x)
    varying = values.to_numpy()[np.ptp(values.to_numpy(), axis=1) > 0]
    r = np.corrcoef(varying, rowvar=False)
    expected = leaves_list(linkage(squareform(1 - r, checks=False), "average"))
    assert shown == values.columns[expected].tolist() == list(heat.y)
    np.testing.assert_allclose(np.asarray(heat.z), r[np.ix_(expected, expected)], atol=1e-6)
    strips = [t for t in fig.data if t.meta == "annotation"]
    assert [t.name for t in strips] == ["batch", "group", "rin"]
    for strip in strips:
        assert np.asarray(strip.customdata).ravel().tolist() == shown


def test_correlation_heatmap_subsamples_many_samples():
    rng = np.random.default_rng(1)
    values = as_table(rng.normal(size=(200, 400)))
    fig = sample_correlation_figure(values)
    heat = fig.data[0]
    assert len(heat.x) == 300
    assert "300 of 400 samples shown" in fig.layout.annotations[-1].text


def test_mean_variance_bins_many_genes_with_running_median(big):
    counts = big["counts"]
    values = normalize(counts, method="logcpm").values  # all 60,000 genes
    fig = mean_variance_figure(values, trend_bins=40)
    check_size(fig)
    density = next(t for t in fig.data if t.meta == "gene-density")
    assert np.asarray(density.customdata).sum() == 60_000  # every gene in one cell
    assert "60,000 genes binned" in fig.layout.annotations[0].text
    trend = next(t for t in fig.data if t.meta == "trend")
    mean = values.to_numpy().mean(axis=1)
    sd = values.to_numpy().std(axis=1, ddof=1)
    lowest = np.argsort(mean, kind="stable")[:1500]  # first of 40 bins of 1,500 genes
    assert len(trend.x) == 40
    assert trend.y[0] == pytest.approx(np.median(sd[lowest]), rel=1e-6)


def test_mean_variance_draws_points_for_few_genes():
    rng = np.random.default_rng(2)
    fig = mean_variance_figure(as_table(rng.normal(size=(500, 6))))
    assert fig.data[0].type == "scatter" and len(fig.data[0].x) == 500


def test_pca_figure_colours_and_ids(big):
    values, metadata = big["values"], big["metadata"]
    fig = pca_figure(values, metadata=metadata, color_by="batch")
    check_size(fig)
    points = [t for t in fig.data if t.meta == "embedding"]
    assert [t.name for t in points] == ["b1", "b2", "b3", "b4"]
    assert sorted(sample_ids_in(fig, "embedding")) == sorted(values.columns)
    assert re.fullmatch(r"PC1 \(\d+\.\d%\)", fig.layout.xaxis.title.text)
    assert "500 most variable genes" in fig.layout.title.text
    plain = pca_figure(values)
    assert plain.layout.showlegend is False


# ------------------------------------------------------------------- batch before/after
def test_batch_before_after_combat_mixes_the_batches():
    rng = np.random.default_rng(11)
    n_genes, batch = 2000, np.repeat(["run1", "run2", "run3"], 8)
    group = np.tile(np.repeat(["wt", "ko"], 4), 3)
    mean = rng.lognormal(4.0, 1.5, size=n_genes)
    effect = np.exp(rng.normal(0, 1.0, size=n_genes) * (rng.random(n_genes) < 0.15))
    shift = np.exp(rng.normal(0, 1.0, size=(n_genes, 3)))  # strong batch effect
    codes = pd.factorize(batch)[0]
    mu = mean[:, None] * np.where(group == "ko", effect[:, None], 1) * shift[:, codes]
    counts = as_table(negative_binomial_counts(rng, n_genes, 24, mean=mu))
    before = log_cpm(counts)
    covariates = pd.DataFrame({"group": group})
    after = pd.DataFrame(combat(before, batch, covariates=covariates), index=before.index,
                         columns=before.columns)
    result = batch_before_after(before, after, batch=pd.Series(batch, name="run"),
                                   biology=pd.Series(group, name="genotype"))
    scores = result["scores"]
    assert list(scores.index) == ["before", "after"]
    assert scores.loc["before", "silhouette_batch"] > 0.3
    assert scores.loc["after", "silhouette_batch"] < scores.loc["before", "silhouette_batch"] - 0.3
    assert scores.loc["after", "lisi_batch"] > scores.loc["before", "lisi_batch"]
    assert scores.loc["after", "silhouette_biology"] > scores.loc["before", "silhouette_biology"]
    confounding = result["confounding"]
    assert not confounding["confounded"]
    assert confounding["table"].to_numpy().tolist() == [[4, 4]] * 3
    fig = result["figure"]
    assert len(fig.to_json()) < MAX_JSON
    points = [t for t in fig.data if t.meta == "embedding"]
    assert {t.xaxis for t in points} == {"x", "x2"}  # two panels
    for axis in ("x", "x2"):
        ids = [c for t in points if t.xaxis == axis for c in t.customdata]
        assert sorted(ids) == sorted(counts.columns)
    symbols = {s for t in points for s in t.marker.symbol}
    assert symbols == {"circle", "square"}  # one symbol per genotype
    assert "run" in fig.layout.title.text and "genotype" in fig.layout.title.text
    assert "Batch silhouette" in result["message"]


def test_batch_before_after_without_biology_and_with_arrays():
    rng = np.random.default_rng(5)
    values = rng.normal(size=(300, 9))
    values[:, 3:6] += 2.0
    result = batch_before_after(values, values, batch=["a", "b", "c"] * 3)
    assert result["confounding"] is None
    assert list(result["scores"].columns) == ["silhouette_batch", "lisi_batch"]
    np.testing.assert_allclose(result["scores"].loc["before"], result["scores"].loc["after"])
    with pytest.raises(Exception, match="one value per sample"):
        batch_before_after(values, values, batch=["a", "b"])
