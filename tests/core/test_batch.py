"""Batch correction and diagnostics: parity with sva/limma, hand-checked toys, confounding, LISI.

The references were computed by ``../shared/tools/r_reference.R`` (R 4.2.2, sva 3.46, limma
3.54, edgeR 3.40) on ``batch_input_logcpm`` (genes kept by ``filterByExpr``, TMM log-CPM
with prior 2): ``ComBat(logc, batch, mod = model.matrix(~group), par.prior = TRUE/FALSE)``,
``ComBat(logc, batch, mod = NULL)``, ``removeBatchEffect(logc, batch = batch, design = mod)``
and ``ComBat_seq(counts[keep, ], batch, group)``. pasilla (batch = library type) uses the
copies in ``tests/data/reference/pasilla`` (with extra references for ComBat-seq without a
group and mean-only ComBat, see ``batch_extra_references.md`` there); airway (batch = cell
line, no non-parametric reference) is read from ``../shared/data`` and skipped when absent.
ComBat-seq on genes that are all zero in one group of one batch has its own small reference
(``tests/data/reference/combat_seq_zeros``, made by the R script there), and bottomly (three
sequencing runs; may not be copied) is read from ``../shared/data`` when present.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rnaclust_dash.pp.batch_counts import _pnbinom, _qnbinom, combat_seq
from rnaclust_dash.pp.batch_design import batch_confounding
from rnaclust_dash.pp.batch_log_scale import combat, remove_batch_effect
from rnaclust_dash.tl.batch_mixing import batch_mixing_scores
from rnaclust_dash.errors import DataError, ParameterError

from reference_paths import REPO, SHARED_DATA


def _read(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, index_col=0, dtype={0: str})
    frame.index = frame.index.astype(str)
    return frame


class Case:
    """One dataset: the log-CPM input, its raw counts, the sample sheet and the references."""

    def __init__(self, name: str):
        if name == "pasilla":
            self.reference = REPO / "tests" / "data" / "reference" / "pasilla"
            counts_path = REPO / "rnaclust_dash" / "data" / "pasilla" / "counts.csv.gz"
            samples_path = REPO / "rnaclust_dash" / "data" / "pasilla" / "samples.csv"
        else:
            folder = SHARED_DATA / name
            if not (folder / "reference" / "batch_input_logcpm.csv.gz").exists():
                pytest.skip(f"{folder} is not available")
            self.reference = folder / "reference"
            counts_path, samples_path = folder / "counts.csv.gz", folder / "samples.csv"
        self.name = name
        self.logcpm = _read(self.reference / "batch_input_logcpm.csv.gz")
        self.samples = _read(samples_path)
        assert list(self.samples.index) == list(self.logcpm.columns)
        # pandas, not rnaclust_dash.io: the reader drops all-zero genes
        self.counts = _read(counts_path).loc[self.logcpm.index, self.logcpm.columns]
        self.batch = self.samples["batch"]
        self.covariates = self.samples[["group"]]

    def expected(self, name: str) -> np.ndarray:
        frame = _read(self.reference / name)
        assert list(frame.index) == list(self.logcpm.index)
        return frame.to_numpy(dtype=np.float64)


_CASES: dict[str, Case] = {}


@pytest.fixture(params=["pasilla", "airway"])
def case(request) -> Case:
    if request.param not in _CASES:
        _CASES[request.param] = Case(request.param)
    return _CASES[request.param]


@pytest.fixture
def pasilla() -> Case:
    if "pasilla" not in _CASES:
        _CASES["pasilla"] = Case("pasilla")
    return _CASES["pasilla"]


# --- parity with R -------------------------------------------------------------------------

def test_combat_parametric_matches_sva(case):
    result = combat(case.logcpm, case.batch, covariates=case.covariates)
    np.testing.assert_allclose(result, case.expected("sva_combat_parametric.csv.gz"),
                               rtol=0, atol=1e-4)


def test_combat_parametric_without_covariates_matches_sva(case):
    result = combat(case.logcpm, case.batch)
    np.testing.assert_allclose(result, case.expected("sva_combat_parametric_nocov.csv.gz"),
                               rtol=0, atol=1e-4)


@pytest.mark.slow
def test_combat_nonparametric_matches_sva(pasilla):
    result = combat(pasilla.logcpm, pasilla.batch, covariates=pasilla.covariates,
                    parametric=False)
    np.testing.assert_allclose(result, pasilla.expected("sva_combat_nonparametric.csv.gz"),
                               rtol=0, atol=1e-4)


def test_remove_batch_effect_matches_limma(case):
    result = remove_batch_effect(case.logcpm, case.batch, covariates=case.covariates)
    np.testing.assert_allclose(result, case.expected("limma_removebatcheffect.csv.gz"),
                               rtol=0, atol=1e-8)


def test_combat_seq_matches_sva_exactly(case):
    name = "sva_combat_seq.csv.gz"
    result = combat_seq(case.counts, case.batch, group=case.samples["group"])
    expected = case.expected(name)
    assert result.dtype == np.int64
    differ = result != expected
    assert not differ.any(), (f"{differ.mean():.4%} of the values differ, largest difference "
                              f"{np.abs(result - expected).max()}")


def test_combat_seq_without_group_matches_sva(pasilla):
    # no group: the design is batch indicators only, fitted by edgeR's one-way shortcut
    result = combat_seq(pasilla.counts, pasilla.batch)
    expected = pasilla.expected("sva_combat_seq_nogroup.csv.gz")
    np.testing.assert_array_equal(result, expected)


ZEROS = REPO / "tests" / "data" / "reference" / "combat_seq_zeros"
BOTTOMLY = SHARED_DATA / "bulk_bottomly_mouse_strains_3batches"


@pytest.mark.parametrize("reference, with_group, third_batch", [
    ("sva_combat_seq.csv.gz", True, False),
    ("sva_combat_seq_nogroup.csv.gz", False, False),
    ("sva_combat_seq_3batches.csv.gz", True, True),
])
def test_combat_seq_matches_sva_on_genes_zero_in_one_group(reference, with_group, third_batch):
    # Genes all zero in one group of one batch have fitted means of 0 in the Cox-Reid
    # likelihood: edgeR gives those samples a working weight of 0 (made by
    # combat_seq_zeros/make_reference.R, sva 3.46.0, edgeR 3.40.2).
    counts = _read(ZEROS / "input_counts.csv.gz")
    samples = pd.read_csv(ZEROS / "samples.csv")
    batch = samples["batch"].to_numpy().copy()
    if third_batch:
        batch[12:] = "b3"  # a batch holding one group only
    group = samples["group"] if with_group else None
    result = combat_seq(counts.to_numpy(), batch, group=group)
    expected = _read(ZEROS / reference).to_numpy()
    differ = result != expected
    assert not differ.any(), (f"{differ.mean():.4%} of the values differ, in genes "
                              f"{list(counts.index[differ.any(axis=1)][:10])}")


def test_combat_seq_matches_sva_on_bottomly():
    # Three sequencing runs of two mouse strains (read from ../shared; may not ship).
    reference_path = BOTTOMLY / "reference" / "combat_seq_counts_filtered_genes.csv.gz"
    if not reference_path.exists():
        pytest.skip(f"{BOTTOMLY} is not available")
    expected = _read(reference_path)
    counts = _read(BOTTOMLY / "counts.csv.gz").loc[expected.index, expected.columns]
    samples = _read(BOTTOMLY / "samples.csv").loc[expected.columns]
    result = combat_seq(counts.to_numpy(), samples["batch"], group=samples["strain"])
    differ = result != expected.to_numpy()
    assert not differ.any(), (f"{differ.mean():.4%} of the values differ, largest difference "
                              f"{np.abs(result - expected.to_numpy()).max()}")


@pytest.mark.parametrize("parametric", [True, False])
def test_combat_with_a_single_sample_batch_is_mean_only_as_in_sva(pasilla, parametric):
    solo = pasilla.batch.to_numpy().copy()
    solo[0] = "solo"
    values = pasilla.logcpm.iloc[:1500]
    result = combat(values, solo, parametric=parametric)
    kind = "parametric" if parametric else "nonparametric"
    expected = _read(pasilla.reference / f"sva_combat_meanonly_{kind}_first1500.csv.gz")
    np.testing.assert_allclose(result, expected.to_numpy(), rtol=0, atol=1e-4)


# --- hand-checked toys -----------------------------------------------------------------------

def test_remove_batch_effect_without_design_centres_each_batch():
    values = np.array([[1.0, 2.0, 3.0, 10.0, 12.0],
                       [5.0, 5.0, 8.0, -1.0, 0.0]])
    batch = ["a", "a", "a", "b", "b"]
    result = remove_batch_effect(values, batch)
    means_a = values[:, :3].mean(axis=1, keepdims=True)
    means_b = values[:, 3:].mean(axis=1, keepdims=True)
    # sum-to-zero coding: each batch moves to the average of the two batch means
    centre = (means_a + means_b) / 2
    expected = np.hstack([values[:, :3] - means_a, values[:, 3:] - means_b]) + centre
    np.testing.assert_allclose(result, expected, atol=1e-12)


def test_remove_batch_effect_keeps_the_biology():
    # the group effect (+4 for "t") is the same in both batches: only the batch shift goes
    batch = np.array(["a", "a", "a", "a", "b", "b", "b", "b"])
    group = pd.DataFrame({"group": ["c", "t", "c", "t", "c", "t", "c", "t"]})
    values = np.array([[1.0, 5.0, 1.2, 5.2, 3.0, 7.0, 3.2, 7.2]])
    result = remove_batch_effect(values, batch, covariates=group)
    np.testing.assert_allclose(result[0, batch == "a"] - result[0, batch == "b"], 0, atol=1e-12)
    np.testing.assert_allclose(result[0, 1] - result[0, 0], 4.0, atol=1e-12)


def test_combat_leaves_genes_constant_within_a_batch_unchanged():
    rng = np.random.default_rng(3)
    values = rng.normal(size=(50, 6))
    values[7, :3] = 2.5  # constant in batch "a"
    batch = ["a", "a", "a", "b", "b", "b"]
    result = combat(values, batch)
    np.testing.assert_array_equal(result[7], values[7])
    assert not np.allclose(result[8], values[8])
    assert np.isfinite(result).all()


def test_combat_removes_a_shift_between_batches():
    rng = np.random.default_rng(5)
    values = rng.normal(size=(400, 10))
    values[:, 5:] += 3.0  # the same shift in every gene: the prior is tight
    result = combat(values, ["a"] * 5 + ["b"] * 5)
    gap = result[:, 5:].mean(axis=1) - result[:, :5].mean(axis=1)
    assert abs(gap.mean()) < 0.2  # from 3.0
    # what is left is the genes' own noise, not the shift
    assert np.abs(gap).max() < 1.5


def test_combat_seq_keeps_small_counts_and_genes_zero_in_a_batch():
    rng = np.random.default_rng(11)
    counts = rng.negative_binomial(5, 5 / (5 + rng.gamma(2.0, 50.0, size=(200, 1))),
                                   size=(200, 8)).astype(float)
    counts[:100, 4:] *= 3  # batch "b": half the genes 3x higher
    counts[3, :4] = 0  # zero in every sample of batch "a": not adjusted
    batch = np.array(["a"] * 4 + ["b"] * 4)
    group = ["c", "t"] * 4
    result = combat_seq(counts, batch, group=group)
    assert result.dtype == np.int64
    np.testing.assert_array_equal(result[3], counts[3])
    small = counts <= 1
    np.testing.assert_array_equal(result[small], counts[small])

    def batch_log_ratio(table):
        # per gene, batch b vs a, after scaling by the library sizes (ComBat-seq's offsets)
        scaled = table / counts.sum(axis=0)
        with np.errstate(divide="ignore"):
            ratio = np.log(scaled[:, batch == "b"].mean(axis=1)
                           / scaled[:, batch == "a"].mean(axis=1))
        return np.abs(ratio[np.isfinite(ratio)])

    before, after = batch_log_ratio(counts), batch_log_ratio(result)
    assert after.mean() < 0.4 * before.mean()


def test_qnbinom_is_the_smallest_count_reaching_p():
    rng = np.random.default_rng(2)
    size = rng.uniform(0.5, 200, 5000)
    mu = rng.uniform(0.1, 5000, 5000)
    k = np.floor(rng.uniform(0, 3, 5000) * mu)
    p = _pnbinom(k, size, mu)
    ok = p < 1 - 1e-4
    np.testing.assert_array_equal(_qnbinom(p[ok], size[ok], mu[ok]), k[ok])
    # just above a step of the distribution function, the next count
    np.testing.assert_array_equal(_qnbinom(p[ok] * (1 + 1e-9), size[ok], mu[ok]), k[ok] + 1)
    assert _qnbinom(np.array([0.0]), np.array([3.0]), np.array([10.0]))[0] == 0


# --- errors and confounding ------------------------------------------------------------------

def test_batch_confounding_detects_batch_equal_to_biology():
    result = batch_confounding(["a", "a", "b", "b"], ["x", "x", "y", "y"])
    assert result["confounded"]
    assert result["cramers_v"] == pytest.approx(1.0)
    assert result["table"].loc["a", "x"] == 2 and result["table"].loc["a", "y"] == 0
    assert "confounded" in result["message"] and "a" in result["message"]


def test_batch_confounding_balanced_and_partial_designs():
    balanced = batch_confounding(["a", "a", "b", "b"], ["x", "y", "x", "y"])
    assert not balanced["confounded"]
    assert balanced["cramers_v"] == pytest.approx(0.0)
    assert balanced["single_level_batches"] == []
    partial = batch_confounding(["a", "a", "b", "b", "b"], ["x", "x", "x", "y", "y"])
    assert not partial["confounded"]
    assert 0 < partial["cramers_v"] < 1
    assert partial["single_level_batches"] == ["a"]
    assert "'a'" in partial["message"]


def test_batch_confounding_detects_a_singular_design_below_cramers_v_one():
    # batches a and b share x and y, but z occurs only (and alone) in batch c
    batch = ["a", "a", "b", "b", "c", "c"]
    biology = ["x", "y", "x", "y", "z", "z"]
    result = batch_confounding(batch, biology)
    assert result["cramers_v"] < 1
    assert result["confounded"]


def test_combat_refuses_confounded_covariates_and_shows_the_table():
    values = np.random.default_rng(0).normal(size=(20, 4))
    batch = ["b1", "b1", "b2", "b2"]
    covariates = pd.DataFrame({"group": ["treated", "treated", "control", "control"]})
    with pytest.raises(ParameterError, match="confounded") as error:
        combat(values, batch, covariates=covariates)
    assert "treated" in str(error.value) and "b1" in str(error.value)
    with pytest.raises(ParameterError, match="confounded"):
        remove_batch_effect(values, batch, covariates=covariates)
    with pytest.raises(ParameterError, match="confounded"):
        combat_seq(np.ones((20, 4)) * 10, batch, group=covariates["group"])


def test_multi_column_covariates_confounded_or_redundant():
    values = np.random.default_rng(1).normal(size=(20, 6))
    batch = ["a", "a", "a", "b", "b", "b"]
    # sex follows the batch exactly: the combined labels show it in the table
    covariates = pd.DataFrame({"group": list("xyxyxy"), "sex": list("fffmmm")})
    with pytest.raises(ParameterError, match="confounded") as error:
        combat(values, batch, covariates=covariates)
    assert "x / f" in str(error.value)
    redundant = pd.DataFrame({"group": list("xyxyxy"), "copy": list("pqpqpq")})
    with pytest.raises(ParameterError, match="redundant"):
        combat(values, batch, covariates=redundant)
    with pytest.raises(ParameterError, match="redundant"):
        remove_batch_effect(values, batch, covariates=redundant)
    fine = pd.DataFrame({"group": list("xyxyxy"), "age": [30.0, 41, 25, 33, 52, 47]})
    assert np.isfinite(combat(values, batch, covariates=fine)).all()


def test_bad_inputs_get_messages():
    values = np.random.default_rng(0).normal(size=(5, 4))
    with pytest.raises(ParameterError, match="at least 2 batches"):
        combat(values, ["a"] * 4)
    with pytest.raises(ParameterError, match="one value per sample"):
        combat(values, ["a", "b"])
    with pytest.raises(ParameterError, match="no batch label"):
        remove_batch_effect(values, ["a", None, "b", "b"])
    with pytest.raises(DataError, match="missing or infinite"):
        combat(np.where(values > 1, np.nan, values), ["a", "a", "b", "b"])
    with pytest.raises(DataError, match="integer counts"):
        combat_seq(values, ["a", "a", "b", "b"])
    with pytest.raises(ParameterError, match="at least 2 samples in every batch"):
        combat_seq(np.ones((5, 4)), ["a", "a", "a", "b"])


# --- batch mixing ----------------------------------------------------------------------------

def test_lisi_is_the_number_of_batches_when_mixed_and_one_when_separated():
    rng = np.random.default_rng(4)
    points = rng.normal(size=(120, 2))
    mixed = batch_mixing_scores(points, np.tile(["a", "b", "c"], 40))
    assert mixed["lisi"] == pytest.approx(3.0, abs=0.3)
    assert mixed["silhouette"] < 0.05
    assert mixed["n_neighbors"] == 89

    separated_points = np.vstack([rng.normal(size=(60, 2)), rng.normal(size=(60, 2)) + 100])
    separated = batch_mixing_scores(separated_points, np.repeat(["a", "b"], 60))
    assert separated["lisi"] == pytest.approx(1.0, abs=1e-6)
    assert separated["silhouette"] > 0.9
    assert separated["lisi_values"].shape == (120,)


def test_lisi_on_perfectly_interleaved_batches_is_two():
    # on a line with alternating labels every neighbourhood is half a, half b
    points = np.arange(200, dtype=float)[:, None]
    scores = batch_mixing_scores(points, np.tile(["a", "b"], 100))
    inner = scores["lisi_values"][50:150]  # away from the ends of the line
    np.testing.assert_allclose(inner, 2.0, atol=0.05)


def test_lisi_with_fewer_samples_than_neighbours():
    points = np.array([[0.0], [0.1], [0.2], [10.0], [10.1], [10.2]])
    scores = batch_mixing_scores(points, ["a", "a", "a", "b", "b", "b"])
    assert scores["n_neighbors"] == 5
    assert 1.0 <= scores["lisi"] < 2.0


def test_harmony_embedding_mixes_two_shifted_batches():
    from rnaclust_dash.pp.batch_harmony import harmony_embedding
    from rnaclust_dash.tl.batch_mixing import batch_mixing_scores

    rng = np.random.default_rng(5)
    biology = np.tile([0, 1], 20)
    batch = np.repeat(["run1", "run2"], 20)
    values = rng.normal(size=(40, 50)) + 4.0 * biology[:, None] * (np.arange(50) < 10)
    values[batch == "run2"] += 3.0  # a strong batch shift on every gene
    from sklearn.decomposition import PCA

    before = batch_mixing_scores(PCA(n_components=10).fit_transform(values), batch)["silhouette"]
    corrected = harmony_embedding(values, batch, n_pcs=10, random_state=0)
    assert corrected.shape == (40, 10)
    after = batch_mixing_scores(corrected, batch)["silhouette"]
    assert before > 0.1 and after < before / 3  # measured: 0.16 before, 0.03 after
    again = harmony_embedding(values, batch, n_pcs=10, random_state=0)
    np.testing.assert_array_equal(corrected, again)  # seeded: reproducible
