"""Tests of the figures of rnaclust_dash.pl (heatmap, dendrogram, scatter, silhouette): hand-checked small cases and size/speed budgets."""

import re

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import dendrogram, fcluster, leaves_list, linkage

import plotly.graph_objects as go

from rnaclust_dash.pl import common as _common
from rnaclust_dash.pl import dendrogram as _dendrogram
from rnaclust_dash.pl import heatmap as _heatmap
from rnaclust_dash.pl import scatter as _scatter
from rnaclust_dash.pl import silhouette as _silhouette


class _Validated:
    """The modules under test, with every figure wrapped in ``go.Figure``: plotly checks the
    plain dicts the builders return, and the tests read them with attribute access."""

    def __getattr__(self, name):
        module = next(m for m in (_heatmap, _dendrogram, _scatter, _silhouette, _common)
                      if hasattr(m, name))
        value = getattr(module, name)
        if name.endswith("_figure"):
            return lambda *args, **kwargs: go.Figure(value(*args, **kwargs))
        return value


F = _Validated()


def by_meta(fig, meta):
    return [t for t in fig.data if t.meta == meta]


def one(fig, meta):
    traces = by_meta(fig, meta)
    assert len(traces) == 1, f"{len(traces)} traces with meta {meta!r}"
    return traces[0]


def u_shapes(xs, ys):
    """The drawn merges as a set of rounded (x1..x4, y1..y4) tuples."""
    xs, ys = np.asarray(xs).reshape(-1, 5)[:, :4], np.asarray(ys).reshape(-1, 5)[:, :4]
    return {tuple(np.round(np.r_[x, y], 9)) for x, y in zip(xs, ys)}


# A 4-leaf tree: points 0, 1, 5, 7 on a line, single linkage.
POINTS = np.array([[0.0], [1.0], [5.0], [7.0]])
Z4 = linkage(POINTS, "single")  # (0,1)@1 -> node 4, (2,3)@2 -> node 5, root@4 -> node 6


# ------------------------------------------------------------------ cluster_colors
def test_cluster_colors_depend_only_on_the_label():
    a = F.cluster_colors([3, 1, 1, 2])
    b = F.cluster_colors([2, 5])
    assert list(a) == [1, 2, 3]
    assert a[2] == b[2]
    assert a[1] == F.CLUSTER_PALETTE[0]
    assert len(set(F.cluster_colors(range(1, 17)).values())) == 16
    assert all(re.fullmatch(r"#[0-9A-F]{6}", c) for c in F.CLUSTER_PALETTE)


# ------------------------------------------------------------------ dendrogram_segments
def test_dendrogram_segments_four_leaves_by_hand():
    seg = F.dendrogram_segments(Z4, leaves_list(Z4))
    assert list(leaves_list(Z4)) == [0, 1, 2, 3]
    expected = {
        (0, 0, 1, 1, 0, 1, 1, 0),
        (2, 2, 3, 3, 0, 2, 2, 0),
        (0.5, 0.5, 2.5, 2.5, 1, 4, 4, 2),
    }
    assert u_shapes(seg["xs"], seg["ys"]) == {tuple(map(float, e)) for e in expected}
    assert np.isnan(seg["xs"][4::5]).all() and np.isnan(seg["ys"][4::5]).all()
    assert list(seg["node_ids"]) == [4, 5, 6]
    np.testing.assert_allclose(seg["node_x"], [0.5, 2.5, 1.5])
    np.testing.assert_allclose(seg["node_y"], [1, 2, 4])
    assert list(seg["node_size"]) == [2, 2, 4]


@pytest.mark.parametrize("n", [4, 13, 40])
def test_dendrogram_segments_match_scipy(n):
    rng = np.random.default_rng(n)
    Z = Z4 if n == 4 else linkage(rng.normal(size=(n, 3)), "average")
    ref = dendrogram(Z, no_plot=True)
    # scipy puts leaf i at 5 + 10 i.
    ref_shapes = u_shapes(
        np.c_[(np.array(ref["icoord"]) - 5) / 10, np.zeros(n - 1)],
        np.c_[np.array(ref["dcoord"]), np.zeros(n - 1)],
    )
    seg = F.dendrogram_segments(Z, leaves_list(Z))
    assert u_shapes(seg["xs"], seg["ys"]) == ref_shapes


