"""Tests of rnaclust_dash.io: readers, validation messages, sample and length matching."""

from __future__ import annotations

import base64
import gzip
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rnaclust_dash import io as rio
from rnaclust_dash.dataset import Dataset
from rnaclust_dash.errors import DataError, ParameterError

FIXTURES = Path(__file__).parents[1] / "data" / "io"
SHARED = Path(__file__).parents[2].parent / "shared" / "data"


def table(rows: list[list[object]], sep: str = ",") -> bytes:
    """Bytes of a delimited table, one list per line."""
    return ("\n".join(sep.join(str(cell) for cell in row) for row in rows) + "\n").encode()


def counts_rows(n_genes: int = 4, n_samples: int = 3) -> list[list[object]]:
    """A small genes x samples table with distinct non-zero integer counts."""
    header = ["gene_id"] + [f"S{j + 1}" for j in range(n_samples)]
    return [header] + [
        [f"G{i + 1}"] + [10 * (i + 1) + j for j in range(n_samples)] for i in range(n_genes)
    ]


def shared_file(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    return path


# --------------------------------------------------------------------------- upload


def test_check_upload_size_message_names_size_limit_and_cli():
    with pytest.raises(DataError) as caught:
        rio.check_upload_size(143_200_000, limit=100_000_000)
    assert str(caught.value) == (
        "The file is 143.2 MB; the upload limit is 100 MB. For larger tables use the "
        "command line: python -m rnaclust_dash run FILE --out DIR, or ask whoever runs "
        "this server to raise the limit (the RNACLUST_MAX_UPLOAD_MB setting)."
    )


def test_check_upload_size_reads_environment_at_call_time(monkeypatch):
    monkeypatch.delenv("RNACLUST_MAX_UPLOAD_MB", raising=False)
    assert rio.max_upload_bytes() == rio.MAX_UPLOAD_BYTES == 100_000_000
    rio.check_upload_size(5_000_000)
    monkeypatch.setenv("RNACLUST_MAX_UPLOAD_MB", "2")
    assert rio.max_upload_bytes() == 2_000_000
    with pytest.raises(DataError, match="the upload limit is 2 MB"):
        rio.check_upload_size(5_000_000)
    monkeypatch.setenv("RNACLUST_MAX_UPLOAD_MB", "lots")
    with pytest.raises(ParameterError, match="RNACLUST_MAX_UPLOAD_MB"):
        rio.max_upload_bytes()


def test_decode_upload_round_trip():
    payload = b"gene_id,S1\nG1,3\n"
    contents = "data:text/csv;base64," + base64.b64encode(payload).decode()
    assert rio.decode_upload(contents) == payload


@pytest.mark.parametrize(
    "contents",
    ["gene_id,S1", "data:text/csv,plain", "data:text/csv;base64,@@not base64@@", None],
)
def test_decode_upload_rejects_malformed(contents):
    with pytest.raises(DataError, match="upload could not be read"):
        rio.decode_upload(contents)


# --------------------------------------------------------------------------- read_table


def test_read_table_sniffs_tab_semicolon_comma_and_spaces():
    rows = counts_rows(3, 2)
    for sep in ("\t", ";", ",", "  "):
        frame = rio.read_table(table(rows, sep), "x.txt")
        assert list(frame.columns) == ["gene_id", "S1", "S2"], repr(sep)
        assert frame["S2"].tolist() == [11, 21, 31]
        assert frame["gene_id"].tolist() == ["G1", "G2", "G3"]


def test_read_table_semicolon_with_decimal_comma():
    content = b"gene;A;B\ng1;1,5;2\ng2;0,25;3,75\n"
    frame = rio.read_table(content, "europe.csv")
    assert frame["A"].tolist() == [1.5, 0.25]
    assert frame["B"].tolist() == [2.0, 3.75]


def test_read_table_skips_comment_and_blank_lines_and_bom():
    content = "\ufeff# made by hand\ngene,S1,S2\n\nG1,1,2\n# note\nG2,3,4\n".encode()
    frame = rio.read_table(content, "x.csv")
    assert list(frame.columns) == ["gene", "S1", "S2"]
    assert frame.values.tolist() == [["G1", 1, 2], ["G2", 3, 4]]


def test_read_table_gzip_recognised_by_magic_bytes_not_name():
    content = gzip.compress(table(counts_rows(2, 2), "\t"))
    frame = rio.read_table(content, "counts.txt")
    assert frame.shape == (2, 3)
    assert frame["S1"].tolist() == [10, 20]


def test_read_table_xlsx_first_sheet_by_magic_bytes():
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        pd.DataFrame({"gene": ["G1", "G2"], "S1": [1, 2], "S2": [3.5, 4]}).to_excel(
            writer, sheet_name="counts", index=False
        )
        pd.DataFrame({"other": [9]}).to_excel(writer, sheet_name="notes", index=False)
    frame = rio.read_table(buffer.getvalue(), "upload.bin")
    assert list(frame.columns) == ["gene", "S1", "S2"]
    assert frame["S2"].tolist() == [3.5, 4.0]
    assert frame["gene"].tolist() == ["G1", "G2"]


def test_read_table_utf16_and_windows_1252():
    text = "gene\tS1\tS2\nG1\t1\t2\n"
    assert rio.read_table(text.encode("utf-16"), "excel.txt").shape == (1, 3)
    latin = "gene,Probe µ,S2\nG1,1,2\n".encode("cp1252")
    frame = rio.read_table(latin, "latin.csv")
    assert list(frame.columns) == ["gene", "Probe µ", "S2"]


def test_read_table_empty_file():
    with pytest.raises(DataError, match=r'"empty.csv" is empty'):
        rio.read_table(b"", "empty.csv")
    with pytest.raises(DataError, match="is empty"):
        rio.read_table(b"# only a comment\n\n", "comments.txt")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "NUL bytes"),
        (bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D]) * 10, "neither UTF-8 nor Windows-1252"),
        (b"gene_id\nENSG00000000003\nENSG00000000005\n", "only one column"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20, "old Excel .xls"),
        (b"PK\x03\x04" + b"\x00" * 40, "not an Excel .xlsx"),
    ],
)
def test_read_table_rejects_garbage_and_lists_formats(content, reason):
    with pytest.raises(DataError) as caught:
        rio.read_table(content, "upload.dat")
    message = str(caught.value)
    assert reason in message
    assert '"upload.dat"' in message
    assert "Accepted formats: CSV, TSV or TXT" in message and ".xlsx" in message


