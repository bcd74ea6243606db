"""Figures for papers: a plotly figure (dict or ``go.Figure``) as PNG, SVG or PDF bytes,
rendered on the server and offline by kaleido with the machine's Chromium, with the
dataset's name in its title and a file name that says what it shows.

kaleido (1.x) drives a headless Chromium: it uses ``BROWSER_PATH`` when set, else the
first of :data:`CHROMIUM_NAMES` on the PATH. plotly.js comes from the plotly package and
MathJax is off, so nothing is fetched from the network.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import shutil
import zipfile
from collections.abc import Mapping
from typing import Any

from ..errors import ParameterError, RnaclustError

#: Formats a figure can be saved as.
FIGURE_FORMATS = ("png", "svg", "pdf")

#: Chromium executables kaleido may use (Debian's first).
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")

#: Bounds of a saved figure: its size in CSS pixels and the scale (resolution / 96 dpi).
SIZE_RANGE = (200, 4000)
SCALE_RANGE = (0.5, 10.0)

#: Screen resolution of one CSS pixel; ``scale = dpi / SCREEN_DPI``.
SCREEN_DPI = 96


class FigureExportError(RnaclustError):
    """The figure could not be rendered (no Chromium, or kaleido failed)."""


def scale_for_dpi(dpi: float) -> float:
    """The kaleido scale that gives ``dpi`` dots per inch for a figure sized in CSS pixels
    (96 per inch): 300 dpi -> 3.125."""
    return dpi / SCREEN_DPI


def _check_options(fmt: str, width: int, height: int, scale: float) -> None:
    if fmt not in FIGURE_FORMATS:
        raise ParameterError(f"'{fmt}' is not a figure format; choose one of "
                             f"{', '.join(FIGURE_FORMATS)}.")
    for name, value in (("width", width), ("height", height)):
        if not SIZE_RANGE[0] <= value <= SIZE_RANGE[1]:
            raise ParameterError(f"Figure {name} {value} px is outside {SIZE_RANGE[0]}-"
                                 f"{SIZE_RANGE[1]} px: choose a size in that range.")
    if not SCALE_RANGE[0] <= scale <= SCALE_RANGE[1]:
        raise ParameterError(f"Figure scale {scale:g} is outside {SCALE_RANGE[0]:g}-"
                             f"{SCALE_RANGE[1]:g} (that is {SCALE_RANGE[1] * SCREEN_DPI:g} dpi "
                             "at most): choose a lower resolution.")


def titled(figure: Any, dataset_name: str) -> dict:
    """A copy of ``figure`` (a dict) whose title starts with the dataset's name, so that a
    figure taken out of the app still says what data it shows."""
    figure = figure.to_plotly_json() if hasattr(figure, "to_plotly_json") else figure
    layout = dict(figure.get("layout") or {})
    title = layout.get("title") or {}
    title = dict(title) if isinstance(title, Mapping) else {"text": str(title)}
    text = title.get("text") or ""
    if dataset_name and not text.startswith(dataset_name):
        title["text"] = f"{dataset_name}: {text}" if text else dataset_name
    layout["title"] = title
    return {**figure, "layout": layout}


def figure_file_name(*parts: Any, fmt: str) -> str:
    """'pasilla_heatmap_hierarchical_k3.png' from ('pasilla', 'heatmap', 'hierarchical',
    'k3'): empty parts left out, anything but letters, digits, '.', '-' made '_'."""
    words = [re.sub(r"[^A-Za-z0-9.-]+", "_", str(part)).strip("_") for part in parts
             if part not in (None, "")]
    return "_".join(word for word in words if word) + "." + fmt


def _browser_environment() -> None:
    """Point kaleido at the machine's Chromium unless BROWSER_PATH says another."""
    if os.environ.get("BROWSER_PATH"):
        return
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            os.environ["BROWSER_PATH"] = found
            return
    raise FigureExportError("Saving figures as PNG, SVG or PDF needs Chromium on the "
                            "server: install it (apt-get install chromium) or set "
                            "BROWSER_PATH to a Chrome.")


async def _render(figures: list[dict], options: dict) -> list[bytes]:
    import kaleido

    async with kaleido.Kaleido(n=1, mathjax=False) as renderer:
        return [await renderer.calc_fig(figure, opts=options) for figure in figures]


def render_figures(figures: list[Any], *, fmt: str = "png", width: int = 900,
                   height: int = 650, scale: float = 1.0) -> list[bytes]:
    """Each figure as the bytes of one ``fmt`` file, rendered in one Chromium session.

    Parameters
    ----------
    figures : list of dict or plotly.graph_objects.Figure
    fmt : {"png", "svg", "pdf"}
    width, height : int
        Size in CSS pixels (the layout's own size is replaced).
    scale : float
        Resolution factor: PNG pixels = size x scale (:func:`scale_for_dpi`).

    Returns
    -------
    list of bytes
        One file per figure, in order. Inputs are not changed.
    """
    _check_options(fmt, width, height, scale)
    _browser_environment()
    plain = [figure.to_plotly_json() if hasattr(figure, "to_plotly_json") else figure
             for figure in figures]
    options = {"format": fmt, "width": width, "height": height, "scale": scale}
    try:
        return asyncio.run(_render(plain, options))
    except RnaclustError:
        raise
    except Exception as error:  # kaleido/choreographer: the browser failed to start or draw
        raise FigureExportError(f"The figure could not be drawn as {fmt.upper()} "
                                f"({type(error).__name__}: {error}).") from error


def figure_bytes(figure: Any, **options: Any) -> bytes:
    """One figure as PNG, SVG or PDF bytes (options of :func:`render_figures`)."""
    return render_figures([figure], **options)[0]


def figures_zip(figures: Mapping[str, Any], **options: Any) -> bytes:
    """A zip of figures (file name -> figure), each rendered with ``options``
    (:func:`render_figures`): the gallery of an analysis."""
    names = list(figures)
    rendered = render_figures([figures[name] for name in names], **options)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in zip(names, rendered):
            archive.writestr(name, content)
    return buffer.getvalue()