def test_dendrogram_truncation_keeps_top_merges_and_block_centres():
    rng = np.random.default_rng(0)
    n, p = 60, 7
    Z = linkage(rng.normal(size=(n, 4)), "ward")
    order = leaves_list(Z)
    seg = F.dendrogram_segments(Z, order, max_leaves=p)
    assert len(seg["xs"]) == 5 * (p - 1)
    assert list(seg["node_ids"]) == list(range(2 * n - p, 2 * n - 1))
    np.testing.assert_allclose(seg["node_y"], Z[-(p - 1) :, 2])
    # p contiguous blocks covering every position, in order.
    starts, stops = seg["block_start"], seg["block_stop"]
    assert len(starts) == p and starts[0] == 0 and stops[-1] == n
    assert (starts[1:] == stops[:-1]).all()
    np.testing.assert_allclose(seg["block_x"], (starts + stops - 1) / 2)
    # Blocks are the p clusters of the cut below the drawn merges (ward is monotonic).
    labels = fcluster(Z, p, "maxclust")[order]
    for start, stop in zip(starts, stops):
        assert len(set(labels[start:stop])) == 1
    # Same block sizes as scipy's own "lastp" truncation.
    ref = dendrogram(Z, truncate_mode="lastp", p=p, no_plot=True)
    sizes = [int(s.strip("()")) if s.startswith("(") else 1 for s in ref["ivl"]]
    assert sizes == list(stops - starts)
    # Legs reaching the base (y == 0) stand exactly on block centres.
    xs, ys = seg["xs"], seg["ys"]
    feet = np.unique(xs[ys == 0])
    np.testing.assert_allclose(feet, np.sort(seg["block_x"]))


def test_dendrogram_no_truncation_when_small_enough():
    seg = F.dendrogram_segments(Z4, leaves_list(Z4), max_leaves=10)
    assert len(seg["node_ids"]) == 3
    assert list(seg["block_start"]) == [0, 1, 2, 3]
    with pytest.raises(ValueError):
        F.dendrogram_segments(Z4, leaves_list(Z4), max_leaves=1)
    with pytest.raises(ValueError):
        F.dendrogram_segments(Z4, [0, 1, 2])


def test_dendrogram_segments_for_5000_leaves():
    Z = linkage(np.random.default_rng(1).normal(size=(5000, 5)), "average")
    order = leaves_list(Z)
    seg = F.dendrogram_segments(Z, order)
    assert seg["xs"].shape == (5 * 4999,)


def test_leaves_under():
    assert list(F.leaves_under(Z4, 4)) == [0, 1]
    assert list(F.leaves_under(Z4, 5)) == [2, 3]
    assert list(F.leaves_under(Z4, 6)) == [0, 1, 2, 3]
    assert list(F.leaves_under(Z4, 2)) == [2]
    rng = np.random.default_rng(2)
    Z = linkage(rng.normal(size=(30, 2)), "complete")
    assert list(F.leaves_under(Z, 58)) == list(leaves_list(Z))
    node = 30 + 20
    assert len(F.leaves_under(Z, node)) == Z[20, 3]
    with pytest.raises(ValueError):
        F.leaves_under(Z4, 7)


# ------------------------------------------------------------------ heatmap
def gene_clustering(ng=1000, ns=12, k=5, seed=0, sizes=None):
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(1, k + 1), sizes) if sizes else rng.integers(1, k + 1, ng)
    rng.shuffle(labels)
    values = (rng.normal(size=(k + 1, ns))[labels] + rng.normal(size=(ng, ns))).astype(np.float32)
    genes = np.array([f"G{i:04d}" for i in range(ng)])
    samples = np.array([f"S{j}" for j in range(ns)])
    return values, genes, samples, labels


def rows_of(fig, gene_ids):
    """Gene indices (display order) of each heatmap row, from the row names."""
    heat = one(fig, "heatmap")
    position = {g: i for i, g in enumerate(gene_ids)}
    rows = []
    for name in heat.y:
        m = re.match(r"mean of genes (\d+)-(\d+):", name)
        rows.append(
            range(int(m[1]) - 1, int(m[2])) if m else range(position[name], position[name] + 1)
        )
    return rows


