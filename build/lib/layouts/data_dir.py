"""The data card's choice of a dataset in the server's data folder (RNACLUST_DATA_DIR)."""

from __future__ import annotations

from dash import dcc, html

from rnaclust_dash.errors import RnaclustError
from rnaclust_dash.io import data_dir_root, list_data_dir

from . import ids


def data_dir_options() -> list[dict]:
    """Dropdown options: the loadable entries of the data folder (none when unset)."""
    try:
        root = data_dir_root()
    except RnaclustError:
        root = None  # a wrong setting: the data callback says so when an entry is chosen
    entries = list_data_dir(root) if root is not None else []
    return [{"label": entry.label(), "value": entry.name} for entry in entries]


def data_dir_control() -> html.Div:
    """The datasets of the server's data folder (``RNACLUST_DATA_DIR``); hidden when the
    host has not set one."""
    from .main import labelled  # main imports this module for its data card

    return html.Div(labelled("Server data folder", dcc.Dropdown(
        id=ids.DATA_DIR_ENTRY, options=data_dir_options(),
        value=None, placeholder="(choose a dataset of the server)"), "help-data-dir",
        "Datasets too big for an upload, put on the server by whoever runs it (the "
        "RNACLUST_DATA_DIR setting): 10x folders, .zip/.tar.gz, .h5, .h5ad and tables."),
        hidden=not _is_set())


def _is_set() -> bool:
    try:
        return data_dir_root() is not None
    except RnaclustError:
        return True  # shown, so that choosing says what is wrong with the setting
