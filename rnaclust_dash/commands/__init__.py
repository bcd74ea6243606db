"""The biology commands of ``python -m rnaclust_dash`` (issues 10 and 11).

Each module has ``add_parser(commands)`` (registers the sub-command and its handler) and
the handler; :mod:`rnaclust_dash.cli` calls :func:`add_parsers`. They share cli.py's
helpers for reading a dataset, the run options, ``--out`` and notices.

- ``markers``: marker / DE genes of run's sample clusters or of a sheet column's groups;
- ``enrich``: over-representation of gene lists, clusters or markers in GO / GMT sets;
- ``timecourse``: soft clusters of time profiles (Mfuzz) or degPatterns;
- ``modules``: WGCNA co-expression modules, eigengenes and module-trait correlations;
- ``trajectory``: diffusion pseudotime, PAGA and pseudotime genes (issue 12).
- ``export-script``, ``report``, ``serve`` (issue 14): a runnable script and notebook, a
  self-contained HTML report, the dashboard.
"""

from __future__ import annotations


def add_parsers(commands) -> None:
    """Register the biology sub-commands on an argparse sub-parsers object."""
    from . import (enrich, export_script, markers, modules, report, serve, timecourse,
                   trajectory)

    for command in (markers, enrich, timecourse, modules, trajectory, export_script, report,
                    serve):
        command.add_parser(commands)
