"""Figure downloads of the sidebar: every graph of the views is offered; one figure or the
gallery comes back with descriptive names and the dataset in the titles."""

import base64
import io
import shutil
import zipfile

import pytest

from callbacks import figure_downloads as fd
from layouts import ids
from rnaclust_dash.errors import RnaclustError

needs_chromium = pytest.mark.skipif(not shutil.which("chromium"), reason="no Chromium")


def test_every_graph_of_the_views_is_offered():
    graphs = dict(fd.graph_ids())
    for graph in (ids.HEATMAP, ids.EMBEDDING, ids.SILHOUETTE, ids.K_FIGURE, ids.BATCH_VIEW):
        assert graph in graphs


def figure(title):
    return {"data": [{"type": "scatter", "x": [1, 2], "y": [3, 4]}],
            "layout": {"title": {"text": title}}}


@needs_chromium
def test_gallery_zip_names_figures_and_skips_empty_ones():
    data = fd.download_figures(None, fd.ALL, None,
                               {"heatmap": figure("Heatmap"), "empty": {"data": []}},
                               None, fmt="svg", width=400, height=300, dpi="300")
    assert data["filename"] == "rnaclust_figures.zip"
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(data["content"]))) as archive:
        assert archive.namelist() == ["rnaclust_heatmap.svg"]
        assert b"rnaclust: Heatmap" in archive.read("rnaclust_heatmap.svg")


def test_an_empty_figure_gives_a_message():
    with pytest.raises(RnaclustError, match="empty"):
        fd.download_figures(None, fd.ONE, "empty", {"empty": {"data": []}}, None,
                            fmt="png", width=400, height=300, dpi="300")
