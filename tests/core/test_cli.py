"""``python -m rnaclust_dash run``: every option of the README contract, on bundled pasilla.

Most runs call :func:`rnaclust_dash.cli.main` in-process; one goes through a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rnaclust_dash.cli import main

REPO = Path(__file__).resolve().parents[2]
PASILLA = REPO / "rnaclust_dash" / "data" / "pasilla"
COUNTS = PASILLA / "counts.csv.gz"
SAMPLES = PASILLA / "samples.csv"
LENGTHS = PASILLA / "lengths.csv.gz"
REFERENCE = REPO / "tests" / "data" / "reference" / "pasilla"
SAMPLE_IDS = ["treated1", "treated2", "treated3", "untreated1", "untreated2", "untreated3",
              "untreated4"]
RESULT_FILES = ["assignments.csv", "embedding.csv", "metrics.json", "normalized.csv",
                "params.json", "size_factors.csv"]


def run(capsys, *args) -> tuple[int, str, str]:
    status = main(["run", *map(str, args)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def outputs(out: Path) -> dict:
    return {"assignments": pd.read_csv(out / "assignments.csv"),
            "metrics": json.loads((out / "metrics.json").read_text()),
            "normalized": pd.read_csv(out / "normalized.csv", index_col=0),
            "embedding": pd.read_csv(out / "embedding.csv"),
            "params": json.loads((out / "params.json").read_text())}


@pytest.fixture(scope="module")
def raw_counts() -> pd.DataFrame:
    counts = pd.read_csv(COUNTS, index_col=0)
    counts.index = counts.index.astype(str)
    return counts


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("default") / "results"
    status = main(["run", str(COUNTS), "--out", str(out), "--metadata", str(SAMPLES)])
    assert status == 0
    return out


def test_default_run_writes_every_file(default_run):
    assert sorted(p.name for p in default_run.iterdir()) == RESULT_FILES
    result = outputs(default_run)
    assert list(result["assignments"].columns) == ["id", "cluster", "silhouette"]
    assert list(result["assignments"]["id"]) == SAMPLE_IDS
    assert sorted(result["assignments"]["cluster"].unique()) == [1, 2]
    assert result["metrics"]["n_items"] == 7
    assert result["metrics"]["silhouette"] == pytest.approx(
        result["assignments"]["silhouette"].mean(), abs=1e-12)
    assert result["metrics"]["parameters"]["k"] == 2
    assert result["metrics"]["parameters"]["normalization"] == "deseq2"
    assert set(result["metrics"]["versions"]) >= {"rnaclust_dash", "numpy", "scipy",
                                                  "scikit-learn", "fastcluster"}
    assert result["normalized"].shape == (500, 7)
    assert list(result["embedding"].columns) == ["id", "x", "y"]
    assert list(result["embedding"]["id"]) == SAMPLE_IDS
    assert list(pd.read_csv(default_run / "size_factors.csv").columns) == ["id", "size_factor"]
    assert result["params"]["dataset"]["name"] == "counts.csv.gz"


def test_default_run_prints_a_summary_and_notes(tmp_path, capsys):
    status, out, err = run(capsys, COUNTS, "--out", tmp_path / "o", "--metadata", SAMPLES)
    assert status == 0
    assert out.startswith("7 samples in 2 clusters; mean silhouette ")
    assert out.rstrip().endswith(f"results in {tmp_path / 'o'}")
    assert "note: " in err and "filtered out" in err
    assert "error" not in err


def test_cli_reproduces_r_on_pasilla(tmp_path, capsys):
    """Options that give R's clustering input: the R cut, silhouette and size factors."""
    status, _, err = run(capsys, COUNTS, "--out", tmp_path, "--normalization", "deseq2",
                         "--min-count", 0, "--min-samples", 0, "--top-genes", 500,
                         "--distance", "pearson", "--linkage", "average", "--k", 2)
    assert status == 0, err
    result = outputs(tmp_path)
    r_clusters = pd.read_csv(REFERENCE / "sample_clusters.csv", index_col=0)
    r_silhouette = pd.read_csv(REFERENCE / "silhouette_hclust_pearson_average.csv", index_col=0)
    r_input = pd.read_csv(REFERENCE / "cluster_input_top500_log2mor.csv", index_col=0)
    r_factors = pd.read_csv(REFERENCE / "deseq2_size_factors.csv", index_col=0)
    np.testing.assert_array_equal(result["assignments"]["cluster"],
                                  r_clusters["hclust_pearson_average"])
    np.testing.assert_allclose(result["assignments"]["silhouette"], r_silhouette["sil_width"],
                               rtol=0, atol=1e-9)
    assert list(result["normalized"].index) == list(r_input.index)
    np.testing.assert_allclose(result["normalized"].to_numpy(), r_input.to_numpy(), atol=1e-9)
    factors = pd.read_csv(tmp_path / "size_factors.csv", index_col=0)["size_factor"]
    np.testing.assert_allclose(factors.to_numpy(), r_factors["size_factor"].to_numpy(),
                               rtol=1e-6)


