"""Doublet scores of single cells: Scrublet (Wolock et al. 2019) as scanpy's ``pp.scrublet``.

Simulated doublets (the summed counts of random pairs of observed cells) are embedded
with the observed cells; a cell whose neighbourhood is rich in simulated doublets is
likely a doublet. Steps and defaults follow scanpy 1.11.5's ``scrublet`` (itself a port of
the ``scrublet`` package): genes in >= 3 cells, cells with >= 3 genes; highly variable
genes (seurat flavor, cut-offs) of the median-normalized log values; doublets from the raw
counts of those genes; each profile scaled to 1e6, z-scored with the observed cells'
statistics; 30 principal components fitted on the observed cells; a kNN classifier. The
same seed draws the same pairs and the same ARPACK start as scanpy; the z-scoring is
folded into the PCA (sparse, implicit centring) instead of a dense copy.
"""

from __future__ import annotations

from dataclasses import dataclass

import anndata as ad
import numpy as np
from scipy import ndimage, sparse

from rnaclust_dash.errors import DataError, ParameterError
from rnaclust_dash.pp._sc_inputs import _cells_per_gene, _csr_matrix, _genes_per_cell
from rnaclust_dash.pp.hvg import highly_variable_genes
from rnaclust_dash.pp.neighbors import nearest_neighbors
from rnaclust_dash.pp.sc_normalize import gene_mean_var, normalize_total_log1p

#: Doublets expected among the cells (scrublet's and scanpy's default 0.05) and its sd.
EXPECTED_DOUBLET_RATE = 0.05
_STDEV_DOUBLET_RATE = 0.02
#: Simulated doublets per observed cell.
SIM_DOUBLET_RATIO = 2.0
_N_COMPONENTS = 30
_SCALE_TO = 1e6


@dataclass(frozen=True)
class DoubletResult:
    """Scrublet's doublet scores.

    Attributes
    ----------
    scores : numpy.ndarray
        One per input cell, the estimated probability-like doublet score; NaN for the
        cells with fewer than 3 genes (not scored, as scanpy).
    predicted : numpy.ndarray
        Bool per cell: score above ``threshold`` (all False without a threshold).
    threshold : float
        The score cut-off: given, or the minimum between the two modes of the simulated
        doublets' scores (skimage's ``threshold_minimum``); NaN when not found.
    simulated_scores : numpy.ndarray
        The simulated doublets' scores (their histogram shows the threshold).
    """

    scores: np.ndarray
    predicted: np.ndarray
    threshold: float
    simulated_scores: np.ndarray


def threshold_minimum(values: np.ndarray, *, n_bins: int = 256,
                      max_iterations: int = 10_000) -> float:
    """The minimum between the two modes of a histogram (skimage's ``threshold_minimum``).

    The histogram is smoothed (running mean of 3) until it has two maxima; NaN when it
    never does.
    """
    counts, edges = np.histogram(np.asarray(values, dtype=np.float64), bins=n_bins)
    centres = (edges[:-1] + edges[1:]) / 2
    smooth = counts.astype(np.float64)
    for _ in range(max_iterations):
        smooth = ndimage.uniform_filter1d(smooth, 3)
        maxima = _local_maxima(smooth)
        if len(maxima) < 3:
            break
    if len(maxima) != 2:
        return float("nan")
    lowest = np.argmin(smooth[maxima[0]:maxima[1] + 1])
    return float(centres[maxima[0] + lowest])


def _local_maxima(histogram: np.ndarray) -> list[int]:
    maxima, rising = [], True
    for i in range(len(histogram) - 1):
        if rising and histogram[i + 1] < histogram[i]:
            rising = False
            maxima.append(i)
        elif not rising and histogram[i + 1] > histogram[i]:
            rising = True
    return maxima