def test_heatmap_aggregation_never_mixes_clusters_and_means_are_right():
    sizes = [600, 1, 250, 3, 146]  # tiny clusters must keep their own rows
    values, genes, samples, labels = gene_clustering(ng=1000, k=5, sizes=sizes)
    order = np.argsort(labels, kind="stable")  # genes in cluster order
    fig = F.heatmap_figure(
        values,
        gene_ids=genes,
        sample_ids=samples,
        item_axis="genes",
        labels=labels,
        gene_order=order,
        max_rows=50,
    )
    heat = one(fig, "heatmap")
    z = np.asarray(heat.z)
    assert z.shape == (50, 12) and z.dtype == np.float32
    rows = rows_of(fig, genes[order])
    assert sum(len(r) for r in rows) == 1000
    assert [r.start for r in rows] == sorted(r.start for r in rows)
    shown_labels = labels[order]
    bar = one(fig, "cluster-bar")
    for i, r in enumerate(rows):
        in_bin = shown_labels[r.start : r.stop]
        assert len(set(in_bin)) == 1, f"row {i} mixes clusters"
        assert bar.customdata[i][0] == in_bin[0]
        expected = values[order][r.start : r.stop].astype(np.float64).mean(0)
        np.testing.assert_allclose(z[i], expected, rtol=1e-5, atol=1e-6)
    # The hover carries the item's cluster on every cell.
    np.testing.assert_array_equal(np.asarray(heat.customdata)[:, 0], np.asarray(bar.customdata)[:, 0])
    notes = [a.text for a in fig.layout.annotations if "genes shown as" in a.text]
    assert notes == [
        "1,000 genes shown as 50 rows (mean of 1-21 consecutive genes in cluster order)"
    ]


def test_heatmap_genes_without_order_are_shown_in_cluster_order():
    values, genes, samples, labels = gene_clustering(ng=800, k=4)  # labels shuffled
    fig = F.heatmap_figure(
        values, gene_ids=genes, sample_ids=samples, item_axis="genes", labels=labels, max_rows=40
    )
    bar = one(fig, "cluster-bar")
    assert len(bar.customdata) == 40
    bar_labels = list(np.asarray(bar.customdata)[:, 0])
    assert bar_labels == sorted(bar_labels)


def test_heatmap_uniform_bins_for_samples_and_no_note_when_small():
    values, genes, samples, _ = gene_clustering(ng=103, ns=6)
    slabels = np.array([1, 1, 2, 2, 3, 3])
    fig = F.heatmap_figure(
        values, gene_ids=genes, sample_ids=samples, item_axis="samples", labels=slabels, max_rows=10
    )
    rows = rows_of(fig, genes)
    assert len(rows) == 10 and {len(r) for r in rows} <= {10, 11}
    fig = F.heatmap_figure(
        values[:40], gene_ids=genes[:40], sample_ids=samples, item_axis="samples", labels=slabels
    )
    assert not [a for a in fig.layout.annotations if "genes shown as" in a.text]
    assert list(one(fig, "heatmap").y) == list(genes[:40])
    assert fig.layout.yaxis2.showticklabels and fig.layout.xaxis2.showticklabels


