"""Harmony batch integration (Korsunsky et al. 2019, harmonypy) of principal components.

Unlike the other corrections, Harmony returns corrected coordinates (samples x
components), not a corrected genes x samples table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnaclust_dash.pp.batch_design import _batches
from rnaclust_dash.pp.inputs import _matrix


#: Principal components Harmony corrects (fewer when there are fewer samples or genes).
HARMONY_PCS = 20


def harmony_embedding(items, batch, *, n_pcs: int = HARMONY_PCS,
                      random_state: int = 0) -> np.ndarray:
    """Harmony (Korsunsky et al. 2019, harmonypy) on the principal components of the items.

    Parameters
    ----------
    items : array-like
        Samples x features (e.g. log values of the most variable genes).
    batch : array-like
        Batch label of each sample.
    n_pcs : int
        Components to compute and correct (at most n_samples - 1 and n_features).
    random_state : int
        Seed of Harmony's clustering.

    Returns
    -------
    numpy.ndarray
        Samples x components, the corrected principal components.
    """
    from sklearn.decomposition import PCA

    values = _matrix(items, "items")
    n_samples = values.shape[0]
    _batches(batch, n_samples, "Harmony")  # checked before the PCA
    n_components = max(1, min(n_pcs, n_samples - 1, values.shape[1]))
    components = PCA(n_components=n_components, random_state=random_state).fit_transform(values)
    return harmony_components(components, batch, random_state=random_state)


def harmony_components(components, batch, *, random_state: int = 0) -> np.ndarray:
    """Harmony (Korsunsky et al. 2019, harmonypy) on given principal components.

    For single cells, where the PCA is its own step (scanpy's
    ``external.pp.harmony_integrate`` on ``X_pca``).

    Parameters
    ----------
    components : array-like
        Samples (cells) x components, e.g. :func:`rnaclust_dash.pp.pca.pca` scores.
    batch : array-like
        Batch label of each sample (at least 2 batches).
    random_state : int
        Seed of Harmony's clustering.

    Returns
    -------
    numpy.ndarray
        Samples x components float64, the corrected components.
    """
    import harmonypy  # only when asked for

    values = _matrix(components, "Harmony's components")
    n_samples = values.shape[0]
    labels, _, _ = _batches(batch, n_samples, "Harmony")
    # harmonypy's default of one cluster per 30 samples is 0 for small studies.
    n_clusters = max(1, min(round(n_samples / 30), 100))
    result = harmonypy.run_harmony(values, pd.DataFrame({"batch": labels.astype(str)}),
                                   ["batch"], nclust=n_clusters, random_state=random_state,
                                   verbose=False)
    corrected = np.asarray(result.Z_corr, dtype=np.float64)
    return corrected if corrected.shape == values.shape else corrected.T
