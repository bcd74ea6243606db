"""Co-expression modules as WGCNA (issue 11): soft threshold, TOM, modules, eigengenes.

Parity references: tests/data/reference/fission/ (R 4.2.2, DESeq2 1.38.3, WGCNA 1.72-1,
dynamicTreeCut 1.63-1; wgcna_params.txt says how they were made, make_wgcna_extra.R made
the signed table and the toy TOMs).
"""

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linear_sum_assignment
from scipy.stats import pearsonr
from sklearn.metrics import adjusted_rand_score

from rnaclust_dash.errors import DataError, ParameterError
from rnaclust_dash.pp.variance_stabilizing import vst
from rnaclust_dash.tl import modules as md
from rnaclust_dash.tl.blockwise import find_modules, gene_blocks
from rnaclust_dash.tl.treecut import merge_close_modules
from tests.core.reference_paths import LOCAL_REFERENCE

FISSION = LOCAL_REFERENCE / "fission"


@pytest.fixture(scope="module")
def fission_top5000():
    """As wgcna_params.txt: vst(blind=TRUE) of all 36 samples, top 5,000 by variance."""
    counts = pd.read_csv(FISSION / "counts.csv.gz", index_col=0)
    values = pd.DataFrame(vst(counts.to_numpy()), index=counts.index, columns=counts.columns)
    variance = values.var(axis=1)
    ranked = pd.DataFrame({"gene": variance.index, "var": variance.to_numpy()}).sort_values(
        ["var", "gene"], ascending=[False, True])
    return values.loc[ranked["gene"].iloc[:5000].to_numpy()]


@pytest.fixture(scope="module")
def fission_modules(fission_top5000):
    return find_modules(fission_top5000, power=5, network="unsigned", tom_type="unsigned",
                        min_module_size=30, deep_split=2, merge_cut_height=0.25)


def _planted(n_modules=3, genes_per=60, n_samples=30, noise=0.6, seed=0):
    rng = np.random.default_rng(seed)
    drivers = rng.normal(size=(n_modules, n_samples))
    rows = [drivers[m] + rng.normal(0, noise, (genes_per, n_samples)) for m in range(n_modules)]
    truth = np.repeat(np.arange(1, n_modules + 1), genes_per)
    index = [f"g{i}" for i in range(len(truth))]
    expression = pd.DataFrame(np.vstack(rows), index=index,
                              columns=[f"s{j}" for j in range(n_samples)])
    return expression, pd.Series(truth, index=index), drivers


# --- soft threshold ---------------------------------------------------------------------


@pytest.mark.parametrize("network, reference, estimate", [
    ("unsigned", "wgcna_soft_threshold.csv", 5),
    ("signed", "wgcna_soft_threshold_signed.csv", 14)])
def test_soft_threshold_table_matches_wgcna_within_1e6(fission_top5000, network, reference,
                                                       estimate):
    table, power = md.pick_soft_threshold(fission_top5000, network=network)
    expected = pd.read_csv(FISSION / reference)
    assert list(table.columns) == list(expected.columns)
    np.testing.assert_allclose(table.to_numpy(), expected.to_numpy(), rtol=0, atol=1e-6)
    assert power == estimate


def test_no_scale_free_fit_is_said_with_a_suggested_power():
    table = pd.DataFrame({"Power": [1, 2, 3], "SFT.R.sq": [0.1, 0.3, 0.5],
                          "slope": [-0.5, -0.8, -1.0]})
    power, why = md.suggest_power(table, network="unsigned", n_samples=36)
    assert power == 7  # WGCNA FAQ: unsigned, 30-40 samples
    assert "No power reaches" in why and "best 0.50 at power 3" in why
    table.loc[2, "SFT.R.sq"] = 0.9
    assert md.suggest_power(table, n_samples=36)[0] == 3
    signed = md.suggest_power(table.assign(**{"SFT.R.sq": 0.1}), network="signed",
                              n_samples=12)
    assert signed[0] == 18


# --- adjacency and TOM ------------------------------------------------------------------


