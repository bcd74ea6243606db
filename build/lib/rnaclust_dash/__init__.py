"""rnaclust_dash: the clustering core of rnaclust-dash (no Dash import in here).

The package is pure: functions take arrays/frames and parameters and return results.
The dashboard (``app.py``, ``layouts/``, ``callbacks/``) and the command line
(``python -m rnaclust_dash``) both call the same staged pipeline in
:mod:`rnaclust_dash.pipeline`.
"""

__version__ = "0.1.0"
