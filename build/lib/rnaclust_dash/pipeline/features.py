"""The features stage: the matrix as clustered (items x features) and as displayed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..pp.batch_harmony import harmony_embedding
from ..pp.features import top_variable_genes, zscore_rows
from .datasets import load_dataset
from .keys import _features_key, _matrix_key, _prepared_key
from ..params import AnalysisParams
from .prepare import _matrix_stage, batch_design


@dataclass(frozen=True)
class Features:
    """The matrix as clustered.

    Attributes
    ----------
    items : numpy.ndarray
        Items x features, float64 (samples x genes, or genes x samples; with Harmony,
        samples x corrected principal components).
    item_ids : numpy.ndarray
        Ids of the items (str).
    values : pandas.DataFrame
        Genes x samples after normalization, log and feature selection (what
        normalized.csv holds; z-scored when genes are clustered with ``zscore``).
    display : numpy.ndarray
        Genes x samples, float32, row z-scores (what the heatmap shows).
    notices, size_factors, norm_factors
        Carried over from the normalization (see :class:`~.pp.normalization.Normalized`), so
        that reading this stage back never needs the full normalized matrix.
    """

    items: np.ndarray
    item_ids: np.ndarray
    values: pd.DataFrame
    display: np.ndarray
    notices: tuple[str, ...] = ()
    size_factors: pd.Series | None = None
    norm_factors: pd.Series | None = None


def _features_stage(store, key, params: AnalysisParams) -> tuple[str, Features]:
    """The matrix as clustered. The normalized matrix of all genes is read (or made)
    only when this stage is not stored yet: a k change never touches it."""
    zscore = params.zscore and params.target == "genes"
    feat_key = _features_key(_matrix_key(key, params), params)

    def compute() -> Features:
        normalized = _matrix_stage(store, key, params)[1]
        selected = top_variable_genes(normalized.values, params.top_genes)
        display = zscore_rows(selected.to_numpy())
        if params.target == "samples":
            items, item_ids = selected.to_numpy().T, selected.columns
        else:
            items = display if zscore else selected.to_numpy()
            item_ids = selected.index
            if zscore:
                selected = pd.DataFrame(display, index=selected.index, columns=selected.columns)
        if params.batch_method == "harmony":
            if params.target != "samples":
                raise ParameterError("Harmony corrects the samples' principal components: use "
                                     "it to cluster samples, or choose ComBat or limma to "
                                     "cluster genes.")
            batch, _ = batch_design(load_dataset(store, _prepared_key(key, params)).metadata,
                                    params)
            items = harmony_embedding(items, batch, random_state=params.seed)
        return Features(np.ascontiguousarray(items, dtype=np.float64),
                        np.asarray(item_ids, dtype=str), selected, display.astype(np.float32),
                        normalized.notices, normalized.size_factors, normalized.norm_factors)

    return feat_key, store.get_or_compute(feat_key, compute)