def test_toy_tom_by_hand():
    # a12 = a13 = 0.5, a23 = 0.2: k = (1, 0.7, 0.7)
    # TOM12 = (a13 a32 + a12) / (min(k1, k2) + 1 - a12) = (0.1 + 0.5) / 1.2 = 0.5
    # TOM13 = (a12 a23 + a13) / (0.7 + 1 - 0.5) = 0.5
    # TOM23 = (a21 a13 + a23) / (0.7 + 1 - 0.2) = 0.45 / 1.5 = 0.3
    adjacency = np.array([[1, 0.5, 0.5], [0.5, 1, 0.2], [0.5, 0.2, 1]])
    expected = np.array([[1, 0.5, 0.5], [0.5, 1, 0.3], [0.5, 0.3, 1]])
    np.testing.assert_allclose(md.tom_similarity(adjacency), expected)
    np.testing.assert_allclose(md.tom_similarity(adjacency.astype(np.float32)), expected,
                               rtol=1e-6)


@pytest.mark.parametrize("network", ["unsigned", "signed"])
def test_toy_tom_matches_wgcna(network):
    toy = pd.read_csv(FISSION / "toy_expression.csv", index_col=0)  # samples x genes
    tom = md.tom_similarity(md.adjacency(toy.T, power=2, network=network))
    expected = pd.read_csv(FISSION / f"toy_tom_{network}_network.csv", index_col=0)
    np.testing.assert_allclose(tom, expected.to_numpy(), atol=1e-12)


def test_signed_tom_type_matches_wgcna():
    toy = pd.read_csv(FISSION / "toy_expression.csv", index_col=0).to_numpy()
    cor = np.corrcoef(toy.T)
    tom = md.tom_similarity(np.sign(cor) * cor ** 2, tom_type="signed")
    expected = pd.read_csv(FISSION / "toy_tom_signed_tomtype.csv", index_col=0)
    np.testing.assert_allclose(tom, expected.to_numpy(), atol=1e-12)
    with pytest.raises(ParameterError, match="non-negative adjacency"):
        md.tom_similarity(np.sign(cor) * cor ** 2, tom_type="unsigned")


# --- modules: parity with blockwiseModules ----------------------------------------------


def test_modules_match_blockwise_modules(fission_modules):
    reference = pd.read_csv(FISSION / "wgcna_modules.csv", index_col=0)["module"]
    ours = fission_modules.modules[reference.index]
    assert adjusted_rand_score(reference, ours) >= 0.8
    assert (ours == 0).sum() == pytest.approx((reference == 0).sum(), rel=0.2)


def test_eigengenes_and_module_trait_match_wgcna(fission_modules):
    expected = pd.read_csv(FISSION / "wgcna_eigengenes.csv", index_col=0)
    ours = fission_modules.eigengenes.loc[expected.index]
    reference = pd.read_csv(FISSION / "wgcna_modules.csv", index_col=0)["module"]
    table = pd.crosstab(fission_modules.modules[reference.index], reference)
    rows, cols = linear_sum_assignment(-table.to_numpy())
    pairs = {f"ME{table.columns[c]}": f"ME{table.index[r]}" for r, c in zip(rows, cols)}
    for theirs, mine in pairs.items():
        assert np.corrcoef(expected[theirs], ours[mine])[0, 1] >= 0.99
    samples = pd.read_csv(FISSION / "samples.csv", index_col=0)
    traits = pd.DataFrame({"strain_mut1": (samples["strain"] == "mut").astype(float),
                           "minute": samples["minute"].astype(float)})
    result = md.module_trait_correlation(ours, traits).set_index(["module", "trait"])
    reference_trait = pd.read_csv(FISSION / "wgcna_module_trait.csv")
    for row in reference_trait.itertuples():
        mine = result.loc[(pairs[row.module], row.trait)]
        assert abs(mine["correlation"] - row.cor) <= 0.02
        assert mine["pvalue"] == pytest.approx(row.pvalue, rel=0.05, abs=1e-12)


def test_kme_and_hub_genes(fission_modules, fission_top5000):
    kme = md.module_membership(fission_top5000, fission_modules.eigengenes)
    gene = fission_top5000.index[0]
    assert kme.loc[gene, "kME1"] == pytest.approx(
        pearsonr(fission_top5000.loc[gene], fission_modules.eigengenes["ME1"])[0])
    hubs = md.hub_genes(kme, fission_modules.modules, top=5)
    module1 = hubs[hubs["module"] == 1]
    members = fission_modules.modules.index[fission_modules.modules == 1]
    assert module1["kME"].iloc[0] == pytest.approx(kme.loc[members, "kME1"].max())
    assert set(module1["gene"]) <= set(members)
    assert 0 not in set(hubs["module"])


# --- small planted cases, blocks and bad input ------------------------------------------


