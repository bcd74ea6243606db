"""The ``markers`` command and the dashboard's Markers view share one home
(:mod:`rnaclust_dash.pipeline.markers`): for the same analysis parameters, grouping and
test they write the same marker table (the view's markers.csv download = the CLI's)."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from test_markers_view import PASILLA, load, run

from views import marker_results
from views import markers
from callback_helpers import registered
from rnaclust_dash.cli import main
from rnaclust_dash.params import AnalysisParams, params_document


def cli_table(tmp_path, analysis_store: dict, *options) -> pd.DataFrame:
    """markers.csv of the command run with the view's analysis parameters (--params)."""
    view_params = AnalysisParams.from_dict(analysis_store["params"])
    (tmp_path / "view_params.json").write_text(params_document(view_params))
    out = tmp_path / "cli"
    status = main(["markers", str(PASILLA / "counts.csv.gz"), "--metadata",
                   str(PASILLA / "samples.csv"), "--params", str(tmp_path / "view_params.json"),
                   *options, "--out", str(out)])
    assert status == 0
    # the command ran the analysis the view ran (else the comparison means nothing)
    document = json.loads((out / "params.json").read_text())
    assert AnalysisParams.from_dict(document["parameters"]) == view_params
    return pd.read_csv(out / "markers.csv", dtype={"group": str, "symbol": str},
                       keep_default_na=False, na_values=[""])


def view_table(store, analysis_store, group_by, test, mode="rest", group=None,
               reference=None) -> pd.DataFrame:
    reference_ = run(store, analysis_store, group_by, test, mode, group, reference)
    sent = registered(markers, store).functions["download"](1, reference_)
    return pd.read_csv(io.StringIO(sent["content"]), dtype={"group": str, "symbol": str},
                       keep_default_na=False, na_values=[""])


@pytest.mark.parametrize("test", ["t-test", "wilcoxon", "deseq2"])
def test_cli_and_view_give_the_same_table_for_a_sheet_column(store, tmp_path, test):
    pasilla = load(store, "pasilla")
    cli = cli_table(tmp_path, pasilla, "--group-by", "condition", "--test", test)
    view = view_table(store, pasilla, "condition", test)
    assert sorted(view["group"].unique()) == ["treated", "untreated"]
    pd.testing.assert_frame_equal(cli, view, check_exact=False, rtol=1e-12)


def test_cli_and_view_give_the_same_table_for_the_clusters(store, tmp_path):
    pasilla = load(store, "pasilla")
    cli = cli_table(tmp_path, pasilla, "--test", "t-test")
    view = view_table(store, pasilla, marker_results.CLUSTERS, "t-test")
    # the view names a cluster "cluster 1", the CLI's files "1"
    view["group"] = view["group"].str.removeprefix("cluster ")
    pd.testing.assert_frame_equal(cli, view, check_exact=False, rtol=1e-12)


def test_cli_versus_equals_the_views_group_versus_group(store, tmp_path):
    pasilla = load(store, "pasilla")
    cli = cli_table(tmp_path, pasilla, "--group-by", "condition", "--versus", "untreated",
                       "--test", "wilcoxon")
    view = view_table(store, pasilla, "condition", "wilcoxon", "pair", "treated",
                      "untreated")
    pd.testing.assert_frame_equal(cli, view, check_exact=False, rtol=1e-12)
