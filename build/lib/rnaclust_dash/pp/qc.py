"""Sample quality control statistics (pure: tables in, tables out; the figures are in
:mod:`rnaclust_dash.pl.qc`).

- :func:`qc_summary`: per-sample library size, detected genes, share of the top 100
  genes and median log2 CPM.
- :func:`flag_outliers`: the usual MAD rules (scater's ``isOutlier``) on library size,
  detected genes and correlation with the other samples, with reasons in words.
- :func:`box_statistics`: per-sample quantiles of a matrix (box plots sent as numbers).

Counts are genes x samples.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import DataError
from ..errors import ParameterError
from .size_factors import edger_log_cpm


#: A sample is flagged when a metric is more than this many MADs below the median
#: (scater's ``isOutlier`` default).
OUTLIER_NMADS = 3.0


#: A library smaller than this fraction of the median library is flagged in any case.
MIN_LIBRARY_FRACTION = 0.1


#: Minimum differences from the median (scater's ``min.diff``) for the MAD rules: a
#: library at least this many times smaller than the median, ...
MAD_LIBRARY_FOLD = 2.0


#: ... at least this fraction fewer detected genes than the median, ...
MIN_DETECTED_DROP = 0.1


#: ... and a dissimilarity to the other samples (1 - median r) at least this many times
#: the typical one.
MIN_DISSIMILARITY_RATIO = 1.5


#: Number of most variable genes the sample PCA uses (as DESeq2's ``plotPCA``).
PCA_TOP_GENES = 500


#: The MAD rules need at least this many samples to say what is typical.
MIN_SAMPLES_FOR_MAD = 3


# R's mad() constant: the MAD of normal data then estimates its standard deviation.
_MAD_SCALE = 1.4826


_TOP_GENES = 100


# ------------------------------------------------------------------------------ inputs
def _as_frame(values, what: str) -> pd.DataFrame:
    """A genes x samples DataFrame (arrays get sample ids S1, S2, ...)."""
    if isinstance(values, pd.DataFrame):
        frame = values
    else:
        array = np.asarray(values, dtype=np.float64)
        if array.ndim != 2:
            raise DataError(f"The {what} must be a genes x samples table; got an array of "
                            f"shape {array.shape}.")
        frame = pd.DataFrame(array, columns=[f"S{j + 1}" for j in range(array.shape[1])])
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise DataError(f"The {what} is empty ({frame.shape[0]} genes x {frame.shape[1]} "
                        "samples).")
    return frame


def _finite_rows(values: np.ndarray) -> np.ndarray:
    """Rows without NaN (e.g. genes without a length after TPM)."""
    return values[np.isfinite(values).all(axis=1)]


def _per_sample(values, ids: pd.Index, what: str) -> pd.Series:
    """One value per sample, aligned by index when it holds the ids, else by position."""
    if isinstance(values, pd.Series) and pd.Index(ids).isin(values.index).all():
        series = values.reindex(ids)
    else:
        array = np.asarray(values, dtype=object)
        if array.ndim != 1 or len(array) != len(ids):
            raise ParameterError(f"The {what} labels must give one value per sample: "
                                 f"{len(ids)} samples, {np.size(array)} labels.")
        name = values.name if isinstance(values, pd.Series) else None
        series = pd.Series(array, index=ids, name=name)
    if series.isna().any():
        raise ParameterError(f"{int(series.isna().sum())} sample(s) have no {what} label. "
                             "Fill them in in the sample sheet.")
    return series


# ------------------------------------------------------------------------------ metrics
def qc_summary(counts, *, metadata: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per-sample QC metrics of a raw count table.

    Parameters
    ----------
    counts : pandas.DataFrame
        Genes x samples raw counts (non-negative).
    metadata : pandas.DataFrame, optional
        Sample annotations indexed by sample id; their columns are appended (except
        those named like a metric).

    Returns
    -------
    pandas.DataFrame
        One row per sample (index ``"sample"``, in the order of the columns):
        ``library_size`` (total counts), ``detected_genes`` (genes with a count > 0),
        ``percent_top_100`` (percent of the sample's counts in its 100 most-counted
        genes, scater's ``percent.top_100``) and ``median_log2_cpm`` (median over the
        genes counted in any sample of edgeR's log2 CPM, prior count 2).

    Raises
    ------
    DataError
        Missing, infinite or negative values (not raw counts).
    """
    frame = _as_frame(counts, "count table")
    raw = frame.to_numpy(dtype=np.float64)
    if not np.isfinite(raw).all() or (raw < 0).any():
        raise DataError("QC metrics need raw counts, but the table has negative, missing or "
                        "infinite values. Upload raw counts to see library sizes.")
    n_genes = raw.shape[0]
    library = raw.sum(axis=0)
    top = min(_TOP_GENES, n_genes)
    # Partition, not sort: only the 100 largest counts of each sample matter.
    top_sums = np.partition(raw, n_genes - top, axis=0)[n_genes - top:].sum(axis=0)
    expressed = (raw > 0).any(axis=1)  # all-zero genes would pull every median to the floor
    with np.errstate(invalid="ignore", divide="ignore"):
        percent_top = 100 * top_sums / library
        median_log_cpm = (np.median(edger_log_cpm(raw[expressed]), axis=0)
                          if expressed.any() else np.full(raw.shape[1], np.nan))
    summary = pd.DataFrame(
        {"library_size": library, "detected_genes": (raw > 0).sum(axis=0),
         "percent_top_100": percent_top, "median_log2_cpm": median_log_cpm},
        index=pd.Index(frame.columns, name="sample"))
    if metadata is not None:
        extra = metadata.reindex(summary.index)
        summary = summary.join(extra[[c for c in extra.columns if c not in summary.columns]])
    return summary