def test_eigengene_is_aligned_with_average_expression():
    expression, truth, drivers = _planted(n_modules=1, genes_per=20)
    eigengene = md.module_eigengenes(expression, truth)["ME1"]
    assert np.corrcoef(eigengene, expression.mean(axis=0))[0, 1] > 0.9
    assert np.linalg.norm(eigengene) == pytest.approx(1.0)


def test_planted_modules_are_found_in_blocks():
    expression, truth, _ = _planted(n_modules=3, genes_per=80)
    blocks = gene_blocks(expression, max_block_size=120, random_state=0)
    assert all(len(b) <= 120 for b in blocks)
    assert sorted(np.concatenate(blocks).tolist()) == list(range(len(expression)))
    result = find_modules(expression, power=6, min_module_size=20, max_block_size=120)
    assert len(result.blocks) >= 2
    assigned = result.modules != 0
    assert assigned.mean() > 0.8
    assert adjusted_rand_score(truth[assigned], result.modules[assigned]) > 0.9


def test_modules_that_all_merge_are_said():
    expression, truth, _ = _planted(n_modules=2, genes_per=60, seed=2)
    merged = merge_close_modules(expression, truth, cut_height=1.0)
    assert set(merged) == {1}
    result = find_modules(expression, power=6, min_module_size=20, merge_cut_height=1.0)
    assert result.modules[result.modules > 0].nunique() == 1
    assert any("merged into one" in notice for notice in result.notices)


def test_no_module_is_a_clear_data_error():
    rng = np.random.default_rng(1)
    noise = pd.DataFrame(rng.normal(size=(60, 12)), index=[f"g{i}" for i in range(60)])
    with pytest.raises(DataError, match="No module of at least 50 genes"):
        find_modules(noise, power=6, min_module_size=50)


def test_bad_expression_and_traits_are_clear_errors():
    expression, truth, _ = _planted(n_modules=1, genes_per=10)
    with pytest.raises(DataError, match="at least 4 samples"):
        md.pick_soft_threshold(expression.iloc[:, :3])
    flat = expression.copy()
    flat.iloc[0] = 1.0
    with pytest.raises(DataError, match="do not vary"):
        md.adjacency(flat, power=6)
    with pytest.raises(ParameterError, match="network must be one of"):
        md.pick_soft_threshold(expression, network="hybrid")
    eigengenes = md.module_eigengenes(expression, truth)
    with pytest.raises(DataError, match="hold text"):
        md.module_trait_correlation(eigengenes, pd.DataFrame(
            {"strain": ["wt", "mut"] * 15}, index=expression.columns))
    with pytest.raises(DataError, match="same value in every sample"):
        md.module_trait_correlation(eigengenes, pd.DataFrame(
            {"dose": [1.0] * 30}, index=expression.columns))


def test_student_pvalue_equals_pearson_test():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=12), rng.normal(size=12)
    r, p = pearsonr(x, y)
    assert md.correlation_pvalue(r, 12) == pytest.approx(p, rel=1e-10)


def test_genes_in_the_wrong_module_are_reassigned_by_kme():
    from rnaclust_dash.tl.blockwise import _reassign
    from rnaclust_dash.tl.modules import _standardised
    expression, truth, _ = _planted(n_modules=2, genes_per=40, noise=0.3, seed=5)
    labels = truth.to_numpy().copy()
    labels[[40, 41, 42]] = 1  # three genes of module 2 put in module 1
    z = _standardised(expression.to_numpy().T)
    moved = _reassign(z, labels, expression, network="unsigned", threshold=1e-6,
                      min_module_size=10)
    assert moved.tolist() == truth.tolist()
    # module 1 keeps 40 genes after the move: below a minimum of 41 it is dissolved
    dissolved = _reassign(z, labels, expression, network="unsigned", threshold=1e-6,
                          min_module_size=41)
    assert (dissolved[:40] == 0).all() and (dissolved[40:] == 2).all()


@pytest.mark.parametrize("network, tom_type, power", [
    ("signed", "signed", 12), ("unsigned", "signed", 6), ("signed", "unsigned", 12)])
def test_signed_networks_find_planted_modules(network, tom_type, power):
    expression, truth, _ = _planted(n_modules=3, genes_per=60)
    result = find_modules(expression, power=power, network=network, tom_type=tom_type,
                          min_module_size=20)
    assert adjusted_rand_score(truth, result.modules) > 0.95
