"""Figure builders: results in, figure out (no Dash in here).

One module per figure family; import from the defining module, e.g.
``from rnaclust_dash.pl.heatmap import heatmap_figure``. Shared pieces (template,
colours, :func:`~rnaclust_dash.pl.common.empty_figure`,
:func:`~rnaclust_dash.pl.common.for_browser`) are in :mod:`rnaclust_dash.pl.common`,
the palettes in :mod:`rnaclust_dash.pl.palettes`, the QC statistics in
:mod:`rnaclust_dash.pp.qc`; marker genes and enrichment (volcano, dot plots) in
:mod:`rnaclust_dash.pl.markers`.
"""
