"""Sub-cluster labels ("3.1") in the figures and colours (issue 12 item 1)."""

from __future__ import annotations

import numpy as np

from rnaclust_dash.pl.common import CLUSTER_PALETTE, cluster_colors, cluster_labels, cluster_rank
from rnaclust_dash.pl.heatmap import heatmap_figure
from rnaclust_dash.pl.silhouette import silhouette_figure
from rnaclust_dash.tl.labels import natural_codes


def test_whole_numbers_stay_integers_and_children_are_text():
    assert cluster_labels(["1", "2", "10"]).dtype.kind == "i"
    assert cluster_labels(np.array([3, 1])).tolist() == [3, 1]
    assert cluster_labels(["1", "3.1", "3.2"]).tolist() == ["1", "3.1", "3.2"]


def test_natural_order_puts_3_2_before_3_10_and_2_before_10():
    names, codes = natural_codes(["10", "3.10", "2", "3.2"])
    assert names == ["2", "3.2", "3.10", "10"]
    assert codes.tolist() == [3, 2, 0, 1]
    assert cluster_rank(["10", "2", "3.1"]).tolist() == [2, 0, 1]


def test_a_split_keeps_the_colours_of_the_clusters_not_split():
    before = cluster_colors([1, 2, 3, 4])
    after = cluster_colors(["1", "2", "3.1", "3.2", "4"])
    assert after["1"] == before[1] and after["2"] == before[2] and after["4"] == before[4]
    # the first child keeps the parent's colour, the second a colour no cluster has
    assert after["3.1"] == before[3]
    assert after["3.2"] == CLUSTER_PALETTE[4]  # index 5: 1..4 are taken by the clusters
    assert len(set(after.values())) == 5


def test_heatmap_and_silhouette_draw_child_labels():
    rng = np.random.default_rng(0)
    labels = np.array(["1", "3.1", "3.2", "1", "3.2", "10"])
    matrix = rng.normal(size=(4, 6))
    figure = heatmap_figure(matrix, gene_ids=[f"g{i}" for i in range(4)],
                            sample_ids=[f"s{i}" for i in range(6)], labels=labels,
                            item_axis="samples")
    legend = [t["name"] for t in figure["data"] if t.get("legendgroup") == "cluster"]
    assert legend == ["cluster 1", "cluster 3.1", "cluster 3.2", "cluster 10"]
    bars = silhouette_figure([f"s{i}" for i in range(6)], labels, rng.uniform(size=6))
    names = [t["name"] for t in bars["data"] if t["type"] == "bar"]
    assert names == ["cluster 1", "cluster 3.1", "cluster 3.2", "cluster 10"]


def test_gene_cluster_profiles_take_sub_cluster_labels():
    import pandas as pd

    from rnaclust_dash.pl.profiles import profile_figure
    from rnaclust_dash.tl.gene_clusters import cluster_profiles

    rng = np.random.default_rng(1)
    values = pd.DataFrame(rng.normal(size=(6, 4)), index=[f"g{i}" for i in range(6)],
                          columns=list("abcd"))
    labels = pd.Series(["2", "1.1", "1.2", "1.1", "2", "1.2"], index=values.index)
    profiles = cluster_profiles(values, labels)
    assert list(dict.fromkeys(profiles["cluster"])) == ["1.1", "1.2", "2"]
    assert profiles.loc[profiles["cluster"] == "1.1", "n_genes"].iat[0] == 2
    figure = profile_figure(profiles)
    titles = [a["text"] for a in figure["layout"]["annotations"] if "cluster" in a["text"]]
    assert titles[:3] == ["<b>cluster 1.1</b> (2 genes)", "<b>cluster 1.2</b> (2 genes)",
                          "<b>cluster 2</b> (2 genes)"]