@pytest.mark.parametrize("normalization", ["none", "cpm", "logcpm", "tpm", "rpkm", "deseq2"])
def test_normalizations(tmp_path, capsys, raw_counts, normalization):
    status, _, err = run(capsys, COUNTS, "--out", tmp_path, "--metadata", SAMPLES,
                         "--gene-lengths", LENGTHS, "--normalization", normalization)
    assert status == 0, err
    result = outputs(tmp_path)
    assert result["metrics"]["parameters"]["normalization"] == normalization
    assert result["normalized"].shape == (500, 7)
    has_factors = (tmp_path / "size_factors.csv").exists()
    assert has_factors == (normalization != "none")
    if normalization in ("cpm", "logcpm", "rpkm"):
        factors = pd.read_csv(tmp_path / "size_factors.csv", index_col=0)["size_factor"]
        np.testing.assert_allclose(factors.to_numpy(), raw_counts.sum(axis=0).to_numpy() / 1e6,
                                   rtol=1e-12)
    if normalization == "deseq2":
        factors = pd.read_csv(tmp_path / "size_factors.csv", index_col=0)["size_factor"]
        reference = pd.read_csv(REFERENCE / "deseq2_size_factors.csv", index_col=0)
        np.testing.assert_allclose(factors.to_numpy(), reference["size_factor"].to_numpy(),
                                   rtol=1e-6)


def test_tpm_without_gene_lengths_exits_2(tmp_path, capsys):
    status, out, err = run(capsys, COUNTS, "--out", tmp_path, "--normalization", "tpm")
    assert status == 2
    assert err.startswith("error: ") and "gene lengths" in err
    assert out == ""


def test_min_count_and_min_samples_filter(tmp_path, capsys, raw_counts):
    status, _, err = run(capsys, COUNTS, "--out", tmp_path, "--min-count", 1000,
                         "--min-samples", 6, "--top-genes", 0)
    assert status == 0, err
    expected = ((raw_counts >= 1000).sum(axis=1) >= 6)
    assert 1000 < expected.sum() < 3000
    normalized = outputs(tmp_path)["normalized"]
    assert sorted(normalized.index) == sorted(raw_counts.index[expected])
    variances = normalized.var(axis=1, ddof=1).to_numpy()
    assert np.all(np.diff(variances) <= 1e-12)  # most variable first, as R's order()
    params = outputs(tmp_path)["metrics"]["parameters"]
    assert (params["min_count"], params["min_samples"], params["top_genes"]) == (1000, 6, 0)


def test_top_genes(tmp_path, capsys):
    status, _, err = run(capsys, COUNTS, "--out", tmp_path, "--top-genes", 123)
    assert status == 0, err
    normalized = outputs(tmp_path)["normalized"]
    assert normalized.shape == (123, 7)
    variances = normalized.var(axis=1, ddof=1).to_numpy()
    assert np.all(np.diff(variances) <= 1e-12)  # most variable first


def test_target_genes(tmp_path, capsys):
    status, out, err = run(capsys, COUNTS, "--out", tmp_path, "--target", "genes",
                           "--top-genes", 200, "--k", 4)
    assert status == 0, err
    result = outputs(tmp_path)
    assert out.startswith("200 genes in 4 clusters")
    assert result["metrics"]["n_items"] == 200
    assert list(result["assignments"]["id"]) == list(result["normalized"].index)
    assert sorted(result["assignments"]["cluster"].unique()) == [1, 2, 3, 4]
    assert list(result["embedding"]["id"]) == list(result["normalized"].index)
    # genes are z-scored before clustering (the default)
    np.testing.assert_allclose(result["normalized"].mean(axis=1), 0.0, atol=1e-9)
    np.testing.assert_allclose(result["normalized"].std(axis=1, ddof=1), 1.0, rtol=1e-9)