def _mad_cutoff(values: np.ndarray, *, nmads: float, log: bool) -> float:
    """scater ``isOutlier(x, nmads, type="lower", log=log)`` cut-off.

    ``median - nmads * MAD`` (MAD scaled by 1.4826, as R's ``mad``) of the finite values,
    on the log scale when ``log``, given back on the original scale. NaN with fewer
    than :data:`MIN_SAMPLES_FOR_MAD` values.
    """
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    if len(values) < MIN_SAMPLES_FOR_MAD:
        return float("nan")
    with np.errstate(divide="ignore"):
        x = np.log(values) if log else values
    x = x[np.isfinite(x)]  # an empty library (log 0) must not set the median
    center = np.median(x)
    cutoff = center - nmads * _MAD_SCALE * np.median(np.abs(x - center))
    return float(np.exp(cutoff) if log else cutoff)


def _library_cutoff(library: np.ndarray, *, nmads: float) -> float:
    """Library sizes below this are flagged: 1/10 of the median, or beyond nmads MADs
    (log scale) when that is also at least 2x below the median."""
    median = float(np.median(library))
    mad_cut = _mad_cutoff(library, nmads=nmads, log=True)
    floor = MIN_LIBRARY_FRACTION * median
    if np.isnan(mad_cut):
        return floor
    return max(floor, min(mad_cut, median / MAD_LIBRARY_FOLD))


def _detected_cutoff(detected: np.ndarray, *, nmads: float) -> float:
    """Numbers of detected genes below this are flagged: beyond nmads MADs (log scale)
    and at least 10% under the median (NaN: too few samples)."""
    mad_cut = _mad_cutoff(detected, nmads=nmads, log=True)
    return min(mad_cut, (1 - MIN_DETECTED_DROP) * float(np.median(detected)))


def _correlation_cutoff(typical: np.ndarray, *, nmads: float) -> float:
    """Median correlations below this are flagged: beyond nmads MADs and 1 - r at least
    1.5x the typical 1 - r (NaN: too few samples)."""
    mad_cut = _mad_cutoff(typical, nmads=nmads, log=False)
    return min(mad_cut, 1 - MIN_DISSIMILARITY_RATIO * (1 - float(np.nanmedian(typical))))


