"""Over-representation analysis and GMT reading: R parity on real GO sets, hand cases, bad input.

Reference: ``tests/data/make_marker_references.R`` — the genes up with dexamethasone in
airway (DESeq2 padj < 0.01, log2FC > 1, as symbols) against the bundled GO BP GMT, with
the tested genes as universe; ``phyper(overlap - 1, term, universe - term, query,
lower.tail = FALSE)`` and ``p.adjust(method = "BH")`` in R 4.2.2.
"""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from rnaclust_dash.errors import DataError, ParameterError
from rnaclust_dash.tl.enrichment import (
    ENRICHMENT_COLUMNS,
    cluster_queries,
    enrich_queries,
    marker_queries,
    over_representation,
)
from rnaclust_dash.tl.genesets import BUNDLED_GENE_SETS, bundled_gene_sets, read_gmt
from rnaclust_dash.tl.gsea import GSEA_COLUMNS, enrichment_score, gsea_preranked

from reference_paths import BUNDLED, LOCAL_REFERENCE

MARKERS = LOCAL_REFERENCE / "markers"


def _sets(text: str):
    return read_gmt(text.encode(), filename="test.gmt")


# --- hand-checked ---------------------------------------------------------------------------

def test_hypergeometric_p_value_of_a_hand_worked_case():
    # universe 20, set of 5, query of 4, overlap 2:
    # P(X >= 2) = 1 - [C(15,4) + 5 C(15,3)] / C(20,4) = 1 - 3640 / 4845
    universe = [f"g{i}" for i in range(20)]
    sets = _sets("T1\tdesc one\tg0\tg1\tg2\tg3\tg4\n")
    table = over_representation(["g0", "g1", "g10", "g11"], sets, universe=universe, min_size=1)
    row = table.iloc[0]
    assert (row.n_overlap, row.n_term, row.n_query, row.n_universe) == (2, 5, 4, 20)
    assert row.pvalue == pytest.approx(1205 / 4845, rel=1e-14)
    assert row.genes == "g0;g1"
    assert list(table.columns) == list(ENRICHMENT_COLUMNS)


def test_set_sizes_are_counted_within_the_universe_and_limited():
    universe = [f"g{i}" for i in range(30)]
    # T1 lists 12 genes but only 8 are in the universe: below min_size 10, not tested
    sets = _sets("T1\t-\t" + "\t".join([f"g{i}" for i in range(8)] + ["x1", "x2", "x3", "x4"])
                 + "\nT2\t-\t" + "\t".join(f"g{i}" for i in range(10, 22)) + "\n")
    table = over_representation(["g10", "g11", "g0"], sets, universe=universe)
    assert list(table.term) == ["T2"]
    assert table.n_term.iloc[0] == 12


def test_query_genes_outside_the_universe_are_dropped_and_reported():
    universe = [f"g{i}" for i in range(20)]
    sets = _sets("T1\t-\t" + "\t".join(f"g{i}" for i in range(10)) + "\n")
    table = over_representation(["g1", "g2", "NOPE"], sets, universe=universe)
    assert table.n_query.iloc[0] == 2
    assert "1 of the 3 genes" in table.attrs["notices"][0] and "NOPE" in table.attrs["notices"][0]


def test_several_queries_have_their_own_rows_and_corrections():
    universe = [f"g{i}" for i in range(40)]
    sets = _sets("".join(f"T{k}\t-\t" + "\t".join(f"g{i}" for i in range(k, k + 10)) + "\n"
                         for k in range(5)))
    table = enrich_queries({"c1": ["g0", "g1", "g2"], "c2": ["g30", "g31"]}, sets,
                           universe=universe)
    assert set(table["query"]) == {"c1", "c2"}
    assert len(table) == 10
    assert (table[table["query"] == "c2"].n_overlap == 0).all()


def test_cluster_queries_split_genes_by_cluster_in_numeric_order():
    queries = cluster_queries(["a", "b", "c", "d", "e"], [10, 2, 10, None, 2])
    assert queries == {"2": ["b", "e"], "10": ["a", "c"]}
    assert list(queries) == ["2", "10"]


def test_marker_queries_pick_significant_genes_by_direction_and_rank():
    markers = pd.DataFrame({
        "group": ["a", "a", "a", "a", "b", "b"],
        "gene": ["g1", "g2", "g3", "g4", "g5", "g6"],
        "log2fc": [2.0, 1.0, -3.0, 1.5, 0.5, -1.0],
        "pvalue": [0.001, 0.0001, 0.001, 0.2, 0.01, 0.02],
        "padj": [0.01, 0.001, 0.01, 0.3, 0.04, 0.04]})
    assert marker_queries(markers) == {"a": ["g2", "g1"], "b": ["g5"]}
    assert marker_queries(markers, direction="down") == {"a": ["g3"], "b": ["g6"]}
    assert marker_queries(markers, top=1) == {"a": ["g2"], "b": ["g5"]}
    with pytest.raises(DataError, match="lacks the column\\(s\\) padj"):
        marker_queries(markers.drop(columns="padj"))


# --- parity with R on real GO sets ---------------------------------------------------------