def test_heatmap_diverging_scale_is_symmetric():
    values, genes, samples, labels = gene_clustering(ng=300, ns=8)
    values[0, 0] = 50.0  # an outlier must not set the scale
    fig = F.heatmap_figure(
        values, gene_ids=genes, sample_ids=samples, item_axis="genes", labels=labels
    )
    heat = one(fig, "heatmap")
    assert heat.zmin == -heat.zmax
    np.testing.assert_allclose(heat.zmax, np.percentile(np.abs(np.asarray(heat.z)), 99), rtol=1e-6)
    assert heat.zmax < 10
    # RdBu runs red -> blue; reversed, negative values are blue and positive red.
    assert heat.reversescale and heat.colorscale[0][1] == "rgb(103,0,31)"
    # The dict itself carries the stops: plotly.js's own "RdBu" runs blue -> red, so a
    # name would show positive values blue in the browser.
    raw = _heatmap.heatmap_figure(values, gene_ids=genes, sample_ids=samples,
                                  item_axis="genes", labels=labels)
    (raw_heat,) = [t for t in raw["data"] if t.get("meta") == "heatmap"]
    assert raw_heat["colorscale"][0][1] == "rgb(103,0,31)"
    fig = F.heatmap_figure(
        np.abs(values),
        gene_ids=genes,
        sample_ids=samples,
        item_axis="genes",
        labels=labels,
        centered=False,
    )
    heat = one(fig, "heatmap")
    assert not heat.reversescale and 0 <= heat.zmin < heat.zmax
    assert heat.colorscale[0][1] == "#440154"  # Viridis


def test_heatmap_trees_are_aligned_with_rows_and_columns():
    values, genes, samples, labels = gene_clustering(ng=40, ns=9)
    gtree = linkage(values, "average")
    stree = linkage(values.T, "average")
    fig = F.heatmap_figure(
        values,
        gene_ids=genes,
        sample_ids=samples,
        item_axis="genes",
        labels=labels,
        gene_tree=gtree,
        sample_tree=stree,
    )
    heat = one(fig, "heatmap")
    # Display order follows the trees.
    assert list(heat.y) == list(genes[leaves_list(gtree)])
    assert list(heat.x) == list(samples[leaves_list(stree)])
    col_tree, row_tree = by_meta(fig, "dendrogram")
    # Leaves stand on the column / row positions, on the same axes as the heatmap.
    assert (col_tree.xaxis, row_tree.yaxis) == ("x", "y")
    feet = np.unique(np.asarray(col_tree.x)[np.asarray(col_tree.y) == 0])
    np.testing.assert_allclose(feet, np.arange(9))
    feet = np.unique(np.asarray(row_tree.y)[np.asarray(row_tree.x) == 0])
    np.testing.assert_allclose(feet, np.arange(40))
    assert fig.layout.xaxis2.overlaying == "x" and fig.layout.yaxis2.overlaying == "y"
    assert list(fig.layout.xaxis.range) == [-0.5, 8.5] == list(fig.layout.xaxis2.range)
    assert list(fig.layout.yaxis.range) == [39.5, -0.5] == list(fig.layout.yaxis2.range)
    nodes = by_meta(fig, "dendrogram-nodes")
    assert [nd.customdata[0][0] for nd in nodes] == ["samples", "genes"]
    assert nodes[1].customdata[-1][1] == 2 * 40 - 2  # the root, scipy numbering


def test_heatmap_row_tree_is_mapped_onto_bins():
    values, genes, samples, _ = gene_clustering(ng=900, ns=5)
    gtree = linkage(values, "average")
    fig = F.heatmap_figure(
        values,
        gene_ids=genes,
        sample_ids=samples,
        item_axis="samples",
        labels=np.arange(1, 6),
        gene_tree=gtree,
        max_rows=90,
    )
    row_tree = one(fig, "dendrogram")
    y = np.asarray(row_tree.y)
    y = y[np.isfinite(y)]
    assert y.min() >= -0.5 and y.max() <= 89.5
    assert len(row_tree.x) == 5 * (90 - 1)  # tips = rows