@pytest.mark.parametrize("distance, linkage", [
    ("euclidean", "single"), ("pearson", "complete"), ("spearman", "average"),
    ("euclidean", "ward"),
])
def test_distances_and_linkages(tmp_path, capsys, distance, linkage):
    status, _, err = run(capsys, COUNTS, "--out", tmp_path, "--distance", distance,
                         "--linkage", linkage, "--k", 3)
    assert status == 0, err
    result = outputs(tmp_path)
    params = result["metrics"]["parameters"]
    assert (params["distance"], params["linkage"], params["method"]) == \
        (distance, linkage, "hierarchical")
    assert sorted(result["assignments"]["cluster"].unique()) == [1, 2, 3]
    assert result["assignments"]["cluster"].iloc[0] == 1  # R's numbering


def test_kmeans_with_seed(tmp_path, capsys):
    runs = []
    for name, seed in (("a", 5), ("b", 5)):
        status, _, err = run(capsys, COUNTS, "--out", tmp_path / name, "--method", "kmeans",
                             "--k", 3, "--seed", seed, "--distance", "euclidean")
        assert status == 0, err
        runs.append(outputs(tmp_path / name))
    first, second = runs
    params = first["metrics"]["parameters"]
    assert (params["method"], params["seed"], params["k"]) == ("kmeans", 5, 3)
    pd.testing.assert_frame_equal(first["assignments"], second["assignments"])
    assert sorted(first["assignments"]["cluster"].unique()) == [1, 2, 3]
    assert first["assignments"]["cluster"].iloc[0] == 1


def test_embedding_pca(tmp_path, capsys):
    status, _, err = run(capsys, COUNTS, "--out", tmp_path, "--embedding", "pca")
    assert status == 0, err
    embedding = outputs(tmp_path)["embedding"]
    assert embedding.shape == (7, 3)
    # PCA coordinates are centred
    np.testing.assert_allclose(embedding[["x", "y"]].mean(), 0.0, atol=1e-4)


@pytest.mark.slow
def test_embedding_umap(tmp_path, capsys):
    status, _, err = run(capsys, COUNTS, "--out", tmp_path, "--embedding", "umap", "--seed", 1)
    assert status == 0, err
    embedding = outputs(tmp_path)["embedding"]
    assert list(embedding["id"]) == SAMPLE_IDS
    assert np.isfinite(embedding[["x", "y"]].to_numpy()).all()
    assert "UMAP n_neighbors lowered from 15 to 6" in err
    assert outputs(tmp_path)["metrics"]["parameters"]["embedding"] == "umap"


def test_params_file_reproduces_assignments(tmp_path, capsys):
    first = tmp_path / "first"
    status, _, err = run(capsys, COUNTS, "--out", first, "--metadata", SAMPLES,
                         "--distance", "spearman", "--linkage", "complete", "--k", 3,
                         "--top-genes", 300, "--min-count", 20, "--min-samples", 3)
    assert status == 0, err
    second = tmp_path / "second"
    status, _, err = run(capsys, COUNTS, "--out", second, "--metadata", SAMPLES,
                         "--params", first / "params.json")
    assert status == 0, err
    pd.testing.assert_frame_equal(pd.read_csv(first / "assignments.csv"),
                                  pd.read_csv(second / "assignments.csv"))
    assert (json.loads((first / "params.json").read_text())["parameters"]
            == json.loads((second / "params.json").read_text())["parameters"])
    assert (first / "normalized.csv").read_text() == (second / "normalized.csv").read_text()
    assert (first / "embedding.csv").read_text() == (second / "embedding.csv").read_text()


def test_params_file_keeps_a_fractional_min_count(tmp_path, capsys):
    status, _, err = run(capsys, COUNTS, "--out", tmp_path / "first", "--min-count", 2.5)
    assert status == 0, err
    status, _, err = run(capsys, COUNTS, "--out", tmp_path / "second",
                         "--params", tmp_path / "first" / "params.json")
    assert status == 0, err
    assert outputs(tmp_path / "second")["metrics"]["parameters"]["min_count"] == 2.5


