"""A subset of the bad-input catalogue (benchmarks/bad_inputs.py, issue 13 item 7) in the
suite: every file case through the upload callback, a few through the CLI."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from bad_input_cases import all_cases  # noqa: E402
from bad_inputs import run_catalogue  # noqa: E402

CASES = all_cases()


def test_the_catalogue_has_at_least_100_cases():
    assert len({case.name for case in CASES}) >= 100


def test_every_file_case_through_the_upload_gives_a_message_and_keeps_the_data(monkeypatch):
    results = run_catalogue(CASES, where=("upload",))
    assert len(results) >= 80
    failed = [(r.case, r.outcome, r.message[:120]) for r in results if r.failed]
    assert failed == []
    refused = [r for r in results if r.outcome == "refused, previous kept"]
    assert len(refused) >= 70 and all(r.message.startswith("Could not update:")
                                      for r in refused)


@pytest.mark.parametrize("name", ["gz: bomb (zeros, 20x the limit and more)",
                                  "params.json: pseudocount Infinity",
                                  "option: --k-max 1e10 (choose-k)"])
def test_cli_cases_exit_2_with_a_message(name):
    case = next(c for c in CASES if c.name == name)
    [result] = run_catalogue([case], where=("cli",), jobs=1)
    assert result.outcome == "refused (exit 2)", (result.outcome, result.message)
    assert result.message.startswith("error:")
