"""Safe outputs (issue 13 item 5): every CSV the command line writes and every table the
dashboard sends neutralises text cells a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rnaclust_dash.cli import main
from rnaclust_dash.export.tables import csv_text, table_bytes

PACKAGE = Path(__file__).resolve().parents[2]

#: Sample and gene ids a spreadsheet would run (CSV injection), one per prefix.
HOSTILE_SAMPLES = ["=cmd|' /C calc'!A0", "+SUM(1;2)", "-2+3", "@SUM(A1)", "\tTAB", "plain"]
HOSTILE_GENES = ["=HYPERLINK(\"http://x\")", "-GENE", "@g"]


@pytest.fixture()
def hostile_table(tmp_path):
    rng = np.random.default_rng(1)
    genes = HOSTILE_GENES + [f"g{i}" for i in range(60)]
    means = rng.uniform(5, 500, size=(len(genes), 1))
    shift = np.where(np.arange(len(HOSTILE_SAMPLES)) < 3, 1.0, 3.0)
    counts = pd.DataFrame(rng.poisson(means * shift), index=genes, columns=HOSTILE_SAMPLES)
    path = tmp_path / "counts.csv"
    counts.rename_axis("gene_id").to_csv(path)
    sheet = pd.DataFrame({"sample": HOSTILE_SAMPLES,
                          "group": ["=a", "=a", "=a", "b", "b", "b"]})
    sheet.to_csv(tmp_path / "samples.csv", index=False)
    return path, tmp_path / "samples.csv"


def raw_fields(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [field for row in csv.reader(handle) for field in row]


def assert_no_live_formula(folder: Path, hostile: list[str]) -> int:
    """Every CSV in ``folder``: no field equals a hostile id as it was; returns the number
    of neutralised fields seen (so that a test also sees the ids were written)."""
    neutralised = 0
    for path in sorted(folder.glob("*.csv")):
        fields = raw_fields(path)
        live = [f for f in fields if f in hostile and f != "plain"]
        assert not live, f"{path.name} holds live formulas {live}"
        neutralised += sum(f"'{h}" in fields for h in hostile)
    return neutralised


@pytest.mark.parametrize("command", [
    ["run", "--method", "kmeans", "--k", "2", "--min-samples", "0"],
    ["run", "--target", "genes", "--k", "3", "--min-samples", "0"],
    ["stability", "--k", "2", "--resamples", "3", "--consensus", "--consensus-k-max", "3",
     "--min-samples", "0"],
    ["markers", "--group-by", "group", "--min-samples", "0"],
])
def test_every_cli_csv_neutralises_formula_prefixes(hostile_table, tmp_path, command, capsys):
    counts, sheet = hostile_table
    out = tmp_path / "out"
    name, *options = command
    status = main([name, str(counts), "--metadata", str(sheet), "--out", str(out), *options])
    assert status == 0, capsys.readouterr().err
    assert assert_no_live_formula(out, HOSTILE_SAMPLES + HOSTILE_GENES + ["=a"]) > 0


def test_csv_text_and_xlsx_neutralise_cells_index_and_header():
    frame = pd.DataFrame({"=x": ["=1+1", "+a", "ok", "-b"], "n": [-1.5, 2, 3, 4],
                          "c": pd.Categorical(["@c", "d", "@c", "d"])},
                         index=pd.Index(["@i", "j", "\tk", "l"], name="id"))
    text = csv_text(frame, index=True)
    fields = [f for row in csv.reader(io.StringIO(text, newline="")) for f in row]
    assert {"'=x", "'=1+1", "'+a", "'-b", "'@c", "'@i", "'\tk"} <= set(fields)
    assert "-1.5" in fields  # numbers stay numbers
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(table_bytes(frame, "xlsx", index=True)))
    cells = [c.value for row in book.active.iter_rows() for c in row]
    assert "'=1+1" in cells and "=1+1" not in cells and -1.5 in cells


def test_no_csv_is_written_around_the_neutralising_writer():
    """Every CSV written by the package or the dashboard goes through export/tables.py
    (csv_text, write_csv, table_bytes): a direct ``.to_csv(``/``send_data_frame`` would
    bypass it. Hashing the sample sheet (dataset.py) writes no file."""
    allowed = {PACKAGE / "rnaclust_dash" / "export" / "tables.py",
               PACKAGE / "rnaclust_dash" / "dataset.py",
               # the exported script's own code text (it calls pandas, not this package)
               PACKAGE / "rnaclust_dash" / "export" / "script.py"}
    offenders = []
    for folder in ("rnaclust_dash", "views", "callbacks", "layouts"):
        for path in (PACKAGE / folder).rglob("*.py"):
            if path in allowed:
                continue
            text = path.read_text()
            if re.search(r"\.to_csv\(|\.to_excel\(|send_data_frame\(", text):
                offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []


#: Text cells that end a line, split a field or start a formula, each with text after.
AWKWARD_CELLS = ["cr\rinside", "lf\ninside", "crlf\r\ninside", "tab\tinside", "\rstart",
                 "\nstart", "\tstart", "=1+1", "+a", "-b", "@c", 'quote "q", comma', "plain"]


def expected_cell(value: str) -> str:
    return "'" + value if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value


@pytest.mark.parametrize("as_index", [False, True])
def test_line_breaks_tabs_and_formulas_inside_cells_survive_a_round_trip(as_index):
    """A cell with a carriage return (alone or before a line feed), a line feed or a tab
    comes back whole, through pandas and through Python's csv module, with formula
    prefixes neutralised: an unquoted carriage return would end the row in the reader."""
    frame = pd.DataFrame({"text": AWKWARD_CELLS, "n": np.arange(len(AWKWARD_CELLS)) - 0.5},
                         index=pd.Index([f"r\r{i}" for i in range(len(AWKWARD_CELLS))],
                                        name="id"))
    text = table_bytes(frame, "csv", index=as_index).decode("utf-8")
    expected = [expected_cell(v) for v in AWKWARD_CELLS]
    back = pd.read_csv(io.StringIO(text), keep_default_na=False)
    assert back["text"].tolist() == expected
    assert back["n"].tolist() == frame["n"].tolist()
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == len(AWKWARD_CELLS) + 1
    assert [row[-2] for row in rows[1:]] == expected
    if as_index:
        assert back["id"].tolist() == frame.index.tolist()
    # rows end with a line feed, as before
    assert text.endswith(f"plain,{frame['n'].iloc[-1]}\n")
    assert "\r\n" not in text.replace('"crlf\r\ninside"', "")