def test_options_override_the_params_file(tmp_path, capsys):
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"parameters": {"k": 3, "distance": "euclidean",
                                                 "top_genes": 100}}))
    status, _, err = run(capsys, COUNTS, "--out", tmp_path / "o", "--params", params,
                         "--k", 4)
    assert status == 0, err
    written = outputs(tmp_path / "o")["metrics"]["parameters"]
    assert (written["k"], written["distance"], written["top_genes"]) == (4, "euclidean", 100)
    assert sorted(outputs(tmp_path / "o")["assignments"]["cluster"].unique()) == [1, 2, 3, 4]


def test_cache_dir_is_reused(tmp_path, capsys):
    cache = tmp_path / "cache"
    for name in ("a", "b"):
        status, _, err = run(capsys, COUNTS, "--out", tmp_path / name, "--cache-dir", cache)
        assert status == 0, err
    assert any(cache.iterdir())
    assert (tmp_path / "a" / "assignments.csv").read_text() == \
        (tmp_path / "b" / "assignments.csv").read_text()


# --- bad input: status 2 and "error: <message>" ------------------------------------------------

def test_garbage_file(tmp_path, capsys):
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes(range(256)) * 20)
    status, out, err = run(capsys, garbage, "--out", tmp_path / "o")
    assert status == 2
    assert err.startswith("error: ") and len(err.strip()) > len("error: ") + 10
    assert "Traceback" not in err
    assert out == ""
    assert not (tmp_path / "o").exists()


def test_k_too_large(tmp_path, capsys):
    status, _, err = run(capsys, COUNTS, "--out", tmp_path / "o", "--k", 7)
    assert status == 2
    assert err.startswith("error: k = 7 is too large for 7 samples: choose k between 2 and 6.")


def test_ward_with_pearson(tmp_path, capsys):
    status, _, err = run(capsys, COUNTS, "--out", tmp_path / "o", "--linkage", "ward",
                         "--distance", "pearson")
    assert status == 2
    assert err.startswith("error: Ward linkage needs Euclidean distance")


def test_missing_file(tmp_path, capsys):
    status, _, err = run(capsys, tmp_path / "nope.csv", "--out", tmp_path / "o")
    assert status == 2
    assert err.startswith("error: cannot read or write a file")


def test_params_file_with_unknown_key(tmp_path, capsys):
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"parameters": {"clusters": 3}}))
    status, _, err = run(capsys, COUNTS, "--out", tmp_path / "o", "--params", params)
    assert status == 2
    assert err.startswith("error: Unknown parameter(s) clusters")


def test_invalid_choice_is_an_argparse_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(COUNTS), "--out", str(tmp_path), "--distance", "canberra"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'canberra'" in capsys.readouterr().err


# --- as a program -------------------------------------------------------------------------------

