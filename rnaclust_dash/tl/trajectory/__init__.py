"""Trajectories (issue 12): diffusion map and diffusion pseudotime (:mod:`.diffusion`),
where pseudotime starts (:mod:`.root`), PAGA connectivities between clusters
(:mod:`.paga`) and the genes that change along pseudotime (:mod:`.genes`).

Every function takes a kNN graph (scipy sparse, items x items) built elsewhere
(:mod:`rnaclust_dash.pp.neighbors` for cells); modules are imported from their own path.
"""
