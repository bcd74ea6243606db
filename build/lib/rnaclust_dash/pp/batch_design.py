"""What every batch correction shares: the methods on offer, the batch and covariate
labels, their design matrices, and whether batch and biology can be told apart.

Labels are one value per sample; factors get R's coding (sorted levels, the first one the
reference), so the design matrices are those of ``model.matrix``. Problems the user must
fix raise :class:`~rnaclust_dash.errors.ParameterError` with a message that says which
column of the sample sheet to fix.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from rnaclust_dash.errors import ParameterError


#: Batch-correction methods: name -> one sentence for the UI.
BATCH_METHODS = {
    "none": "No batch correction.",
    "combat": "ComBat (sva): empirical-Bayes shrinkage of per-batch location and scale, on "
              "log values; protects the biology columns you name.",
    "combat-np": "ComBat non-parametric: as ComBat, without assuming normal batch effects "
                 "(slower: quadratic in genes).",
    "combat-seq": "ComBat-seq (sva): negative-binomial model on the raw counts; gives "
                  "corrected integer counts, then the chosen normalization.",
    "limma": "limma removeBatchEffect: subtracts the fitted batch effect from log values "
             "(for plots and clustering, not for differential testing).",
    "harmony": "Harmony (harmonypy): corrects the samples' principal components; samples are "
               "then clustered and embedded in the corrected PCA space (the heatmap shows "
               "uncorrected values).",
}


def _labels(labels, n_samples: int, what: str) -> np.ndarray:
    values = labels.to_numpy() if isinstance(labels, (pd.Series, pd.Index)) else np.asarray(labels)
    if values.ndim != 1 or len(values) != n_samples:
        raise ParameterError(f"The {what} labels must give one value per sample: "
                             f"{n_samples} samples, {np.size(values)} labels.")
    missing = pd.isna(values)
    if missing.any():
        raise ParameterError(f"{int(missing.sum())} sample(s) have no {what} label. Fill in the "
                             f"{what} column of the sample sheet for every sample.")
    return values.astype(str)


def _batches(batch, n_samples: int, method: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batch labels, their levels and codes; at least 2 batches or a ParameterError."""
    labels = _labels(batch, n_samples, "batch")
    levels, codes = _factor(labels)
    if len(levels) < 2:
        raise ParameterError(f"{method} needs at least 2 batches; all samples are in batch "
                             f"'{levels[0]}'. Choose the column that holds the batch.")
    return labels, levels, codes


