"""Agreement between two partitions: ARI, NMI and purity (e.g. clusters vs metadata)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from ..errors import ParameterError


NMI_AVERAGES = ("arithmetic", "max", "min", "geometric")


def agreement(labels_a: Sequence, labels_b: Sequence, *,
              nmi_average: str = "arithmetic") -> dict:
    """Agreement between two labelings of the same items (clusters vs clusters or metadata).

    Items where either label is missing (NaN / None) are dropped first.

    Parameters
    ----------
    labels_a : sequence
        Labels of the items, e.g. cluster labels (the "clusters" of the purity).
    labels_b : sequence
        Labels of the same items, e.g. a metadata column of strings with NaN (the
        "classes" of the purity).
    nmi_average : {"arithmetic", "max", "min", "geometric"}
        Normaliser of the mutual information (scikit-learn ``average_method``). The default
        "arithmetic" is scikit-learn's default and R ``aricode::NMI(variant = "sum")``; R
        aricode's own default is ``variant = "max"`` (pass ``"max"``).

    Returns
    -------
    dict
        ``ari`` (adjusted Rand index), ``nmi``, ``purity`` (the fraction of items in the
        most common class of their cluster: ``sum over clusters of max over classes of
        the shared count / n``; it is not symmetric), ``contingency`` (DataFrame, clusters
        of ``labels_a`` as rows, classes of ``labels_b`` as columns), ``n_items`` (items
        compared) and ``n_dropped`` (items with a missing label).
    """
    if nmi_average not in NMI_AVERAGES:
        raise ParameterError(f"Unknown NMI average '{nmi_average}'. Choose one of: "
                             f"{', '.join(NMI_AVERAGES)}.")
    a = pd.Series(np.asarray(labels_a, dtype=object), name="labels_a")
    b = pd.Series(np.asarray(labels_b, dtype=object), name="labels_b")
    if len(a) != len(b):
        raise ParameterError(f"The two labelings have different lengths ({len(a)} and "
                             f"{len(b)}): they must label the same items.")
    keep = (a.notna() & b.notna()).to_numpy()
    a, b = a[keep].reset_index(drop=True), b[keep].reset_index(drop=True)
    if len(a) == 0:
        raise ParameterError("No item has both labels: nothing to compare.")
    # Codes, so that ints, floats and strings compare the same way in scikit-learn.
    codes_a, codes_b = pd.factorize(a)[0], pd.factorize(b)[0]
    contingency = pd.crosstab(a, b)
    return {"ari": float(adjusted_rand_score(codes_a, codes_b)),
            "nmi": float(normalized_mutual_info_score(codes_a, codes_b,
                                                      average_method=nmi_average)),
            "purity": float(contingency.max(axis=1).sum() / len(a)),
            "contingency": contingency,
            "n_items": len(a),
            "n_dropped": int((~keep).sum())}