def test_heatmap_annotations_selection_and_hover():
    values, genes, samples, _ = gene_clustering(ng=30, ns=6)
    slabels = np.array([2, 1, 2, 1, 3, 3])
    annotations = pd.DataFrame(
        {
            "tissue": ["liver", "brain", None, "liver", "brain", "liver"],
            "age": [30.0, np.nan, 50.0, 41.0, 65.0, 22.0],
        },
        index=samples[::-1],  # any order: aligned by sample id
    )
    fig = F.heatmap_figure(
        values,
        gene_ids=genes,
        sample_ids=samples,
        item_axis="samples",
        labels=slabels,
        annotations=annotations,
        selected={"S1", "S4", "nope"},
    )
    heat = one(fig, "heatmap")
    assert "%{x}" in heat.hovertemplate and "%{y}" in heat.hovertemplate
    # Samples as items: a cell click gives its sample as x; the matrix carries nothing
    # that depends on the clusters, and comes before the traces that do (a k change
    # replaces only those: layout.meta["fixed"]).
    assert heat.customdata is None and list(heat.x) == list(samples)
    fixed = fig.layout.meta["fixed"]
    assert 0 < fixed < len(fig.data)
    assert {t.meta for t in fig.data[:fixed]} >= {"heatmap", "annotation"}
    assert {"cluster-bar", "selection"} <= {t.meta for t in fig.data[fixed:]}
    assert {t.meta for t in fig.data[fixed:]} <= {"cluster-bar", "selection", "legend"}
    bar = one(fig, "cluster-bar")
    assert list(bar.customdata[0]) == list(slabels)
    assert bar.hovertext[0][1] == "S1<br>cluster 1"
    strips = {t.name: t for t in by_meta(fig, "annotation")}
    assert set(strips) == {"tissue", "age"}
    tissue, age = strips["tissue"], strips["age"]
    assert tissue.hovertext[0][5] == "S5<br>tissue: liver"
    assert tissue.hovertext[0][3] == "S3<br>tissue: NA"
    assert age.hovertext[0][4] == "S4<br>age: NA"
    assert list(tissue.customdata[0]) == list(samples)
    # NaN cells get the grey colour: the last step of the categorical scale...
    code = np.asarray(tissue.z)[0, 3]
    assert code == len(tissue.colorscale) / 2 - 1 and tissue.colorscale[-1][1] == F.NA_COLOR
    # ...and the bottom of the numeric one.
    assert np.asarray(age.z)[0, 4] == age.zmin and age.colorscale[0][1] == F.NA_COLOR
    sel = one(fig, "selection")
    assert list(sel.x) == [1, 4] and list(sel.customdata) == ["S1", "S4"]
    labels_text = [a.text for a in fig.layout.annotations]
    assert "tissue" in labels_text and "age (22-65)" in labels_text
    assert "selected" in labels_text
    # The legend as plotly orders it (by legendrank, then trace order).
    legend = [t.name for t in sorted(by_meta(fig, "legend"), key=lambda t: t.legendrank or 0)]
    assert legend == ["cluster 1", "cluster 2", "cluster 3", "brain", "liver", "NA"]
    colors = {t.name: t.marker.color for t in by_meta(fig, "legend")}
    assert colors["cluster 2"] == F.cluster_colors([2])[2]
    assert fig.layout.uirevision


def test_heatmap_gene_selection_marks_bins():
    values, genes, samples, labels = gene_clustering(ng=500, ns=4, k=3)
    order = np.argsort(labels, kind="stable")
    fig = F.heatmap_figure(
        values,
        gene_ids=genes,
        sample_ids=samples,
        item_axis="genes",
        labels=labels,
        gene_order=order,
        max_rows=50,
        selected=list(genes[order[:3]]) + [genes[order[-1]]],
    )
    sel = one(fig, "selection")
    assert list(sel.y) == [0, 49]  # the first three genes share the first row
    assert sel.customdata[0] == genes[order[0]]


def test_heatmap_input_checks():
    values, genes, samples, labels = gene_clustering(ng=20, ns=4)
    with pytest.raises(ValueError):
        F.heatmap_figure(
            values, gene_ids=genes, sample_ids=samples, item_axis="rows", labels=labels
        )
    with pytest.raises(ValueError):
        F.heatmap_figure(
            values, gene_ids=genes, sample_ids=samples, item_axis="samples", labels=labels
        )
    with pytest.raises(ValueError):
        F.heatmap_figure(
            values[:, :3], gene_ids=genes, sample_ids=samples, item_axis="genes", labels=labels
        )


