"""Every sidebar control is built from its parameter's declaration (issue 8: one
parameter spec): label, help, menu options and their names, bounds, step and default.

The expected values are read from the spec, and a second run alters every declaration
(labels, help, bounds, defaults, option names) and checks that the page follows: a label
or a bound written into the layout by hand fails here.
"""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

import pytest
from callback_helpers import text_of, walk

from layouts import ids
from layouts.main import build_layout
from rnaclust_dash.params import ASSESS_SPEC, SPEC, spec
from rnaclust_dash.params.spec import SINGLE_CELL

#: The number boxes of the choose-k and stability views and their options.
ASSESS_CONTROLS = {ids.K_MAX: "k_max", ids.GAP_REFS: "gap_refs",
                   ids.STABILITY_RESAMPLES: "n_resamples"}


def components(page) -> dict:
    """Components of the page by id."""
    return {node.id: node for node in walk(page) if isinstance(getattr(node, "id", None), str)}


def tooltips(page) -> dict:
    """Tooltip text by the id of the element it explains."""
    return {node.target: text_of(node.children) for node in walk(page)
            if type(node).__name__ == "Tooltip"}


def switch_help(page, control) -> str:
    """The hover text of a switch (the ``title`` of the element around it)."""
    for node in walk(page):
        if getattr(node, "children", None) is control:
            return node.title
    raise AssertionError(f"no element around the switch {control.id}")


def sentence(text: str) -> str:
    return text[0].upper() + text[1:]


def check_control(page, control_id: str, param) -> None:
    """The control of ``param`` shows what the declaration says."""
    found, helps = components(page), tooltips(page)
    control = found[control_id]
    label = found.get(f"help-{control_id}")
    if param.type is bool:
        assert [o["label"] for o in control.options] == [param.label]
        assert bool(control.value) is param.default
        assert sentence(param.help) in switch_help(page, control)
        return
    if label is not None:  # a labelled control: the label and its tooltip
        assert label.children[0] == param.label, control_id
        help_shown = helps[f"help-{control_id}"]
    else:  # a box inside a sentence: its own tooltip names it
        help_shown = helps[control_id]
        assert help_shown.startswith(f"{param.label}: "), control_id
    assert sentence(param.help) in help_shown, control_id
    if param.choices is not None:
        assert [o["value"] for o in control.options] == list(param.choices), control_id
        assert [o["label"] for o in control.options] == \
            [(param.choice_labels or {}).get(v, v) for v in param.choices], control_id
        assert control.value == param.default, control_id
        if hasattr(param.choices, "items"):
            for description in param.choices.values():
                assert text_of(description) in help_shown, (control_id, description)
    elif param.type in (int, float):
        low = min((param.min, *param.also)) if param.also else param.min
        assert (control.min, control.max) == (low, param.max), control_id
        assert control.value == param.default, control_id
        assert control.step == (param.step or (1 if param.type is int else "any")), control_id
        assert param.interval_text() in help_shown, control_id


#: Parameters the sidebar has no control for, and why (a new parameter gets a control, or
#: a line here).
NOT_IN_SIDEBAR = {"mode": "the data card tells bulk from single cells by the file loaded"} | {
    name: "read by the single-cell pipeline only (no single-cell view yet)"
    for name, param in SPEC.items() if param.stage == SINGLE_CELL}


def test_every_parameter_has_one_sidebar_control():
    assert sorted(ids.PARAM_CONTROLS.values()) == sorted(set(SPEC) - set(NOT_IN_SIDEBAR))
    on_page = components(build_layout())
    assert set(ids.PARAM_CONTROLS) <= set(on_page)


@pytest.mark.parametrize("control_id", list(ids.PARAM_CONTROLS))
def test_each_control_shows_its_declaration(control_id):
    check_control(build_layout(), control_id, SPEC[ids.PARAM_CONTROLS[control_id]])


@pytest.mark.parametrize("control_id", list(ASSESS_CONTROLS))
def test_the_options_of_choose_k_and_stability_show_their_declaration(control_id):
    check_control(build_layout(), control_id, ASSESS_SPEC[ASSESS_CONTROLS[control_id]])


def altered(param):
    """The same parameter declared differently (label, help, bounds, default, names)."""
    changes = {"label": param.label + " (renamed)", "help": "changed help of " + param.name}
    if param.choices is not None:
        changes["choice_labels"] = {value: f"#{value}" for value in param.choices}
        changes["default"] = list(param.choices)[-1]
    elif param.type is bool:
        changes["default"] = not param.default
    elif param.type in (int, float):
        changes["max"] = param.max * 2
        changes["min"] = param.min + 1
        changes["default"] = param.type(param.min + 2)
        changes["also"] = ()
        if param.step:
            changes["step"] = param.step * 2
    return dataclasses.replace(param, **changes)


def test_a_changed_declaration_changes_the_page(monkeypatch):
    changed = MappingProxyType({name: altered(p) for name, p in SPEC.items()})
    changed_assess = MappingProxyType({name: altered(p) for name, p in ASSESS_SPEC.items()})
    monkeypatch.setattr(spec, "SPEC", changed)
    monkeypatch.setattr(spec, "ASSESS_SPEC", changed_assess)
    page = build_layout()
    for control_id, name in ids.PARAM_CONTROLS.items():
        check_control(page, control_id, changed[name])
        assert changed[name].label != SPEC[name].label
    for control_id, name in ASSESS_CONTROLS.items():
        check_control(page, control_id, changed_assess[name])
