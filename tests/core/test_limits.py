"""Bounded work (issue 13 item 3): every number has an upper bound in the spec, and huge,
NaN or infinite values are refused with a message (exit 2) before any file is read."""

from __future__ import annotations

import json
import math

import pytest

from rnaclust_dash.assess import choose_k
from rnaclust_dash.cli import main
from rnaclust_dash.errors import ParameterError
from rnaclust_dash.params import ASSESS_SPEC, COMMAND_SPEC, SPEC, AnalysisParams

#: A counts path that does not exist: a refusal that names the option (not the file)
#: shows the option was checked before anything was read.
MISSING = "no-such-counts.csv"


@pytest.mark.parametrize("param", [*SPEC.values(), *ASSESS_SPEC.values(),
                                   *COMMAND_SPEC.values()], ids=lambda p: p.name)
def test_every_number_and_text_has_a_finite_upper_bound(param):
    if param.type is bool or param.choices is not None:
        return
    assert param.max is not None and math.isfinite(param.max), param.name


@pytest.mark.parametrize("command, option, message", [
    (["stability", MISSING, "--resamples", "1e9"], "--resamples",
     "1,000,000,000, more than allowed"),
    (["choose-k", MISSING, "--k-max", "1e10"], "--k-max", "10,000,000,000, more than allowed"),
    (["choose-k", MISSING, "--k-min", "1e10"], "--k-min", "more than allowed"),
    (["choose-k", MISSING, "--gap-refs", "1e7"], "--gap-refs", "10,000,000, more than allowed"),
    (["stability", MISSING, "--resamples", "10", "--consensus-k-max", "1e6"],
     "--consensus-k-max", "more than allowed"),
    (["run", MISSING, "--n-init", str(10**7)], "--n-init", "more than allowed"),
    (["run", MISSING, "--pseudocount", "Infinity"], "--pseudocount", "finite number"),
    (["run", MISSING, "--min-count", "nan"], "--min-count", "finite number"),
    (["run", MISSING, "--seed", str(2**40)], "--seed", "more than allowed"),
    (["run", MISSING, "--k", "abc"], "--k", "not a valid int"),
    (["run", MISSING, "--exclude", "x" * 131_072], "--exclude", "131,072 characters long"),
    (["enrich", "--genes", "g.txt", "--gene-sets", "go-bp", "--max-size", "1e12"],
     "--max-size", "more than allowed"),
    (["timecourse", MISSING, "--metadata", "s.csv", "--time-column", "t",
      "--clusters", "1e9"], "--clusters", "more than allowed"),
    (["timecourse", MISSING, "--metadata", "s.csv", "--time-column", "t",
      "--lrt-padj", "nan"], "--lrt-padj", "finite number"),
    (["modules", MISSING, "--metadata", "s.csv", "--top-genes", "1e9"], "--top-genes",
     "more than allowed"),
    (["modules", MISSING, "--metadata", "s.csv", "--min-module-size", "1e9"],
     "--min-module-size", "more than allowed"),
])
def test_cli_refuses_huge_nan_and_wrong_values_before_reading(command, option, message,
                                                               tmp_path, capsys):
    status = main([*command, "--out", str(tmp_path / "out")])
    error = capsys.readouterr().err
    assert status == 2
    assert option in error and message in error
    assert "Traceback" not in error and MISSING not in error.split("error:")[-1]


@pytest.mark.parametrize("command, message", [
    (["modules", MISSING, "--metadata", "s.csv", "--power", "inf"], "--power"),
    (["modules", MISSING, "--metadata", "s.csv", "--power", "1e6"], "--power"),
    (["timecourse", MISSING, "--metadata", "s.csv", "--time-column", "t",
      "--fuzzifier", "1e9"], "--fuzzifier"),
])
def test_cli_refuses_huge_auto_or_number_options(command, message, tmp_path, capsys):
    status = main([*command, "--out", str(tmp_path / "out")])
    error = capsys.readouterr().err
    assert status == 2 and message in error
    assert "more than allowed" in error or "finite number" in error
    assert "Traceback" not in error


@pytest.mark.parametrize("document, message", [
    ('{"pseudocount": Infinity}', "pseudocount must be a finite number"),
    ('{"resolution": NaN}', "resolution must be a finite number"),
    ('{"n_init": 1e300}', "more than allowed"),
    (json.dumps({"exclude": "x" * 131_072}), "131,072 characters long"),
    (json.dumps({"k": [2]}), "not a valid int"),
    ('{"k": ', "not valid JSON"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),  # was a RecursionError traceback
])
def test_cli_refuses_bad_values_in_params_json(document, message, tmp_path, capsys):
    params = tmp_path / "params.json"
    params.write_text(document)
    counts = tmp_path / "counts.csv"
    counts.write_text("gene,A,B,C\ng1,1,2,3\ng2,4,5,6\ng3,7,8,9\n")
    status = main(["run", str(counts), "--params", str(params), "--out", str(tmp_path / "o")])
    error = capsys.readouterr().err
    assert status == 2 and message in error and "Traceback" not in error


def test_choose_k_refuses_a_huge_range_without_listing_it():
    # Before: list(range(2, 10**10 + 1)) ran out of memory (MemoryError, exit 1).
    with pytest.raises(ParameterError, match="more than allowed"):
        choose_k(None, "no-key", AnalysisParams(), k_values=range(2, 10**10 + 1))


@pytest.mark.parametrize("where", ["counts", "metadata"])
def test_a_cell_over_the_csv_field_limit_is_a_message_not_a_traceback(where, tmp_path,
                                                                       capsys):
    # Before: _csv.Error "field larger than field limit (131072)", a traceback, exit 1.
    big = '"' + "x" * 131_073 + '"'  # quoted: csv reads it (unquoted lines are split)
    counts = tmp_path / "counts.csv"
    sheet = tmp_path / "samples.csv"
    rows = ["g1,1,2,3", "g2,4,5,6", "g3,7,8,9", "g4,3,3,3"]
    if where == "counts":
        rows[0] = f"{big},1,2,3"
    counts.write_text("gene,A,B,C\n" + "\n".join(rows) + "\n")
    sheet.write_text(f"sample,group\nA,{big if where == 'metadata' else 'a'}\nB,b\nC,c\n")
    status = main(["run", str(counts), "--metadata", str(sheet), "--out", str(tmp_path / "o")])
    error = capsys.readouterr().err
    assert status == 2 and "cannot be read" in error and "Traceback" not in error
    assert (sheet.name if where == "metadata" else counts.name) in error
