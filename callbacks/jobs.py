"""Background jobs (UMAP, k scans, stability) that are never answered from a stale or
failed run, on Dash's ``DiskcacheManager`` (embedded) or ``CeleryManager`` (``REDIS_URL``).

Dash's managers, when given ``cache_by``, keep each result (errors included) under a key
made of the callback's arguments, so a failed UMAP was served again for an hour. Here
every job has a key of its own, read once and deleted: successful results are kept by
the app's result store instead, and a job that ended without a result (killed, out of
memory, over its time limit) is reported rather than waited for.

Embedded jobs are forked processes: each starts a session of its own and closes the
sockets it inherited (the listening one, the request's connection), so a job that outlives its web worker (kill -9) finishes
and hands its result to the other workers, and never keeps the server's port.
"""

from __future__ import annotations

import os
import stat
import threading
import uuid
from collections.abc import Callable
from functools import partial

import multiprocess
from dash import CeleryManager, DiskcacheManager, Output, ctx, set_props
from dash.exceptions import BackgroundCallbackError

from layouts import ids
from rnaclust_dash.errors import RnaclustError

from .common import error_message

#: A background job (UMAP, k scan, stability) is stopped after this many seconds.
DEFAULT_JOB_TIME_LIMIT = 1800
#: How Dash words the error of a background job (the job's message follows).
BACKGROUND_PREFIX = "An error occurred inside a background callback: "

#: Shown when a job process ended without writing a result (killed, out of memory).
JOB_LOST = ("The background job ended without a result (it may have run out of memory or "
            "been stopped). Choose it again to retry.")


def make_celery(redis_url: str):
    """The Celery app of the background jobs: Redis as broker and result backend; a task
    is acknowledged only once done (a killed worker's task is run again by another:
    ``acks_late``, ``reject_on_worker_lost``, redelivered after the visibility timeout
    when the whole worker died); hard and soft time limits (``RNACLUST_JOB_TIME_LIMIT``);
    worker processes recycled every 50 tasks."""
    from celery import Celery

    limit = int(os.environ.get("RNACLUST_JOB_TIME_LIMIT", DEFAULT_JOB_TIME_LIMIT))
    celery_app = Celery("rnaclust_dash", broker=redis_url, backend=redis_url)
    celery_app.conf.update(
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        task_time_limit=limit, task_soft_time_limit=max(limit - 30, 1),
        broker_transport_options={"visibility_timeout": limit + 60},
        result_expires=3600, worker_max_tasks_per_child=50,
        broker_connection_retry_on_startup=True, worker_hijack_root_logger=False)
    return celery_app


def show_failed_job(error: Exception) -> None:
    """App-wide ``on_error``: an error no view caught (a lost background job above all)
    opens the alert of the view whose callback failed, instead of an HTTP 500 the user
    never sees (the view's other outputs stay as they are)."""
    if isinstance(error, BackgroundCallbackError):
        error = RnaclustError(str(error).removeprefix(BACKGROUND_PREFIX).splitlines()[0])
    alerts = set(ids.VIEW_ALERTS.values())
    outputs = [item for group in ctx.outputs_list
               for item in (group if isinstance(group, list) else [group])]
    for output in outputs:
        if output["id"] in alerts:
            set_props(output["id"], {"children": error_message(error, kept=True),
                                     "is_open": True, "color": "danger"})
            return None
    raise error


def close_inherited_sockets() -> list[int]:
    """Close every socket a forked job inherited from its web worker: the server's
    listening socket (else the job keeps the port after the server stops) and the
    request's connection (else the browser's request hangs until the job ends when the
    worker dies). The job opens what it needs itself. Returns the closed descriptors."""
    closed = []
    for name in os.listdir("/proc/self/fd") if os.path.isdir("/proc/self/fd") else ():
        descriptor = int(name)
        try:
            if stat.S_ISSOCK(os.fstat(descriptor).st_mode):
                os.close(descriptor)
                closed.append(descriptor)
        except OSError:  # the listing's own descriptor, already closed
            continue
    return closed


#: How long a web worker waits for a new job to let go of the server's sockets.
DETACH_WAIT_SECONDS = 10


def detached_job(job_fn: Callable, detached, *args) -> None:
    """Run a forked job in a session of its own, without the server's sockets; set the
    event ``detached`` once they are closed."""
    try:
        os.setsid()
    except OSError:  # already a session leader
        pass
    close_inherited_sockets()
    detached.set()
    job_fn(*args)


class OneShotKeys:
    """Each job's result key is its own (two sessions asking for the same UMAP at once
    must not read, and delete, each other's result)."""

    def build_cache_key(self, fn, args, cache_args_to_ignore, triggered) -> str:
        return (f"{super().build_cache_key(fn, args, cache_args_to_ignore, triggered)}-"
                f"{uuid.uuid4().hex}")


class OneShotCeleryManager(OneShotKeys, CeleryManager):
    """A ``CeleryManager`` whose results are used once, and whose failed task (a worker
    killed past its retries, a hard time limit) is reported to the user."""

    def __init__(self, celery_app) -> None:
        super().__init__(celery_app, cache_by=None)

    def terminate_job(self, job) -> None:
        if job is not None:
            self.handle.backend.set(f"stopped-job-{job}", "1")
        super().terminate_job(job)

    def get_result(self, key, job):
        result = super().get_result(key, job)
        task = self.get_task(job)
        if (result is self.UNDEFINED and task is not None
                and task.status in ("FAILURE", "REVOKED")
                and not self.handle.backend.get(f"stopped-job-{job}")):
            return {"background_callback_error": {"msg": JOB_LOST, "tb": ""}}
        return result


class OneShotJobManager(OneShotKeys, DiskcacheManager):
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
            # The request is answered only once the job let go of the server's sockets:
            # gunicorn finishes a request before a worker stops, so a stopped server never
            # leaves its port to a job that had just been forked.
            detached = multiprocess.Event()
            job = super().call_job_fn(key, partial(detached_job, job_fn, detached), args,
                                      context)
            detached.wait(DETACH_WAIT_SECONDS)
            return job

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
