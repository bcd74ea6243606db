"""Sidebar controls built from the parameter spec (:data:`rnaclust_dash.params.SPEC`).

A control's label, help, options (with their short names), bounds, step and default
come from its :class:`~rnaclust_dash.params.Param`, so a change in the spec changes the
dashboard. The layout only chooses the kind of widget (menu, radio buttons, select) and
its size.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from rnaclust_dash.params import spec

from .components import help_lines, labelled

#: Widgets a parameter with choices can take.
CHOICE_WIDGETS = ("dropdown", "radio", "select")


def param_of(name: str) -> spec.Param:
    """The declaration of parameter ``name``: an analysis parameter, or an option of
    choose-k and stability (read when the layout is built)."""
    return spec.SPEC[name] if name in spec.SPEC else spec.ASSESS_SPEC[name]


def help_text(param: spec.Param) -> str:
    """One sentence of help: the spec's line, and for a number its allowed interval."""
    text = param.help[0].upper() + param.help[1:]
    if param.type in (int, float) and param.max is not None:
        text += f". Allowed: {param.interval_text()}"
    return text + "."


def help_body(param: spec.Param):
    """A tooltip body: one line per choice (their descriptions), else :func:`help_text`;
    then why the choice matters, where the spec says (teaching)."""
    why = [html.Div([html.B("Why it matters: "), param.why + "."], className="mt-1")
           ] if param.why else []
    if hasattr(param.choices, "items"):  # value -> description
        return [html.Div(help_text(param)), *help_lines(param.choices), *why]
    return [help_text(param), *why] if why else help_text(param)


def choice_options(param: spec.Param) -> list[dict]:
    """Menu options of a parameter with choices, in the spec's order."""
    return [{"label": param.choice_label(value), "value": value} for value in param.choices]


def number_input(name: str, component_id: str, **props: Any) -> dbc.Input:
    """A number box with the parameter's bounds, step and default."""
    param = param_of(name)
    step = param.step if param.step is not None else (1 if param.type is int else "any")
    settings = {"type": "number", "value": param.default, "step": step, "debounce": True,
                **param.input_bounds()}
    return dbc.Input(id=component_id, **{**settings, **props})


def hover_help(name: str, component_id: str) -> dbc.Tooltip:
    """The label and help of a control that has no label of its own (a box inside a
    sentence), shown when the pointer is on it."""
    param = param_of(name)
    return dbc.Tooltip(f"{param.label}: {help_text(param)}", target=component_id,
                       placement="right", className="control-help")


def labelled_box(name: str, component_id: str, **props: Any) -> html.Div:
    """A small number box with the parameter's label in front (a view's own option) and
    its help on hover."""
    return html.Div([
        dbc.InputGroup([dbc.InputGroupText(param_of(name).label),
                        number_input(name, component_id, **props)],
                       size="sm", className="me-2 w-auto"),
        hover_help(name, component_id)])


def control_input(name: str, component_id: str, *, widget: str = "dropdown",
                  on_value: str = "on", **props: Any):
    """The bare control of parameter ``name`` (no label).

    Choices give a menu (``widget``: dropdown, radio or select), a bool a switch (whose
    value is ``[on_value]`` when on), a number a number box and free text a
    (multi-)choice menu whose options the data fill in. ``props`` are passed to the
    component (size, style, ``multi``...).
    """
    param = param_of(name)
    if param.choices is not None:
        if widget not in CHOICE_WIDGETS:
            raise ValueError(f"widget must be one of {CHOICE_WIDGETS}; got {widget!r}")
        options = choice_options(param)
        if widget == "radio":
            return dbc.RadioItems(id=component_id, options=options, value=param.default,
                                  **{"inline": True, **props})
        if widget == "select":
            return dbc.Select(id=component_id, options=options, value=param.default, **props)
        return dcc.Dropdown(id=component_id, options=options, value=param.default,
                            **{"clearable": False, **props})
    if param.type is bool:
        return dbc.Checklist(id=component_id, switch=True,
                             options=[{"label": param.label, "value": on_value}],
                             value=[on_value] if param.default else [], **props)
    if param.type is str:  # ids or columns of the loaded data: options come with it
        multi = props.pop("multi", False)
        value = [] if multi else (param.default or None)
        return dcc.Dropdown(id=component_id, options=[], value=value, multi=multi, **props)
    return number_input(name, component_id, **props)


def control_for(name: str, component_id: str, *, widget: str = "dropdown",
                on_value: str = "on", **props: Any) -> html.Div:
    """The control of parameter ``name`` with its label; hovering the label explains it
    (choices one per line, or the help line with the allowed interval). A switch carries
    its label itself and explains itself on hover."""
    param = param_of(name)
    control = control_input(name, component_id, widget=widget, on_value=on_value, **props)
    if param.type is bool:
        return html.Div(control, title=help_text(param), className="switch")
    return labelled(param.label, control, f"help-{component_id}", help_body(param))
