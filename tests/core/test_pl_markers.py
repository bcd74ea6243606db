"""Figures of marker genes and enrichment (rnaclust_dash.pl.markers): small hand-made
tables in, the figure's data checked against what a reader should see."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rnaclust_dash.pl import markers as pl

PL = Path(pl.__file__).resolve().parent


def comparison() -> pd.DataFrame:
    """Five genes of one comparison: 2 up, 1 down, 1 not significant, 1 filtered."""
    return pd.DataFrame({
        "gene": ["g1", "g2", "g3", "g4", "g5"],
        "symbol": ["UP1", "UP2", "DOWN1", "", "FILT"],
        "log2fc": [3.0, 1.5, -2.0, 0.2, 4.0],
        "pvalue": [1e-10, 1e-4, 1e-6, 0.5, 0.01],
        "padj": [1e-8, 1e-3, 1e-5, 0.6, np.nan],
        "mean_in": [8.0, 6.0, 2.0, 5.0, 1.0], "mean_out": [5.0, 4.5, 4.0, 4.8, 0.0]})


def volcano_points(figure, name_start):
    trace = [t for t in figure.data if t.meta == "volcano" and t.name.startswith(name_start)]
    assert len(trace) == 1, [t.name for t in figure.data]
    return list(trace[0].customdata)


def test_volcano_colours_significant_genes_by_direction_and_hides_filtered_ones():
    figure = pl.volcano_figure(comparison(), padj_threshold=0.05, lfc_threshold=1.0,
                               in_name="cluster 1")
    assert volcano_points(figure, "higher in cluster 1") == ["g1", "g2"]
    assert volcano_points(figure, "lower in cluster 1") == ["g3"]
    assert volcano_points(figure, "not significant") == ["g4"]
    assert "1 without an adjusted p-value" in figure.layout.title.text
    # y is -log10 padj
    up = [t for t in figure.data if t.name.startswith("higher")][0]
    np.testing.assert_allclose(up.y, [8.0, 3.0])
    assert figure.layout.xaxis.title.text == "log2 fold change (cluster 1 / rest)"


def test_volcano_labels_the_most_significant_genes_with_symbols():
    figure = pl.volcano_figure(comparison(), n_labels=2)
    assert [a.text for a in figure.layout.annotations] == ["UP1", "DOWN1"]
    # a gene without a symbol is labelled with its id
    table = comparison().assign(symbol=["", "UP2", "DOWN1", "", "FILT"])
    figure = pl.volcano_figure(table, n_labels=1)
    assert [a.text for a in figure.layout.annotations] == ["g1"]


def test_volcano_threshold_changes_which_genes_are_coloured():
    figure = pl.volcano_figure(comparison(), padj_threshold=0.05, lfc_threshold=2.0)
    assert volcano_points(figure, "higher") == ["g1"]
    assert sorted(volcano_points(figure, "not significant")) == ["g2", "g4"]


def test_volcano_circles_the_selected_gene_and_hover_names_it():
    figure = pl.volcano_figure(comparison(), selected=["g3"])
    circled = [t for t in figure.data if t.meta == "volcano-selected"]
    assert len(circled) == 1 and list(circled[0].text) == ["DOWN1"]
    down = [t for t in figure.data if t.name.startswith("lower")][0]
    assert "DOWN1 (g3)" in down.hovertext[0] and "padj 1e-05" in down.hovertext[0]


def long_markers() -> pd.DataFrame:
    """One-vs-rest results of three genes in two groups."""
    return pd.DataFrame({
        "group": ["A", "A", "A", "B", "B", "B"],
        "gene": ["g1", "g2", "g3", "g1", "g2", "g3"],
        "symbol": ["S1", "S2", "S3", "S1", "S2", "S3"],
        "log2fc": [2.0, 1.0, -1.0, -2.0, -1.0, 4.0],
        "pvalue": [1e-5, 1e-3, 0.01, 1e-5, 1e-3, 1e-9],
        "padj": [1e-4, 0.01, 0.02, 1e-4, 0.01, 1e-8]})


def test_top_markers_takes_genes_up_in_each_group_by_p_value():
    top = pl.top_markers(long_markers(), n_top=1)
    assert list(zip(top["group"], top["gene"])) == [("A", "g1"), ("B", "g3")]
    top = pl.top_markers(long_markers(), n_top=5)
    assert list(zip(top["group"], top["gene"])) == [("A", "g1"), ("A", "g2"), ("B", "g3")]
    assert pl.top_markers(long_markers(), n_top=5, padj_threshold=1e-6)["gene"].tolist() \
        == ["g3"]


def test_marker_dotplot_sizes_follow_fold_change_and_colours_the_group_means():
    means = pd.DataFrame({"A": [1.0, 0.5, -1.0], "B": [-1.0, -0.5, 1.0]},
                         index=["g1", "g2", "g3"])
    figure = pl.marker_dotplot(long_markers(), means, n_top=1)
    dots = [t for t in figure.data if t.meta == "marker-dots"][0]
    assert list(figure.layout.yaxis.ticktext) == ["S1", "S3"]
    assert list(figure.layout.xaxis.ticktext) == ["A", "B"]
    cells = {tuple(c): (s, col) for c, s, col in zip(dots.customdata, dots.marker.size,
                                                      dots.marker.color)}
    assert cells[("g1", "A")][1] == 1.0 and cells[("g3", "B")][1] == 1.0
    # the largest |log2FC| (g3 in B: 4) has the largest dot; g1 in A and B (|2|) are equal
    assert cells[("g3", "B")][0] == max(s for s, _ in cells.values())
    assert cells[("g1", "A")][0] == pytest.approx(cells[("g1", "B")][0])
    assert cells[("g1", "A")][0] < cells[("g3", "B")][0]


def test_marker_dotplot_says_when_no_gene_is_significant():
    table = long_markers().assign(padj=0.9)
    figure = pl.marker_dotplot(table, pd.DataFrame(), n_top=3)
    assert "No gene is higher" in figure.layout.annotations[0].text


def enrichment_table() -> pd.DataFrame:
    return pd.DataFrame({
        "query": ["c1", "c1", "c1", "c2", "c2", "c2"],
        "term": ["T1", "T2", "T3", "T1", "T2", "T3"],
        "description": ["term one", "term two", "term three"] * 2,
        "n_overlap": [5, 2, 0, 0, 6, 1], "n_term": [20, 30, 40, 20, 30, 40],
        "pvalue": [1e-6, 0.01, 1.0, 1.0, 1e-8, 0.5],
        "padj": [3e-6, 0.015, 1.0, 1.0, 3e-8, 0.75],
        "genes": ["A;B;C;D;E", "F;G", "", "", "F;G;H;I;J;K", "L"]})


def test_enrichment_dotplot_draws_significant_terms_per_query():
    figure = pl.enrichment_dotplot(enrichment_table(), n_terms=5)
    dots = [t for t in figure.data if t.meta == "enrichment-dots"][0]
    assert list(figure.layout.yaxis.ticktext) == ["term one", "term two"]
    assert list(figure.layout.xaxis.ticktext) == ["c1", "c2"]
    cells = {tuple(c): col for c, col in zip(dots.customdata, dots.marker.color)}
    # no dot where the overlap is 0 (T1 in c2); T3 is not significant anywhere
    assert set(cells) == {("T1", "c1"), ("T2", "c1"), ("T2", "c2")}
    assert cells[("T2", "c2")] == pytest.approx(-np.log10(3e-8))
    assert "term two" in dots.hovertext[list(cells).index(("T2", "c2"))]


def test_enrichment_dotplot_says_when_no_term_is_significant():
    table = enrichment_table().assign(padj=0.5)
    figure = pl.enrichment_dotplot(table, n_terms=1)
    assert "No term has padj < 0.05" in figure.layout.title.text
    assert len(figure.layout.yaxis.ticktext) == 2  # the best term of each query


def test_pl_package_does_not_import_dash():
    for path in PL.glob("*.py"):
        tree = ast.parse(path.read_text())
        names = [alias.name for node in ast.walk(tree)
                 if isinstance(node, (ast.Import, ast.ImportFrom))
                 for alias in node.names] + [node.module or "" for node in ast.walk(tree)
                                             if isinstance(node, ast.ImportFrom)]
        assert not any(n == "dash" or n.startswith("dash.") for n in names), path
