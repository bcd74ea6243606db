"""Background jobs (UMAP) that are never answered from a stale or failed run.

Dash's ``DiskcacheManager`` forks one process per job and, when given ``cache_by``,
keeps each result (errors included) under a key made of the callback's arguments, so a
failed UMAP was served again for an hour. Here every job has a key of its own, read
once and deleted: successful embeddings are kept by the app's result store instead, and
a job whose process ended without a result is reported rather than waited for.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

from dash import DiskcacheManager, Output

#: Shown when a job process ended without writing a result (killed, out of memory).
JOB_LOST = ("The background job ended without a result (it may have run out of memory or "
            "been stopped). Choose it again to retry.")


class OneShotJobManager(DiskcacheManager):
    """A ``DiskcacheManager`` whose results are used once and never cached.

    Parameters
    ----------
    cache : diskcache.Cache
        Where job results and progress are passed from the job process to the server
        (shared by all gunicorn workers).
    before_fork : callable, optional
        Run (once per job, never while another job is being forked) just before a job
        process is forked, e.g. to import what every job needs once, in the server.
    """

    def __init__(self, cache, *, before_fork: Callable[[], None] | None = None) -> None:
        super().__init__(cache, cache_by=None)
        self._before_fork = before_fork
        # A fork while another thread is half-way through ``before_fork`` would leave the
        # job with locks that nobody releases.
        self._fork_lock = threading.Lock()

    def call_job_fn(self, key, job_fn, args, context):
        with self._fork_lock:
            if self._before_fork is not None:
                self._before_fork()
            return super().call_job_fn(key, job_fn, args, context)

    def build_cache_key(self, fn, args, cache_args_to_ignore, triggered) -> str:
        # Two sessions asking for the same UMAP at once must not read (and delete) each
        # other's result: each job gets a key of its own.
        return (f"{super().build_cache_key(fn, args, cache_args_to_ignore, triggered)}-"
                f"{uuid.uuid4().hex}")

    def terminate_job(self, job) -> None:
        if job is not None:
            # Cancelled or replaced on purpose: not a lost job (see get_result).
            self.handle.set(self._stopped_key(job), True, expire=3600)
        super().terminate_job(job)

    def get_result(self, key, job):
        result = super().get_result(key, job)
        if (result is self.UNDEFINED and job and not self.job_running(job)
                and not self.handle.get(self._stopped_key(job))):
            # The job may have written its result just after the first look.
            result = super().get_result(key, job)
            if result is self.UNDEFINED:
                return {"background_callback_error": {"msg": JOB_LOST, "tb": ""}}
        return result

    @staticmethod
    def _stopped_key(job) -> str:
        return f"stopped-job-{int(job)}"


def running_outputs(progress_id: str, cancel_id: str, run_id: str) -> list:
    """The ``running=`` of a background callback with a run button, a progress bar and a
    cancel button: bar and cancel shown and run disabled while the job runs."""
    hidden = {"display": "none"}
    return [(Output(progress_id, "style"), {"display": "flex", "width": "16rem"}, hidden),
            (Output(cancel_id, "style"), {"display": "inline"}, hidden),
            (Output(run_id, "disabled"), True, False)]


def throttled(set_progress):
    """A ``progress(done, total)`` that reports whole percentages only (each report is a
    write to the job store)."""
    last = [-1]

    def report(done: int, total: int) -> None:
        percent = int(100 * done / max(total, 1))
        if percent != last[0]:
            last[0] = percent
            set_progress((percent, f"{percent}%"))
    return report
