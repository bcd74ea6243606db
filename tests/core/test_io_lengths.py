"""Tests of rnaclust_dash.io: parse_gene_lengths: tables of gene lengths, Ensembl versions."""

from __future__ import annotations

import numpy as np
import pytest

from rnaclust_dash import io as rio
from rnaclust_dash.errors import DataError

from io_helpers import FIXTURES


def test_gene_lengths_match_ignoring_ensembl_versions_on_both_sides():
    lengths = (
        b"gene_id\tlength\nENSG00000000003.14\t4535\nENSG00000000005\t1610\n"
        b"ENSG00000000419.12\t1207\n"
    )
    genes = ["ENSG00000000003", "ENSG00000000005.6", "ENSG00000000419.12", "ENSG00000000457"]
    series, notices = rio.parse_gene_lengths(lengths, "len.tsv", genes)
    assert series.index.tolist() == genes
    assert series.tolist()[:3] == [4535.0, 1610.0, 1207.0]
    assert np.isnan(series.iloc[3])
    assert "len.tsv: 1 of 4 genes has no length (NaN)" in notices
    assert any("matched 2 gene ids ignoring Ensembl version suffixes" in n for n in notices)


@pytest.mark.parametrize(
    ("bad", "shown"), [("0", '"0"'), ("-5", '"-5"'), ("long", '"long"'), ("", '""')]
)
def test_gene_lengths_must_be_positive_numbers(bad, shown):
    lengths = f"gene,length\nG1,100\nG2,{bad}\n".encode()
    with pytest.raises(DataError) as caught:
        rio.parse_gene_lengths(lengths, "len.csv", ["G1", "G2"])
    message = str(caught.value)
    assert f"row 3 (gene G2): {shown}" in message
    assert "not positive numbers" in message


def test_gene_lengths_without_any_match_is_an_error():
    with pytest.raises(DataError, match="None of the gene ids"):
        rio.parse_gene_lengths(b"gene,length\nX1,100\n", "len.csv", ["G1", "G2"])


def test_build_dataset_lengths_file_overrides_featurecounts_length():
    counts = (FIXTURES / "featurecounts_small.txt").read_bytes()
    lengths = b"gene_id,length\nENSG00000223972,2000\nENSG00000227232,1000\n"
    sheet = b"sample,group\nctrl_1,ctrl\nctrl_2,ctrl\nkd_1,kd\nkd_2,kd\n"
    dataset = rio.build_dataset(
        counts,
        "fc.txt",
        metadata_content=sheet,
        metadata_filename="samples.csv",
        lengths_content=lengths,
        lengths_filename="lengths.csv",
        description="a test",
    )
    assert dataset.gene_lengths.iloc[:2].tolist() == [2000.0, 1000.0]
    assert dataset.gene_lengths.iloc[2:].isna().all()
    assert dataset.metadata["group"].tolist() == ["ctrl", "ctrl", "kd", "kd"]
    assert dataset.description == "a test"
    assert dataset.notices[0].startswith("fc.txt: featureCounts layout")
    assert "lengths.csv: these gene lengths replace the Length column of fc.txt" in dataset.notices
    assert "lengths.csv: 3 of 5 genes have no length (NaN)" in dataset.notices


def test_gene_lengths_ambiguous_unversioned_id_is_not_guessed():
    lengths = b"gene_id,length\nENSG00000000003.14,100\nENSG00000000003.15,200\nENSG00000000005,7\n"
    series, notices = rio.parse_gene_lengths(
        lengths, "len.csv", ["ENSG00000000003", "ENSG00000000005"]
    )
    assert np.isnan(series.iloc[0]) and series.iloc[1] == 7.0
    assert "len.csv: 1 of 2 genes has no length (NaN)" in notices