def _factor(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Levels (sorted, as R's ``factor``) and the 0-based level of each sample."""
    levels, codes = np.unique(labels, return_inverse=True)
    return levels, codes


def _indicators(codes: np.ndarray, n_levels: int) -> np.ndarray:
    matrix = np.zeros((len(codes), n_levels))
    matrix[np.arange(len(codes)), codes] = 1.0
    return matrix


def _as_frame(covariates, n_samples: int) -> pd.DataFrame | None:
    if covariates is None:
        return None
    frame = covariates.to_frame() if isinstance(covariates, pd.Series) else covariates
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError("Covariates must be a table (one row per sample, one column per "
                             "biological variable to protect).")
    if len(frame) != n_samples:
        raise ParameterError(f"The covariate table has {len(frame)} rows for {n_samples} "
                             "samples: give one row per sample, in the order of the columns.")
    return frame


def _is_numeric(column: pd.Series) -> bool:
    """Numbers are used as they are; text, booleans and categoricals are factors."""
    return (pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
            and not isinstance(column.dtype, pd.CategoricalDtype))


def _covariate_columns(frame: pd.DataFrame | None, n_samples: int) -> np.ndarray:
    """``model.matrix(~ ...)`` of the covariates, without its intercept.

    Text/categorical columns get treatment coding (sorted levels, the first one is the
    reference) and numeric columns are used as they are. All-ones columns are dropped, as
    ComBat does with the intercept.
    """
    if frame is None:
        return np.zeros((n_samples, 0))
    blocks = []
    for name in frame.columns:
        column = frame[name]
        if column.isna().any():
            raise ParameterError(f"Covariate '{name}' is missing for {int(column.isna().sum())} "
                                 "sample(s): fill it in or leave that covariate out.")
        if _is_numeric(column):
            blocks.append(column.to_numpy(dtype=np.float64)[:, None])
        else:
            levels, codes = _factor(column.to_numpy().astype(str))
            blocks.append(_indicators(codes, len(levels))[:, 1:])
    columns = np.hstack(blocks) if blocks else np.zeros((n_samples, 0))
    return columns[:, ~np.all(columns == 1.0, axis=0)]


def _biology_labels(frame: pd.DataFrame) -> np.ndarray:
    """One label per sample from the categorical covariates (for the contingency table)."""
    parts = [frame[name].astype(str).tolist() for name in frame.columns
             if not _is_numeric(frame[name])]
    if not parts:
        return np.array([])
    return np.array([" / ".join(values) for values in zip(*parts)])


def batch_confounding(batch, biology) -> dict:
    """Check whether batch and biology can be separated.

    Parameters
    ----------
    batch : array-like
        Batch label of each sample.
    biology : array-like or pandas.DataFrame
        Biological group of each sample (a DataFrame's columns are combined).

    Returns
    -------
    dict
        ``table`` (pandas.DataFrame): samples per batch (rows) and biology level (columns).
        ``confounded`` (bool): the design ``~ batch + biology`` is singular, so no method
        can tell the batch effect from the biology (Cramér's V of 1 is one such case).
        ``cramers_v`` (float): association of batch and biology, 0 (independent) .. 1
        (each batch holds one biology level, or the reverse); NaN with a single level.
        ``single_level_batches`` (list): batches whose samples all share one biology level
        (their batch effect is estimated without a within-batch contrast).
        ``message`` (str): what this means for the user, with the table.
    """
    if isinstance(biology, pd.DataFrame):
        biology = _biology_labels(biology) if len(biology.columns) else np.array([])
    batch_values = np.asarray(batch.to_numpy() if isinstance(batch, pd.Series) else batch)
    n_samples = len(batch_values)
    batch_labels = _labels(batch_values, n_samples, "batch")
    biology_labels = _labels(biology, n_samples, "biology")
    table = pd.crosstab(pd.Series(batch_labels, name="batch"),
                        pd.Series(biology_labels, name="biology"))
    batch_levels, batch_codes = _factor(batch_labels)
    bio_levels, bio_codes = _factor(biology_labels)

    cramers_v = float("nan")
    if min(table.shape) > 1:
        observed = table.to_numpy(dtype=np.float64)
        expected = observed.sum(1, keepdims=True) * observed.sum(0, keepdims=True) / n_samples
        chi2 = ((observed - expected) ** 2 / expected).sum()
        cramers_v = float(np.sqrt(chi2 / (n_samples * (min(table.shape) - 1))))

    design = np.hstack([_indicators(batch_codes, len(batch_levels)),
                        _indicators(bio_codes, len(bio_levels))[:, 1:]])
    singular = np.linalg.matrix_rank(design) < design.shape[1]
    confounded = bool(len(batch_levels) > 1 and len(bio_levels) > 1
                      and (singular or math.isclose(cramers_v, 1.0)))
    single = [str(level) for level, row in table.iterrows() if (row > 0).sum() == 1]

    shown = table.to_string()
    if confounded:
        message = ("Batch and biology are confounded: the batches cannot be told apart from "
                   "the biological groups (see the table of samples per batch and group), so "
                   "correcting for batch would remove the biology too. Batch correction is "
                   "not possible with this design; if the batch labels are wrong, fix them in "
                   "the sample sheet, otherwise analyse the batches separately.\n" + shown)
    elif single and len(bio_levels) > 1:
        message = ("Batch and biology are not confounded, but batch(es) "
                   + ", ".join(f"'{name}'" for name in single)
                   + " hold a single biological group: their correction relies on the other "
                   "batches, so check the result.\n" + shown)
    else:
        message = "Batch and biology are not confounded.\n" + shown
    return {"table": table, "confounded": confounded, "cramers_v": cramers_v,
            "single_level_batches": single, "message": message}


def _require_full_rank(batch_columns: np.ndarray, kept_columns: np.ndarray,
                       batch_labels: np.ndarray, frame: pd.DataFrame | None, method: str) -> None:
    """Raise if the design [batch, kept covariates] is singular, saying which part is."""
    design = np.hstack([batch_columns, kept_columns])
    if np.linalg.matrix_rank(design) == design.shape[1]:
        return
    if np.linalg.matrix_rank(kept_columns) < kept_columns.shape[1]:
        raise ParameterError(f"{method} cannot run: the covariates are redundant with each other "
                             "(one is determined by the others, e.g. two columns describing the "
                             "same grouping). Remove one of them.")
    table = ""
    if frame is not None:
        biology = _biology_labels(frame)
        if len(biology):
            table = "\n" + batch_confounding(batch_labels, biology)["table"].to_string()
    raise ParameterError(
        f"{method} cannot run: batch and the biological covariates are confounded (some "
        "covariate is fully determined by the batches, see the table of samples per batch "
        "and group), so removing the batch effect would remove the biology with it. Remove "
        "the confounded covariate, fix the batch labels, or analyse the batches separately."
        + table)
