"""The stages before feature selection: exclusions and ComBat-seq on the counts, the
normalization and gene filter, ComBat/limma on the log values."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ..dataset import Dataset
from ..errors import ParameterError
from ..pp.batch_counts import combat_seq
from ..pp.batch_log_scale import combat, remove_batch_effect
from ..pp.normalization import (LOG_SCALE_METHODS, NORMALIZATION_LABELS, Normalized,
                                normalization_availability, normalize)
from ..store import ResultStore
from .datasets import load_dataset
from .keys import _matrix_key, _normalize_key, _prepared_key
from ..params import AnalysisParams, split_list


def _prepare_stage(store, key, params: AnalysisParams) -> str:
    """Leave out excluded samples; apply ComBat-seq to the counts. Returns the key of the
    dataset the normalization reads."""
    prep_key = _prepared_key(key, params)
    if prep_key != key and prep_key not in store:
        dataset = load_dataset(store, key)
        excluded = split_list(params.exclude)
        unknown = [s for s in excluded if s not in dataset.counts.columns]
        if unknown:
            raise ParameterError(f"Cannot exclude {', '.join(unknown)}: no such sample. "
                                 f"Samples are: {', '.join(map(str, dataset.counts.columns[:10]))}"
                                 + (", ..." if dataset.n_samples > 10 else "") + ".")
        kept = [s for s in dataset.counts.columns if s not in set(excluded)]
        if len(kept) < 2:
            raise ParameterError("At least 2 samples must stay in the analysis: exclude fewer.")
        counts = dataset.counts[kept]
        metadata = None if dataset.metadata is None else dataset.metadata.loc[kept]
        if params.batch_method == "combat-seq":
            batch, covariates = batch_design(metadata, params)
            group = None
            if covariates is not None:
                group = covariates.astype(str).agg("|".join, axis=1).to_numpy()
            counts = pd.DataFrame(combat_seq(counts.to_numpy(), batch, group=group),
                                  index=counts.index, columns=counts.columns).astype(np.float64)
        store.put(prep_key, dataclasses.replace(dataset, counts=counts, metadata=metadata))
    return prep_key


def batch_design(metadata: pd.DataFrame | None, params: AnalysisParams
                 ) -> tuple[np.ndarray, pd.DataFrame | None]:
    """The batch labels and the biology to protect, from the sample sheet."""
    needed = [params.batch_column] + split_list(params.protect)
    missing = [c for c in needed if metadata is None or c not in metadata.columns]
    if missing:
        raise ParameterError(f"Batch correction needs the sample-sheet column(s) "
                             f"{', '.join(missing)}, which the sheet does not have. Upload a "
                             "sample sheet with them, or choose other columns.")
    unknown = metadata.index[metadata[needed].isna().any(axis=1)]
    if len(unknown):
        raise ParameterError(f"Samples {', '.join(map(str, unknown[:5]))} have no value in "
                             f"{', '.join(needed)}: fill them in the sample sheet, or exclude "
                             "those samples.")
    protect = split_list(params.protect)
    covariates = metadata[protect] if protect else None
    return metadata[params.batch_column].astype(str).to_numpy(), covariates


def _matrix_stage(store, key, params: AnalysisParams) -> tuple[str, Normalized]:
    """Exclusions, ComBat-seq, normalization, then ComBat/limma on the log values."""
    prep_key = _prepare_stage(store, key, params)
    norm_key = _normalize_key(key, params)

    def normalized() -> Normalized:
        dataset = load_dataset(store, prep_key)
        reason = normalization_availability(
            dataset.value_kind, has_lengths=dataset.gene_lengths is not None)[params.normalization]
        if reason:
            raise ParameterError(f"{NORMALIZATION_LABELS[params.normalization]} normalization "
                                 f"is not available: {reason}.")
        return normalize(dataset.counts, method=params.normalization,
                         gene_lengths=dataset.gene_lengths, log=params.log_transform,
                         pseudocount=params.pseudocount, min_count=params.min_count,
                         min_samples=params.min_samples)

    base = store.get_or_compute(norm_key, normalized)
    matrix_key = _matrix_key(key, params)
    if matrix_key == norm_key:
        return norm_key, base

    def corrected() -> Normalized:
        dataset = load_dataset(store, prep_key)
        log_scale = (params.normalization in LOG_SCALE_METHODS or params.log_transform
                     or dataset.value_kind == "log")
        if not log_scale:
            raise ParameterError("ComBat and limma correct log-scale values: turn on the log2 "
                                 "switch, or choose log-CPM or VST.")
        batch, covariates = batch_design(dataset.metadata, params)
        values = base.values.to_numpy()
        if params.batch_method == "limma":
            fixed = remove_batch_effect(values, batch, covariates=covariates)
        else:
            fixed = combat(values, batch, covariates=covariates,
                           parametric=params.batch_method == "combat")
        frame = pd.DataFrame(fixed, index=base.values.index, columns=base.values.columns)
        return dataclasses.replace(base, values=frame)

    return matrix_key, store.get_or_compute(matrix_key, corrected)


def corrected_matrix(store: ResultStore, key: str, params: AnalysisParams) -> pd.DataFrame:
    """The batch-corrected matrix, genes x samples (corrected.csv): integer counts for
    ComBat-seq, otherwise the corrected normalized log values of the filtered genes."""
    if params.batch_method == "combat-seq":
        return prepared_dataset(store, key, params).counts.astype(np.int64)
    return normalized_matrix(store, key, params).values


def prepared_dataset(store: ResultStore, key: str, params: AnalysisParams) -> Dataset:
    """The dataset after exclusions (and ComBat-seq), before normalization (stored)."""
    return load_dataset(store, _prepare_stage(store, key, params))


def normalized_matrix(store: ResultStore, key: str, params: AnalysisParams) -> Normalized:
    """The normalized, filtered and batch-corrected matrix of all genes (stored)."""
    return _matrix_stage(store, key, params)[1]