@pytest.mark.parametrize("item_axis", ["genes", "samples"])
def test_heatmap_5000_by_100_is_small_and_fast(item_axis):
    rng = np.random.default_rng(3)
    ng, ns = 5000, 100
    gl = rng.integers(0, 8, ng)
    values = (rng.normal(size=(8, ns))[gl] + rng.normal(size=(ng, ns))).astype(np.float32)
    genes = [f"ENSG{i:011d}" for i in range(ng)]
    samples = [f"SAMPLE_{j:03d}" for j in range(ns)]
    gtree, stree = linkage(values, "average"), linkage(values.T, "average")
    labels = (
        fcluster(gtree, 8, "maxclust") if item_axis == "genes" else fcluster(stree, 4, "maxclust")
    )
    annotations = pd.DataFrame(
        {"tissue": rng.choice(["a", "b", "c"], ns), "age": rng.uniform(20, 80, ns)}, index=samples
    )
    kwargs = dict(
        gene_ids=genes,
        sample_ids=samples,
        item_axis=item_axis,
        labels=labels,
        gene_tree=gtree,
        sample_tree=stree,
        annotations=annotations,
        selected=genes[:20] + samples[:3],
    )
    fig = F.heatmap_figure(values, **kwargs)
    assert len(fig.to_json()) <= 2_000_000
    assert len(fig.data) <= 30
    # 5,000 genes in bins of a whole 13 genes (ceil(5000 / 400)): 385 rows.
    assert np.asarray(one(fig, "heatmap").z).shape == (385, 100)
    for trace in fig.data:  # big arrays are numpy, never lists of numbers
        if trace.type in ("heatmap", "scatter") and trace.meta in ("heatmap", "dendrogram"):
            assert isinstance(trace.x if trace.type == "scatter" else trace.z, np.ndarray)


# ------------------------------------------------------------------ embedding
def test_embedding_clusters_use_cluster_colors_and_carry_ids():
    ids = np.array([f"s{i}" for i in range(9)])
    labels = pd.Series([3, 1, 1, 2, 3, 3, 1, 2, 2], index=ids, name="cluster")
    coords = np.arange(18, dtype=float).reshape(9, 2)
    hover = pd.DataFrame({"tissue": list("abcabcabc")}, index=ids)
    fig = F.embedding_figure(
        coords,
        ids=ids,
        color_values=labels,
        color_title="cluster",
        hover=hover,
        selected=["s1", "s4"],
    )
    colors = F.cluster_colors([1, 2, 3])
    assert [t.name for t in fig.data] == ["cluster 1", "cluster 2", "cluster 3"]
    assert [t.marker.color for t in fig.data] == [colors[1], colors[2], colors[3]]
    first = fig.data[0]
    assert list(first.customdata) == ["s1", "s2", "s6"]
    np.testing.assert_allclose(first.x, [2, 4, 12])
    assert first.hovertext[0] == "s1<br>tissue: b"
    assert list(first.selectedpoints) == [0] and list(fig.data[2].selectedpoints) == [1]
    assert fig.layout.dragmode == "lasso" and fig.layout.legend.title.text == "cluster"
    assert fig.layout.uirevision
    assert all(t.type == "scatter" and t.meta == "embedding" for t in fig.data)


def test_embedding_categories_numeric_and_missing():
    ids = [f"s{i}" for i in range(6)]
    coords = np.zeros((6, 2))
    tissue = pd.Series(["b", "a", None, "b", "a", "b"], name="tissue")  # positional
    fig = F.embedding_figure(coords, ids=ids, color_values=tissue, color_title="tissue")
    assert [t.name for t in fig.data] == ["a", "b", "NA"]
    assert list(fig.data[2].customdata) == ["s2"] and fig.data[2].marker.color == F.NA_COLOR
    depth = pd.Series([1.0, 2.0, np.nan, 4.0, 5.0, 6.0], index=ids, name="depth")
    fig = F.embedding_figure(
        coords, ids=ids, color_values=depth, color_title="depth", opacity=np.linspace(0.1, 1, 6)
    )
    assert len(fig.data) == 2 and fig.data[0].marker.showscale
    np.testing.assert_allclose(fig.data[0].marker.color, [1, 2, 4, 5, 6])
    np.testing.assert_allclose(fig.data[0].marker.opacity, [0.1, 0.28, 0.64, 0.82, 1.0])
    assert fig.data[1].name == "NA"
    assert fig.data[0].selectedpoints is None


