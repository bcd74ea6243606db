"""Teaching mode: the tour's steps, the 'why it matters' notes and their tabs."""

from callbacks.tour import step_content, tour_steps
from layouts.param_controls import help_body
from rnaclust_dash.io import EXAMPLES
from rnaclust_dash.params import SPEC
from views import VIEWS


def test_every_step_links_to_an_existing_tab():
    tabs = {view.TAB_ID for view in VIEWS}
    steps = tour_steps()
    assert all(step["view"] in tabs for step in steps)
    for name in ("normalization", "distance", "k", "batch_method"):
        assert any(step["title"] == SPEC[name].label and SPEC[name].why in step["text"]
                   for step in steps), name


def test_first_step_tells_each_example_story_and_last_says_finish():
    title, body, show, back_disabled, next_label = step_content(0)
    assert back_disabled and title.startswith("1/")
    text = str(body)
    assert all(name in text for name in EXAMPLES)
    assert step_content(len(tour_steps()) - 1)[4] == "Finish"
    assert "Compare" in step_content(len(tour_steps()) - 2)[2]


def test_help_of_a_control_says_why_it_matters_only_where_the_spec_does():
    assert "Why it matters" in str(help_body(SPEC["distance"]))
    assert "Why it matters" not in str(help_body(SPEC["pseudocount"]))
