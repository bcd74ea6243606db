"""rnaclust-dash: cluster RNA-seq samples or genes in the browser.

``python app.py`` serves on http://127.0.0.1:8050 (``HOST``/``PORT`` change it) with the
bundled example loaded. Under gunicorn: ``gunicorn app:server --preload``.

Embedded (default): results live in a content-addressed store on local disk
(``RNACLUST_CACHE_DIR``), shared by all workers; background jobs (UMAP) are forked
processes (Dash's DiskcacheManager on the same folder) that load numba's compiled code
from the same folder. With ``REDIS_URL`` set: the store is shared (Redis + the folder
``RNACLUST_SHARED_DIR``) and background jobs run on Celery workers
(``celery -A worker:celery_app worker``), so web and job workers may sit on any host.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from functools import partial
from importlib.metadata import version
from pathlib import Path

import diskcache
from dash import Dash

from callbacks import register_callbacks
from callbacks.jobs import OneShotCeleryManager, OneShotJobManager, make_celery, show_failed_job
from callbacks.sessions import guard_from_environment
from layouts.main import build_layout
from rnaclust_dash.io import max_upload_bytes
from rnaclust_dash.store import default_cache_dir, open_store
from server_setup import secure_server


HERE = Path(__file__).resolve().parent

# Fills numba's on-disk cache in a process of its own, at low priority, then leaves a mark.
WARM_UP_SCRIPT = ("import os, sys, pathlib; os.nice(10); from rnaclust_dash.tl.embed import "
                  "warm_up_umap; warm_up_umap(sys.argv[1]) and pathlib.Path(sys.argv[2]).touch()")


def configure_numba(cache_dir: str | os.PathLike) -> Path:
    """Point numba (imported later, in the background jobs) at a writable on-disk cache
    under ``cache_dir`` and at its fork-safe threading layer; a setting already in the
    environment wins. Returns the numba cache folder.

    Background jobs are forked from the server: numba's default OpenMP layer aborts a
    process forked after it started ("fork() called from a process already using GNU
    OpenMP"), its workqueue layer does not (jobs run UMAP on one thread anyway).
    """
    os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(cache_dir) / "numba"))
    os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")
    folder = Path(os.environ["NUMBA_CACHE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def warm_up_umap(numba_cache: Path) -> subprocess.Popen:
    """Compile UMAP's numba code into ``numba_cache`` in a separate process (~30-70 s
    cold, ~3 s warm), so that no job compiles it. The server itself never runs numba or
    OpenMP code, so forking its jobs (and gunicorn's workers, with ``--preload``) stays
    safe. One warm-up at a time per cache folder (a lock file); the others exit at once.
    """
    process = subprocess.Popen(
        [sys.executable, "-c", WARM_UP_SCRIPT, str(numba_cache / "warm-up.lock"),
         str(warm_mark(numba_cache))],
        cwd=HERE, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Reap it when it ends (no defunct process left behind).
    threading.Thread(target=process.wait, daemon=True).start()
    return process


def warm_mark(numba_cache: Path) -> Path:
    """The file a finished warm-up leaves (per umap-learn and numba version)."""
    return numba_cache / f"warm-umap-{version('umap-learn')}-numba-{version('numba')}"


def preload_umap(numba_cache: Path) -> None:
    """Import umap-learn in the server before it forks a UMAP job, so that no job spends
    ~3 s importing it; only once the warm-up has filled the disk cache (a cold import
    compiles for a minute). Importing runs no numba code: no thread is started, and the
    forks stay safe."""
    if "umap" in sys.modules or not warm_mark(numba_cache).exists():
        return
    try:
        from rnaclust_dash.tl.embed import load_umap
        load_umap()
    except Exception:  # noqa: BLE001 - an optimisation only: the job imports it then
        pass


def job_manager(directory, numba_cache: Path):
    """Celery (``REDIS_URL`` set) or forked processes on local disk (default)."""
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        return OneShotCeleryManager(make_celery(redis_url))
    jobs = diskcache.Cache(os.path.join(str(directory), "background-jobs"))
    return OneShotJobManager(jobs, before_fork=partial(preload_umap, numba_cache))


def health(store) -> tuple[str, int]:
    """``/healthz``: 200 when the store takes a write and reads it back, else 503."""
    try:
        store.check()
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        return f"store unavailable: {type(error).__name__}: {error}", 503
    return "ok", 200


def create_app(cache_dir: str | os.PathLike | None = None, *, warm_umap: bool = True) -> Dash:
    """Build the Dash app.

    Parameters
    ----------
    cache_dir : path, optional
        Where datasets, stage results, background jobs and numba's compiled code are
        stored (default ``$RNACLUST_CACHE_DIR`` or ``~/.cache/rnaclust-dash``).
    warm_umap : bool
        Compile UMAP's numba code in a separate process at start-up.
    """
    directory = default_cache_dir() if cache_dir is None else cache_dir
    numba_cache = configure_numba(directory)
    store = open_store(directory)
    app = Dash(__name__, title="rnaclust-dash", update_title=None,
               # Bootstrap (Bootswatch Flatly, MIT) is served from assets/: nothing is fetched at run time.
               background_callback_manager=job_manager(directory, numba_cache),
               on_error=show_failed_job)
    app.layout = build_layout
    register_callbacks(app, store)
    secure_server(app, upload_bytes=max_upload_bytes())  # headers, request size limit
    # For the container healthcheck and load balancers: the store must take a write.
    app.server.add_url_rule("/healthz", "healthz", partial(health, store))
    # Each session sees only its own datasets (and logs in, when configured).
    app.server.wsgi_app = guard_from_environment(app.server.wsgi_app, store)
    if warm_umap:
        warm_up_umap(numba_cache)
    return app


app = create_app(warm_umap=os.environ.get("RNACLUST_WARM_UMAP", "1") != "0")
server = app.server
#: The Celery app the workers run (``celery -A worker:celery_app worker``), or None.
celery_app = getattr(app._background_manager, "handle", None) if os.environ.get(
    "REDIS_URL") else None

if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8050")),
            debug=os.environ.get("DASH_DEBUG", "0") == "1")
