"""Tools: what turns a prepared matrix into results (see DESIGN.md section 2).

- Distances and clustering algorithms, one module per family: :mod:`.distance`,
  :mod:`.hierarchical` (trees and cuts), :mod:`.kmeans`, :mod:`.diana`, :mod:`.pam`,
  :mod:`.cmeans`, :mod:`.mixture` (with :mod:`.mclust_hc`), :mod:`.graph` (kNN graph,
  Leiden/Louvain); :mod:`.labels` numbers clusters by first appearance.
- :mod:`.methods`: the registry every method is dispatched through.
- Assessing a clustering: :mod:`.validate` (indices), :mod:`.kselect` (scans over k,
  cluster trees), :mod:`.gap`, :mod:`.stability` (clusterboot), :mod:`.consensus`,
  :mod:`.agreement`; :mod:`.embed` (PCA, UMAP); :mod:`.batch_mixing` (how well batches
  mix on an embedding: silhouette, LISI).
- Biology: markers, DESeq2, enrichment, time course, co-expression modules.

Modules are imported from their own path (``from rnaclust_dash.tl.pam import pam``);
this package imports nothing itself, so importing one tool stays cheap.
"""
