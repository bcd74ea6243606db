"""Readable figures (issue 7, item 10): what can be checked on the figure objects.

Colours: many clusters stay distinct, clusters never share a colour with sample-sheet
annotations, labels are readable on white. Labels: axis titles, item names, colour bars,
index names in words, mean label placed where it is not cut off.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from rnaclust_dash.pl import agreement
from rnaclust_dash.pl import common as F
from rnaclust_dash.pl import heatmap
from rnaclust_dash.pl import kselect
from rnaclust_dash.pl import silhouette
from rnaclust_dash.pl import stability
from rnaclust_dash.pl.palettes import (ANNOTATION_COLORS, CLUSTER_COLORS, generated_palettes,
                                    hex_to_lab, relative_luminance, text_color_on)


def to_hex(color: str) -> str:
    """'#rrggbb' or 'rgb(r, g, b)' as '#RRGGBB'."""
    if color.startswith("rgb"):
        return "#%02X%02X%02X" % tuple(int(float(v)) for v in re.findall(r"[\d.]+", color)[:3])
    return color.upper()


def min_distance(a, b=None) -> float:
    """Smallest CIELAB distance between two colours of ``a`` (or between ``a`` and ``b``)."""
    lab_a = hex_to_lab([to_hex(c) for c in a])
    lab_b = lab_a if b is None else hex_to_lab([to_hex(c) for c in b])
    distance = np.linalg.norm(lab_a[:, None] - lab_b[None], axis=2)
    if b is None:
        distance[np.eye(len(lab_a), dtype=bool)] = np.inf
    return float(distance.min())


def contrast_on_white(color: str) -> float:
    return 1.05 / (relative_luminance(to_hex(color)) + 0.05)


def scale_colors(trace) -> set[str]:
    return {to_hex(c) for _, c in trace.colorscale}


# ------------------------------------------------------------------ colours
def test_34_clusters_get_34_clearly_different_colours():
    colors = F.cluster_colors(range(1, 35))
    assert len(set(colors.values())) == 34
    # CIELAB distance 20 is an obvious difference side by side.
    assert min_distance(list(colors.values())) > 20
    # Distinct up to the whole palette (64), after which colours repeat by design.
    assert len(set(F.cluster_colors(range(1, 65)).values())) == 64
    assert F.cluster_colors([65])[65] == F.cluster_colors([1])[1]


def test_shipped_palettes_are_what_the_generator_makes():
    generated = generated_palettes()
    assert generated["CLUSTER_COLORS"] == CLUSTER_COLORS
    assert generated["ANNOTATION_COLORS"] == ANNOTATION_COLORS


def test_cluster_and_annotation_colours_never_look_alike():
    annotation_colors = {c for palette in F.ANNOTATION_PALETTES for c in palette}
    assert not annotation_colors & set(F.CLUSTER_PALETTE)
    assert min_distance(F.CLUSTER_PALETTE, sorted(annotation_colors)) > 10


def test_heatmap_cluster_bar_and_annotation_strips_use_separate_colours():
    rng = np.random.default_rng(0)
    samples = [f"s{i}" for i in range(8)]
    labels = np.array([1, 1, 2, 2, 3, 3, 4, 4])
    annotations = pd.DataFrame({"condition": ["a", "b"] * 4, "batch": list("xxyyxxyy"),
                                "donor": list("pqrspqrs")}, index=samples)
    fig = go.Figure(heatmap.heatmap_figure(rng.normal(size=(20, 8)),
                                     gene_ids=[f"g{i}" for i in range(20)],
                                     sample_ids=samples, item_axis="samples", labels=labels,
                                     annotations=annotations))
    cluster = scale_colors([t for t in fig.data if t.meta == "cluster-bar"][0])
    strips = [t for t in fig.data if t.meta == "annotation"]
    annotation = set().union(*(scale_colors(t) for t in strips)) - {F.NA_COLOR}
    assert cluster and annotation and not cluster & annotation
    assert min_distance(sorted(cluster), sorted(annotation)) > 10
    # Different columns do not reuse each other's colours either.
    used = [scale_colors(t) - {F.NA_COLOR} for t in strips]
    for i in range(len(used)):
        for j in range(i + 1, len(used)):
            assert not used[i] & used[j]


def test_cluster_colours_are_readable_on_white_and_under_white_text():
    # No pale yellow: every cluster colour has at least 3:1 contrast on white (graphics).
    assert min(contrast_on_white(c) for c in F.CLUSTER_PALETTE) >= 3
    for color in F.CLUSTER_PALETTE[:20]:
        text = text_color_on(color)
        luminance = relative_luminance(color)
        ratio = 1.05 / (luminance + 0.05) if text == "white" else (luminance + 0.05) / 0.05
        assert ratio >= 3, (color, text)


def test_silhouette_cluster_labels_are_readable_text():
    n = 40
    labels = np.repeat(np.arange(1, 11), 4)
    fig = go.Figure(silhouette.silhouette_figure([f"i{i}" for i in range(n)], labels,
                                        np.linspace(-0.2, 0.9, n)))
    names = [a for a in fig.layout.annotations if a.text.startswith("cluster")]
    assert len(names) == 10
    assert all(contrast_on_white(a.font.color) >= 4.5 for a in names)


@pytest.mark.parametrize("mean, anchor", [(0.93, "right"), (-0.05, "left"), (0.3, "left")])
def test_silhouette_mean_label_sits_on_the_side_with_room(mean, anchor):
    values = np.array([0.95, 0.9, 0.92, 0.1, -0.1, 0.2])
    fig = go.Figure(silhouette.silhouette_figure(list("abcdef"), [1, 1, 1, 2, 2, 2], values, mean_value=mean))
    label = [a for a in fig.layout.annotations if a.text.startswith("mean")][0]
    # Centred on the line, a label near either end of the axis is cut off.
    assert label.xanchor == anchor


def test_cluster_tree_node_numbers_are_readable_on_their_colour():
    tree = pd.DataFrame({"from_k": [2, 2, 3], "from_cluster": [1, 2, 3], "to_k": [3, 3, 4],
                         "to_cluster": [1, 3, 4], "n_items": [5, 5, 5]})
    nodes = [t for t in kselect.cluster_tree_figure(tree).data if t.meta == "tree-nodes"][0]
    text_colors = nodes.textfont.color
    if isinstance(text_colors, str):  # one colour for every node
        text_colors = [text_colors] * len(nodes.marker.color)
    assert len(nodes.marker.color) == 5  # (2, 1), (2, 2), (3, 1), (3, 3), (4, 4)
    for fill, text in zip(nodes.marker.color, text_colors):
        luminance = relative_luminance(to_hex(fill))
        ratio = 1.05 / (luminance + 0.05) if text == "white" else (luminance + 0.05) / 0.05
        assert ratio >= 3, (fill, text)


# ------------------------------------------------------------------ labels
def test_item_stability_bars_have_axis_titles_and_item_names():
    items = [f"sample{i}" for i in range(6)]
    fig = stability.stability_figure(pd.Series([0.9, 0.6], index=[1, 2]),
                             [0.9, 0.8, 0.95, 0.5, 0.6, 0.7], [1, 1, 1, 2, 2, 2], items)
    layout = fig.layout
    for axis in (layout.xaxis, layout.yaxis, layout.xaxis2, layout.yaxis2):
        assert axis.title.text, axis
    bars = [t for t in fig.data if t.meta == "item-stability"][0]
    assert sorted(bars.x) == sorted(items)  # named on the axis
    assert layout.xaxis2.showticklabels is not False


def test_item_stability_without_names_says_how_to_get_them():
    n = stability.MAX_NAMED_ITEMS + 1
    fig = stability.stability_figure(pd.Series([0.9], index=[1]), np.ones(n), np.ones(n, dtype=int),
                             [f"g{i}" for i in range(n)])
    assert "hover" in fig.layout.xaxis2.title.text


class _Consensus:
    """The parts of a ConsensusResult that the figure reads."""

    def __init__(self):
        self.matrices = {2: np.eye(4) * 0.5 + 0.5, 3: np.eye(4)}
        self.consensus_labels = {2: np.array([1, 1, 2, 2]), 3: np.array([1, 2, 3, 3])}
        self.cdf = pd.DataFrame({"k": [2, 2, 3, 3], "consensus_index": [0, 1, 0, 1],
                                 "cdf": [0.5, 1, 0.7, 1]})
        self.delta_area = {2: 0.5, 3: 0.1}


def test_consensus_matrix_has_a_colour_bar():
    fig = stability.consensus_figure(_Consensus(), k=2, item_ids=list("abcd"))
    matrix = [t for t in fig.data if t.meta == "consensus-matrix"][0]
    assert matrix.showscale is True and matrix.colorbar.title.text == "consensus"
    # The colour bar sits between the matrix and the CDF panel, not on them.
    assert fig.layout.xaxis.domain[1] <= matrix.colorbar.x < fig.layout.xaxis2.domain[0]
    assert fig.layout.xaxis2.title.text and fig.layout.yaxis2.title.text


def test_k_panel_names_indices_in_words():
    table = pd.DataFrame({"k": [2, 3, 4], "wss": [3.0, 2.0, 1.5], "silhouette": [0.5, 0.4, 0.3],
                          "calinski_harabasz": [10.0, 8.0, 6.0],
                          "davies_bouldin": [0.8, 0.9, 1.0]})
    fig = kselect.k_selection_figure(table, {"silhouette": 2, "calinski_harabasz": 2,
                                       "davies_bouldin": 2, "elbow": 3})
    text = " ".join([t.hovertemplate or "" for t in fig.data]
                    + [a.text for a in fig.layout.annotations])
    assert "Calinski\u2013Harabasz" in text and "Davies\u2013Bouldin" in text
    assert "calinski_harabasz" not in text and "davies_bouldin" not in text


def test_empty_figure_wraps_a_long_message_and_keeps_it_whole():
    message = "ComBat cannot run: " + "batch and biology are confounded " * 10
    fig = go.Figure(F.empty_figure(message))
    text = fig.layout.annotations[0].text
    assert all(len(line) <= 80 for line in text.split("<br>"))
    assert fig.layout.meta == message


def test_silhouette_names_of_many_small_clusters_do_not_overlap():
    labels = np.repeat(np.arange(1, 51), 8)  # 400 items: the plot is 700 px tall
    values = np.tile(np.linspace(0.1, 0.6, 8), 50)
    fig = go.Figure(silhouette.silhouette_figure([f"g{i}" for i in range(400)], labels, values))
    names = [a.y for a in fig.layout.annotations if a.text.startswith("cluster")]
    bars = np.concatenate([np.asarray(t.y, dtype=float) for t in fig.data])
    margin = fig.layout.margin
    px_per_position = (fig.layout.height - margin.t - margin.b) / (bars.max() + 1)
    assert 10 <= len(names) < 50
    assert np.diff(np.sort(names)).min() * px_per_position >= 12


def test_sankey_gives_sample_sheet_groups_annotation_colours():
    fig = agreement.sankey_figure([1, 1, 2, 2], ["treated", "treated", "untreated", "untreated"],
                          name_a="k-means", name_b="condition")
    colors = list(fig.data[0].node.color)
    assert colors[:2] == [F.cluster_colors([1])[1], F.cluster_colors([2])[2]]
    # Two groups, two different colours that no cluster has (not one grey for all).
    assert len(set(colors[2:])) == 2 and not set(colors[2:]) & set(F.CLUSTER_PALETTE)
