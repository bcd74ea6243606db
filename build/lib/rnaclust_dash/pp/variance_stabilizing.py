"""DESeq2's variance stabilizing transformation (``vst(dds, blind=TRUE)``, DESeq2 1.38).

:func:`vst` needs a dispersion trend: the gene-wise dispersions of the design ``~ 1`` and
the parametric trend come from :mod:`rnaclust_dash.pp.deseq2_dispersion`, which the DESeq2
Wald test shares. Matrices are genes x samples.
"""

from __future__ import annotations

import numpy as np

from rnaclust_dash.errors import ParameterError
from rnaclust_dash.pp.deseq2_dispersion import gene_wise_dispersions, parametric_dispersion_fit
from rnaclust_dash.pp.inputs import _as_matrix
from rnaclust_dash.pp.size_factors import deseq2_size_factors


_ALTERNATIVE = "Use log-CPM or log2 of normalized counts instead."


def vst(counts, *, size_factors=None, blind: bool = True, nsub: int = 1000) -> np.ndarray:
    """DESeq2 ``vst(dds, blind=TRUE)``: variance stabilizing transformation.

    As DESeq2 1.38 with its defaults: size factors by median of ratios; ``nsub`` genes
    with a mean normalized count above 5, picked evenly along the ranks of that mean;
    their gene-wise dispersions by the Cox-Reid adjusted maximum likelihood of an
    intercept-only design (DESeq2's rough start and Armijo line search on the log
    dispersion, with its rules for rejected moves and grid refits); the trend
    ``asymptDisp + extraPois / mean`` fitted by DESeq2's iterated gamma GLM, dropping genes
    whose ratio to the trend is outside 1e-4..15; then the closed-form transformation of
    the normalized counts q::

        log2((1 + extraPois + 2 asymptDisp q
              + 2 sqrt(asymptDisp q (1 + extraPois + asymptDisp q))) / (4 asymptDisp))

    which tends to log2(q) for large counts.

    Parameters
    ----------
    counts : array-like
        Genes x samples raw counts, at least two samples.
    size_factors : array-like, optional
        One size factor per sample; DESeq2's median of ratios when omitted.
    blind : bool, keyword-only
        Must be True: the design is ``~ 1`` (blind to the samples' groups). DESeq2's
        ``blind=FALSE`` reuses a design-aware dispersion fit, which needs a design that
        this function does not take.
    nsub : int, keyword-only
        Number of genes the dispersion trend is fitted on. DESeq2's ``vst`` stops with
        an error when the table has fewer genes, or fewer genes with a mean normalized
        count above 5; here every gene with a count is used instead, as DESeq2's
        ``varianceStabilizingTransformation`` does.

    Returns
    -------
    numpy.ndarray
        Transformed values (log2 scale), genes x samples.

    Raises
    ------
    ParameterError
        ``blind=False``, fewer than two samples, or size factors that do not fit.
    DataError
        No gene without a zero (default size factors), or a dispersion trend that the
        parametric form cannot capture (DESeq2 would switch to a local regression fit,
        which is not implemented here).
    """
    counts = _as_matrix(counts, what="counts", counts=True)
    if not blind:
        raise ParameterError(
            "vst(blind=False) needs the experimental design, which this function does not "
            "take: use blind=True (design ~ 1).")
    n_samples = counts.shape[1]
    if n_samples < 2:
        raise ParameterError("The variance stabilizing transformation needs at least two "
                             "samples to estimate dispersions.")
    if size_factors is None:
        size_factors = deseq2_size_factors(counts)
    size_factors = np.asarray(size_factors, dtype=np.float64)
    if size_factors.shape != (n_samples,) or not (size_factors > 0).all():
        raise ParameterError(f"size_factors must be {n_samples} positive numbers, one per "
                             "sample.")
    normalized = counts / size_factors
    subset = _trend_genes(counts, normalized, nsub=nsub)
    dispersions, _ = gene_wise_dispersions(counts[subset], size_factors)
    asympt_disp, extra_pois = parametric_dispersion_fit(
        normalized[subset].mean(axis=1), dispersions, alternative=_ALTERNATIVE)
    return vst_closed_form(normalized, asympt_disp=asympt_disp, extra_pois=extra_pois)


def vst_closed_form(normalized, *, asympt_disp: float, extra_pois: float) -> np.ndarray:
    """DESeq2's variance stabilizing transformation for the trend ``asymptDisp + extraPois
    / mean`` (the closed form in :func:`vst`; it tends to log2 of the counts).

    Parameters
    ----------
    normalized : numpy.ndarray
        Normalized counts (counts / size factors), genes x samples.
    asympt_disp, extra_pois : float, keyword-only
        The coefficients of :func:`rnaclust_dash.pp.parametric_dispersion_fit`.

    Returns
    -------
    numpy.ndarray
        Transformed values (log2 scale), the shape of ``normalized``.
    """
    q = np.asarray(normalized, dtype=np.float64)
    return np.log2((1 + extra_pois + 2 * asympt_disp * q
                    + 2 * np.sqrt(asympt_disp * q * (1 + extra_pois + asympt_disp * q)))
                   / (4 * asympt_disp))


def _trend_genes(counts: np.ndarray, normalized: np.ndarray, *, nsub: int) -> np.ndarray:
    """Indices of the genes DESeq2's ``vst`` fits the dispersion trend on."""
    base_mean = normalized.mean(axis=1)
    expressed = np.flatnonzero(base_mean > 5)
    if counts.shape[0] < nsub or expressed.size < nsub:
        # varianceStabilizingTransformation: every gene that is not all zero
        return np.flatnonzero(counts.sum(axis=1) > 0)
    by_mean = expressed[np.argsort(base_mean[expressed], kind="stable")]
    # R: o[round(seq(from=1, to=length(o), length=nsub))]; both round halves to even
    picks = np.round(np.linspace(1, expressed.size, nsub)).astype(int) - 1
    return by_mean[picks]
