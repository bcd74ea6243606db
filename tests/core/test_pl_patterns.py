"""Figures of the Time course and Modules views (rnaclust_dash.pl.timecourse / .modules),
checked on small tables whose answers are worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import linkage

from rnaclust_dash.pl import modules as pl_modules
from rnaclust_dash.pl import timecourse as pl_tc
from rnaclust_dash.pl.common import cluster_colors
from rnaclust_dash.tl.modules import module_eigengenes

TIMES = ["0", "15", "30", "60"]


def _profiles():
    profiles = pd.DataFrame([[-1.0, 0.0, 1.0, 0.0],     # g1: cluster 1, membership 0.95
                             [-0.5, -0.5, 1.5, -0.5],   # g2: cluster 1, membership 0.40
                             [1.0, 0.0, -1.0, 0.0],     # g3: cluster 2, membership 0.60
                             [0.0, 1.5, -0.5, -1.0]],   # g4: cluster 3, membership 1.00
                            index=["g1", "g2", "g3", "g4"], columns=TIMES)
    membership = pd.DataFrame([[0.95, 0.03, 0.02], [0.40, 0.30, 0.30], [0.25, 0.60, 0.15],
                               [0.0, 0.0, 1.0]], index=profiles.index, columns=[1, 2, 3])
    labels = pd.Series([1, 1, 2, 3], index=profiles.index)
    centers = pd.DataFrame([[-0.9, 0.1, 1.1, 0.0], [0.9, 0.0, -0.9, 0.0],
                            [0.0, 1.4, -0.4, -1.0]], index=[1, 2, 3], columns=TIMES)
    return profiles, membership, labels, centers


def _values(trace) -> list:
    return [v for v in trace.y if v is not None]


def test_time_axis_puts_groups_side_by_side_with_a_gap():
    x, ticks, blocks = pl_tc.time_axis(["wt:0", "wt:15", "mut:0", "mut:15"])
    assert x.tolist() == [0, 1, 3, 4] and ticks == ["0", "15", "0", "15"]
    assert blocks == [("wt", 0.5), ("mut", 3.5)]
    x, ticks, blocks = pl_tc.time_axis(TIMES)
    assert x.tolist() == [0, 1, 2, 3] and blocks == []


def test_genes_are_coloured_by_membership_grey_outside_the_alpha_core():
    profiles, membership, labels, centers = _profiles()
    fig = pl_tc.profile_figure(profiles, membership, labels, centers, threshold=0.5)
    lines = {t.name: t for t in fig.data if t.name and t.name.startswith("membership")}
    # g2 (0.40 <= 0.5) is the only gene drawn grey; g1 (0.95) in the top bin 0.90-1.00,
    # g3 (0.60) in the bin 0.50-0.60 (bins of width 0.1 from the threshold)
    grey = [t for t in fig.data if t.line.color == pl_tc.BELOW_CORE_COLOR]
    assert len(grey) == 1 and _values(grey[0]) == [-0.5, -0.5, 1.5, -0.5]
    top = [t for t in fig.data if t.name == "membership 0.90\u20131.00"]
    assert [_values(t) for t in top] == [[-1.0, 0.0, 1.0, 0.0], [0.0, 1.5, -0.5, -1.0]]
    assert _values(lines["membership 0.50\u20130.60"]) == [1.0, 0.0, -1.0, 0.0]
    assert top[0].line.color != lines["membership 0.50\u20130.60"].line.color
    # the centroid of cluster 2 (black, over a white halo) is its centre; clicks name it
    centroid = [t for t in fig.data if t.name == "centroid 2" and t.line.color == "black"]
    assert _values(centroid[0]) == [0.9, 0.0, -0.9, 0.0] and set(centroid[0].customdata) == {2}
    titles = [a.text for a in fig.layout.annotations]
    assert titles[:3] == ["Cluster 1: 2 genes, 1 with membership > 0.5",
                          "Cluster 2: 1 genes, 1 with membership > 0.5",
                          "Cluster 3: 1 genes, 1 with membership > 0.5"]


def test_a_higher_threshold_moves_genes_out_of_the_core():
    profiles, membership, labels, centers = _profiles()
    fig = pl_tc.profile_figure(profiles, membership, labels, centers, threshold=0.7)
    grey = [_values(t) for t in fig.data if t.line.color == pl_tc.BELOW_CORE_COLOR]
    assert sorted(grey) == sorted([[-0.5, -0.5, 1.5, -0.5], [1.0, 0.0, -1.0, 0.0]])


def test_hard_clusters_take_their_cluster_colour_and_picked_genes_are_red():
    profiles, membership, labels, centers = _profiles()
    hard = (membership.to_numpy() == membership.max(axis=1).to_numpy()[:, None]) * 1.0
    fig = pl_tc.profile_figure(profiles, pd.DataFrame(hard, index=profiles.index,
                                                      columns=[1, 2, 3]),
                               labels, centers, hard=True, highlight=["g3"])
    genes = [t for t in fig.data if t.name == "genes"]
    assert [t.line.color for t in genes] == [cluster_colors([1, 2, 3])[c] for c in (1, 2, 3)]
    red = [t for t in fig.data if t.line.color == "#C0392B"]
    assert len(red) == 1 and _values(red[0]) == [1.0, 0.0, -1.0, 0.0]
    assert "with membership" not in fig.layout.annotations[0].text


def test_overlap_heatmap_leaves_out_the_diagonal():
    overlap = pd.DataFrame([[0.8, 0.1], [0.2, 0.9]], index=[1, 2], columns=[1, 2])
    z = np.asarray(pl_tc.overlap_figure(overlap).data[0].z, dtype=float)
    assert np.isnan(z[0, 0]) and np.isnan(z[1, 1]) and z[0, 1] == 0.1 and z[1, 0] == 0.2


def test_signed_r_squared_is_positive_for_a_falling_fit():
    table = pd.DataFrame({"Power": [1, 2], "SFT.R.sq": [0.3, 0.9], "slope": [0.5, -1.2],
                          "mean.k.": [100.0, 20.0]})
    assert pl_modules.signed_r_squared(table).tolist() == [-0.3, 0.9]
    fig = pl_modules.soft_threshold_figure(table, power=2, suggested=2)
    chosen = [t for t in fig.data if t.name == "chosen power 2"]
    assert [list(t.y) for t in chosen] == [[0.9], [20.0]]  # both panels mark power 2


def test_module_trait_heatmap_shows_r_and_p_in_each_cell():
    table = pd.DataFrame({"module": ["ME1", "ME1", "ME2", "ME2"],
                          "trait": ["minute", "strain=wt"] * 2,
                          "correlation": [0.5, -0.1, -0.8, 0.0],
                          "pvalue": [0.01, 0.6, 1e-5, 1.0]})
    fig = pl_modules.module_trait_figure(table, sizes=pd.Series({1: 40, 2: 35}))
    heat = fig.data[0]
    assert list(heat.y) == ["ME1 (40)", "ME2 (35)"] and list(heat.x) == ["minute", "strain=wt"]
    assert np.asarray(heat.z).tolist() == [[0.5, -0.1], [-0.8, 0.0]]
    assert heat.text[1][0] == "-0.80<br>(1.0e-05)" and heat.customdata[1][0] == ["ME2",
                                                                                   "minute"]


def test_eigengene_follows_its_rising_genes_and_the_tree_bar_its_leaves():
    samples = [f"s{i}" for i in range(6)]
    rising = np.arange(6.0)
    rng = np.random.default_rng(0)
    expression = pd.DataFrame(np.vstack([rising + rng.normal(0, 0.1, 6) for _ in range(3)]
                                        + [rng.normal(0, 1, 6) for _ in range(3)]),
                              index=[f"g{i}" for i in range(6)], columns=samples)
    modules = pd.Series([1, 1, 1, 2, 2, 2], index=expression.index)
    fig = pl_modules.eigengene_figure(module_eigengenes(expression, modules))
    me1 = np.asarray(fig.data[0].z, dtype=float)[0]
    assert list(fig.data[0].y)[0] == "ME1" and np.all(np.diff(me1) > 0)  # rises, not falls
    # tree of 4 genes: (a, b) and (c, d); modules follow the leaves in the bar
    tree = linkage(np.array([[0.0], [0.1], [5.0], [5.2]]), "average")
    labels = pd.Series([2, 2, 1, 1], index=["a", "b", "c", "d"])
    bar = [t for t in pl_modules.module_tree_figure(tree, labels).data
           if t.meta == "module-bar"][0]
    assert bar.customdata[0] == [2, 2, 1, 1] and list(bar.text[0]) == ["a", "b", "c", "d"]
