"""Sessions in headless Chromium: restore every control from a params.json, undo/redo with
its history, a params.json for a dataset not on the server, and a shared link."""

import json
from urllib.parse import parse_qs, urlparse

import pytest
from callbacks import session
from layouts import ids
from rnaclust_dash.params import SPEC
from test_app import click, set_number, shot, upload, wait_rendered, wait_until

pytestmark = pytest.mark.browser


def control_value(dash_duo, component_id):
    return dash_duo.find_element(f"#{component_id}").get_attribute("value")


def shared_link(dash_duo):
    wait_until(lambda: "dataset=" in dash_duo.find_element(f"#{session.LINK}").text)
    return dash_duo.find_element(f"#{session.LINK}").text


def params_file(tmp_path, name, key, **parameters):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"parameters": parameters,
                                "dataset": {"name": name, "key": key}}))
    return path


def test_params_json_restores_controls_and_undo_brings_them_back(dash_duo, app_factory,
                                                                 tmp_path):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    key = parse_qs(urlparse(shared_link(dash_duo)).query)["dataset"][0]
    k_before = control_value(dash_duo, ids.N_CLUSTERS)
    upload(dash_duo, session.UPLOAD, params_file(tmp_path, "pasilla", key, k=4, min_count=20,
                                                  method="kmeans"))
    dash_duo.wait_for_contains_text(f"#{session.ALERT}", "restored", timeout=20)
    wait_until(lambda: control_value(dash_duo, ids.N_CLUSTERS) == "4")
    assert control_value(dash_duo, ids.MIN_COUNT) == "20"
    dash_duo.driver.execute_script("document.querySelector('.session details').open = true")
    dash_duo.wait_for_contains_text(f"#{session.HISTORY_PANEL}",
                                    f"{SPEC['k'].label}: {k_before} -> 4", timeout=20)
    assert "k=4" in shared_link(dash_duo)
    shot(dash_duo, "session_restored")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView(true);",
                                   dash_duo.find_element(".session"))
    shot(dash_duo, "session_area")
    click(dash_duo, f"#{session.UNDO}")
    wait_until(lambda: control_value(dash_duo, ids.N_CLUSTERS) == k_before)
    assert control_value(dash_duo, ids.MIN_COUNT) != "20"
    click(dash_duo, f"#{session.REDO}")
    wait_until(lambda: control_value(dash_duo, ids.N_CLUSTERS) == "4")
    # A change typed after an undo drops the redo branch.
    click(dash_duo, f"#{session.UNDO}")
    wait_until(lambda: control_value(dash_duo, ids.N_CLUSTERS) == k_before)
    set_number(dash_duo, ids.N_CLUSTERS, 3)
    wait_until(lambda: dash_duo.find_element(f"#{session.REDO}").get_attribute("disabled"))
    shot(dash_duo, "session_undo")


def test_params_json_of_another_dataset_keeps_the_analysis(dash_duo, app_factory, tmp_path):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    k_before = control_value(dash_duo, ids.N_CLUSTERS)
    upload(dash_duo, session.UPLOAD, params_file(tmp_path, "mouse_brain", "0" * 16, k=6))
    dash_duo.wait_for_contains_text(f"#{session.ALERT}", "not on this server", timeout=20)
    assert "'mouse_brain'" in dash_duo.find_element(f"#{session.ALERT}").text
    assert control_value(dash_duo, ids.N_CLUSTERS) == k_before
    bad = tmp_path / "bad.json"
    bad.write_text('{"parameters": {"k": 1}}')
    upload(dash_duo, session.UPLOAD, bad)
    dash_duo.wait_for_contains_text(f"#{session.ALERT}", "not loaded", timeout=20)
    assert control_value(dash_duo, ids.N_CLUSTERS) == k_before
    shot(dash_duo, "session_wrong_dataset")


def test_a_shared_link_opens_with_its_settings(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    set_number(dash_duo, ids.N_CLUSTERS, 5)
    wait_until(lambda: "k=5" in shared_link(dash_duo))
    link = shared_link(dash_duo)
    dash_duo.driver.get(dash_duo.server_url)  # a fresh page at the default settings
    wait_rendered(dash_duo)
    wait_until(lambda: control_value(dash_duo, ids.N_CLUSTERS) != "5")
    dash_duo.driver.get(link)
    wait_rendered(dash_duo)
    wait_until(lambda: control_value(dash_duo, ids.N_CLUSTERS) == "5")


def test_params_json_of_another_example_loads_it_then_restores(dash_duo, app_factory,
                                                               tmp_path):
    from rnaclust_dash.io import load_example
    from rnaclust_dash.pipeline import dataset_key
    key = dataset_key(load_example("airway"))
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    upload(dash_duo, session.UPLOAD, params_file(tmp_path, "airway", key, k=3, min_count=5))
    dash_duo.wait_for_contains_text(f"#{ids.DATASET_INFO}", "airway", timeout=30)
    dash_duo.wait_for_contains_text(f"#{session.ALERT}", "restored", timeout=30)
    wait_until(lambda: control_value(dash_duo, ids.N_CLUSTERS) == "3")
    assert control_value(dash_duo, ids.MIN_COUNT) == "5"
