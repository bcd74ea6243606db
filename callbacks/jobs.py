"""Background jobs (UMAP) that are never answered from a stale or failed run.

Dash's ``DiskcacheManager`` forks one process per job and, when given ``cache_by``,
keeps each result (errors included) under a key made of the callback's arguments, so a
failed UMAP was served again for an hour. Here every job has a key of its own, read
once and deleted: successful embeddings are kept by the app's result store instead, and
a job whose process ended without a result is reported rather than waited for.
"""

from __future__ import annotations

import uuid

from dash import DiskcacheManager

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
    """

    def __init__(self, cache) -> None:
        super().__init__(cache, cache_by=None)

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
