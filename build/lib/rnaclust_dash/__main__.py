"""``python -m rnaclust_dash``: see :mod:`rnaclust_dash.cli`."""

import sys

from .cli import main

sys.exit(main())
