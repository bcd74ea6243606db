"""Figure builders (results in, ``go.Figure`` out): no Dash, no computation of results.

Each module takes the tables a :mod:`rnaclust_dash.tl` function returns and draws them;
:mod:`~rnaclust_dash.pl.markers` draws marker genes (volcano, dot plot) and enrichment.
"""
