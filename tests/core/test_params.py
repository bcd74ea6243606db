"""The parameter spec (rnaclust_dash.params): types, bounds, params.json, stage keys, CLI."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rnaclust_dash.cli import build_parser, main, run_synopsis
from rnaclust_dash.errors import ParameterError
from rnaclust_dash.params import (SPEC, STAGES, AnalysisParams, check_option, input_bounds,
                                  params_document, params_from_document, stage_fields,
                                  stage_params)
from rnaclust_dash.params.spec import SINGLE_CELL
from rnaclust_dash.pipeline import stage_keys

DATA = Path(__file__).resolve().parents[1] / "data"
README = Path(__file__).resolve().parents[2] / "README.md"


# --- types ---------------------------------------------------------------------------------

@pytest.mark.parametrize("changes", [{"k": 2.5}, {"n_init": 1.5}, {"seed": 0.1},
                                     {"top_genes": 100.5}])
def test_fractional_whole_numbers_are_refused(changes):
    with pytest.raises(ParameterError, match="must be a whole number"):
        AnalysisParams(**changes)


@pytest.mark.parametrize("changes, message", [
    ({"k": "3"}, "not a valid int"), ({"k": True}, "not a valid int"),
    ({"pseudocount": "1"}, "not a valid float"), ({"log_transform": "yes"}, "true or false"),
    ({"zscore": 1}, "true or false"), ({"distance": 3}, "must be text"),
    ({"exclude": None}, "must be text"),
])
def test_wrong_types_in_python_are_refused(changes, message):
    with pytest.raises(ParameterError, match=message):
        AnalysisParams(**changes)


def test_whole_floats_become_ints():
    params = AnalysisParams(k=3.0, n_init=np.int64(4), pseudocount=2)
    assert (params.k, params.n_init, params.pseudocount) == (3, 4, 2.0)
    assert type(params.k) is int and type(params.n_init) is int
    assert type(params.pseudocount) is float


def test_json_text_is_converted_as_before():
    params = AnalysisParams.from_dict({"k": "3", "n_init": 5.0, "seed": "12",
                                       "umap_min_dist": "0.25", "minibatch": "on"})
    assert (params.k, params.n_init, params.seed, params.umap_min_dist, params.minibatch) == (
        3, 5, 12, 0.25, True)
    with pytest.raises(ParameterError, match="must be a whole number; got 2.5"):
        AnalysisParams.from_dict({"k": "2.5"})


@pytest.mark.parametrize("text, expected", [
    ("true", True), ("True", True), ("yes", True), ("on", True), ("1", True),
    ("false", False), ("no", False), ("off", False), ("0", False), ("", False),
    (True, True), (False, False), (1, True), (0, False),
])
def test_bool_parsing(text, expected):
    assert AnalysisParams.from_dict({"zscore": text}).zscore is expected


def test_unreadable_bool_is_refused():
    with pytest.raises(ParameterError, match="zscore='maybe' is not a valid bool"):
        AnalysisParams.from_dict({"zscore": "maybe"})


# --- bounds ----------------------------------------------------------------------------------

_NUMBERS = [name for name, p in SPEC.items() if p.type in (int, float)]
_TEXTS = [name for name, p in SPEC.items() if p.type is str and p.choices is None]


def test_every_parameter_has_an_upper_bound_or_a_list_of_choices():
    for name, param in SPEC.items():
        assert param.type is bool or param.choices is not None or param.max is not None, name


@pytest.mark.parametrize("name", _NUMBERS)
def test_every_bound_is_enforced(name):
    param = SPEC[name]
    step = 1 if param.type is int else 1e-6 * max(1.0, abs(param.max))
    AnalysisParams(**{name: param.type(param.max)})  # the bound itself is allowed
    with pytest.raises(ParameterError):
        AnalysisParams(**{name: param.type(param.max + step)})
    low = param.min if not param.min_open else param.min + step
    AnalysisParams(**{name: param.type(low)})
    below = param.min - step if not param.min_open else param.min
    if below not in param.also:
        with pytest.raises(ParameterError):
            AnalysisParams(**{name: param.type(below)})


@pytest.mark.parametrize("name", _TEXTS)
def test_text_parameters_have_a_length_limit(name):
    with pytest.raises(ParameterError, match="characters long"):
        AnalysisParams(**{name: "S" * (int(SPEC[name].max) + 1), "batch_method": "limma",
                          "batch_column": "batch"} if name != "batch_column" else
                       {name: "b" * (int(SPEC[name].max) + 1)})


@pytest.mark.parametrize("changes, message", [
    ({"n_init": 10**7}, "10,000,000, more than allowed: n_init must be from 1 to 1,000"),
    ({"k": 5000}, r"k must be from 2 to 1,000"),
    ({"umap_neighbors": 10**6}, "more than allowed: umap_neighbors must be from 2 to 500"),
    ({"seed": 2**32}, "Seed"),
    ({"umap_min_dist": 1.5}, "between 0 and 1"),
])
def test_upper_bounds_have_messages(changes, message):
    with pytest.raises(ParameterError, match=message):
        AnalysisParams.from_dict(changes)  # as the dashboard and params.json pass them


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, "Infinity", "nan"])
@pytest.mark.parametrize("name", ["pseudocount", "min_count", "resolution", "fuzzifier",
                                  "umap_min_dist", "k", "n_init"])
def test_nan_and_infinity_are_refused(name, value):
    with pytest.raises(ParameterError, match="finite number"):
        AnalysisParams.from_dict({name: value})


def test_json_infinity_is_a_parameter_error():
    with pytest.raises(ParameterError, match="pseudocount must be a finite number"):
        params_from_document('{"parameters": {"pseudocount": Infinity}}')
    with pytest.raises(ParameterError, match="must be a JSON object"):
        params_from_document('{"parameters": [1, 2]}')


def test_top_genes_zero_keeps_all():
    assert AnalysisParams(top_genes=0).top_genes == 0
    with pytest.raises(ParameterError, match="Keep at least 2"):
        AnalysisParams(top_genes=1)


def test_input_bounds_for_number_boxes():
    assert input_bounds("n_init") == {"min": 1, "max": 1000}
    assert input_bounds("top_genes") == {"min": 0, "max": SPEC["top_genes"].max}


# --- params.json -----------------------------------------------------------------------------

def test_params_json_written_before_the_spec_still_loads():
    text = (DATA / "params_v1.json").read_text()
    params = params_from_document(text)
    written = json.loads(text)["parameters"]
    # Parameters added to the spec since then (mode, ...) hold their defaults.
    assert params.to_dict() == {name: written.get(name, SPEC[name].default) for name in SPEC}
    assert set(written) <= set(SPEC)
    assert params_from_document(params_document(params)) == params


def test_defaults_and_fields_come_from_the_spec():
    fields = dataclasses.fields(AnalysisParams)
    assert [f.name for f in fields] == list(SPEC)
    assert AnalysisParams().to_dict() == {name: p.default for name, p in SPEC.items()}


# --- stage keys --------------------------------------------------------------------------------

def test_every_field_belongs_to_exactly_one_stage():
    owners = {name: [s for s in STAGES if name in stage_fields(s)] for name in SPEC
              if SPEC[name].stage != SINGLE_CELL}
    assert all(len(stages) == 1 for stages in owners.values()), owners
    # the parameters only single cells read each have a single-cell stage
    assert all(p.sc_stage for p in SPEC.values() if p.stage == SINGLE_CELL)
    assert all(stage_fields(stage) for stage in STAGES)


# A base where the field matters (e.g. n_init only for k-means), and another valid value.
_WHERE_IT_APPLIES = {
    "kmeans_init": {"method": "kmeans"}, "n_init": {"method": "kmeans"},
    "minibatch": {"method": "kmeans"}, "seed": {"method": "kmeans"},
    "resolution": {"method": "leiden"}, "neighbors": {"method": "leiden"},
    "fuzzifier": {"method": "fuzzy-cmeans"}, "covariance": {"method": "gmm"},
    "pcs": {"method": "gmm"}, "zscore": {"target": "genes"},
    "umap_neighbors": {"embedding": "umap"}, "umap_min_dist": {"embedding": "umap"},
    "batch_column": {"batch_method": "limma", "batch_column": "batch"},
    "protect": {"batch_method": "limma", "batch_column": "batch"},
    "batch_method": {"batch_column": "batch"},
    "linkage": {"distance": "euclidean"},
}


def _other_value(name: str, value):
    param = SPEC[name]
    if param.type is bool:
        return not value
    if param.choices is not None:
        return next(c for c in param.choices if c != value)
    if param.type is str:
        return value + ",other"
    return param.type(value + 1 if value + 1 <= param.max else value / 2)


# Fields that pick which pipeline runs: the bulk stages' results do not depend on them.
_PICKS_THE_PIPELINE = {"mode"}


@pytest.mark.parametrize("name", list(SPEC))
def test_changing_any_field_changes_the_key_of_its_stage(name):
    base = AnalysisParams(**_WHERE_IT_APPLIES.get(name, {}))
    changed = base.replace(**{name: _other_value(name, getattr(base, name))})
    stage = SPEC[name].stage
    # mode picks the pipeline; single-cell parameters are in the single-cell keys only
    # (test_sc_cluster_pipeline checks those)
    if name in _PICKS_THE_PIPELINE or stage == SINGLE_CELL:
        assert stage_keys("dataset-x", changed) == stage_keys("dataset-x", base)
        return
    assert stage_keys("dataset-x", changed)[stage] != stage_keys("dataset-x", base)[stage]


def test_a_field_that_cannot_matter_keeps_the_keys():
    # n_init is not read by hierarchical clustering: nothing is recomputed
    base = AnalysisParams()
    assert stage_keys("dataset-x", base) == stage_keys("dataset-x", base.replace(n_init=50))
    assert stage_params(base, "cluster")["n_init"] is None


def test_batch_correction_of_counts_or_items_is_in_the_right_key():
    limma = AnalysisParams(batch_method="limma", batch_column="batch")
    seq, harmony = limma.replace(batch_method="combat-seq"), limma.replace(batch_method="harmony")
    for params, stage in ((seq, "prepare"), (harmony, "features")):
        other = params.replace(batch_column="run")
        assert stage_keys("d", params)[stage] != stage_keys("d", other)[stage], stage
    assert (stage_keys("d", harmony)["features"]
            != stage_keys("d", harmony.replace(seed=3))["features"])


# --- command line --------------------------------------------------------------------------

def _run_options() -> set[str]:
    run = build_parser()._subparsers._group_actions[0].choices["run"]
    return {option for action in run._actions for option in action.option_strings}


def test_every_params_json_field_has_a_flag():
    options = _run_options()
    for name, param in SPEC.items():
        assert param.flag in options, name
        if param.type is bool:
            assert "--no-" + param.flag[2:] in options, name


def test_readme_shows_the_generated_synopsis():
    synopsis = run_synopsis()
    assert synopsis in README.read_text()
    for param in SPEC.values():
        assert param.flag in synopsis


@pytest.fixture()
def tiny_table(tmp_path):
    rng = np.random.default_rng(0)
    counts = pd.DataFrame(rng.poisson(50, size=(30, 6)), columns=[f"S{i}" for i in range(6)],
                          index=[f"g{i}" for i in range(30)])
    path = tmp_path / "counts.csv"
    counts.rename_axis("gene_id").to_csv(path)
    return path


@pytest.mark.parametrize("option, message", [
    (["--n-init", str(10**7), "--method", "kmeans"], "10,000,000, more than allowed: n_init must be from 1 to 1,000"),
    (["--pseudocount", "inf"], "pseudocount must be a finite number"),
    (["--resolution", "nan", "--method", "leiden"], "resolution must be a finite number"),
    (["--k", "5000"], "k must be from 2 to 1,000"),
])
def test_cli_refuses_out_of_bound_values_with_status_2(tiny_table, tmp_path, capsys, option,
                                                        message):
    status = main(["run", str(tiny_table), "--out", str(tmp_path / "out"), *option])
    assert status == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error


def test_cli_new_flags_reach_the_parameters(tiny_table, tmp_path):
    out = tmp_path / "out"
    status = main(["run", str(tiny_table), "--out", str(out), "--method", "kmeans",
                   "--n-init", "3", "--kmeans-init", "random", "--minibatch",
                   "--no-zscore", "--optimal-order", "--umap-neighbors", "4",
                   "--umap-min-dist", "0.2", "--k", "2"])
    assert status == 0
    saved = params_from_document((out / "params.json").read_text())
    assert (saved.n_init, saved.kmeans_init, saved.minibatch, saved.zscore,
            saved.optimal_order, saved.umap_neighbors, saved.umap_min_dist) == (
        3, "random", True, False, True, 4, 0.2)


# --- choose-k and stability options --------------------------------------------------------

@pytest.mark.parametrize("name, value, message", [
    ("k_max", 5000, "k_max must be from 2 to 1,000"),
    ("gap_refs", 10**6, "gap_refs must be from 0 to 1,000"),
    ("n_resamples", 10**7, "n_resamples must be from 1 to 10,000"),
    ("n_resamples", 0, "at least 1"),
    ("consensus_k_max", 1000, "consensus_k_max must be from 2 to 100"),
    ("gap_refs", math.inf, "finite number"),
    ("gap_refs", 2.5, "whole number"),
])
def test_assessment_options_are_bounded(name, value, message):
    with pytest.raises(ParameterError, match=message):
        check_option(name, value)


def test_assessment_options_within_bounds_pass():
    assert check_option("gap_refs", "20") == 20
    assert check_option("n_resamples", 10_000) == 10_000


@pytest.mark.parametrize("command, message", [
    (["stability", "--k", "2", "--resamples", str(10**6)], "n_resamples must be from 1"),
    (["choose-k", "--gap-refs", str(10**6), "--k-max", "4"], "gap_refs must be from 0"),
])
def test_cli_assessment_options_out_of_bounds_exit_2(tiny_table, tmp_path, capsys, command,
                                                      message):
    status = main([command[0], str(tiny_table), "--out", str(tmp_path / "out"), *command[1:]])
    assert status == 2
    assert message in capsys.readouterr().err
