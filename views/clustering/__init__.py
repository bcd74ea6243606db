"""The Clustering view: heatmap, PCA/UMAP scatter, silhouette, metrics and the agreement
card (:mod:`.analysis`, :mod:`.embedding`, :mod:`.selection`, :mod:`.agreement`)."""
