"""The reproduce-and-report downloads of a view (issue 14 items 2-3), one home for the
Clustering sidebar (:mod:`views.clustering.reproduce`) and the Cells tab
(:mod:`views.cells_downloads`): params.json, a zip of the runnable script and notebook
(what ``export-script --params params.json`` writes), the self-contained HTML report and
the same report as PDF.

A view gives the ids of its buttons and downloads (:class:`DownloadIds`), the states its
analysis is read from, and an :class:`ExportedAnalysis` maker; this module registers
the callbacks. The report and its PDF are made in background jobs (:mod:`callbacks.jobs`):
the report reruns the (cached) analysis and inlines plotly.js, the PDF is drawn by
Chromium. Whatever cannot be exported (e.g. what the script export does not write, no
Chromium on the server) is said in the row's alert (the Clustering sidebar: its view's
alert); the page never crashes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update

from callbacks.common import error_text
from layouts import ids
from rnaclust_dash.export import PARAMS_FILE
from rnaclust_dash.export.notebook import script_bundle
from rnaclust_dash.export.pdf import html_to_pdf
from rnaclust_dash.export.report import REPORT_FILE
from rnaclust_dash.export.script import ScriptInputs

SCRIPT_BUNDLE_FILE = "rnaclust-dash-analysis.zip"
REPORT_PDF_FILE = "report.pdf"

#: Button tooltips, shared by every view's row.
SCRIPT_HELP = ("analysis.py and analysis.ipynb (with params.json): this analysis step by "
               "step in Python, reproducing the assignments")
REPORT_HELP = ("One HTML file that opens offline: figures, tables, parameters, methods "
               "with citations, versions")
PDF_HELP = ("The same report printed as a PDF (takes up to a minute: the server's "
            "Chromium draws every figure)")


@dataclass(frozen=True)
class DownloadIds:
    """Component ids of a view's downloads: each button and its ``dcc.Download``
    (``params_button`` empty: the view saves params.json elsewhere), and the alert that
    says what could not be exported: the row's own (:func:`download_row` lays it out
    beside the buttons) or a view's (``layouts.ids.VIEW_ALERTS``)."""

    script_button: str
    script: str
    report_button: str
    report: str
    pdf_button: str
    pdf: str
    alert: str
    params_button: str = ""
    params: str = ""

    @classmethod
    def prefixed(cls, prefix: str) -> DownloadIds:
        """Ids ``<prefix>-download-<what>[-button]`` for every download, params.json too,
        and the row's own alert."""
        names = {field: f"{prefix}-download-{field.replace('_button', '')}"
                 + ("-button" if field.endswith("_button") else "")
                 for field in cls.__dataclass_fields__}
        return cls(**names)

    @property
    def own_alert(self) -> bool:
        """Whether the alert is the row's (closed by a download that works), not a
        view's (which also holds that view's notices: left as it is)."""
        return self.alert not in ids.VIEW_ALERTS.values()


@dataclass(frozen=True)
class ExportedAnalysis:
    """What a view exports of the analysis on screen.

    Attributes
    ----------
    params_text : str
        Its params.json (what ``run --params`` replays, splits included).
    inputs : ScriptInputs
        The file names the script reads.
    report : callable
        ``report() -> str``: the HTML report (called only when it is asked for).
    """

    params_text: str
    inputs: ScriptInputs
    report: Callable[[], str]


def download_row(row: DownloadIds) -> html.Div:
    """The buttons (params.json first when the view has one) and their downloads."""
    buttons = ([dbc.Button("Download parameters", id=row.params_button, color="secondary",
                           size="sm", title="params.json: `python -m rnaclust_dash run "
                                            "COUNTS --params params.json` reruns it")]
               if row.params_button else [])
    buttons += [
        dbc.Button("Download script + notebook", id=row.script_button, color="secondary",
                   size="sm", title=SCRIPT_HELP),
        dbc.Button("Download report", id=row.report_button, color="secondary", size="sm",
                   title=REPORT_HELP),
        dbc.Button("Report as PDF", id=row.pdf_button, color="secondary", size="sm",
                   title=PDF_HELP)]
    targets = [dcc.Download(id=target) for target in
               (row.params, row.script, row.report, row.pdf) if target]
    return html.Div([html.Div(buttons, className="d-flex flex-wrap gap-2"), *targets,
                     dbc.Alert(id=row.alert, color="danger", is_open=False, dismissable=True,
                               className="small mt-2 mb-0")])


def register_downloads(app, row: DownloadIds, states: Sequence[State],
                       analysis_of: Callable[..., ExportedAnalysis | None]) -> None:
    """Register the downloads of ``row``: each callback returns the download and the
    alert's children, is_open and color (what could not be exported, in words).

    Parameters
    ----------
    app : dash.Dash
    row : DownloadIds
    states : sequence of dash.State
        What the analysis on screen is read from.
    analysis_of : callable
        ``analysis_of(*state values) -> ExportedAnalysis``, None when there is nothing
        to export.
    """
    def outputs(target: str) -> list[Output]:
        return [Output(target, "data"), *(Output(row.alert, prop, allow_duplicate=True)
                                          for prop in ("children", "is_open", "color"))]

    def sent(make: Callable[[ExportedAnalysis], dict], values) -> tuple:
        try:
            analysis = analysis_of(*values)
            if analysis is None:
                return (no_update,) * 4
            content = make(analysis)
        except Exception as error:  # noqa: BLE001 - say it; the page never crashes
            return (no_update, [html.B("Could not download: "), html.Span(error_text(error))],
                    True, "danger")
        return (content, *((None, False, no_update) if row.own_alert else (no_update,) * 3))

    if row.params_button:
        @app.callback(*outputs(row.params), Input(row.params_button, "n_clicks"), *states,
                      prevent_initial_call=True)
        def download_params(_, *values):
            return sent(lambda a: dcc.send_string(a.params_text, PARAMS_FILE), values)

    @app.callback(*outputs(row.script), Input(row.script_button, "n_clicks"), *states,
                  prevent_initial_call=True)
    def download_script(_, *values):
        return sent(lambda a: dcc.send_bytes(script_bundle(a.params_text, a.inputs),
                                             SCRIPT_BUNDLE_FILE), values)

    # the report reruns the cached analysis and inlines plotly.js (seconds): a job
    @app.callback(*outputs(row.report), Input(row.report_button, "n_clicks"), *states,
                  background=True, prevent_initial_call=True,
                  running=[(Output(row.report_button, "disabled"), True, False)])
    def download_report(_, *values):
        return sent(lambda a: dcc.send_string(a.report(), REPORT_FILE), values)

    # Chromium takes tens of seconds to draw and print
    @app.callback(*outputs(row.pdf), Input(row.pdf_button, "n_clicks"), *states,
                  background=True, prevent_initial_call=True,
                  running=[(Output(row.pdf_button, "disabled"), True, False)])
    def download_report_pdf(_, *values):
        return sent(lambda a: dcc.send_bytes(html_to_pdf(a.report()), REPORT_PDF_FILE),
                    values)
