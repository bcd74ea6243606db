"""Tests of rnaclust_dash.io: parse_metadata: matching sample-sheet rows to samples."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from rnaclust_dash import io as rio
from rnaclust_dash.errors import DataError

from io_helpers import FIXTURES, SHARED, shared_file


def test_metadata_exact_match_reindexed_to_counts_order_with_types():
    sheet = b"sample_id,group,rin,batch\nS3,b,7.5,1\nS1,a,8.1,1\nS2,a,9,2\n"
    metadata, notices = rio.parse_metadata(sheet, "samples.csv", ["S1", "S2", "S3"])
    assert metadata.index.tolist() == ["S1", "S2", "S3"]
    assert metadata["group"].tolist() == ["a", "a", "b"]
    assert metadata["rin"].tolist() == [8.1, 9.0, 7.5]
    assert pd.api.types.is_numeric_dtype(metadata["batch"])
    assert not pd.api.types.is_numeric_dtype(metadata["group"])
    assert notices == ()


def test_metadata_tolerant_match_ignores_case_and_separators():
    sheet = b"id\tcondition\nlib1.a\tbasal\nLIB1_B\tluminal\n"
    metadata, notices = rio.parse_metadata(sheet, "info.txt", ["LIB1-A", "LIB1-B"])
    assert metadata["condition"].tolist() == ["basal", "luminal"]
    assert notices == (
        "info.txt: matched 2 sample ids ignoring case and -/._/space differences, "
        "e.g. lib1.a -> LIB1-A",
    )


def test_metadata_unique_prefix_match_in_both_directions():
    sheet = b"file,group\ntreated1fb,t\nuntreated1fb,u\nctrl,c\n"
    samples = ["treated1", "untreated1", "ctrl_rep1"]
    metadata, notices = rio.parse_metadata(sheet, "ann.csv", samples)
    assert metadata["group"].tolist() == ["t", "u", "c"]
    assert any(
        "matched 3 sample ids by a unique prefix, e.g. treated1fb -> treated1" in n for n in notices
    )


def test_metadata_ambiguous_prefix_is_left_unmatched():
    sheet = b"id,group\nA1x,p\nA1y,q\nB2,r\n"
    metadata, notices = rio.parse_metadata(sheet, "s.csv", ["A1", "B2"])
    assert metadata.loc["B2", "group"] == "r"
    assert pd.isna(metadata.loc["A1", "group"])
    assert any("2 sample-sheet ids match no sample" in n and '"A1x", "A1y"' in n for n in notices)
    assert any("1 sample has no row in the sample sheet" in n and '"A1"' in n for n in notices)


def test_metadata_missing_samples_get_nan_and_extra_rows_are_reported():
    sheet = b"sample,group\nS1,a\nS9,z\n"
    metadata, notices = rio.parse_metadata(sheet, "s.csv", ["S1", "S2"])
    assert metadata.index.tolist() == ["S1", "S2"]
    assert metadata["group"].iloc[0] == "a" and pd.isna(metadata["group"].iloc[1])
    assert (
        's.csv: 1 sample-sheet id matches no sample of the counts table (ignored): "S9"' in notices
    )
    assert (
        's.csv: 1 sample has no row in the sample sheet (annotations left empty): "S2"' in notices
    )


def test_metadata_no_match_shows_ids_of_both_sides():
    sheet = b"sample,group\nX1,a\nX2,b\nX3,c\nX4,d\n"
    with pytest.raises(DataError) as caught:
        rio.parse_metadata(sheet, "s.csv", ["S1", "S2", "S3", "S4"])
    message = str(caught.value)
    assert "None of the sample ids" in message
    assert (
        'sample sheet: "X1", "X2", "X3" and 1 more; counts: "S1", "S2", "S3" and 1 more' in message
    )
    assert '"X4"' not in message and '"S4"' not in message


def test_metadata_two_rows_for_one_sample_is_an_error():
    sheet = b"sample,group\nS1,a\ns-1,b\nS2,c\n"
    with pytest.raises(DataError) as caught:
        rio.parse_metadata(sheet, "s.csv", ["S1", "S2"])
    message = str(caught.value)
    assert 'Rows 2 and 3 of "s.csv"' in message and 'match sample "S1"' in message
    assert "keep one row per sample" in message


def test_metadata_uses_another_column_when_first_matches_nothing():
    sheet = b"n,name,group\n1,S1,a\n2,S2,b\n"
    metadata, notices = rio.parse_metadata(sheet, "s.csv", ["S1", "S2"])
    assert metadata.columns.tolist() == ["n", "group"]
    assert metadata["group"].tolist() == ["a", "b"]
    assert any('used column "name" as sample ids' in n for n in notices)


def test_metadata_from_xlsx_with_mixed_column_becomes_strings():
    buffer = io.BytesIO()
    pd.DataFrame({"sample": ["S1", "S2"], "dose": [1, 2], "note": [5, "high"]}).to_excel(
        buffer, index=False
    )
    metadata, _ = rio.parse_metadata(buffer.getvalue(), "s.xlsx", ["S1", "S2"])
    assert metadata["dose"].tolist() == [1, 2]
    assert metadata["note"].tolist() == ["5", "high"]


def test_metadata_pasilla_fixture_prefix_match():
    counts = rio.parse_counts((FIXTURES / "pasilla_gene_counts_head.tsv").read_bytes(), "p.tsv")
    metadata, notices = rio.parse_metadata(
        (FIXTURES / "pasilla_sample_annotation.csv").read_bytes(),
        "pasilla_sample_annotation.csv",
        counts.counts.columns,
    )
    assert metadata.loc["treated1", "type"] == "single-read"
    assert metadata.loc["untreated3", "type"] == "paired-end"
    assert metadata.loc["treated2", "total number of reads"] == "12242535 (x2)"
    assert metadata["number of lanes"].tolist() == [2, 6, 2, 2, 5, 2, 2]
    assert metadata.notna().all().all()
    assert any("by a unique prefix" in n for n in notices)


def test_metadata_gse60450_real_files_match_tolerantly():
    counts_path = shared_file("gse60450", "raw", "GSE60450_Lactation-GenewiseCounts.txt.gz")
    sheet_path = shared_file("gse60450", "raw", "SampleInfo_Corrected.txt")
    dataset = rio.build_dataset(
        counts_path.read_bytes(),
        counts_path.name,
        metadata_content=sheet_path.read_bytes(),
        metadata_filename=sheet_path.name,
    )
    assert dataset.counts.shape[1] == 12
    assert dataset.counts.shape[0] > 20_000
    assert dataset.value_kind == "counts"
    assert dataset.gene_lengths is not None and dataset.gene_lengths.notna().all()
    assert dataset.gene_lengths.loc["497097"] == 3634
    # The sheet's first column spells the counts' column names with "." for "-"
    # (sample names are read from the files: this dataset may not be copied).
    sheet = pd.read_csv(sheet_path, sep="\t")
    first = dataset.counts.columns[0]
    sheet_first = sheet.iloc[0, 0]
    assert sheet_first != first and sheet_first.replace(".", "-") == first
    assert dataset.metadata.loc[first, "CellType"] == sheet.iloc[0]["CellType"]
    assert dataset.metadata.loc[first, "SampleName"] == sheet.iloc[0]["SampleName"]
    assert dataset.metadata.notna().all().all()
    assert any(
        "matched 12 sample ids ignoring case and -/._/space differences, e.g. "
        f"{sheet_first} -> {first}" in n
        for n in dataset.notices
    )


def test_metadata_pasilla_real_files_with_lengths():
    raw = SHARED / "pasilla" / "raw"
    counts_path = shared_file("pasilla", "raw", "pasilla_gene_counts.tsv")
    dataset = rio.build_dataset(
        counts_path.read_bytes(),
        counts_path.name,
        metadata_content=(raw / "pasilla_sample_annotation.csv").read_bytes(),
        metadata_filename="pasilla_sample_annotation.csv",
        lengths_content=(raw / "gene_lengths_union_exonic_bp.tsv").read_bytes(),
        lengths_filename="gene_lengths_union_exonic_bp.tsv",
    )
    assert dataset.counts.columns.tolist()[:2] == ["untreated1", "untreated2"]
    assert dataset.metadata["condition"].tolist() == ["untreated"] * 4 + ["treated"] * 3
    assert dataset.gene_lengths.loc["FBgn0000008"] == 5400
    assert dataset.gene_lengths.notna().all()
