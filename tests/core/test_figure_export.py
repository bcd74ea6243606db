"""Figures for papers: PNG/SVG/PDF bytes from kaleido with the machine's Chromium."""

import io
import shutil
import struct
import xml.etree.ElementTree as ElementTree
import zipfile

import plotly.graph_objects as go
import pytest

from rnaclust_dash.errors import ParameterError
from rnaclust_dash.export.figures import (figure_bytes, figure_file_name, figures_zip,
                                          render_figures, scale_for_dpi, titled)

needs_chromium = pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("chrome")),
                                    reason="no Chromium to render figures")


def heatmap():
    return go.Figure(go.Heatmap(z=[[1, 2], [3, 4]]), layout={"title": {"text": "Heatmap"}})


def png_size(content: bytes) -> tuple[int, int]:
    return struct.unpack(">II", content[16:24])  # IHDR width, height


@needs_chromium
def test_png_svg_pdf_have_their_formats_and_png_its_resolution():
    figure = heatmap()
    before = figure.to_plotly_json()
    png, svg, pdf = (render_figures([figure], fmt=fmt, width=400, height=300,
                                    scale=scale_for_dpi(192))[0] for fmt in ("png", "svg", "pdf"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png_size(png) == (800, 600)  # 192 dpi = twice the CSS pixels
    root = ElementTree.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find(".//{http://www.w3.org/2000/svg}g") is not None  # drawn, not empty
    assert pdf[:5] == b"%PDF-"
    assert figure.to_plotly_json() == before  # the input is not changed


@needs_chromium
def test_gallery_zip_holds_one_file_per_figure():
    content = figures_zip({"a.svg": heatmap(), "b.svg": titled(heatmap(), "pasilla")},
                          fmt="svg", width=300, height=300)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.namelist() == ["a.svg", "b.svg"]
        assert b"pasilla: Heatmap" in archive.read("b.svg")
        assert b"pasilla" not in archive.read("a.svg")


def test_title_names_the_dataset_once_and_file_names_say_what_is_shown():
    figure = titled(heatmap(), "pasilla")
    assert figure["layout"]["title"]["text"] == "pasilla: Heatmap"
    assert titled(figure, "pasilla")["layout"]["title"]["text"] == "pasilla: Heatmap"
    assert titled({"data": []}, "airway")["layout"]["title"]["text"] == "airway"
    assert figure_file_name("my data/v2", "heatmap", "hierarchical", "k3", "",
                            fmt="pdf") == "my_data_v2_heatmap_hierarchical_k3.pdf"


@pytest.mark.parametrize("options, words", [
    ({"fmt": "jpeg"}, "jpeg"), ({"width": 50}, "width"), ({"scale": 40}, "scale")])
def test_bad_options_are_refused_before_drawing(options, words):
    with pytest.raises(ParameterError, match=words):
        figure_bytes(heatmap(), **options)
