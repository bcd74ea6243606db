"""Tests of rnaclust_dash.io: parse_counts layouts, value kinds and error messages."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from rnaclust_dash import io as rio
from rnaclust_dash.dataset import Dataset
from rnaclust_dash.errors import DataError

from io_helpers import FIXTURES, counts_rows, table


def test_parse_counts_plain_csv_gives_float64_genes_by_samples():
    rows = counts_rows(4, 3)
    rows[1][0] = "  G1 "  # ids are stripped
    dataset = rio.parse_counts(table(rows), "plain.csv")
    assert isinstance(dataset, Dataset)
    assert dataset.name == "plain.csv"
    assert dataset.metadata is None and dataset.gene_lengths is None
    assert dataset.value_kind == "counts"
    assert dataset.counts.dtypes.unique().tolist() == [np.float64]
    assert dataset.counts.index.tolist() == ["G1", "G2", "G3", "G4"]
    assert dataset.counts.columns.tolist() == ["S1", "S2", "S3"]
    assert dataset.counts.loc["G3", "S2"] == 31.0
    assert dataset.notices == ()


def test_parse_counts_featurecounts_layout():
    content = (FIXTURES / "featurecounts_small.txt").read_bytes()
    dataset = rio.parse_counts(content, "featurecounts_small.txt")
    assert dataset.counts.columns.tolist() == ["ctrl_1", "ctrl_2", "kd_1", "kd_2"]
    # ENSG00000278267 is 0 everywhere and removed.
    assert dataset.counts.index.tolist() == [
        "ENSG00000223972",
        "ENSG00000227232",
        "ENSG00000243485",
        "ENSG00000284332",
        "ENSG00000237613",
    ]
    assert dataset.counts.loc["ENSG00000284332"].tolist() == [250, 310, 95, 120]
    assert dataset.gene_lengths.tolist() == [1735, 1351, 1021, 138, 1219]
    assert dataset.gene_lengths.index.equals(dataset.counts.index)
    notices = " | ".join(dataset.notices)
    assert "featureCounts layout: skipped the annotation columns Chr, Start, End, Strand" in notices
    assert "/data/bam/ctrl_1.bam -> ctrl_1" in notices
    assert "removed 1 gene that is 0 in every sample (5 genes left)" in notices


def test_parse_counts_length_column_next_to_ids_becomes_gene_lengths():
    rows = [
        ["EntrezGeneID", "Length", "LIB1-A", "LIB1-B"],
        [497097, 3634, 438, 300],
        [100503874, 3259, 1, 0],
        [19888, 9747, 0, 2],
    ]
    dataset = rio.parse_counts(table(rows, "\t"), "genewise.txt")
    assert dataset.counts.columns.tolist() == ["LIB1-A", "LIB1-B"]
    assert dataset.counts.index.tolist() == ["497097", "100503874", "19888"]
    assert dataset.gene_lengths.tolist() == [3634.0, 3259.0, 9747.0]
    assert any('column "Length" gives the gene lengths' in n for n in dataset.notices)


def test_parse_counts_skips_text_annotation_column_and_htseq_summary_rows():
    rows = [
        ["gene_id", "symbol", "A", "B"],
        ["ENSG00000000003", "TSPAN6", 5, 6],
        ["ENSG00000000005", "TNMD", 1, 0],
        ["__no_feature", "", 900, 800],
        ["__ambiguous", "", 30, 20],
    ]
    dataset = rio.parse_counts(table(rows), "htseq.csv")
    assert dataset.counts.columns.tolist() == ["A", "B"]
    assert dataset.counts.index.tolist() == ["ENSG00000000003", "ENSG00000000005"]
    notices = " | ".join(dataset.notices)
    assert 'skipped 1 text column(s) next to the ids ("symbol")' in notices
    assert 'removed 2 read-summary rows ("__no_feature", "__ambiguous")' in notices


def test_parse_counts_transposes_samples_by_gene_ids():
    genes = [f"ENSG{i:011d}" for i in range(1, 9)]
    rows = [["sample"] + genes] + [[f"S{s}"] + [s * 10 + g for g in range(8)] for s in range(1, 4)]
    dataset = rio.parse_counts(table(rows), "wide.csv")
    assert dataset.counts.shape == (8, 3)
    assert dataset.counts.index.tolist() == genes
    assert dataset.counts.columns.tolist() == ["S1", "S2", "S3"]
    assert dataset.counts.loc[genes[2], "S3"] == 32
    assert any("transposed to genes x samples" in n for n in dataset.notices)


def test_parse_counts_transposes_genome_wide_table_by_shape():
    n_genes = 1200
    rows = [["sample"] + [f"gene{g}" for g in range(n_genes)]] + [
        [f"S{s}"] + [(s + g) % 7 + 1 for g in range(n_genes)] for s in range(4)
    ]
    dataset = rio.parse_counts(table(rows), "wide.csv")
    assert dataset.counts.shape == (n_genes, 4)
    assert dataset.counts.loc["gene5", "S2"] == (2 + 5) % 7 + 1


def test_parse_counts_keeps_small_wide_gene_panel_as_is():
    # 5 genes over 8 samples is wider than tall but not transposed.
    dataset = rio.parse_counts(table(counts_rows(5, 8)), "panel.csv")
    assert dataset.counts.shape == (5, 8)
    assert not any("transposed" in n for n in dataset.notices)


# --------------------------------------------------------------------------- counts: kinds


def test_value_kind_normalized_for_non_integers():
    rows = [["gene", "A", "B"], ["g1", 10.5, 300.25], ["g2", 0, 1200.0]]
    dataset = rio.parse_counts(table(rows), "tpm.csv")
    assert dataset.value_kind == "normalized"
    assert any(
        "values are not integers: treated as already normalized (TPM/FPKM-like); "
        "count-based normalizations are off" in n
        for n in dataset.notices
    )


def test_value_kind_log_for_small_non_integers_and_for_negatives():
    small = rio.parse_counts(
        table([["gene", "A", "B"], ["g1", 7.25, 8.5], ["g2", 0.5, 12.0]]), "l.csv"
    )
    assert small.value_kind == "log"
    assert any("already on a log scale" in n for n in small.notices)
    negative = rio.parse_counts(
        table([["gene", "A", "B"], ["g1", -1.5, 2.25], ["g2", 0.5, -0.75]]), "c.csv"
    )
    assert negative.value_kind == "log"
    assert negative.counts.loc["g2", "B"] == -0.75
    assert any("some are negative" in n for n in negative.notices)


def test_value_kind_counts_for_integers_written_as_floats():
    dataset = rio.parse_counts(
        table([["gene", "A", "B"], ["g1", "3.0", "4.0"], ["g2", "0", "5.0"]]), "f.csv"
    )
    assert dataset.value_kind == "counts"


# --------------------------------------------------------------------------- counts: errors


def test_non_numeric_cells_name_row_gene_column_and_value():
    rows = counts_rows(4, 3)
    rows[3][2] = "abc"  # file line 5 (comment line + header + 2 rows before)
    rows[4][3] = "n/a?"
    content = b"# exported\n" + table(rows)
    with pytest.raises(DataError) as caught:
        rio.parse_counts(content, "bad.csv")
    message = str(caught.value)
    assert message.startswith('2 cells of "bad.csv" are not numbers')
    assert 'row 5 (gene G3), column "S2": "abc"' in message
    assert 'row 6 (gene G4), column "S3": "n/a?"' in message
    assert "must be a number" in message


def test_non_numeric_examples_are_capped_at_three():
    rows = counts_rows(6, 2)
    for i in range(1, 7):
        rows[i][1] = f"x{i}"
    with pytest.raises(DataError) as caught:
        rio.parse_counts(table(rows), "bad.csv")
    message = str(caught.value)
    assert message.startswith("6 cells")
    assert '"x3"' in message and '"x4"' not in message


def test_non_numeric_cell_in_xlsx_names_the_sheet_row():
    buffer = io.BytesIO()
    frame = pd.DataFrame(
        {"gene": ["G1", None, "G2", "G3"], "S1": [1, None, 2, "x"], "S2": [3, None, 4, 5]}
    )
    frame.to_excel(buffer, index=False, startrow=2)  # header on sheet row 3, a blank row 5
    with pytest.raises(DataError) as caught:
        rio.parse_counts(buffer.getvalue(), "counts.xlsx")
    assert str(caught.value).startswith(
        '1 cell of "counts.xlsx" is not a number, e.g. row 7 (gene G3), column "S1": "x".'
    )


def test_non_numeric_cell_in_transposed_table_names_sample_row_and_gene_column():
    genes = [f"ENSG{i:011d}" for i in range(5)]
    content = ("sample," + ",".join(genes) + "\nA,1,2,3,4,5\nB,1,2,oops,4,5\n").encode()
    with pytest.raises(DataError, match=r'row 3 \(sample B\), column "ENSG00000000002": "oops"'):
        rio.parse_counts(content, "t.csv")


def test_infinite_values_are_not_numbers():
    with pytest.raises(DataError, match=r'row 2 \(gene G1\), column "S1": "inf"'):
        rio.parse_counts(b"gene,S1,S2\nG1,inf,2\nG2,3,4\n", "inf.csv")


def test_r_write_table_header_without_row_name_cell():
    content = b'"S1"\t"S2"\n"G1"\t1\t2\n"G2"\t3\t4\n'
    dataset = rio.parse_counts(content, "r.txt")
    assert dataset.counts.columns.tolist() == ["S1", "S2"]
    assert dataset.counts.loc["G2"].tolist() == [3.0, 4.0]


def test_blank_cells_name_row_gene_and_column():
    rows = counts_rows(3, 3)
    rows[2][3] = ""
    rows[3][1] = "NA"
    with pytest.raises(DataError) as caught:
        rio.parse_counts(table(rows), "holes.csv")
    message = str(caught.value)
    assert "2 cells" in message and "empty (blank or NA)" in message
    assert 'row 3 (gene G2), column "S3"' in message
    assert 'row 4 (gene G3), column "S1"' in message


def test_negative_counts_are_an_error():
    rows = counts_rows(3, 3)
    rows[2][2] = -4
    with pytest.raises(DataError) as caught:
        rio.parse_counts(table(rows), "neg.csv")
    message = str(caught.value)
    assert '1 cell of "neg.csv" is negative' in message
    assert 'row 3 (gene G2), column "S2": -4' in message
    assert "cannot be negative" in message


def test_duplicated_sample_ids_are_listed():
    rows = counts_rows(3, 4)
    rows[0] = ["gene_id", "S1", "S2", "S1", "S2 "]
    with pytest.raises(DataError) as caught:
        rio.parse_counts(table(rows), "dup.csv")
    message = str(caught.value)
    assert "2 sample ids appear more than once" in message
    assert '"S1" (columns 2, 4)' in message and '"S2" (columns 3, 5)' in message


def test_duplicated_gene_ids_are_summed_with_a_notice_naming_three():
    rows = counts_rows(14, 2)
    for i in range(1, 15, 2):  # 7 pairs: G1 on file lines 2 and 3, G3 on 4 and 5, ...
        rows[i + 1][0] = rows[i][0]
    dataset = rio.parse_counts(table(rows), "dup.csv")
    assert dataset.value_kind == "counts"
    assert dataset.counts.index.tolist() == ["G1", "G3", "G5", "G7", "G9", "G11", "G13"]
    # G1: [10, 11] + [20, 21]; G13: [130, 131] + [140, 141]
    assert dataset.counts.loc["G1"].tolist() == [30.0, 32.0]
    assert dataset.counts.loc["G13"].tolist() == [270.0, 272.0]
    assert dataset.notices == (
        'dup.csv: 7 gene ids appear more than once (e.g. "G1" rows 2 and 3; "G3" rows 4 '
        'and 5; "G5" rows 6 and 7): their rows were summed',
    )


def test_duplicated_gene_id_with_a_length_column_sums_lengths_too():
    rows = [
        ["gene_id", "Length", "A", "B"],
        ["Pisd-ps1", 100, 1, 2],
        ["Pisd", 400, 5, 5],
        ["Pisd-ps1", 50, 3, 0],
        ["Pisd-ps1", 10, 0, 4],
    ]
    dataset = rio.parse_counts(table(rows), "counts.csv")
    assert dataset.counts.index.tolist() == ["Pisd-ps1", "Pisd"]
    assert dataset.counts.loc["Pisd-ps1"].tolist() == [4.0, 6.0]
    assert dataset.gene_lengths.tolist() == [160.0, 400.0]
    assert (
        'counts.csv: 1 gene id appears more than once ("Pisd-ps1" rows 2, 4 and 5): its rows '
        "were summed" in dataset.notices
    )


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ([[10.5, 300.25], [0.0, 1200.0], [20.5, 100.75]], "normalized"),
        ([[7.25, -1.5], [0.5, 12.0], [8.75, 2.5]], "log"),
    ],
)
def test_duplicated_gene_ids_of_non_counts_are_averaged(values, kind):
    ids = ["g1", "g2", "g1"]
    rows = [["gene", "A", "B"]] + [[g, *v] for g, v in zip(ids, values, strict=True)]
    dataset = rio.parse_counts(table(rows), "values.csv")
    assert dataset.value_kind == kind
    assert dataset.counts.index.tolist() == ["g1", "g2"]
    expected = [(values[0][j] + values[2][j]) / 2 for j in range(2)]
    assert dataset.counts.loc["g1"].tolist() == pytest.approx(expected)
    assert dataset.counts.loc["g2"].tolist() == values[1]
    assert (
        'values.csv: 1 gene id appears more than once ("g1" rows 2 and 4): its rows were '
        "averaged, since the values are not raw counts" in dataset.notices
    )


def test_duplicated_gene_ids_in_a_transposed_table_name_columns():
    genes = ["ENSG00000000003", "ENSG00000000005", "ENSG00000000003", "ENSG00000000419"]
    rows = [["sample", *genes], ["S1", 1, 2, 3, 4], ["S2", 5, 6, 7, 8]]
    dataset = rio.parse_counts(table(rows), "wide.csv")
    assert dataset.counts.index.tolist() == [
        "ENSG00000000003",
        "ENSG00000000005",
        "ENSG00000000419",
    ]
    assert dataset.counts.loc["ENSG00000000003"].tolist() == [4.0, 12.0]
    assert (
        'wide.csv: 1 gene id appears more than once ("ENSG00000000003" columns 2 and 4): its '
        "columns were summed" in dataset.notices
    )


def test_ensembl_ids_of_the_counts_are_kept_as_written():
    # Stripping versions would make PAR_Y copies and two versions of one gene collide.
    genes = [
        "ENSG00000182378.14",
        "ENSG00000182378.14_PAR_Y",
        "ENSG00000000003.14",
        "ENSG00000000003.15",
    ]
    rows = [["gene_id", "S1", "S2"]] + [[g, k + 1, k + 2] for k, g in enumerate(genes)]
    dataset = rio.parse_counts(table(rows), "gencode.csv")
    assert dataset.counts.index.tolist() == genes
    assert dataset.notices == ()


def test_all_zero_samples_are_named():
    rows = counts_rows(3, 4)
    for i in range(1, 4):
        rows[i][2] = 0
        rows[i][4] = 0
    with pytest.raises(DataError) as caught:
        rio.parse_counts(table(rows), "z.csv")
    message = str(caught.value)
    assert '2 samples of "z.csv" are 0 in every gene: "S2", "S4"' in message
    assert "Remove them" in message


def test_all_zero_genes_removed_with_count_and_error_when_none_left():
    rows = counts_rows(5, 3)
    rows[2][1:] = [0, 0, 0]
    rows[4][1:] = [0, 0, 0]
    dataset = rio.parse_counts(table(rows), "z.csv")
    assert dataset.counts.index.tolist() == ["G1", "G3", "G5"]
    assert "z.csv: removed 2 genes that are 0 in every sample (3 genes left)" in dataset.notices
    zeros = [["gene", "A", "B"], ["g1", 0, 0], ["g2", 0, 0]]
    with pytest.raises(DataError, match="is 0: there is nothing to cluster"):
        rio.parse_counts(table(zeros), "zeros.csv")


def test_fewer_than_two_samples_and_no_genes():
    with pytest.raises(DataError, match=r'has 1 sample \("S1"\); clustering needs at least 2'):
        rio.parse_counts(table(counts_rows(3, 1)), "one.csv")
    with pytest.raises(DataError, match="has a header row but no data rows, so no genes"):
        rio.parse_counts(b"gene,S1,S2\n", "header_only.csv")


def test_blank_gene_id_names_the_row():
    rows = counts_rows(3, 2)
    rows[2][0] = ""
    with pytest.raises(DataError, match=r'Row 3 of "ids.csv" has no gene id in the first column'):
        rio.parse_counts(table(rows), "ids.csv")


def test_parse_counts_twenty_thousand_by_hundred_is_fast():
    rng = np.random.default_rng(0)
    values = rng.negative_binomial(2, 0.01, size=(20_000, 100))
    frame = pd.DataFrame(
        values,
        index=[f"ENSG{i:011d}" for i in range(20_000)],
        columns=[f"S{j}" for j in range(100)],
    )
    content = frame.to_csv(index_label="gene_id").encode()
    dataset = rio.parse_counts(content, "big.csv")  # speed: benchmarks/bench_pipeline.py
    assert dataset.counts.shape[1] == 100
    assert np.array_equal(dataset.counts.to_numpy(), values[values.any(axis=1)])
