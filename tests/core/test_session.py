"""Sessions: parameter diffs, the undo/redo history, the shareable URL and params.json."""

import pytest

from rnaclust_dash.errors import ParameterError
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.params import SPEC
from rnaclust_dash.params.document import params_document
from rnaclust_dash.params.session import (
    can_step, decode_state, encode_state, history_lines, param_changes, read_session_file,
    record, step)


def test_changes_list_only_what_differs_with_old_and_new_values():
    old = AnalysisParams(k=2).to_dict()
    new = AnalysisParams(k=4, distance="manhattan").to_dict()
    changes = param_changes(old, new)
    assert [(c.name, c.old, c.new) for c in changes] == [("distance", SPEC["distance"].default, "manhattan"),
                                                          ("k", 2, 4)]
    assert changes[1].text().endswith(": 2 -> 4")
    assert param_changes(old, old) == []


def test_undo_redo_walks_the_history_and_a_new_change_drops_the_redo_branch():
    first, second, third = (AnalysisParams(k=k).to_dict() for k in (2, 3, 4))
    history = record(None, "key1", first)
    history = record(history, "key1", second)
    assert can_step(history) == (True, False)
    history, restored = step(history, -1)
    assert restored == first and can_step(history) == (False, True)
    assert record(history, "key1", first) == history  # the undo that ran: no new entry
    history, restored = step(history, +1)
    assert restored == second
    assert step(history, +1)[1] is None  # nothing to redo
    history, _ = step(history, -1)
    history = record(history, "key1", third)
    assert [e["k"] for e in history["entries"]] == [2, 4]
    assert history_lines(history)[0] == (True, f"{SPEC['k'].label}: 2 -> 4")


def test_another_dataset_starts_a_new_history():
    history = record(record(None, "a", AnalysisParams(k=2).to_dict()), "a",
                     AnalysisParams(k=3).to_dict())
    assert len(record(history, "b", AnalysisParams(k=3).to_dict())["entries"]) == 1


def test_history_is_bounded():
    history = None
    for k in range(2, 70):
        history = record(history, "a", AnalysisParams(k=k).to_dict(), limit=10)
    assert len(history["entries"]) == 10 and history["entries"][-1]["k"] == 69


def test_url_round_trip_keeps_every_parameter():
    params = AnalysisParams(k=5, distance="spearman", log_transform=False, exclude="s1,s 2",
                            umap_min_dist=0.25)
    query = encode_state("abc123", params)
    assert query.startswith("?dataset=abc123")
    assert "method=" not in query  # defaults are left out
    assert decode_state(query) == ("abc123", params)


def test_plain_link_holds_no_state():
    assert decode_state("") is None and decode_state("?") is None


@pytest.mark.parametrize("query, words", [
    ("?dataset=a&k=1", "k"),
    ("?dataset=a&colour=red", "colour"),
    ("?dataset=a&k=3&k=4", "more than once"),
    ("?k=3", "which dataset"),
    ("?dataset=a&distance=nonsense", "nonsense"),
])
def test_bad_links_are_refused_with_a_message(query, words):
    with pytest.raises(ParameterError, match=words):
        decode_state(query)


def test_session_file_gives_parameters_and_dataset():
    params = AnalysisParams(k=3, method="kmeans")
    text = params_document(params, dataset_name="pasilla", dataset_key="k1")
    assert read_session_file(text) == (params, "k1", "pasilla")
    with pytest.raises(ParameterError):
        read_session_file('{"parameters": {"k": "many"}}')
