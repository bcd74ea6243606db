"""The guided tour in headless Chromium: open, step, and 'Show me' opens the tab."""

import pytest
from callbacks import tour
from layouts import ids
from rnaclust_dash.params import SPEC
from test_app import click, shot, wait_rendered, wait_until

pytestmark = pytest.mark.browser


def test_tour_steps_through_controls_and_opens_their_tab(dash_duo, app_factory):
    dash_duo.start_server(app_factory())
    wait_rendered(dash_duo)
    click(dash_duo, f"#{tour.OPEN}")
    dash_duo.wait_for_contains_text(f"#{tour.TITLE}", "Your data", timeout=10)
    click(dash_duo, f"#{tour.NEXT}")
    dash_duo.wait_for_contains_text(f"#{tour.TITLE}", SPEC["normalization"].label, timeout=10)
    assert "Why it matters" in dash_duo.find_element(f"#{tour.BODY}").text
    shot(dash_duo, "tour_step")
    click(dash_duo, f"#{tour.SHOW}")
    wait_until(lambda: dash_duo.driver.execute_script(
        f"return document.querySelector('#{ids.VIEW_TABS} .nav-link.active').textContent")
        == "QC")
