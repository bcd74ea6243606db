"""What the hosting tests share: a long job to inject faults into, a server's environment,
and opening an analysis over HTTP."""

from __future__ import annotations


#: A background job long enough to inject a fault into (~10-30 s here): stability of
#: 500 genes of the airway example over 10,000 bootstrap resamples.
LONG_JOB = {"dataset": {"example-dataset.value": "airway"},
            "analysis": {"cluster-target.value": "genes"},
            "stability": {"stability-run.n_clicks": 1, "stability-resamples.value": 10_000,
                          "stability-consensus.value": []}}


def server_env(tmp_path, **extra) -> dict:
    """Environment of a real server or worker: its own store, no UMAP warm-up."""
    return {"RNACLUST_CACHE_DIR": str(tmp_path / "cache"), "RNACLUST_WARM_UMAP": "0",
            "NUMBA_CACHE_DIR": str(tmp_path / "numba")} | extra


def open_analysis(session, example: str = "pasilla", **analysis) -> str:
    """Load an example and run the default analysis in ``session``; its dataset key."""
    session.fire("dataset-store.data", {"example-dataset.value": example})
    dataset = session.values["dataset-store"]["data"]
    session.fire("analysis-store.data", {"dataset-store.data": dataset} | analysis)
    return dataset["key"]