def _python_m(*args, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "rnaclust_dash", "run", *map(str, args)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def test_python_m_rnaclust_dash_run(tmp_path):
    done = _python_m(COUNTS, "--out", tmp_path / "o", "--metadata", SAMPLES,
                     "--gene-lengths", LENGTHS, "--normalization", "rpkm", "--k", 3,
                     cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("7 samples in 3 clusters; mean silhouette ")
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == RESULT_FILES
    assignments = pd.read_csv(tmp_path / "o" / "assignments.csv")
    assert list(assignments["id"]) == SAMPLE_IDS
    assert sorted(assignments["cluster"].unique()) == [1, 2, 3]


def test_python_m_rnaclust_dash_bad_input_exits_2(tmp_path):
    done = _python_m(COUNTS, "--out", tmp_path / "o", "--k", 9, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("error: k = 9 is too large for 7 samples")
    assert done.stdout == ""


def test_batch_correction_exclusion_and_corrected_matrix(tmp_path, capsys):
    from rnaclust_dash.pp.batch_log_scale import combat

    status, out, err = run(capsys, COUNTS, "--out", tmp_path, "--metadata", SAMPLES,
                           "--normalization", "logcpm-tmm", "--batch-column", "batch",
                           "--batch-method", "combat", "--protect", "group",
                           "--exclude", "untreated4", "--top-genes", 0, "--write-corrected")
    assert status == 0, err
    result = outputs(tmp_path)
    assert "untreated4" not in set(result["assignments"]["id"])
    params = result["metrics"]["parameters"]
    assert (params["batch_method"], params["batch_column"], params["protect"],
            params["exclude"]) == ("combat", "batch", "group", "untreated4")
    factors = pd.read_csv(tmp_path / "size_factors.csv")
    assert list(factors.columns) == ["id", "size_factor", "norm_factor"]
    corrected = pd.read_csv(tmp_path / "corrected.csv", index_col=0)
    assert "untreated4" not in corrected.columns and corrected.shape[1] == 6
    # corrected.csv is ComBat of the uncorrected log-CPM of the same genes and samples.
    status, _, err = run(capsys, COUNTS, "--out", tmp_path / "plain", "--metadata", SAMPLES,
                         "--normalization", "logcpm-tmm", "--exclude", "untreated4",
                         "--top-genes", 0)
    assert status == 0, err
    plain = pd.read_csv(tmp_path / "plain" / "normalized.csv", index_col=0).loc[corrected.index]
    samples = pd.read_csv(SAMPLES, index_col=0).loc[corrected.columns]
    expected = combat(plain[corrected.columns].to_numpy(), samples["batch"].to_numpy(),
                      covariates=samples[["group"]])
    np.testing.assert_allclose(corrected.to_numpy(), expected, atol=1e-9)


def test_batch_column_missing_exits_2(tmp_path, capsys):
    status, _, err = run(capsys, COUNTS, "--out", tmp_path, "--metadata", SAMPLES,
                         "--batch-column", "lane", "--batch-method", "limma")
    assert status == 2
    assert "error: Batch correction needs the sample-sheet column(s) lane" in err


@pytest.mark.parametrize("method, options, soft", [
    ("diana", [], False), ("kmedoids", ["--distance", "manhattan"], False),
    ("fuzzy-cmeans", ["--fuzzifier", 1.8], True), ("gmm", ["--covariance", "spherical",
                                                          "--pcs", 3], True),
    ("leiden", ["--resolution", 1.5, "--neighbors", 3, "--pcs", 3], False),
    ("louvain", ["--resolution", 1.5, "--neighbors", 3, "--pcs", 3], False),
])
def test_every_method_runs_from_the_command_line(tmp_path, capsys, method, options, soft):
    status, out, err = run(capsys, COUNTS, "--out", tmp_path, "--metadata", SAMPLES,
                           "--method", method, "--k", 2, "--compare-column", "group", *options)
    assert status == 0, err
    result = outputs(tmp_path)
    assignments = result["assignments"]
    expected = ["id", "cluster", "silhouette"] + (["confidence"] if soft else [])
    assert list(assignments.columns) == expected
    if soft:
        assert assignments["confidence"].between(0, 1).all()
    n_clusters = assignments["cluster"].nunique()
    assert f"7 samples in {n_clusters} clusters" in out
    assert sorted(assignments["cluster"].unique()) == list(range(1, n_clusters + 1))
    metrics = result["metrics"]
    assert -1 <= metrics["ari"] <= 1 and 0 <= metrics["nmi"] <= 1
    assert metrics["parameters"]["method"] == method


def test_compare_column_ari_is_one_for_the_column_itself(tmp_path, capsys):
    # k = 2 hierarchical on pasilla with batch correction recovers treatment exactly.
    status, _, err = run(capsys, COUNTS, "--out", tmp_path, "--metadata", SAMPLES,
                         "--batch-column", "batch", "--batch-method", "combat",
                         "--protect", "group", "--compare-column", "group")
    assert status == 0, err
    metrics = outputs(tmp_path)["metrics"]
    assert metrics["ari"] == pytest.approx(1.0) and metrics["nmi"] == pytest.approx(1.0)
    status, _, err = run(capsys, COUNTS, "--out", tmp_path, "--metadata", SAMPLES,
                         "--compare-column", "tissue")
    assert status == 2 and "no such column" in err


# --- the dashboard's defaults for the kind of values (issue 7 item 4) ----------------------

@pytest.fixture(scope="module")
def log_cpm_table(tmp_path_factory, raw_counts) -> tuple[Path, pd.DataFrame]:
    """pasilla as log2-CPM (what limma/ComBat output looks like): non-integer, negative."""
    kept = raw_counts[(raw_counts > 0).all(axis=1)]
    cpm = kept / kept.sum(axis=0) * 1e6
    values = np.log2(cpm + 0.5).round(6)
    path = tmp_path_factory.mktemp("logcpm") / "logcpm.csv"
    values.rename_axis("gene_id").to_csv(path)
    return path, pd.read_csv(path, index_col=0)


def test_log_cpm_input_keeps_every_gene_and_is_not_logged_again(tmp_path, capsys,
                                                               log_cpm_table):
    path, values = log_cpm_table
    status, _, err = run(capsys, path, "--out", tmp_path, "--top-genes", "0")
    assert status == 0, err
    normalized = pd.read_csv(tmp_path / "normalized.csv", index_col=0)
    assert len(normalized) == len(values)  # no count filter
    np.testing.assert_allclose(normalized.to_numpy(), values.loc[normalized.index].to_numpy())
    saved = json.loads((tmp_path / "params.json").read_text())["parameters"]
    assert saved["log_transform"] is False and saved["normalization"] == "none"
    assert saved["min_count"] == 0


def test_explicit_log_and_pseudocount_win_and_are_saved(tmp_path, capsys, raw_counts):
    tpm_like = (raw_counts[(raw_counts > 0).all(axis=1)] * 1.5 + 0.25)  # "normalized"
    source = tmp_path / "normalized_values.csv"
    tpm_like.rename_axis("gene_id").to_csv(source)
    base = ["--top-genes", "0", "--normalization", "none"]
    assert run(capsys, source, "--out", tmp_path / "default", *base)[0] == 0
    assert run(capsys, source, "--out", tmp_path / "nolog", "--no-log", *base)[0] == 0
    assert run(capsys, source, "--out", tmp_path / "pc", "--pseudocount", "0.5", *base)[0] == 0
    logged = pd.read_csv(tmp_path / "default" / "normalized.csv", index_col=0)
    np.testing.assert_allclose(logged, np.log2(tpm_like.loc[logged.index] + 1.0), rtol=1e-12)
    raw = pd.read_csv(tmp_path / "nolog" / "normalized.csv", index_col=0)
    np.testing.assert_allclose(raw, tpm_like.loc[raw.index], rtol=1e-12)
    half = pd.read_csv(tmp_path / "pc" / "normalized.csv", index_col=0)
    np.testing.assert_allclose(half, np.log2(tpm_like.loc[half.index] + 0.5), rtol=1e-12)
    assert json.loads((tmp_path / "nolog" / "params.json").read_text())[
        "parameters"]["log_transform"] is False
    assert json.loads((tmp_path / "pc" / "params.json").read_text())[
        "parameters"]["pseudocount"] == 0.5


def test_dashboard_and_cli_give_the_same_assignments_for_a_params_file(tmp_path, capsys,
                                                                        log_cpm_table):
    """The dashboard starts from default_params and runs run_analysis; the CLI given the
    params.json it saves writes the same assignments."""
    from rnaclust_dash.io import build_dataset
    from rnaclust_dash.params import default_params, params_document
    from rnaclust_dash.pipeline import put_dataset, run_analysis
    from rnaclust_dash.store import ResultStore

    path, _ = log_cpm_table
    dataset = build_dataset(path.read_bytes(), path.name)
    params = default_params(dataset).replace(method="kmeans", k=3, seed=9, top_genes=300)
    store = ResultStore(tmp_path / "store")
    try:
        on_screen = run_analysis(store, put_dataset(store, dataset), params).assignments()
    finally:
        store.cache.close()
    (tmp_path / "params.json").write_text(params_document(params))
    assert run(capsys, path, "--out", tmp_path / "cli", "--params",
               tmp_path / "params.json")[0] == 0
    written = pd.read_csv(tmp_path / "cli" / "assignments.csv")
    assert list(written["id"]) == list(on_screen["id"])
    assert list(written["cluster"]) == list(on_screen["cluster"])
    np.testing.assert_allclose(written["silhouette"], on_screen["silhouette"], rtol=1e-9)
