"""The report as a PDF (``report --pdf`` and the dashboard's button; issue 14 item 3):
the self-contained report.html printed by the machine's headless Chromium.

The HTML needs nothing from the network (plotly.js is inlined), so Chromium prints it
offline; ``--virtual-time-budget`` lets plotly draw every figure before the page is
printed. The browser is ``BROWSER_PATH`` when set, else the first of
:data:`~.figures.CHROMIUM_NAMES` on the PATH (as the figure downloads).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .figures import CHROMIUM_NAMES, FigureExportError

#: Milliseconds of page time Chromium lets pass before printing (plotly draws in it).
DRAW_BUDGET_MS = 20_000
#: Seconds the print may take in all before it is given up.
PRINT_TIMEOUT_S = 240
#: Print CSS: A4 pages (Chromium's default is Letter), figures not cut across pages,
#: tables shrunk to the page.
PRINT_STYLE = ("@page{size:A4}@media print{body{max-width:none;margin:0 1em}"
               ".figure{break-inside:avoid}.table{font-size:.7em}"
               "pre{white-space:pre-wrap;font-size:.7em}.modebar{display:none}}")
#: Tallest plot in print, CSS px: with its title, one page (Letter and A4 at Chromium's
#: default margins hold about 980 px).
PRINT_FIGURE_HEIGHT = 860
#: Print script: ``break-inside: avoid`` cannot keep a block taller than a page on one
#: page (the silhouette of 150 samples is 1,600 px), so in print such a plot is redrawn
#: at :data:`PRINT_FIGURE_HEIGHT` (its text stays the same size), and back at its own
#: height after a browser prints it. The PDF's copy fits them as it loads.
PRINT_SCRIPT = (
    "(function(){var saved=[];"
    "window.rnaclustFitForPrint=function(){"
    "document.querySelectorAll('.figure .js-plotly-plot').forEach(function(g){"
    "var h=g._fullLayout&&g._fullLayout.height;"
    f"if(h>{PRINT_FIGURE_HEIGHT}){{saved.push([g,h]);"
    f"Plotly.relayout(g,{{height:{PRINT_FIGURE_HEIGHT}}});}}}});}};"
    "window.addEventListener('beforeprint',window.rnaclustFitForPrint);"
    "window.addEventListener('afterprint',function(){saved.splice(0).forEach("
    "function(s){Plotly.relayout(s[0],{height:s[1]});});});})();")


def printable(html_text: str) -> str:
    """A report with the print rules (:data:`PRINT_STYLE`, :data:`PRINT_SCRIPT`) in its
    head, once (a report that has them already is returned as it is)."""
    if PRINT_SCRIPT in html_text:
        return html_text
    return html_text.replace("</style>", f"{PRINT_STYLE}</style>\n<script>{PRINT_SCRIPT}"
                             "</script>", 1)


def chromium_path() -> str:
    """The Chromium executable that prints the PDF (raises FigureExportError if none)."""
    chosen = os.environ.get("BROWSER_PATH")
    if chosen:
        return chosen
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise FigureExportError("Printing the report as PDF needs Chromium on the server: "
                            "install it (apt-get install chromium) or set BROWSER_PATH to "
                            "a Chrome. The HTML report has the same content.")


def html_to_pdf(html_text: str) -> bytes:
    """The PDF bytes of a self-contained HTML document, printed by headless Chromium.

    Parameters
    ----------
    html_text : str
        The document (e.g. :func:`~.report.bulk_report`'s); it must not need the network.

    Returns
    -------
    bytes
        The PDF (A4-sized pages as Chromium prints them, no header or footer).

    Raises
    ------
    FigureExportError
        No Chromium, or it failed or printed nothing.
    """
    # figures are fitted to the page once drawn (headless printing has no beforeprint)
    page_text = printable(html_text).replace(
        "</body>", "<script>window.addEventListener('load',window.rnaclustFitForPrint);"
        "</script></body>", 1)
    with tempfile.TemporaryDirectory(prefix="rnaclust-pdf-") as scratch:
        page, pdf = Path(scratch) / "report.html", Path(scratch) / "report.pdf"
        page.write_text(page_text, encoding="utf-8")
        command = [chromium_path(), "--headless", "--no-sandbox", "--disable-gpu",
                   "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
                   "--no-pdf-header-footer", f"--user-data-dir={Path(scratch) / 'profile'}",
                   f"--virtual-time-budget={DRAW_BUDGET_MS}", f"--print-to-pdf={pdf}",
                   page.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True,
                                  timeout=PRINT_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise FigureExportError(f"Chromium could not print the report: {error}") from None
        if not pdf.is_file() or pdf.stat().st_size == 0:
            raise FigureExportError("Chromium printed no PDF (exit "
                                    f"{done.returncode}): {done.stderr.strip()[-300:]}")
        return pdf.read_bytes()


def write_pdf(html_path, pdf_path) -> Path:
    """Print the report at ``html_path`` to ``pdf_path`` (see :func:`html_to_pdf`).

    Parameters
    ----------
    html_path : str or Path
        report.html.
    pdf_path : str or Path
        The PDF written.

    Returns
    -------
    Path
        ``pdf_path``.
    """
    target = Path(pdf_path)
    target.write_bytes(html_to_pdf(Path(html_path).read_text(encoding="utf-8")))
    return target
