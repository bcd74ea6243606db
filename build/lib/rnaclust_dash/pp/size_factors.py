"""Per-sample scaling of raw counts, as DESeq2 and edgeR compute it.

- :func:`deseq2_size_factors`: DESeq2 ``estimateSizeFactors`` (median of ratios).
- :func:`calc_norm_factors`: edgeR ``calcNormFactors`` (TMM, upper quartile, RLE), as in
  edgeR 3.40 (Bioconductor 3.16).
- :func:`edger_log_cpm`: edgeR ``cpm(y, log=TRUE)``; :func:`log_cpm_tmm` and
  :func:`cpm_tmm`: edgeR ``cpm(y, log=TRUE)`` and ``cpm(y)`` after TMM.

Every function takes a genes x samples matrix and returns a new float array. The
algorithms follow the R sources of those versions step by step, because those details
decide which genes are trimmed and so change the numbers.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

from rnaclust_dash.errors import DataError, ParameterError
from rnaclust_dash.pp.inputs import _as_matrix


#: Methods of :func:`calc_norm_factors`.
NORM_FACTOR_METHODS = ("TMM", "upperquartile", "RLE")


def deseq2_size_factors(counts: np.ndarray) -> np.ndarray:
    """DESeq2 median-of-ratios size factors (``estimateSizeFactors``).

    Parameters
    ----------
    counts : numpy.ndarray
        Genes x samples raw counts.

    Returns
    -------
    numpy.ndarray
        One size factor per sample. Only genes with a non-zero count in every sample
        form the pseudo-reference (as in DESeq2).
    """
    counts = np.asarray(counts, dtype=np.float64)
    with np.errstate(divide="ignore"):
        log_counts = np.log(counts)
    log_geo_means = log_counts.mean(axis=1)
    usable = np.isfinite(log_geo_means)
    if not usable.any():
        raise DataError(
            "DESeq2 size factors need at least one gene with a non-zero count in every "
            "sample, and this table has none. Choose CPM or log-CPM normalization instead.")
    ratios = log_counts[usable] - log_geo_means[usable, None]
    factors = np.empty(counts.shape[1])
    for j in range(counts.shape[1]):
        # DESeq2 also drops zeros of the sample itself (log 0 = -inf).
        column = ratios[:, j]
        factors[j] = np.exp(np.median(column[np.isfinite(column)]))
    return factors


def edger_log_cpm(counts: np.ndarray, *, prior_count: float = 2.0,
                  norm_factors: np.ndarray | None = None) -> np.ndarray:
    """edgeR ``cpm(y, log=TRUE, prior.count=...)``.

    The prior count is scaled by each library's size relative to the mean, and the
    library sizes are augmented by twice that prior, as edgeR does.

    Parameters
    ----------
    counts : numpy.ndarray
        Genes x samples raw counts.
    prior_count : float, keyword-only
        edgeR's ``prior.count`` (2 by default, as in ``cpm``).
    norm_factors : numpy.ndarray, optional
        Per-sample normalization factors (TMM etc.); 1 when omitted.

    Returns
    -------
    numpy.ndarray
        log2 counts per million, genes x samples.
    """
    counts = np.asarray(counts, dtype=np.float64)
    lib_sizes = counts.sum(axis=0)
    if norm_factors is not None:
        lib_sizes = lib_sizes * np.asarray(norm_factors, dtype=np.float64)
    priors = prior_count * lib_sizes / lib_sizes.mean()
    adjusted = lib_sizes + 2.0 * priors
    return np.log2((counts + priors) / adjusted * 1e6)


def calc_norm_factors(counts, *, method: str = "TMM", lib_sizes=None,
                      ref_column: int | None = None, logratio_trim: float = 0.3,
                      sum_trim: float = 0.05, do_weighting: bool = True,
                      a_cutoff: float = -1e10, p: float = 0.75) -> np.ndarray:
    """Normalization factors of edgeR ``calcNormFactors`` (edgeR 3.40).

    Genes with no count in any sample are dropped first, as edgeR does. The factors
    are scaled to multiply to one; the effective library size of a sample is its
    library size times its factor.

    Parameters
    ----------
    counts : array-like
        Genes x samples raw counts.
    method : {"TMM", "upperquartile", "RLE"}, keyword-only
        Trimmed mean of M values (Robinson & Oshlack 2010), upper-quartile scaling
        (Bullard et al. 2010) or relative log expression (DESeq's median of ratios).
    lib_sizes : array-like, optional
        Library sizes; the column sums when omitted (as ``DGEList`` sets them).
    ref_column : int, optional
        TMM reference sample (0-based). By default the sample whose upper quartile of
        counts per library size is closest to the mean upper quartile (edgeR 3.40's
        rule; edgeR 4 changed it).
    logratio_trim, sum_trim : float, keyword-only
        TMM: fraction of genes trimmed from each end of the log ratios (M) and of the
        average log expression (A).
    do_weighting : bool, keyword-only
        TMM: weight the trimmed mean by the inverse of the delta-method variances.
    a_cutoff : float, keyword-only
        TMM: genes with average log expression at or below this are not used.
    p : float, keyword-only
        Upper quartile: the quantile used (R's type-7 ``quantile``).

    Returns
    -------
    numpy.ndarray
        One factor per sample. All ones for a single sample or a table without counts.

    Raises
    ------
    ParameterError
        Unknown method, or ``lib_sizes`` / ``ref_column`` that do not fit the table.
    DataError
        A sample without counts, an upper quartile of zero, or no gene with a count in
        every sample for RLE (edgeR would return NaN or infinite factors).
    """
    counts = _as_matrix(counts, what="counts", counts=True)
    if method not in NORM_FACTOR_METHODS:
        raise ParameterError(f"Unknown normalization-factor method '{method}'. Choose one "
                             "of: " + ", ".join(NORM_FACTOR_METHODS) + ".")
    n_samples = counts.shape[1]
    if lib_sizes is None:
        lib_sizes = counts.sum(axis=0)
    lib_sizes = np.asarray(lib_sizes, dtype=np.float64)
    if lib_sizes.shape != (n_samples,):
        raise ParameterError(f"lib_sizes has {lib_sizes.size} values for {n_samples} samples.")
    if not (lib_sizes > 0).all():
        empty = ", ".join(str(j + 1) for j in np.flatnonzero(~(lib_sizes > 0)))
        raise DataError(f"Sample(s) {empty} (by position) have no counts, so they cannot be "
                        "normalized. Remove them from the table.")
    # edgeR drops the genes that are zero in every sample before anything else
    counts = counts[(counts > 0).any(axis=1)]
    if counts.shape[0] == 0 or n_samples == 1:
        return np.ones(n_samples)
    if method == "TMM":
        factors = _tmm_factors(counts, lib_sizes, ref_column=ref_column,
                               logratio_trim=logratio_trim, sum_trim=sum_trim,
                               do_weighting=do_weighting, a_cutoff=a_cutoff)
    elif method == "upperquartile":
        factors = _upper_quartiles(counts, lib_sizes, p)
        if not (factors > 0).all():
            zero = ", ".join(str(j + 1) for j in np.flatnonzero(factors <= 0))
            raise DataError(
                f"The upper quartile of the counts is zero in sample(s) {zero} (by "
                "position): too many zero counts for upper-quartile normalization. Use TMM "
                "or RLE, or filter out lowly expressed genes first.")
    else:
        factors = _rle_factors(counts) / lib_sizes
    # scale so that the factors multiply to one
    return factors / np.exp(np.mean(np.log(factors)))


def _upper_quartiles(counts: np.ndarray, lib_sizes: np.ndarray, p: float) -> np.ndarray:
    # numpy's default "linear" quantile is R's type 7
    return np.quantile(counts / lib_sizes, p, axis=0)


def _rle_factors(counts: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        geo_means = np.exp(np.log(counts).mean(axis=1))
    usable = geo_means > 0
    if not usable.any():
        raise DataError(
            "RLE normalization needs at least one gene with a non-zero count in every "
            "sample, and this table has none. Use TMM or upper-quartile normalization.")
    return np.median(counts[usable] / geo_means[usable, None], axis=0)


def _tmm_factors(counts: np.ndarray, lib_sizes: np.ndarray, *, ref_column: int | None,
                 logratio_trim: float, sum_trim: float, do_weighting: bool,
                 a_cutoff: float) -> np.ndarray:
    n_samples = counts.shape[1]
    if ref_column is None:
        upper = _upper_quartiles(counts, lib_sizes, 0.75)
        ref_column = int(np.argmin(np.abs(upper - upper.mean())))
    elif not 0 <= ref_column < n_samples:
        raise ParameterError(f"ref_column must be a sample position from 0 to "
                             f"{n_samples - 1}; got {ref_column}.")
    reference = counts[:, ref_column]
    return np.array([
        _tmm_factor(counts[:, j], reference, lib_sizes[j], lib_sizes[ref_column],
                    logratio_trim=logratio_trim, sum_trim=sum_trim,
                    do_weighting=do_weighting, a_cutoff=a_cutoff)
        for j in range(n_samples)])


def _tmm_factor(obs: np.ndarray, ref: np.ndarray, n_obs: float, n_ref: float, *,
                logratio_trim: float, sum_trim: float, do_weighting: bool,
                a_cutoff: float) -> float:
    """edgeR ``.calcFactorTMM``: one sample against the reference sample."""
    with np.errstate(divide="ignore", invalid="ignore"):
        # same operations in the same order as edgeR, so ties in the ranks fall alike
        log_ratio = np.log2((obs / n_obs) / (ref / n_ref))
        abs_expr = (np.log2(obs / n_obs) + np.log2(ref / n_ref)) / 2
        variance = (n_obs - obs) / n_obs / obs + (n_ref - ref) / n_ref / ref
    usable = np.isfinite(log_ratio) & np.isfinite(abs_expr) & (abs_expr > a_cutoff)
    log_ratio, abs_expr, variance = log_ratio[usable], abs_expr[usable], variance[usable]
    if log_ratio.size == 0 or np.max(np.abs(log_ratio)) < 1e-6:
        return 1.0
    n = log_ratio.size
    lo_m = np.floor(n * logratio_trim) + 1
    hi_m = n + 1 - lo_m
    lo_a = np.floor(n * sum_trim) + 1
    hi_a = n + 1 - lo_a
    # average ranks, as R's rank(): ties straddling a cut are kept or dropped together
    rank_m = rankdata(log_ratio)
    rank_a = rankdata(abs_expr)
    keep = (rank_m >= lo_m) & (rank_m <= hi_m) & (rank_a >= lo_a) & (rank_a <= hi_a)
    with np.errstate(divide="ignore", invalid="ignore"):
        if do_weighting:
            factor = (np.nansum(log_ratio[keep] / variance[keep])
                      / np.nansum(1 / variance[keep]))
        else:
            factor = np.nanmean(log_ratio[keep]) if keep.any() else np.nan
    # no shared genes with counts: edgeR returns 1
    if np.isnan(factor):
        factor = 0.0
    return float(2.0 ** factor)


def log_cpm_tmm(counts, *, prior_count: float = 2.0) -> np.ndarray:
    """edgeR ``cpm(y, log=TRUE, prior.count=...)`` after ``calcNormFactors(y)`` (TMM).

    Parameters
    ----------
    counts : array-like
        Genes x samples raw counts.
    prior_count : float, keyword-only
        edgeR's ``prior.count``, scaled by each sample's effective library size relative
        to the mean (see :func:`edger_log_cpm`).

    Returns
    -------
    numpy.ndarray
        log2 counts per million of the effective (TMM-scaled) library sizes, for every
        gene of ``counts`` (TMM itself ignores genes without counts).
    """
    counts = _as_matrix(counts, what="counts", counts=True)
    factors = calc_norm_factors(counts, method="TMM")
    return edger_log_cpm(counts, prior_count=prior_count, norm_factors=factors)


def cpm_tmm(counts) -> np.ndarray:
    """edgeR ``cpm(y)`` after ``calcNormFactors(y)`` (TMM), without a log.

    Parameters
    ----------
    counts : array-like
        Genes x samples raw counts.

    Returns
    -------
    numpy.ndarray
        Counts per million of the effective library sizes (library size x TMM factor).
    """
    counts = _as_matrix(counts, what="counts", counts=True)
    effective = counts.sum(axis=0) * calc_norm_factors(counts, method="TMM")
    return counts / (1e-6 * effective)
