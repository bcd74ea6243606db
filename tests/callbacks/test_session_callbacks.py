"""The session glue without a browser: params.json naming another example loads it first,
then restores; a dataset the server never saw keeps the analysis."""

import base64

from callbacks import session
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.params.document import params_document

N = len(session.PARAM_CONTROL_IDS)


def as_upload(text):
    return "data:application/json;base64," + base64.b64encode(text.encode()).decode()


def test_params_of_another_example_load_it_then_apply(store, example_store):
    params = AnalysisParams(k=3, distance="spearman")
    upload = as_upload(params_document(params, dataset_name="airway", dataset_key="airway-key"))
    outputs = session.apply_session(store, session.UPLOAD, upload=upload, dataset=example_store)
    controls, (example, pending, _history, message, _open, _color) = outputs[:N], outputs[N:]
    assert example == "airway" and pending["key"] == "airway-key"
    assert "Loading the example 'airway'" in message
    assert all(value is session.no_update for value in controls)  # nothing applied yet
    applied = session.apply_session(store, session.ids.DATASET_STORE, pending=pending,
                                    dataset={"key": "airway-key"})
    assert list(applied[:N]) == session.control_values(params)
    assert applied[N + 1] is None  # pending cleared


def test_params_of_an_unknown_dataset_change_nothing(store, example_store):
    upload = as_upload(params_document(AnalysisParams(k=5), dataset_name="mine.csv",
                                       dataset_key="0" * 16))
    outputs = session.apply_session(store, session.UPLOAD, upload=upload, dataset=example_store)
    assert all(value is session.no_update for value in outputs[:N + 1])  # controls, example
    assert "not on this server" in outputs[N + 3] and "'mine.csv'" in outputs[N + 3]


def test_restored_controls_read_back_as_the_same_parameters():
    from callbacks.common import params_from_controls
    params = AnalysisParams(k=4, log_transform=True, exclude="a,b", method="kmeans")
    values = dict(zip(session.PARAM_CONTROL_IDS, session.control_values(params)))
    assert values[session.ids.LOG_TRANSFORM] == ["log"]  # the switch's own on-value
    assert params_from_controls(values) == params
