"""``rnaclust-dash serve``: start the dashboard (what ``python app.py`` does).

The dashboard (``app.py``, ``layouts/``, ``callbacks/``, ``views/``, ``assets/``) is
installed next to this package by ``pip install .``; it is imported only here, when the
command runs, so the core itself never imports Dash.
"""

from __future__ import annotations

import argparse
import importlib
import os


def add_parser(commands) -> None:
    command = commands.add_parser(
        "serve", help="start the dashboard in the browser (as python app.py)",
        description="Start the dashboard on http://HOST:PORT with the bundled example "
                    "loaded. For several users use gunicorn: gunicorn app:server --preload.")
    command.set_defaults(handler=serve_command)
    command.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"),
                         help="address to listen on (default $HOST or 127.0.0.1; 0.0.0.0 "
                              "for every interface)")
    command.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8050")),
                         help="port (default $PORT or 8050)")
    command.add_argument("--cache-dir", help="where datasets and results are stored "
                                             "(default $RNACLUST_CACHE_DIR or "
                                             "~/.cache/rnaclust-dash)")
    command.add_argument("--debug", action="store_true", help="Dash's debug mode")


def serve_command(args: argparse.Namespace) -> None:
    """Run the dashboard until interrupted."""
    if args.cache_dir:
        os.environ["RNACLUST_CACHE_DIR"] = args.cache_dir
    dashboard = importlib.import_module("app")  # builds the app (as gunicorn app:server)
    dashboard.app.run(host=args.host, port=args.port, debug=args.debug)