def test_read_table_ragged_row_names_the_file_line():
    content = b"# comment\ngene,S1,S2\nG1,1,2\nG2,3,4,5\n"
    with pytest.raises(DataError, match=r"line 4: 4 cells where the header row has 3"):
        rio.read_table(content, "ragged.csv")


# --------------------------------------------------------------------------- counts: layouts


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


# --------------------------------------------------------------------------- metadata


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


# --------------------------------------------------------------------------- lengths


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


# --------------------------------------------------------------------------- GTF


def gtf(rows: list[tuple[object, ...]], comment: str = "#!genome-build test") -> bytes:
    """A GTF/GFF: a comment line, then one tab-separated line per tuple of 9 fields."""
    lines = [comment] + ["\t".join(str(field) for field in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def exon(gene_id: str, start: int, end: int, seqname: str = "1", **more: str) -> tuple:
    """A GTF exon line of ``gene_id``."""
    attributes = f'gene_id "{gene_id}";' + "".join(f' {k} "{v}";' for k, v in more.items())
    return (seqname, "test", "exon", start, end, ".", "+", ".", attributes)


# Worked out by hand from the exons of annotation_small.gtf (1-based, inclusive ends).
SMALL_GTF_LENGTHS = {
    # Exons 100-199, 300-399 (GA-1); 150-249, 250-259, 320-340 (GA-2); 400-420 (GA-3).
    # 150-249 overlaps 100-199 and 250-259 touches it: one run 100-259 = 160 bp. 320-340
    # lies inside 300-399 and 400-420 touches it: one run 300-420 = 121 bp.
    "GA": 160 + 121,
    # 1000-1099 on chr2L and 1050-1149 on chrX: two chromosomes, never merged (not 150).
    "GB": 100 + 100,
    # 5000-5099 twice, 4040-4099 and 4000-4049 out of order: 4000-4099 and 5000-5099.
    "GC": 100 + 100,
    # 7000-7000: one base.
    "GD": 1,
    # 8001-8050, its gene_id after a ref_gene_id "GA" that must not be taken for it.
    "GE": 50,
}


def test_gtf_lengths_are_the_union_of_exons_by_hand():
    lengths = rio.parse_gtf_lengths((FIXTURES / "annotation_small.gtf").read_bytes(), "a.gtf")
    assert lengths.to_dict() == SMALL_GTF_LENGTHS
    assert lengths.index.tolist() == ["GA", "GB", "GC", "GD", "GE"]  # order of the file
    assert lengths.index.name == "gene_id" and lengths.dtype == np.int64


def test_gtf_lengths_from_gzip_equal_plain():
    content = (FIXTURES / "annotation_small.gtf").read_bytes()
    plain = rio.parse_gtf_lengths(content, "a.gtf")
    packed = rio.parse_gtf_lengths(gzip.compress(content), "a.gtf.gz")
    pd.testing.assert_series_equal(packed, plain)


def test_parse_gene_lengths_recognises_a_gzip_gtf():
    content = gzip.compress((FIXTURES / "annotation_small.gtf").read_bytes())
    series, notices = rio.parse_gene_lengths(content, "genes.gtf.gz", ["GC", "GA", "GZ"])
    assert series.index.tolist() == ["GC", "GA", "GZ"]
    assert series.tolist()[:2] == [200.0, 281.0] and np.isnan(series.iloc[2])
    assert notices == (
        "genes.gtf.gz: lengths computed as the union of exons per gene from the GTF",
        "genes.gtf.gz: 1 of 3 genes has no length (NaN)",
    )


def test_build_dataset_with_a_gtf_replaces_featurecounts_lengths():
    content = gtf([exon("ENSG00000223972", 11869, 12227), exon("ENSG00000223972", 12010, 12057)])
    dataset = rio.build_dataset(
        (FIXTURES / "featurecounts_small.txt").read_bytes(),
        "fc.txt",
        lengths_content=content,
        lengths_filename="genes.gtf",
    )
    assert dataset.gene_lengths.loc["ENSG00000223972"] == 12227 - 11869 + 1
    assert dataset.gene_lengths.iloc[1:].isna().all()
    assert "genes.gtf: lengths computed as the union of exons per gene from the GTF" in (
        dataset.notices
    )


@pytest.mark.parametrize("source", ["table", "gtf"])
@pytest.mark.parametrize("versioned", ["counts", "lengths"])
def test_versioned_and_unversioned_ensembl_ids_match(source, versioned):
    bare = ["ENSG00000000003", "ENSG00000000005", "ENSG00000000419"]
    tagged = ["ENSG00000000003.14", "ENSG00000000005.6", "ENSG00000000419.12"]
    count_ids, length_ids = (tagged, bare) if versioned == "counts" else (bare, tagged)
    counts = table([["gene_id", "S1", "S2"]] + [[g, 5, 6] for g in count_ids])
    if source == "table":
        lengths = table(
            [["gene_id", "length"]] + [[g, 100 * (k + 1)] for k, g in enumerate(length_ids)]
        )
    else:
        lengths = gtf([exon(g, 1000, 1000 + 100 * (k + 1) - 1) for k, g in enumerate(length_ids)])
    dataset = rio.build_dataset(
        counts, "counts.csv", lengths_content=lengths, lengths_filename="len"
    )
    assert dataset.counts.index.tolist() == count_ids  # the counts' ids are kept
    assert dataset.gene_lengths.tolist() == [100.0, 200.0, 300.0]
    assert (
        f"len: matched 3 gene ids ignoring Ensembl version suffixes, e.g. {count_ids[0]} -> "
        "ENSG00000000003" in dataset.notices
    )


def test_gencode_par_y_ids_match_exactly_or_stay_unknown():
    genes = ["ENSG00000182378.14", "ENSG00000182378.14_PAR_Y"]
    gencode = gtf(
        [
            exon(genes[0], 100, 199, "chrX"),
            exon(genes[1], 100, 199, "chrY"),
            exon(genes[1], 300, 309, "chrY"),
        ]
    )
    series, notices = rio.parse_gene_lengths(gencode, "gencode.gtf", genes)
    assert series.tolist() == [100.0, 110.0]
    assert not any("version" in n for n in notices)
    ensembl = gtf([exon("ENSG00000182378", 100, 199, "X")])
    series, notices = rio.parse_gene_lengths(ensembl, "ensembl.gtf", genes)
    assert series.iloc[0] == 100.0 and np.isnan(series.iloc[1])


def test_gff3_gene_from_gene_id_or_through_the_transcript_parent():
    ensembl = gtf(
        [
            ("1", "ensembl", "gene", 100, 500, ".", "+", ".", "ID=gene:ENSG00000000001;Name=A"),
            (
                "1",
                "ensembl",
                "mRNA",
                100,
                500,
                ".",
                "+",
                ".",
                "ID=transcript:ENST01;Parent=gene:ENSG00000000001",
            ),
            (
                "1",
                "ensembl",
                "exon",
                100,
                199,
                ".",
                "+",
                ".",
                "Parent=transcript:ENST01;Name=ENSE1",
            ),
            (
                "1",
                "ensembl",
                "CDS",
                120,
                290,
                ".",
                "+",
                "0",
                "ID=CDS:ENSP01;Parent=transcript:ENST01",
            ),
            (
                "1",
                "ensembl",
                "exon",
                150,
                299,
                ".",
                "+",
                ".",
                "Parent=transcript:ENST01;Name=ENSE2",
            ),
        ],
        comment="##gff-version 3",
    )
    series, notices = rio.parse_gene_lengths(ensembl, "genes.gff3", ["ENSG00000000001"])
    assert series.tolist() == [200.0]  # 100-299
    assert notices == ("genes.gff3: lengths computed as the union of exons per gene from the GTF",)
    gencode = gtf(
        [
            (
                "chr1",
                "HAVANA",
                "exon",
                11,
                20,
                ".",
                "+",
                ".",
                "ID=exon:ENST02:1;Parent=ENST02;gene_id=ENSG02.3",
            )
        ],
        comment="##gff-version 3",
    )
    assert rio.parse_gtf_lengths(gencode, "g.gff3").to_dict() == {"ENSG02.3": 10}


def test_dexseq_flattened_gff_uses_exonic_parts():
    content = gtf(
        [
            ("2L", "dexseq", "aggregate_gene", 1, 900, ".", "+", ".", 'gene_id "FBgn0000003"'),
            (
                "2L",
                "dexseq",
                "exonic_part",
                1,
                299,
                ".",
                "+",
                ".",
                'transcripts "T1"; exonic_part_number "001"; gene_id "FBgn0000003"',
            ),
            (
                "2L",
                "dexseq",
                "exonic_part",
                300,
                400,
                ".",
                "+",
                ".",
                'transcripts "T1+T2"; exonic_part_number "002"; gene_id "FBgn0000003"',
            ),
        ]
    )
    series, notices = rio.parse_gene_lengths(content, "flat.gff", ["FBgn0000003"])
    assert series.tolist() == [400.0]
    assert notices == (
        "flat.gff: lengths computed as the union of exonic parts per gene from the GTF",
    )


def test_gtf_errors_name_the_line():
    no_exons = gtf([("1", "test", "gene", 1, 100, ".", "+", ".", 'gene_id "A";')])
    with pytest.raises(DataError, match=r'"x.gtf" looks like a GTF but has no exon lines'):
        rio.parse_gtf_lengths(no_exons, "x.gtf")
    no_gene = gtf(
        [exon("A", 1, 10), ("1", "test", "exon", 5, 20, ".", "+", ".", 'transcript_id "T";')]
    )
    with pytest.raises(DataError) as caught:
        rio.parse_gtf_lengths(no_gene, "x.gtf")
    assert str(caught.value).startswith('"x.gtf", line 3: 1 exon line without a gene id')
    reversed_exon = gtf([exon("A", 1, 10), exon("A", 50, 40), exon("B", "x", 9)])
    with pytest.raises(DataError) as caught:
        rio.parse_gtf_lengths(reversed_exon, "x.gtf")
    message = str(caught.value)
    assert message.startswith(
        '"x.gtf", line 3: the exon start and end (columns 4 and 5: "50", "40")'
    )
    assert "(2 exon lines like this)" in message


def test_gtf_with_300_000_exons():
    # 30,000 genes on 3 chromosomes, each with 5 runs of 2 exons overlapping by 150 bp:
    # every run covers 250 bp, so every gene 1,250 bp.
    n_genes, runs = 30_000, 5
    gene = np.repeat(np.arange(n_genes), 2 * runs)
    run = np.tile(np.repeat(np.arange(runs), 2), n_genes)
    second = np.tile([0, 50], n_genes * runs)
    start = 1 + (gene // 3) * 10_000 + run * 1_000 + second
    lines = [
        f'chr{g % 3 + 1}\ttest\texon\t{s}\t{s + 199}\t.\t+\t.\tgene_id "ENSG{g:011d}.1"; '
        f'transcript_id "ENST{g:011d}.{k % 2 + 1}"; gene_biotype "protein_coding";'
        for g, s, k in zip(gene.tolist(), start.tolist(), second.tolist(), strict=True)
    ]
    content = gzip.compress(("#!genome-build test\n" + "\n".join(lines) + "\n").encode())
    lengths = rio.parse_gtf_lengths(content, "big.gtf.gz")
    assert len(lengths) == n_genes
    assert (lengths == runs * 250).all()


# --------------------------------------------------------------------------- examples


@pytest.mark.parametrize(
    ("name", "n_samples", "has_lengths"), [("pasilla", 7, True), ("airway", 8, False)]
)
def test_load_example(name, n_samples, has_lengths):
    dataset = rio.load_example(name)
    assert dataset.name == name
    assert dataset.description == rio.EXAMPLES[name]
    assert dataset.value_kind == "counts"
    assert dataset.counts.shape[1] == n_samples
    assert dataset.counts.shape[0] > 10_000
    assert dataset.metadata.index.equals(dataset.counts.columns)
    assert dataset.metadata["group"].notna().all()
    assert (dataset.gene_lengths is not None) == has_lengths


def test_examples_descriptions_and_unknown_name():
    assert rio.EXAMPLES["airway"].startswith("airway: human airway smooth muscle cells")
    assert "Brooks et al. 2011" in rio.EXAMPLES["pasilla"]
    with pytest.raises(ParameterError, match='Unknown example "nope"'):
        rio.load_example("nope")