def _scorable(counts: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Genes in >= 3 cells, then cells with >= 3 of those genes (scanpy's filters)."""
    genes = _cells_per_gene(counts) >= 3
    cells = _genes_per_cell(counts[:, np.flatnonzero(genes)]) >= 3
    return cells, genes


def _variable_genes(counts: sparse.csr_matrix) -> np.ndarray:
    log = ad.AnnData(normalize_total_log1p(counts, target_sum=None))
    table = highly_variable_genes(log, flavor="seurat", n_top_genes=None)
    return np.flatnonzero(table["highly_variable"].to_numpy())


def _scaled_rows(counts: sparse.csr_matrix) -> sparse.csr_matrix:
    totals = np.asarray(counts.sum(axis=1, dtype=np.float64)).ravel()
    factor = np.divide(_SCALE_TO, totals, out=np.zeros_like(totals), where=totals > 0)
    return sparse.csr_matrix(sparse.diags(factor) @ counts.astype(np.float64))


def _embedding(observed: sparse.csr_matrix, simulated: sparse.csr_matrix,
               rng: np.random.RandomState) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.decomposition import PCA

    observed, simulated = _scaled_rows(observed), _scaled_rows(simulated)
    _, variance = gene_mean_var(observed)
    inverse_sd = sparse.diags(1 / np.sqrt(variance))
    # PCA centres (implicitly), so z-scoring is dividing by the observed cells' sd.
    observed, simulated = observed @ inverse_sd, simulated @ inverse_sd
    n_components = min(_N_COMPONENTS, min(observed.shape) - 1)
    model = PCA(n_components=n_components, svd_solver="arpack", random_state=rng)
    return model.fit_transform(observed), model.transform(simulated)


def _neighbour_scores(points: np.ndarray, n_observed: int, n_neighbors: int,
                      expected_rate: float, random_state: int) -> np.ndarray:
    n_simulated = len(points) - n_observed
    k_adjusted = round(n_neighbors * (1 + n_simulated / n_observed))
    k_adjusted = min(k_adjusted, len(points))
    indices, _, _ = nearest_neighbors(points, n_neighbors=k_adjusted,
                                      random_state=random_state)
    # The k - 1 nearest other points, the point itself left out, counted out of k: what
    # scanpy 1.11.5 does whenever two simulated doublets coincide (nearly always).
    simulated_neighbours = (indices[:, 1:] >= n_observed).sum(axis=1).astype(np.float64)
    # Scrublet's Bayesian estimate from the share of simulated neighbours.
    rho, ratio, k = expected_rate, n_simulated / n_observed, float(k_adjusted)
    q = (simulated_neighbours + 1) / (k + 2)
    return q * rho / ratio / (1 - rho - q * (1 - rho - rho / ratio))


def doublet_scores(counts, *, random_state: int = 0,
                   expected_doublet_rate: float = EXPECTED_DOUBLET_RATE,
                   sim_doublet_ratio: float = SIM_DOUBLET_RATIO,
                   n_neighbors: int | None = None,
                   threshold: float | None = None) -> DoubletResult:
    """Scrublet doublet scores of cells x genes raw counts (scanpy's ``pp.scrublet``).

    Parameters
    ----------
    counts : scipy.sparse matrix or array-like
        Cells x genes raw counts of one sample (run each 10x lane/batch on its own).
    random_state : int
        Seed of the simulated pairs, the PCA and an approximate neighbour search.
    expected_doublet_rate : float
        Expected share of doublets (0 < rate < 1); ~0.008 per 1,000 cells loaded on 10x.
    sim_doublet_ratio : float
        Simulated doublets per observed cell.
    n_neighbors : int, optional
        Neighbours of the classifier; default round(0.5 sqrt(cells)).
    threshold : float, optional
        Score cut-off for ``predicted``; default: found from the simulated scores.

    Returns
    -------
    DoubletResult
    """
    if not 0 < expected_doublet_rate < 1:
        raise ParameterError("expected_doublet_rate must be between 0 and 1; got "
                             f"{expected_doublet_rate!r}.")
    if not sim_doublet_ratio > 0:
        raise ParameterError(f"sim_doublet_ratio must be > 0; got {sim_doublet_ratio!r}.")
    matrix = _csr_matrix(counts, what="counts", counts=True)
    cells, genes = _scorable(matrix)
    if cells.sum() < 10:
        raise DataError(f"Doublet scores need at least 10 cells with 3 or more genes; "
                        f"these data have {int(cells.sum())}.")
    observed = matrix[np.flatnonzero(cells)][:, np.flatnonzero(genes)]
    observed = observed[:, _variable_genes(observed)]
    n_observed = observed.shape[0]
    rng = np.random.RandomState(random_state)  # one stream for pairs and PCA, as scanpy
    from sklearn.utils.random import sample_without_replacement

    pairs = np.vstack(np.unravel_index(sample_without_replacement(
        n_observed * n_observed, int(n_observed * sim_doublet_ratio), random_state=rng),
        (n_observed, n_observed))).T
    simulated = observed[pairs[:, 0]] + observed[pairs[:, 1]]
    observed_points, simulated_points = _embedding(observed, simulated, rng)
    k = n_neighbors if n_neighbors is not None else round(0.5 * np.sqrt(n_observed))
    all_scores = _neighbour_scores(np.vstack([observed_points, simulated_points]),
                                   n_observed, max(int(k), 1), expected_doublet_rate,
                                   random_state)
    simulated_scores = all_scores[n_observed:]
    cut = threshold_minimum(simulated_scores) if threshold is None else float(threshold)
    scores = np.full(matrix.shape[0], np.nan)
    scores[cells] = all_scores[:n_observed]
    predicted = scores > cut if np.isfinite(cut) else np.zeros(matrix.shape[0], bool)
    return DoubletResult(scores=scores, predicted=predicted, threshold=cut,
                         simulated_scores=simulated_scores)
