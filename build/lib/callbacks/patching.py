"""Send only what changed: a figure, or a ``dash.Patch`` of the figure on screen.

The browser keeps, in the small store ``ids.FIGURES_SHOWN``, a digest of what each big
figure shows now. A k change leaves the heatmap's matrix and trees as they are, so the
server sends the cluster bar, the selection marks and the legend only (a few KB instead
of the whole matrix); a change of selection sends the silhouette's opacities only.
"""

from __future__ import annotations

import hashlib

import numpy as np
from dash import Patch

from rnaclust_dash.pl.common import for_browser


def digest(node) -> str:
    """A short content hash of a figure part (dicts, lists, numpy arrays, scalars)."""
    sha = hashlib.blake2b(digest_size=12)

    def feed(value):
        if isinstance(value, dict):
            for key in sorted(value):
                sha.update(f"<{key}>".encode())
                feed(value[key])
        elif isinstance(value, (list, tuple)):
            sha.update(b"[")
            for item in value:
                feed(item)
            sha.update(b"]")
        elif isinstance(value, np.ndarray):
            sha.update(f"{value.dtype}{value.shape}".encode())
            sha.update(value.tobytes() if value.dtype != object else repr(value.tolist()).encode())
        else:
            sha.update(repr(value).encode())

    feed(node)
    return sha.hexdigest()


def heatmap_update(figure: dict, shown: dict | None) -> tuple:
    """The heatmap to send and what it shows afterwards.

    When the fixed traces (``layout.meta["fixed"]``: matrix, trees, annotation strips)
    and the layout are those on screen, a Patch replaces the other traces and the legend
    switch only (a new layout object would make plotly lay out every axis again).
    """
    fixed = int(figure["layout"].get("meta", {}).get("fixed", 0))
    layout = {k: v for k, v in figure["layout"].items() if k != "showlegend"}
    state = {"digest": digest([figure["data"][:fixed], layout]),
             "n_traces": len(figure["data"])}
    if fixed and shown and shown.get("digest") == state["digest"]:
        patch = Patch()
        for index in range(shown["n_traces"] - 1, fixed - 1, -1):
            del patch["data"][index]
        patch["data"].extend(for_browser(figure["data"][fixed:]))
        patch["layout"]["showlegend"] = figure["layout"].get("showlegend", False)
        return patch, state
    return for_browser(figure), state


def silhouette_update(figure: dict, shown: dict | None) -> tuple:
    """The silhouette to send and what it shows: when only the highlight differs from
    the bars on screen, a Patch of the bars' opacities."""
    bars = [(t.get("customdata"), t.get("x")) for t in figure["data"]]
    state = {"digest": digest(bars)}
    if shown and shown.get("digest") == state["digest"]:
        patch = Patch()
        for index, trace in enumerate(figure["data"]):
            opacity = trace.get("marker", {}).get("opacity")
            patch["data"][index]["marker"]["opacity"] = for_browser(
                1.0 if opacity is None else opacity)
        return patch, state
    return for_browser(figure), state
