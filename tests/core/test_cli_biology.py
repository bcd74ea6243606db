"""``python -m rnaclust_dash markers | enrich | timecourse | modules`` (issues 10.5, 11.5).

Every command runs in-process (:func:`rnaclust_dash.cli.main`) on the bundled pasilla /
airway counts or the fission time course of tests/data/reference/fission. Numbers are
checked against the R references already in tests/data/reference (DESeq2 1.38.3,
phyper/p.adjust, Mfuzz 2.31.2, DEGreport 1.34.0, WGCNA 1.72-1; see the READMEs and
versions files there), and the bad input of items 10.6 / 11.6 that reaches the command
line against its message and exit status 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linear_sum_assignment
from scipy.stats import fisher_exact, spearmanr
from sklearn.metrics import adjusted_rand_score

from rnaclust_dash.cli import main
from rnaclust_dash.tl.timecourse import standardise
from tests.core.reference_paths import BUNDLED, LOCAL_REFERENCE

PASILLA, AIRWAY = BUNDLED / "pasilla", BUNDLED / "airway"
MARKERS_REF, FISSION = LOCAL_REFERENCE / "markers", LOCAL_REFERENCE / "fission"
MARKER_COLUMNS = ["group", "gene", "symbol", "base_mean", "log2fc", "statistic", "pvalue",
                  "padj", "mean_in", "mean_out"]
ENRICH_COLUMNS = ["query", "term", "description", "n_overlap", "n_term", "n_query",
                  "n_universe", "pvalue", "padj", "genes"]
FISSION_INPUT = [FISSION / "counts.csv.gz", "--metadata", FISSION / "samples.csv"]
WT = ["--time-column", "minute", "--group-column", "strain", "--group", "wt"]


def cli(capsys, *args) -> tuple[int, str, str]:
    status = main(list(map(str, args)))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def refused(capsys, *args) -> str:
    """Run a command that must fail cleanly; return its message."""
    status, _, err = cli(capsys, *args)
    assert status == 2, err
    assert err.startswith("error: ") and "Traceback" not in err
    return err


# --- markers --------------------------------------------------------------------------------

def test_markers_groups_are_runs_clusters(tmp_path, capsys):
    options = [PASILLA / "counts.csv.gz", "--metadata", PASILLA / "samples.csv", "--k", "3",
               "--method", "kmeans", "--seed", "4"]
    assert cli(capsys, "run", *options, "--out", tmp_path / "run")[0] == 0
    status, out, _ = cli(capsys, "markers", *options, "--out", tmp_path / "markers")
    assert status == 0 and "vs the rest" in out
    assignments = pd.read_csv(tmp_path / "run" / "assignments.csv", dtype={"id": str})
    groups = pd.read_csv(tmp_path / "markers" / "groups.csv")
    assert groups["sample"].tolist() == assignments["id"].tolist()
    assert groups["group"].tolist() == assignments["cluster"].tolist()
    markers = pd.read_csv(tmp_path / "markers" / "markers.csv", dtype={"group": str})
    assert list(markers.columns) == MARKER_COLUMNS
    assert sorted(markers["group"].unique()) == sorted(map(str, assignments["cluster"].unique()))
    # mean_in / mean_out are means of run's normalized values over its clusters' samples
    normalized = pd.read_csv(tmp_path / "run" / "normalized.csv", index_col=0)
    for cluster, members in assignments.groupby("cluster")["id"]:
        rows = markers[markers["group"] == str(cluster)].set_index("gene").loc[normalized.index]
        others = normalized.columns.difference(members)
        np.testing.assert_allclose(rows["mean_in"], normalized[members].mean(axis=1), rtol=1e-9)
        np.testing.assert_allclose(rows["mean_out"], normalized[others].mean(axis=1), rtol=1e-9)
        assert (rows["padj"] >= rows["pvalue"]).all()


@pytest.fixture(scope="module")
def airway_deseq2(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("markers") / "airway"
    status = main(["markers", str(AIRWAY / "counts.csv.gz"), "--metadata",
                   str(AIRWAY / "samples.csv"), "--group-by", "group", "--test", "deseq2",
                   "--out", str(out)])
    assert status == 0
    return out


def test_markers_deseq2_by_column_equals_r_deseq2(airway_deseq2):
    markers = pd.read_csv(airway_deseq2 / "markers.csv")
    assert list(markers.columns) == MARKER_COLUMNS
    assert sorted(markers["group"].unique()) == ["trt", "untrt"]
    reference = pd.read_csv(MARKERS_REF / "airway_deseq2_trt_vs_untrt.csv.gz", index_col=0)
    ours = markers[markers["group"] == "trt"].set_index("gene")
    shared = reference.index.intersection(ours.index)
    assert len(shared) > 0.9 * len(ours)
    ours, reference = ours.loc[shared], reference.loc[shared]
    expressed = (reference["baseMean"] >= 10).to_numpy()
    assert np.abs(ours["log2fc"] - reference["log2FoldChange"]).to_numpy()[expressed].max() < 0.02
    assert spearmanr(ours["statistic"], reference["stat"], nan_policy="omit")[0] >= 0.99
    calls = (ours["padj"] < 0.05).to_numpy() == (reference["padj"] < 0.05).to_numpy()
    assert calls.mean() >= 0.98
    # one vs the rest of a two-level column is trt vs untrt: the other group mirrors it
    # (a separate fit: the same to the fit's convergence, measured 1e-4)
    untrt = markers[markers["group"] == "untrt"].set_index("gene").loc[shared]
    np.testing.assert_allclose(untrt["log2fc"][expressed], -ours["log2fc"][expressed],
                               atol=1e-3)
    # human Ensembl ids get their symbols (org.Hs.eg.db table)
    assert markers.set_index("gene").loc["ENSG00000141510", "symbol"].iloc[0] == "TP53"


def test_markers_deseq2_reads_the_filtered_genes_as_r_deseq2_on_them(airway_deseq2):
    # DESeq2 reads the raw counts of the genes the analysis keeps (>= 10 counts in >= 2
    # samples), as the Markers view does; R's DESeq2 on those genes (made by
    # tests/data/make_marker_filtered_reference.R, DESeq2 1.38.3): measured max |dLFC|
    # 6e-7, p-values to 1.1e-4 relative, every padj < 0.05 call the same
    reference = pd.read_csv(MARKERS_REF / "airway_deseq2_filtered_trt_vs_untrt.csv.gz",
                            index_col=0)
    markers = pd.read_csv(airway_deseq2 / "markers.csv")
    ours = markers[markers["group"] == "trt"].set_index("gene")
    assert sorted(ours.index) == sorted(reference.index)
    ours = ours.loc[reference.index]
    finite = np.isfinite(reference["log2FoldChange"]).to_numpy()
    np.testing.assert_allclose(ours["log2fc"][finite], reference["log2FoldChange"][finite],
                               atol=1e-4)
    np.testing.assert_allclose(ours["pvalue"][finite], reference["pvalue"][finite],
                               rtol=1e-3, atol=1e-300)
    assert ((ours["padj"] < 0.05) == (reference["padj"] < 0.05)).all()
    assert ours["padj"].isna().sum() == reference["padj"].isna().sum()


def test_markers_versus_a_group(tmp_path, capsys):
    status, out, _ = cli(capsys, "markers", AIRWAY / "counts.csv.gz", "--metadata",
                         AIRWAY / "samples.csv", "--group-by", "cell", "--versus", "N61311",
                         "--test", "wilcoxon", "--out", tmp_path)
    assert status == 0 and "vs group N61311" in out
    markers = pd.read_csv(tmp_path / "markers.csv")
    assert sorted(markers["group"].unique()) == ["N052611", "N061011", "N080611"]
    # 2 vs 2 samples: W is 0..4; fully separated groups without ties have R's
    # wilcox.test(c(1, 2), c(3, 4), exact = FALSE)$p.value (ties only lower it)
    assert markers["statistic"].between(0, 4).all()
    extreme = markers[markers["statistic"].isin([0, 4])]["pvalue"]
    assert np.isclose(extreme, 0.245278116806773, rtol=1e-12).sum() > 1000
    assert (extreme <= 0.245278116806773 * (1 + 1e-12)).all()


def test_markers_bad_input_is_refused(tmp_path, capsys):
    sheet = pd.read_csv(PASILLA / "samples.csv")
    sheet["solo"] = ["a"] + ["b"] * (len(sheet) - 1)
    sheet.to_csv(tmp_path / "samples.csv", index=False)
    base = ["markers", PASILLA / "counts.csv.gz", "--metadata", tmp_path / "samples.csv",
            "--out", tmp_path / "out"]
    assert "'a' has 1" in refused(capsys, *base, "--group-by", "solo")  # t-test
    assert "at least two" in refused(capsys, *base, "--group-by", "solo", "--test", "deseq2")
    assert "no such column" in refused(capsys, *base, "--group-by", "tissue")
    assert "no group 'x'" in refused(capsys, *base, "--group-by", "group", "--versus", "x")
    logs = pd.read_csv(MARKERS_REF / "pasilla_log2_norm_2000.csv.gz", index_col=0)
    logs.sub(logs.mean(axis=1), axis=0).to_csv(tmp_path / "log.csv")
    message = refused(capsys, "markers", tmp_path / "log.csv", "--metadata",
                      tmp_path / "samples.csv", "--group-by", "group", "--test", "deseq2",
                      "--out", tmp_path / "out")
    assert "DESeq2 needs raw read counts" in message


# --- enrich ---------------------------------------------------------------------------------

def test_enrich_gene_list_equals_r_phyper(tmp_path, capsys):
    status, out, _ = cli(capsys, "enrich", "--genes", MARKERS_REF / "enrich_query_airway_up.txt",
                         "--universe", MARKERS_REF / "enrich_universe.txt", "--gene-sets",
                         "go-bp", "--out", tmp_path)
    assert status == 0 and "enrich_query_airway_up:" in out
    table = pd.read_csv(tmp_path / "enrichment.csv")
    assert list(table.columns) == ENRICH_COLUMNS
    reference = pd.read_csv(MARKERS_REF / "enrich_go_bp_airway_up.csv.gz", index_col=0)
    assert sorted(table["term"]) == sorted(reference.index)
    ours = table.set_index("term").loc[reference.index]
    for column in ("n_overlap", "n_term", "n_query", "n_universe"):
        np.testing.assert_array_equal(ours[column], reference[column])
    assert np.max(np.abs(ours["pvalue"] / reference["pvalue"] - 1)) < 1e-10
    assert np.max(np.abs(ours["padj"] / reference["padj"] - 1)) < 1e-12
    assert (ours["genes"].str.count(";") + 1 == ours["n_overlap"]).where(
        ours["n_overlap"] > 0, True).all()


def test_enrich_markers_maps_ensembl_ids_to_symbols(airway_deseq2, tmp_path, capsys):
    status, _, err = cli(capsys, "enrich", "--markers", airway_deseq2 / "markers.csv",
                         "--top", "200", "--gene-sets", "go-bp", "--out", tmp_path)
    assert status == 0
    assert "Ensembl gene ids" in err and "mapped to symbols" in err
    table = pd.read_csv(tmp_path / "enrichment.csv")
    assert sorted(table["query"].unique()) == ["trt", "untrt"]
    assert (table["n_query"] <= 200).all() and table["n_universe"].nunique() == 1
    # each p-value is the one-sided Fisher exact test of its 2 x 2 table (scipy, not ours)
    for row in table.head(5).itertuples():
        a = row.n_overlap
        cells = [[a, row.n_term - a], [row.n_query - a,
                                       row.n_universe - row.n_term - row.n_query + a]]
        assert row.pvalue == pytest.approx(fisher_exact(cells, alternative="greater")[1],
                                           rel=1e-9)
    down = cli(capsys, "enrich", "--markers", airway_deseq2 / "markers.csv", "--direction",
               "down", "--top", "50", "--gene-sets", "go-mf", "--out", tmp_path / "down")
    assert down[0] == 0


def test_enrich_gene_clusters_of_run(tmp_path, capsys):
    options = [AIRWAY / "counts.csv.gz", "--target", "genes", "--k", "4", "--top-genes", "400"]
    assert cli(capsys, "run", *options, "--out", tmp_path / "run")[0] == 0
    status, _, err = cli(capsys, "enrich", "--assignments", tmp_path / "run" / "assignments.csv",
                         "--gene-sets", "go-cc", "--min-size", "3", "--out", tmp_path / "go")
    assert status == 0 and "mapped to symbols" in err
    table = pd.read_csv(tmp_path / "go" / "enrichment.csv")
    clusters = pd.read_csv(tmp_path / "run" / "assignments.csv")["cluster"]
    assert sorted(table["query"].unique()) == sorted(clusters.unique())
    assert (table["n_universe"] <= 400).all()


def test_enrich_bad_input_is_refused(tmp_path, capsys):
    genes = tmp_path / "genes.txt"
    genes.write_text("\n".join(f"G{i}" for i in range(20)))
    universe = tmp_path / "universe.txt"
    universe.write_text("\n".join(f"G{i}" for i in range(10)))
    elsewhere = tmp_path / "elsewhere.gmt"
    elsewhere.write_text("T1\tterm one\tX1\tX2\tX3\nT2\tterm two\tX4\tX5\n")
    twice = tmp_path / "twice.gmt"
    twice.write_text("T1\tone\tG1\tG2\nT1\tagain\tG3\tG4\n")
    message = refused(capsys, "enrich", "--genes", universe, "--gene-sets", elsewhere,
                      "--universe", genes, "--out", tmp_path / "o")
    assert "No gene of the 2 sets in elsewhere.gmt" in message
    assert "appears twice (lines 1 and 2)" in refused(
        capsys, "enrich", "--genes", genes, "--gene-sets", twice, "--out", tmp_path / "o")
    assert "has 20 genes but the universe" in refused(
        capsys, "enrich", "--genes", genes, "--universe", universe, "--gene-sets", twice.parent
        / "elsewhere.gmt", "--out", tmp_path / "o")
    mouse = tmp_path / "mouse.txt"
    mouse.write_text("\n".join(f"ENSMUSG{i:011d}" for i in range(1, 31)))
    message = refused(capsys, "enrich", "--genes", mouse, "--universe", mouse, "--gene-sets",
                      "go-bp", "--out", tmp_path / "o")
    assert "None of the 30 gene ids (detected: Ensembl gene ids of mouse" in message
    assert "--top and --direction" in refused(
        capsys, "enrich", "--genes", genes, "--top", "5", "--gene-sets", "go-bp", "--out",
        tmp_path / "o")


# --- timecourse -----------------------------------------------------------------------------

@pytest.mark.parametrize("c", [4, 6])
def test_timecourse_mfuzz_reproduces_r(tmp_path, capsys, c):
    status, out, _ = cli(capsys, "timecourse", *FISSION_INPUT, *WT, "--lrt-padj", "0.01",
                         "--method", "mfuzz", "--clusters", c, "--out", tmp_path)
    assert status == 0 and "DESeq2 LRT of time, padj < 0.01: 2,845 genes" in out
    memberships = pd.read_csv(tmp_path / "memberships.csv", index_col="gene")
    assert list(memberships.columns) == ["cluster"] + [f"membership_{i}" for i in range(1, c + 1)]
    means = pd.read_csv(FISSION / "wt_vst_mean_by_minute_padj0.01.csv", index_col=0)
    assert set(memberships.index) == set(means.index)
    profiles = pd.read_csv(tmp_path / "profiles.csv", index_col="gene").loc[means.index]
    assert list(profiles.columns) == ["0", "15", "30", "60", "120", "180"]
    np.testing.assert_allclose(profiles.to_numpy(), standardise(means).to_numpy(), atol=1e-4)
    centers = pd.read_csv(tmp_path / "centers.csv", index_col="cluster").to_numpy()
    theirs = pd.read_csv(FISSION / f"mfuzz_wt_vstmean_padj0.01_c{c}_centers.csv",
                         index_col=0).iloc[:, 1:].to_numpy()
    cor = np.corrcoef(centers, theirs)[:c, c:]
    rows, cols = linear_sum_assignment(-cor)
    assert cor[rows, cols].min() >= 0.99
    hard = pd.read_csv(FISSION / "mfuzz_wt_vstmean_padj0.01_hard_clusters.csv", index_col=0)
    assert adjusted_rand_score(hard.loc[means.index, f"c{c}"],
                               memberships.loc[means.index, "cluster"]) >= 0.9
    params = json.loads((tmp_path / "params.json").read_text())
    assert params["results"]["fuzzifier"] == pytest.approx(1.7395257137580284, abs=1e-6)


def test_timecourse_degpatterns_reproduces_degreport(tmp_path, capsys):
    status, _, _ = cli(capsys, "timecourse", *FISSION_INPUT, *WT, "--method", "degpatterns",
                       "--out", tmp_path)
    assert status == 0
    memberships = pd.read_csv(tmp_path / "memberships.csv", index_col="gene")
    reference = pd.read_csv(FISSION / "degreport_degPatterns_wt_padj0.01.csv",
                            index_col=0)["cluster"]
    genes = pd.read_csv(tmp_path / "profiles.csv", index_col="gene").index
    ours = memberships["cluster"].reindex(genes).fillna(0)
    assert adjusted_rand_score(reference.reindex(genes).fillna(0), ours) >= 0.99
    assert memberships["cluster"].nunique() == reference.nunique()
    own = memberships.apply(lambda row: row[f"membership_{int(row['cluster'])}"], axis=1)
    assert (own == 1).all() and (memberships.iloc[:, 1:].sum(axis=1) == 1).all()
    centers = pd.read_csv(tmp_path / "centers.csv", index_col="cluster")
    assert centers.shape == (reference.nunique(), 6)


def test_timecourse_bad_input_is_refused(tmp_path, capsys):
    sheet = pd.read_csv(FISSION / "samples.csv")
    early = sheet.assign(minute=sheet["minute"].clip(upper=30))
    early.to_csv(tmp_path / "early.csv", index=False)
    run = ["timecourse", FISSION / "counts.csv.gz", "--out", tmp_path / "o"]
    assert "3 distinct time point(s)" in refused(
        capsys, *run, "--metadata", tmp_path / "early.csv", "--time-column", "minute")
    assert "must hold numbers" in refused(
        capsys, *run, "--metadata", FISSION / "samples.csv", "--time-column", "replicate")
    assert "pass the selection" in refused(
        capsys, *run, "--metadata", FISSION / "samples.csv", *WT[2:], "--time-column",
        "minute", "--lrt-padj", "1e-300")
    counts = pd.read_csv(FISSION / "counts.csv.gz", index_col=0)
    single = [s for s in counts.columns if s.startswith("wt_") and s.endswith("_r1")]
    counts[single].to_csv(tmp_path / "single.csv")
    one = ["timecourse", tmp_path / "single.csv", "--metadata", FISSION / "samples.csv",
           "--time-column", "minute", "--out", tmp_path / "single"]
    assert "single sample" in refused(capsys, *one)  # the LRT has no replicates to test
    status, _, err = cli(capsys, *one, "--top-genes", "300", "--clusters", "3")
    assert status == 0 and "single sample" in err  # by variance it runs, and says so
    assert "--fuzzifier" in refused(capsys, *one, "--top-genes", "300", "--fuzzifier", "0.5")


# --- modules --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fission_modules(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("modules") / "fission"
    assert main(["modules", *map(str, FISSION_INPUT), "--top-genes", "5000",
                 "--trait-columns", "strain,minute", "--out", str(out)]) == 0
    return out


def test_modules_soft_threshold_and_power_equal_wgcna(fission_modules):
    table = pd.read_csv(fission_modules / "soft_threshold.csv")
    expected = pd.read_csv(FISSION / "wgcna_soft_threshold.csv")
    assert list(table.columns) == list(expected.columns)
    np.testing.assert_allclose(table.to_numpy(), expected.to_numpy(), rtol=0, atol=1e-6)
    params = json.loads((fission_modules / "params.json").read_text())
    assert params["results"]["power"] == 5  # R's powerEstimate


def test_modules_hub_genes_are_members_with_the_highest_kme(fission_modules):
    modules = pd.read_csv(fission_modules / "modules.csv", index_col="gene")["module"]
    hubs = pd.read_csv(fission_modules / "hub_genes.csv")
    assert list(hubs.columns) == ["module", "gene", "kME"]
    assert sorted(hubs["module"].unique()) == sorted(set(modules) - {0})
    assert (modules[hubs["gene"]].to_numpy() == hubs["module"].to_numpy()).all()
    assert hubs["kME"].between(0.5, 1).all()
    for _, rows in hubs.groupby("module"):
        assert len(rows) == 10 and rows["kME"].is_monotonic_decreasing


def test_modules_eigengenes_and_traits_equal_wgcna(fission_modules):
    modules = pd.read_csv(fission_modules / "modules.csv", index_col="gene")["module"]
    reference = pd.read_csv(FISSION / "wgcna_modules.csv", index_col=0)["module"]
    assert list(pd.read_csv(fission_modules / "modules.csv").columns) == ["gene", "module"]
    assert set(modules.index) == set(reference.index)
    assert adjusted_rand_score(reference, modules[reference.index]) >= 0.8
    table = pd.crosstab(modules[reference.index], reference)
    rows, cols = linear_sum_assignment(-table.to_numpy())
    pairs = {f"ME{table.columns[c]}": f"ME{table.index[r]}" for r, c in zip(rows, cols)}
    ours = pd.read_csv(fission_modules / "eigengenes.csv", index_col="sample")
    expected = pd.read_csv(FISSION / "wgcna_eigengenes.csv", index_col=0)
    for theirs, mine in pairs.items():
        assert np.corrcoef(expected[theirs], ours.loc[expected.index, mine])[0, 1] >= 0.99
    trait = pd.read_csv(fission_modules / "module_trait.csv")
    assert list(trait.columns) == ["module", "trait", "correlation", "pvalue"]
    assert sorted(trait["trait"].unique()) == ["minute", "strain=mut", "strain=wt"]
    trait = trait.set_index(["module", "trait"])
    names = {"strain_mut1": "strain=mut", "minute": "minute"}
    for row in pd.read_csv(FISSION / "wgcna_module_trait.csv").itertuples():
        mine = trait.loc[(pairs[row.module], names[row.trait])]
        assert abs(mine["correlation"] - row.cor) <= 0.02
        flipped = trait.loc[(pairs[row.module], "strain=wt"), "correlation"]
        if row.trait == "strain_mut1":
            assert flipped == pytest.approx(-mine["correlation"], abs=1e-12)


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    """Log values of 16 samples: one module of 100 genes (no scale-free fit at any
    power), and a sheet with a dose and a strain."""
    rng = np.random.default_rng(0)
    driver = rng.normal(size=16)
    folder = tmp_path_factory.mktemp("planted")
    pd.DataFrame(driver + rng.normal(0, 0.5, (100, 16)), index=[f"g{i}" for i in range(100)],
                 columns=[f"s{j}" for j in range(16)]).to_csv(folder / "values.csv")
    pd.DataFrame({"sample_id": [f"s{j}" for j in range(16)], "dose": np.arange(16) % 4,
                  "strain": ["a", "b"] * 8}).to_csv(folder / "samples.csv", index=False)
    return folder


def test_modules_say_when_no_power_fits_and_when_all_merge(planted, tmp_path, capsys):
    base = ["modules", planted / "values.csv", "--metadata", planted / "samples.csv",
            "--min-module-size", "20"]
    status, out, err = cli(capsys, *base, "--out", tmp_path / "auto")
    assert status == 0
    assert "No power reaches a scale-free fit" in err and "power 9 is the WGCNA FAQ" in err
    assert out.startswith("power 9,")
    status, _, err = cli(capsys, *base, "--power", "4", "--out", tmp_path / "four")
    assert status == 0 and "Power 4 has a scale-free fit R^2 of" in err
    assert "Consider power 9" in err
    status, _, err = cli(capsys, *base, "--power", "6", "--min-module-size", "10",
                         "--deep-split", "4", "--merge-cut-height", "1.0", "--out", tmp_path / "m")
    assert status == 0 and "All 2 modules merged into one at merge cut height 1.0" in err
    modules = pd.read_csv(tmp_path / "m" / "modules.csv")["module"]
    assert set(modules) - {0} == {1}
    trait = pd.read_csv(tmp_path / "m" / "module_trait.csv")
    assert set(trait["trait"]) == {"dose", "strain=a", "strain=b"}


def test_modules_bad_input_is_refused(planted, tmp_path, capsys):
    base = ["modules", planted / "values.csv", "--metadata", planted / "samples.csv",
            "--out", tmp_path]
    assert "--power takes 'auto' or a number" in refused(capsys, *base, "--power", "high")
    assert "no column tissue" in refused(capsys, *base, "--trait-columns", "tissue")
    assert "No module of at least 150 genes" in refused(capsys, *base, "--power", "6",
                                                       "--min-module-size", "150")
