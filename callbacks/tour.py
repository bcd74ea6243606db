"""Teaching mode: a guided tour of the first screen, one step per card of the sidebar and
per choice that changes the answer most (the parameters with a ``why`` in the spec), each
with a button that opens the tab showing its effect; and the bundled examples with their
story, source and licence."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html, no_update

from layouts import ids
from layouts.param_controls import help_text
from rnaclust_dash.io import EXAMPLES
from rnaclust_dash.params import SPEC
from rnaclust_dash.store import ResultStore

OPEN = "tour-open"
MODAL = "tour-modal"
TITLE = "tour-title"
BODY = "tour-body"
BACK = "tour-back"
NEXT = "tour-next"
SHOW = "tour-show"
STEP = "tour-step"

_INTRO = (
    {"title": "Your data", "view": "qc",
     "text": "Start on the left: choose a bundled example (each tells a story, below) or "
             "upload a count table with genes in rows and samples in columns, and a sample "
             "sheet. Look at QC first: a sample far from the others may be an outlier to "
             "exclude.",
     "examples": True},
)
_OUTRO = (
    {"title": "See two settings side by side", "view": "compare",
     "text": "The Compare tab runs the current analysis twice, changing one choice, and "
             "gives the adjusted Rand index between the two clusterings: 1 means the same "
             "clusters. Try the distance, the normalization or k."},
    {"title": "Keep and share what you did", "view": "clustering",
     "text": "Under the sidebar: Undo and Redo walk back through your changes, the history "
             "lists them, 'Load parameters' restores a params.json, the link at the bottom "
             "reopens this view on this server, and 'Figures for papers' saves any figure "
             "as PNG, SVG or PDF."},
)


def tour_steps() -> list[dict]:
    """The steps: title, text, the tab that shows it (a ``TAB_ID``), in screen order."""
    choices = [{"title": param.label,
                "text": f"{help_text(param)} Why it matters: {param.why}.",
                "view": param.why_view} for param in SPEC.values() if param.why]
    return [*_INTRO, *choices, *_OUTRO]


def example_stories() -> html.Ul:
    """The bundled examples, each with its story, source and licence."""
    return html.Ul([html.Li([html.B(name + ": "), text]) for name, text in EXAMPLES.items()],
                   className="small")


def tour_part() -> html.Div:
    """The tour's button (for the navbar) and its modal."""
    return html.Div([
        dbc.Button("Guided tour", id=OPEN, color="light", size="sm", outline=True,
                   className="ms-2"),
        dcc.Store(id=STEP, data=0),
        dbc.Modal([
            dbc.ModalHeader(dbc.ModalTitle(id=TITLE)),
            dbc.ModalBody(id=BODY),
            dbc.ModalFooter([
                dbc.Button("Show me", id=SHOW, color="info", size="sm", className="me-auto"),
                dbc.Button("Back", id=BACK, color="secondary", size="sm"),
                dbc.Button("Next", id=NEXT, color="primary", size="sm"),
            ]),
        ], id=MODAL, is_open=False, size="lg"),
    ])


def step_content(index: int) -> tuple:
    """Title, body, 'Show me' label, Back disabled, Next label of step ``index``."""
    from views import VIEWS
    steps = tour_steps()
    step = steps[index]
    tab_labels = {view.TAB_ID: view.TAB_LABEL for view in VIEWS}
    body = [html.P(step["text"])]
    if step.get("examples"):
        body.append(example_stories())
    last = index == len(steps) - 1
    return (f"{index + 1}/{len(steps)} · {step['title']}", body,
            f"Show me: the {tab_labels.get(step['view'], step['view'])} tab", index == 0,
            "Finish" if last else "Next")


def register(app, store: ResultStore) -> None:
    """Register the tour's callbacks."""
    n_steps = len(tour_steps())

    @app.callback(Output(STEP, "data"), Output(MODAL, "is_open"),
                  Output(ids.VIEW_TABS, "active_tab", allow_duplicate=True),
                  Input(OPEN, "n_clicks"), Input(BACK, "n_clicks"), Input(NEXT, "n_clicks"),
                  Input(SHOW, "n_clicks"), State(STEP, "data"), prevent_initial_call=True)
    def move(_open, _back, _next, _show, index):
        trigger = ctx.triggered_id
        if trigger == OPEN:  # resumes where "Show me" left the tour
            return no_update, True, no_update
        if trigger == SHOW:
            return no_update, False, tour_steps()[index]["view"]
        index += 1 if trigger == NEXT else -1
        if index >= n_steps:
            return 0, False, no_update
        return max(index, 0), True, no_update

    @app.callback(Output(TITLE, "children"), Output(BODY, "children"),
                  Output(SHOW, "children"), Output(BACK, "disabled"),
                  Output(NEXT, "children"), Input(STEP, "data"))
    def show_step(index):
        return step_content(index or 0)
