"""Tests of rnaclust_dash.io: read_table: sniffing, encodings, gzip, xlsx, comments, bad files."""

from __future__ import annotations

import gzip
import io

import pandas as pd
import pytest

from rnaclust_dash import io as rio
from rnaclust_dash.errors import DataError

from io_helpers import counts_rows, table


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
