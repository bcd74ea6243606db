"""Tools: what turns a prepared matrix into results.

Today :mod:`rnaclust_dash.tl.methods` (the clustering method registry); the other tools
(distance, validation, k selection, stability, embedding) move here as the core is
regrouped (see DESIGN.md section 2).
"""
