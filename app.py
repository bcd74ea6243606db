"""rnaclust-dash: cluster RNA-seq samples or genes in the browser.

``python app.py`` serves on http://127.0.0.1:8050 (``HOST``/``PORT`` change it) with the
bundled example loaded. Under gunicorn: ``gunicorn app:server``. Results live in a
content-addressed store on local disk (``RNACLUST_CACHE_DIR``), shared by all workers;
background jobs (UMAP) use Dash's DiskcacheManager on the same folder.
"""

from __future__ import annotations

import os
import threading

import diskcache
from dash import Dash, DiskcacheManager

from callbacks import register_callbacks
from layouts.main import build_layout
from rnaclust_dash import __version__
from rnaclust_dash.store import ResultStore, default_cache_dir


def warm_up_umap() -> None:
    """Compile umap-learn's numba code once in the background (~30 s cold) so the first
    UMAP a user asks for does not wait for it. The compiled code is cached on disk."""
    import numpy as np

    from rnaclust_dash.embed import umap_embedding

    try:
        umap_embedding(np.random.default_rng(0).normal(size=(40, 5)), n_neighbors=5)
    except Exception:  # noqa: BLE001 - warming is an optimisation only
        pass


def create_app(cache_dir: str | os.PathLike | None = None, *, warm_umap: bool = True) -> Dash:
    """Build the Dash app.

    Parameters
    ----------
    cache_dir : path, optional
        Where datasets, stage results and background jobs are stored (default
        ``$RNACLUST_CACHE_DIR`` or ``~/.cache/rnaclust-dash``).
    warm_umap : bool
        Compile UMAP's numba code in a background thread at start-up.
    """
    directory = default_cache_dir() if cache_dir is None else cache_dir
    store = ResultStore(directory)
    jobs = diskcache.Cache(os.path.join(str(directory), "background-jobs"))
    # The core's version is part of the key, so a new release never reuses old results.
    manager = DiskcacheManager(jobs, cache_by=[lambda: __version__], expire=3600)
    app = Dash(__name__, title="rnaclust-dash", update_title=None,
               # Bootstrap (Bootswatch Flatly, MIT) is served from assets/: nothing is fetched at run time.
               background_callback_manager=manager)
    app.layout = build_layout
    register_callbacks(app, store)
    # For the container healthcheck and load balancers.
    app.server.add_url_rule("/healthz", "healthz", lambda: "ok")
    if warm_umap:
        threading.Thread(target=warm_up_umap, daemon=True).start()
    return app


app = create_app(warm_umap=os.environ.get("RNACLUST_WARM_UMAP", "1") != "0")
server = app.server

if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8050")),
            debug=os.environ.get("DASH_DEBUG", "0") == "1")