def test_embedding_uses_webgl_for_many_points():
    n = 6000
    ids = np.array([f"g{i}" for i in range(n)])
    labels = pd.Series(np.arange(n) % 4 + 1, index=ids, name="cluster")
    fig = F.embedding_figure(
        np.random.default_rng(0).normal(size=(n, 2)),
        ids=ids,
        color_values=labels,
        color_title="cluster",
    )
    assert {t.type for t in fig.data} == {"scattergl"}
    assert sum(len(t.customdata) for t in fig.data) == n
    assert len(fig.to_json()) < 1_000_000


# ------------------------------------------------------------------ silhouette
def test_silhouette_order_mean_line_and_range():
    ids = ["a", "b", "c", "d", "e", "f"]
    labels = [2, 1, 2, 1, 1, 2]
    values = [0.1, 0.5, 0.7, -0.2, 0.9, 0.3]
    fig = F.silhouette_figure(ids, labels, values, selected=["b"])
    first, second = fig.data
    assert first.name == "cluster 1" and list(first.customdata) == ["e", "b", "d"]
    np.testing.assert_allclose(first.x, [0.9, 0.5, -0.2])
    assert list(second.customdata) == ["c", "f", "a"]
    # Cluster 1 on top: smaller positions on a reversed axis, with a gap between groups.
    assert max(first.y) < min(second.y) - 1
    assert fig.layout.yaxis.autorange == "reversed"
    line = fig.layout.shapes[0]
    assert line.x0 == line.x1 == pytest.approx(np.mean(values)) and line.line.dash == "dash"
    assert f"mean {np.mean(values):.2f}" in [a.text for a in fig.layout.annotations]
    lo, hi = fig.layout.xaxis.range
    assert lo == pytest.approx(-0.25) and hi == 1.0
    np.testing.assert_allclose(first.marker.opacity, [0.25, 1.0, 0.25])
    assert "%{x:.3f}" in first.hovertemplate and first.marker.color == F.cluster_colors([1])[1]
    texts = [a.text for a in fig.layout.annotations]
    assert "cluster 1 (n=3)" in texts and "cluster 2 (n=3)" in texts
    assert list(fig.layout.yaxis.ticktext) == ["e", "b", "d", "c", "f", "a"]


def test_silhouette_many_items_hides_ids_and_stays_small():
    rng = np.random.default_rng(0)
    n = 5000
    ids = np.array([f"ENSG{i:011d}" for i in range(n)])
    fig = F.silhouette_figure(
        ids, rng.integers(1, 7, n), rng.uniform(-0.3, 0.9, n), mean_value=0.42
    )
    assert len(fig.data) == 6
    assert fig.layout.yaxis.showticklabels is False
    assert "mean 0.42" in [a.text for a in fig.layout.annotations]
    assert len(fig.to_json()) < 600_000
    for trace in fig.data:
        assert np.all(np.diff(np.asarray(trace.x)) <= 0)


@pytest.mark.parametrize("n", [7, 100, 250])
def test_silhouette_height_stays_when_k_changes_up_to_ten(n):
    # A new height makes dcc.Graph resize the plot and draw it a second time after a
    # k change (and moves the page below it); the items alone set the height.
    rng = np.random.default_rng(1)
    ids = [f"s{i}" for i in range(n)]
    values = rng.uniform(-0.2, 0.9, n)
    heights = {F.silhouette_figure(ids, np.arange(n) % k + 1, values).layout.height
               for k in range(2, 11)}
    assert len(heights) == 1
    # ids stay a line apart however many clusters share the height
    fig = F.silhouette_figure(ids, np.arange(n) % 10 + 1, values)
    positions = max(max(t.y) for t in fig.data) + 1
    plot_px = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    assert plot_px / positions >= (14 if n <= 60 else 9) - 0.5
    # the ids fit in the margin; plotly need not measure each to hide overflowing ones
    assert fig.layout.yaxis.ticklabeloverflow == "allow"
    assert fig.layout.yaxis.automargin is not False


# ------------------------------------------------------------------ empty
def test_empty_figure():
    fig = F.empty_figure("computing UMAP...")
    assert fig.layout.annotations[0].text == "computing UMAP..."
    assert fig.layout.xaxis.visible is False and not fig.data