def test_over_representation_equals_r_phyper_and_p_adjust():
    universe = (MARKERS / "enrich_universe.txt").read_text().split()
    query = (MARKERS / "enrich_query_airway_up.txt").read_text().split()
    reference = pd.read_csv(MARKERS / "enrich_go_bp_airway_up.csv.gz", index_col=0)
    table = over_representation(query, bundled_gene_sets("go-bp"), universe=universe)
    assert sorted(table.term) == sorted(reference.index)
    ours = table.set_index("term").loc[reference.index]
    for column in ("n_overlap", "n_term", "n_query", "n_universe"):
        np.testing.assert_array_equal(ours[column], reference[column])
    assert np.max(np.abs(ours.pvalue / reference.pvalue - 1)) < 1e-10
    assert np.max(np.abs(ours.padj / reference.padj - 1)) < 1e-12
    assert ours.n_overlap.max() > 10  # a real signal, not all ones


def test_bundled_gmts_are_small_and_readable():
    for key, (file_name, _) in BUNDLED_GENE_SETS.items():
        path = BUNDLED / "genesets" / file_name
        assert path.stat().st_size < 5_000_000
        sets = bundled_gene_sets(key)
        assert len(sets) > 500 and sets.names[0].startswith("GO:")


# --- GMT reading and bad input ----------------------------------------------------------------

def test_gzip_and_plain_gmt_read_the_same():
    text = "A\tdesc a\tX\tY\tY\nB\thttp://b\tZ\n\n"
    plain = read_gmt(text.encode(), filename="p.gmt")
    packed = read_gmt(gzip.compress(text.encode()), filename="p.gmt.gz")
    assert (plain.names, plain.descriptions) == (packed.names, packed.descriptions)
    assert plain.descriptions == ("desc a", "http://b")
    assert plain.members == (("X", "Y"), ("Z",))


def test_duplicate_terms_are_refused_with_their_lines():
    with pytest.raises(DataError, match="'A' appears twice \\(lines 1 and 3\\)"):
        _sets("A\t-\tX\nB\t-\tY\nA\t-\tZ\n")


def test_empty_terms_are_refused():
    with pytest.raises(DataError, match="line 2: the gene set 'B' has no genes"):
        _sets("A\t-\tX\nB\tno genes here\n")


def test_broken_gzip_is_a_data_error():
    with pytest.raises(DataError, match="cannot be unpacked"):
        read_gmt(gzip.compress(b"A\t-\tX\n")[:12], filename="x.gmt.gz")


def test_gene_sets_with_no_gene_in_the_universe_are_a_clear_error():
    sets = bundled_gene_sets("go-cc")
    with pytest.raises(DataError, match="No gene of the .* sets .* same kind of gene id"):
        over_representation(["ENSG00000000003"], sets,
                            universe=["ENSG00000000003", "ENSG00000000005"])


def test_query_larger_than_universe_is_refused():
    sets = _sets("A\t-\tg1\tg2\n")
    with pytest.raises(DataError, match="has 3 genes but the universe .* only 2"):
        over_representation(["g1", "g2", "g3"], sets, universe=["g1", "g2"], min_size=1)


def test_query_with_no_gene_in_the_universe_is_refused():
    sets = _sets("A\t-\tg1\tg2\n")
    with pytest.raises(DataError, match="None of the 1 genes"):
        over_representation(["ENSG1"], sets, universe=["g1", "g2"], min_size=1)


def test_bad_size_limits_are_a_parameter_error():
    with pytest.raises(ParameterError, match="1 <= minimum <= maximum"):
        over_representation(["g1"], _sets("A\t-\tg1\n"), universe=["g1"], min_size=20,
                            max_size=10)


# --- pre-ranked GSEA ------------------------------------------------------------------------

def test_enrichment_score_of_a_hand_walked_ranking():
    # statistic 5 4 3 2 1, set = ranks 1 and 3: +5/8, -1/3, +3/8, -1/3, -1/3 -> peak 2/3
    es, peak = enrichment_score(np.array([5.0, 4, 3, 2, 1]), np.array([2, 0]))
    assert es == pytest.approx(2 / 3, rel=1e-15) and peak == 1
    # the same set at the bottom of the ranking: the walk dips to -(1 - 0) at the end
    es, peak = enrichment_score(np.array([5.0, 4, 3, 2, 1]), np.array([3, 4]))
    assert es == pytest.approx(-1.0) and peak == 0


def test_gsea_finds_a_planted_set_and_is_reproducible():
    rng = np.random.default_rng(1)
    genes = [f"g{i}" for i in range(2000)]
    statistic = pd.Series(rng.normal(size=2000), index=genes)
    statistic.iloc[:30] += 3  # the first 30 genes are shifted up
    text = ("UP\tplanted\t" + "\t".join(genes[:30]) + "\n"
            + "RANDOM\tnull\t" + "\t".join(genes[1000:1030]) + "\n")
    sets = _sets(text)
    table = gsea_preranked(statistic, sets, n_permutations=500, random_state=3)
    again = gsea_preranked(statistic, sets, n_permutations=500, random_state=3)
    pd.testing.assert_frame_equal(table, again)
    up = table.set_index("term").loc["UP"]
    assert up.es > 0.8 and up.nes > 2 and up.pvalue < 0.01
    assert table.set_index("term").loc["RANDOM"].pvalue > 0.01
    assert len(up.leading_edge.split(";")) >= 20
    assert list(table.columns) == list(GSEA_COLUMNS)


def test_gsea_refuses_duplicated_genes_and_sets_outside_the_limits():
    statistic = pd.Series([1.0, 2.0, 3.0], index=["a", "a", "b"])
    with pytest.raises(DataError, match="appear more than once: a"):
        gsea_preranked(statistic, _sets("S\t-\ta\tb\n"))
    with pytest.raises(DataError, match="No gene set .* between 15 and 500"):
        gsea_preranked(pd.Series([1.0, 2.0], index=["a", "b"]), _sets("S\t-\ta\n"))
