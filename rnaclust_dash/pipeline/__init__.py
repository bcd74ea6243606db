"""Parameters and the staged, cached analysis run.

Stages and what their keys depend on (all keys: :mod:`.keys`)::

    dataset (content hash)
      -> normalize (normalization, log, pseudocount, filter)
        -> features (target, top genes, z-score): items x features + display matrix
          -> distance (metric) -> tree (linkage) -> cut at k (not stored: O(n))
          -> k-means (k, init, n_init, seed)
          -> display tree of the other axis (metric, linkage)
          -> embedding (PCA / UMAP parameters)
        partition -> validation (silhouette, Calinski-Harabasz, Davies-Bouldin)

Changing k re-cuts the stored tree; changing normalization recomputes from there down.
The store is the only state: any process with the same store gives the same results.
Which stages run for many items is the scale policy (:mod:`.scale`): above
:data:`~.scale.LARGE_ITEMS` items a method that needs no distances builds none.

Parameters: :mod:`rnaclust_dash.params`. Modules: :mod:`.datasets` (datasets
in the store), :mod:`.keys` (stage keys), :mod:`.prepare` (exclusions, normalization,
batch correction), :mod:`.features`, :mod:`.scale`, :mod:`.run`, :mod:`.embedding`,
:mod:`.markers` (groups and matrices of the marker tests,
shared by the ``markers`` command and the Markers view), :mod:`.timecourse` and :mod:`.modules`
(inputs and tables of the ``timecourse`` / ``modules`` commands and the Time course /
Modules views; :mod:`.log_scale` their log values).
"""

from .datasets import dataset_key, dataset_summary, load_dataset, load_summary, put_dataset
from .embedding import compute_embedding
from .features import Features
from .keys import embedding_key, stage_keys
from .prepare import batch_design, corrected_matrix, normalized_matrix, prepared_dataset
from .run import Analysis, fit_method, item_distances, run_analysis
from .scale import (LARGE_ITEMS, MAX_DISTANCE_ITEMS, MIN_ITEMS, SILHOUETTE_SAMPLE,
                    check_items)

__all__ = ["LARGE_ITEMS", "MAX_DISTANCE_ITEMS", "MIN_ITEMS", "SILHOUETTE_SAMPLE", "Analysis",
           "Features", "batch_design", "check_items", "compute_embedding", "corrected_matrix",
           "dataset_key", "dataset_summary", "embedding_key", "fit_method", "item_distances",
           "load_dataset", "load_summary", "normalized_matrix",
           "prepared_dataset", "put_dataset", "run_analysis", "stage_keys"]
