"""Principal components of cells x genes, sparse without densifying (implicit centring).

The exact solver (ARPACK, seeded) is scanpy's default ``svd_solver="arpack"``; the
randomized solver (Halko et al. 2011, seeded) works on a sparse matrix through products
with it and its mean, never the centred dense matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, sparse

from rnaclust_dash.errors import ParameterError
from rnaclust_dash.pp._sc_inputs import _dense_or_csr, _positive_int
from rnaclust_dash.pp.sc_normalize import gene_mean_var

#: Principal components computed by default (scanpy's 50).
N_PCS = 50
#: ``svd_solver="auto"`` is exact (ARPACK) below this many cells, randomized from it.
RANDOMIZED_PCA_FROM = 10_000
#: The solvers on offer.
PCA_SOLVERS = ("auto", "arpack", "randomized")
#: Power iterations of the randomized solver (QR-normalized; 5 matches ARPACK's first
#: components to ~1e-4 relative on single-cell data).
_POWER_ITERATIONS = 5
_OVERSAMPLES = 10


@dataclass(frozen=True)
class PCAResult:
    """Principal components of cells x genes.

    Attributes
    ----------
    scores : numpy.ndarray
        Cells x components float32 (scanpy's ``obsm["X_pca"]``).
    loadings : numpy.ndarray
        Genes x components (scanpy's ``varm["PCs"]``), unit columns.
    variance : numpy.ndarray
        Variance of each component's scores (n - 1 denominator).
    variance_ratio : numpy.ndarray
        ``variance`` over the total variance of the genes (the elbow plot's y).
    """

    scores: np.ndarray
    loadings: np.ndarray
    variance: np.ndarray
    variance_ratio: np.ndarray


def _flip_signs(vt: np.ndarray) -> np.ndarray:
    """+1/-1 per component so that each loading's largest entry is positive (sklearn)."""
    largest = np.argmax(np.abs(vt), axis=1)
    signs = np.sign(vt[np.arange(vt.shape[0]), largest])
    signs[signs == 0] = 1.0
    return signs


def _randomized_svd(matrix, mean: np.ndarray, n_comps: int, random_state: int):
    """Top singular triplets of ``matrix - mean`` (``mean`` = 0 for no centring)."""
    n_cells = matrix.shape[0]
    rng = np.random.default_rng(random_state)

    # Products in the matrix's own precision: a float64 block would make numpy copy a
    # float32 matrix to float64 on every product.
    def times(block):  # (matrix - 1 mean') @ block
        product = np.asarray(matrix @ block.astype(matrix.dtype, copy=False), np.float64)
        return product - np.outer(np.ones(n_cells), mean @ block)

    def times_transposed(block):  # (matrix - 1 mean')' @ block
        product = np.asarray(matrix.T @ block.astype(matrix.dtype, copy=False), np.float64)
        return product - np.outer(mean, block.sum(axis=0))

    width = min(n_comps + _OVERSAMPLES, min(matrix.shape))
    basis = linalg.qr(times(rng.standard_normal((matrix.shape[1], width))),
                      mode="economic")[0]
    for _ in range(_POWER_ITERATIONS):
        basis = linalg.qr(times_transposed(basis), mode="economic")[0]
        basis = linalg.qr(times(basis), mode="economic")[0]
    u_small, singular, vt = linalg.svd(times_transposed(basis).T, full_matrices=False)
    return (basis @ u_small)[:, :n_comps], singular[:n_comps], vt[:n_comps]


def _sklearn_pca(matrix, n_comps: int, zero_center: bool, random_state: int):
    from sklearn.decomposition import PCA, TruncatedSVD

    if zero_center:  # sklearn centres a sparse matrix implicitly with ARPACK
        model = PCA(n_components=n_comps, svd_solver="arpack", random_state=random_state)
    else:
        model = TruncatedSVD(n_components=n_comps, algorithm="arpack",
                             random_state=random_state)
    scores = model.fit_transform(matrix)
    return scores, model.components_


def _chosen_solver(svd_solver: str, n_cells: int) -> str:
    if svd_solver not in PCA_SOLVERS:
        raise ParameterError(f"svd_solver must be one of {', '.join(PCA_SOLVERS)}; got "
                             f"{svd_solver!r}.")
    if svd_solver == "auto":
        return "arpack" if n_cells < RANDOMIZED_PCA_FROM else "randomized"
    return svd_solver


def pca(values, *, n_comps: int = N_PCS, zero_center: bool = True, random_state: int = 0,
        svd_solver: str = "auto") -> PCAResult:
    """Principal component analysis of cells x genes (scanpy's ``pp.pca``).

    Parameters
    ----------
    values : scipy.sparse matrix or numpy.ndarray
        Cells x genes (e.g. scaled highly variable genes, or sparse log values).
    n_comps : int
        Components; fewer when the data have fewer (at most min(cells, genes) - 1).
    zero_center : bool
        Centre each gene (PCA). False gives a truncated SVD of the raw values.
    random_state : int
        Seed of the ARPACK start vector / the randomized projection.
    svd_solver : {"auto", "arpack", "randomized"}
        ``"arpack"``: exact, as scanpy's default. ``"randomized"``: faster for many cells.
        ``"auto"``: ARPACK below :data:`RANDOMIZED_PCA_FROM` cells, else randomized.

    Returns
    -------
    PCAResult
        Signs are fixed so that each loading vector's largest entry is positive.
    """
    matrix = _dense_or_csr(values, what="values for PCA")
    n_comps = _positive_int(n_comps, "n_comps")
    if min(matrix.shape) < 2:
        raise ParameterError(f"PCA needs at least 2 cells and 2 genes; got "
                             f"{matrix.shape[0]} cells x {matrix.shape[1]} genes.")
    n_comps = min(n_comps, min(matrix.shape) - 1)
    mean, gene_variance = gene_mean_var(matrix)
    if _chosen_solver(svd_solver, matrix.shape[0]) == "arpack":
        scores, vt = _sklearn_pca(matrix, n_comps, zero_center, random_state)
        scores = np.asarray(scores, dtype=np.float64)
    else:
        centre = mean if zero_center else np.zeros_like(mean)
        u, singular, vt = _randomized_svd(matrix, centre, n_comps, random_state)
        scores = u * singular
    return _pca_result(scores, vt, gene_variance)


def _pca_result(scores: np.ndarray, vt: np.ndarray, gene_variance: np.ndarray) -> PCAResult:
    """Signs fixed (each loading's largest entry positive), variances and their ratios."""
    signs = _flip_signs(vt)
    scores, vt = scores * signs, vt * signs[:, None]
    variance = scores.var(axis=0, ddof=1)
    total = gene_variance.sum()  # uncentred too, as sklearn's TruncatedSVD
    return PCAResult(scores=scores.astype(np.float32), loadings=np.ascontiguousarray(vt.T),
                     variance=variance,
                     variance_ratio=variance / total if total > 0 else np.zeros_like(variance))


class _ScaledRows:
    """The scaled values of sparse cells x genes (minus ``mean``, over ``std``, clipped
    to +-``clip``, float32: :func:`~rnaclust_dash.pp.sc_normalize.scale`'s arithmetic) as
    an operator: products with it densify ``_ROWS`` cells at a time, so the dense
    matrix (8 GB for a million cells x 2,000 genes) never exists."""

    _ROWS = 16_384

    def __init__(self, matrix: sparse.csr_matrix, mean, std, clip: float | None,
                 transposed: bool = False):
        self.matrix, self.clip, self.transposed = matrix, clip, transposed
        self.mean, self.std = mean.astype(np.float32), std.astype(np.float32)
        self.dtype = np.dtype(np.float32)
        self.shape = matrix.shape[::-1] if transposed else matrix.shape

    @property
    def T(self) -> "_ScaledRows":  # noqa: N802 (numpy's name)
        return _ScaledRows(self.matrix, self.mean, self.std, self.clip, not self.transposed)

    def blocks(self):
        for start in range(0, self.matrix.shape[0], self._ROWS):
            dense = self.matrix[start:start + self._ROWS].toarray()
            dense -= self.mean
            dense /= self.std
            if self.clip is not None:
                np.clip(dense, -self.clip, self.clip, out=dense)
            yield start, dense

    def __matmul__(self, other: np.ndarray) -> np.ndarray:
        if self.transposed:  # sum over the cells, chunk by chunk, in float64
            total = np.zeros((self.shape[0], other.shape[1]))
            for start, dense in self.blocks():
                total += dense.T @ other[start:start + len(dense)]
            return total
        return np.vstack([dense @ other for _, dense in self.blocks()])

    def mean_var(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-gene mean and variance (n - 1) of the scaled values, as gene_mean_var."""
        sums, squares = np.zeros(self.matrix.shape[1]), np.zeros(self.matrix.shape[1])
        for _, dense in self.blocks():
            sums += dense.sum(axis=0, dtype=np.float64)
            squares += (dense * dense).sum(axis=0, dtype=np.float64)
        n_cells = self.matrix.shape[0]
        mean = sums / n_cells
        variance = (squares / n_cells - mean ** 2) * n_cells / max(n_cells - 1, 1)
        return mean, np.maximum(variance, 0.0)


def pca_of_scaled(values, *, max_value: float | None = 10.0, n_comps: int = N_PCS,
                  random_state: int = 0, svd_solver: str = "auto") -> PCAResult:
    """PCA of the scaled values (scanpy's ``scale(max_value=...)`` then ``pca``) of a
    cells x genes matrix, e.g. the log values of the highly variable genes.

    With the randomized solver and a sparse input the scaled matrix is never made: the
    products scale a chunk of cells at a time (the same values as :func:`pca` of
    :func:`~rnaclust_dash.pp.sc_normalize.scale`, up to float rounding of the sums).

    Parameters
    ----------
    values : scipy.sparse matrix or numpy.ndarray
        Cells x genes.
    max_value : float or None
        Clip the scaled values to +-max_value (None: no clip).
    n_comps, random_state, svd_solver
        As :func:`pca`.

    Returns
    -------
    PCAResult
    """
    from rnaclust_dash.pp.sc_normalize import scale

    matrix = _dense_or_csr(values, what="values for PCA")
    if not sparse.issparse(matrix) or _chosen_solver(svd_solver, matrix.shape[0]) != \
            "randomized" or min(matrix.shape) < 2:
        return pca(scale(matrix, max_value=max_value), n_comps=_positive_int(
            n_comps, "n_comps"), random_state=random_state, svd_solver=svd_solver)
    if max_value is not None and not max_value > 0:
        raise ParameterError(f"max_value must be > 0 (or None: no clipping); got "
                             f"{max_value!r}.")
    n_comps = min(_positive_int(n_comps, "n_comps"), min(matrix.shape) - 1)
    mean, variance = gene_mean_var(matrix)
    std = np.sqrt(variance)
    std[std == 0] = 1.0  # constant genes stay constant (0 after centring)
    scaled = _ScaledRows(matrix, mean, std, max_value)
    scaled_mean, scaled_variance = scaled.mean_var()
    u, singular, vt = _randomized_svd(scaled, scaled_mean, n_comps, random_state)
    return _pca_result(u * singular, vt, scaled_variance)