def _correlations(values: np.ndarray) -> np.ndarray:
    """Sample x sample Pearson correlation over the genes that vary (NaN for a constant sample)."""
    values = _finite_rows(np.asarray(values, dtype=np.float64))
    # Genes equal in every sample add nothing but push every correlation towards 1.
    values = values[np.ptp(values, axis=1) > 0]
    n = values.shape[1]
    if values.shape[0] < 2:
        return np.full((n, n), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.corrcoef(values, rowvar=False).reshape(n, n)


def _median_correlations(r: np.ndarray) -> np.ndarray:
    """Each sample's median correlation with the other samples."""
    r = r.copy()
    np.fill_diagonal(r, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: constant samples
        return np.nanmedian(r, axis=1)


def _reads(n: float) -> str:
    return f"{n / 1e6:.1f} M" if n >= 1e5 else f"{n:,.0f}"


def _times(fold: float) -> str:
    return f"{fold:.0f}x" if fold >= 10 else f"{fold:.1f}x"


def flag_outliers(counts, normalized_log, *, metadata: pd.DataFrame | None = None,
                  nmads: float = OUTLIER_NMADS) -> pd.DataFrame:
    """Flag samples that look failed, with the reason in words.

    The rules are scater's ``isOutlier`` MAD rules (as in ``perCellQCFilters``: lower
    side only, MAD scaled by 1.4826 as R's ``mad``, median and MAD over all samples),
    each with a minimum difference from the median (scater's ``min.diff``). Bulk
    studies have few samples, so the MAD can be tiny: without these floors a library
    1.8x below the median, or 2% fewer detected genes, would be flagged. A sample is
    flagged when any of these holds:

    - library size below 1/10 of the median; or more than ``nmads`` MADs below the
      median of the log library sizes and at least 2x below the median;
    - detected genes (count > 0) more than ``nmads`` MADs below the median of their
      logs (log scale, as scater does for ``detected``) and at least 10% fewer than the
      median;
    - median Pearson correlation with the other samples (of ``normalized_log``, over
      the genes that vary) more than ``nmads`` MADs below the median of all samples'
      median correlations, and ``1 - r`` at least 1.5x the typical ``1 - r``: a
      profile unlike the others (swapped or mislabelled sample, another tissue,
      degraded RNA). A sample whose values are all equal is flagged too.

    The MAD rules need at least 3 samples; with fewer only the 1/10 rule applies.

    Parameters
    ----------
    counts : pandas.DataFrame
        Genes x samples raw counts.
    normalized_log : pandas.DataFrame
        The normalized log values of the same samples (e.g. ``normalize(...).values``),
        columns named like those of ``counts``.
    metadata : pandas.DataFrame, optional
        Sample annotations indexed by sample id, appended as columns (to show with the
        flags).
    nmads : float
        Number of MADs below the median that makes an outlier (3, as scater).

    Returns
    -------
    pandas.DataFrame
        One row per sample, in the order of ``counts`` and indexed by sample id:
        ``sample`` (the id again), ``flagged`` (bool), ``reason`` (why, in words; several
        reasons joined by "; "; empty when not flagged), then the metadata columns.
    """
    summary = qc_summary(counts)
    ids = summary.index
    values = _as_frame(normalized_log, "normalized table")
    if set(values.columns) != set(ids):
        raise DataError("The normalized table and the count table must have the same "
                        "samples.")
    library = summary["library_size"].to_numpy(dtype=np.float64)
    detected = summary["detected_genes"].to_numpy(dtype=np.float64)
    reasons: list[list[str]] = [[] for _ in ids]

    median_library = float(np.median(library))
    library_cut = _library_cutoff(library, nmads=nmads)
    for i in np.flatnonzero(library < library_cut):
        if library[i] == 0:
            reasons[i].append(f"empty library (0 reads; median {_reads(median_library)})")
            continue
        text = (f"library size {_reads(library[i])} reads is "
                f"{_times(median_library / library[i])} below the median "
                f"({_reads(median_library)})")
        if library[i] >= MIN_LIBRARY_FRACTION * median_library:
            text += (f", under the cut-off of {_reads(library_cut)} ({nmads:g} median "
                     "absolute deviations below the median, log scale)")
        reasons[i].append(text)

    detected_cut = _detected_cutoff(detected, nmads=nmads)
    for i in np.flatnonzero(detected < detected_cut):
        reasons[i].append(f"{detected[i]:,.0f} genes detected, under the cut-off of "
                          f"{detected_cut:,.0f} (median {np.median(detected):,.0f}; {nmads:g} "
                          "median absolute deviations below the median, log scale)")

    if len(ids) >= MIN_SAMPLES_FOR_MAD:
        typical = _median_correlations(_correlations(values[ids].to_numpy(dtype=np.float64)))
        r_cut = _correlation_cutoff(typical, nmads=nmads)
        for i in np.flatnonzero(typical < r_cut):
            reasons[i].append(
                f"expression profile unlike the other samples: median correlation with "
                f"them r = {typical[i]:.3f}, against {np.nanmedian(typical):.3f} for a "
                f"typical sample (cut-off {r_cut:.3f})")
        for i in np.flatnonzero(np.isnan(typical)):
            reasons[i].append("the normalized values are the same for every gene, so the "
                              "sample cannot be compared with the others")

    # Indexed by sample id too (unnamed, so "sample" is never ambiguous).
    index = pd.Index(ids.to_numpy(dtype=object))
    result = pd.DataFrame({"sample": index, "flagged": [bool(r) for r in reasons],
                           "reason": ["; ".join(r) for r in reasons]}, index=index)
    if metadata is not None:
        extra = metadata.reindex(index)
        result = result.join(extra[[c for c in extra.columns if c not in result.columns]])
    return result


# ------------------------------------------------------------------- distributions
def box_statistics(values) -> dict[str, np.ndarray]:
    """Tukey box-plot statistics of each column (sample), NaN ignored.

    Parameters
    ----------
    values : array-like, shape (n_genes, n_samples)

    Returns
    -------
    dict of str to numpy.ndarray
        ``q1``, ``median``, ``q3`` (numpy's default linear quantiles), ``lowerfence`` and
        ``upperfence`` (the most extreme values within 1.5 IQR of the box), ``n_outside``
        (values beyond the fences), ``n`` (values used).
    """
    v = np.asarray(values, dtype=np.float64)
    has_nan = np.isnan(v).any()
    quantile = np.nanquantile if has_nan else np.quantile
    q1, median, q3 = quantile(v, [0.25, 0.5, 0.75], axis=0)
    iqr = q3 - q1
    low, high = q1 - 1.5 * iqr, q3 + 1.5 * iqr
    with np.errstate(invalid="ignore"):
        inside = (v >= low) & (v <= high)  # NaN is never inside
    return {"q1": q1, "median": median, "q3": q3,
            "lowerfence": np.where(inside, v, np.inf).min(axis=0),
            "upperfence": np.where(inside, v, -np.inf).max(axis=0),
            "n_outside": (~inside & ~np.isnan(v)).sum(axis=0),
            "n": (~np.isnan(v)).sum(axis=0)}
