"""Gene ids to symbols: the bundled human map against R mapIds, id kinds, versions, user tables.

Reference: ``tests/data/make_gene_id_reference.R`` — ``AnnotationDbi::mapIds(org.Hs.eg.db,
..., "SYMBOL", keytype, multiVals = "first")`` on 3,000 sampled airway Ensembl ids and
1,000 Entrez ids (org.Hs.eg.db 3.16.0, Debian).
"""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from rnaclust_dash.errors import DataError
from rnaclust_dash.tl.gene_ids import (
    detect_id_kind,
    map_to_symbols,
    read_mapping_table,
    strip_version,
)

from reference_paths import BUNDLED, LOCAL_REFERENCE


@pytest.mark.parametrize("kind", ["ensembl", "entrez"])
def test_human_map_equals_r_mapids(kind):
    reference = pd.read_csv(LOCAL_REFERENCE / "genes" / "mapids_airway_3000_entrez_1000.csv.gz",
                            dtype=str, keep_default_na=False)
    reference = reference[reference.kind == kind]
    result = map_to_symbols(reference.id.tolist())
    ours = np.where(result.mapped, result.symbols, "")
    np.testing.assert_array_equal(ours, reference.symbol.to_numpy())
    assert result.kind == kind and result.n_mapped == (reference.symbol != "").sum()


def test_well_known_genes_map_from_every_kind():
    # TP53: Entrez 7157, Ensembl ENSG00000141510, RefSeq NM_000546 (NCBI / Ensembl pages)
    for ids in (["7157"], ["ENSG00000141510.17"], ["NM_000546.6"]):
        assert list(map_to_symbols(ids).symbols) == ["TP53"]


def test_map_file_is_small_and_records_its_version():
    genes = BUNDLED / "genes"
    assert (genes / "human_gene_ids.csv.gz").stat().st_size < 3_000_000
    assert "EGSOURCEDATE: 2022-Sep12" in (genes / "human_gene_ids_source.txt").read_text()


def test_version_suffixes_are_dropped_for_ensembl_and_refseq_only():
    stripped = strip_version(["ENSG00000141510.17", "ENSG00000182378.14_PAR_Y",
                              "NM_000546.6", "HLA-A.1", "7157"])
    assert list(stripped) == ["ENSG00000141510", "ENSG00000182378", "NM_000546", "HLA-A.1",
                              "7157"]


@pytest.mark.parametrize("ids, kind", [
    (["ENSG00000141510", "ENSG00000012048.2", "x"], "ensembl"),
    (["ENSMUSG00000000001", "ENSMUSG00000000003"], "ensembl"),
    (["7157", "672"], "entrez"),
    (["NM_000546", "XR_001737578.2"], "refseq"),
    (["FBgn0000003", "FBgn0000008"], "flybase"),
    (["TP53", "BRCA1", "7157"], "symbol"),
])
def test_id_kinds_are_detected(ids, kind):
    assert detect_id_kind(ids)[0] == kind


def test_partly_mapped_ids_keep_their_id_and_the_report_counts_them():
    result = map_to_symbols(["7157", "672", "999999999"])
    assert list(result.symbols) == ["TP53", "BRCA1", "999999999"]
    assert result.report.startswith("2 of 3 Entrez Gene ids")
    assert "999999999" in result.report


def test_ids_that_map_to_nothing_say_how_many_and_which_kind():
    with pytest.raises(DataError, match="None of the 2 gene ids \\(detected: Ensembl gene ids "
                                        "of mouse"):
        map_to_symbols(["ENSMUSG00000000001", "ENSMUSG00000000003"])
    fly = pd.read_csv(BUNDLED / "pasilla" / "counts.csv.gz", usecols=[0]).iloc[:, 0]
    with pytest.raises(DataError, match="None of the 14,599 gene ids \\(detected: FlyBase"):
        map_to_symbols(fly)
    kept = map_to_symbols(fly[:3], if_none_mapped="keep")
    assert list(kept.symbols) == list(fly[:3]) and not kept.mapped.any()


def test_symbols_are_left_as_they_are():
    result = map_to_symbols(["TP53", "BRCA1"])
    assert result.kind == "symbol" and list(result.symbols) == ["TP53", "BRCA1"]


def test_a_user_table_maps_another_species():
    table = read_mapping_table(gzip.compress(b"gene_id\tsymbol\nFBgn0000003\t7SLRNA:CR32864"
                                             b"\nFBgn0000008\ta\nFBgn0000014\t\n"),
                               filename="fly.tsv.gz")
    result = map_to_symbols(["FBgn0000003", "FBgn0000008", "FBgn0000014"], mapping=table)
    assert list(result.symbols) == ["7SLRNA:CR32864", "a", "FBgn0000014"]
    assert result.source == "user table" and "2 of 3 FlyBase gene ids" in result.report


def test_user_table_errors_are_clear():
    with pytest.raises(DataError, match="needs two columns"):
        read_mapping_table(b"only\nFBgn1\n", filename="one.csv")
    with pytest.raises(DataError, match="gives 1 ids more than one symbol \\(e.g. g1\\)"):
        read_mapping_table(b"id,symbol\ng1,A\ng1,B\n", filename="two.csv")
