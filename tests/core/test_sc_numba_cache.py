"""A user's first UMAP does not compile numba code that a previous process compiled
(issue 9 item 9): the neighbour graph's connectivities (umap-learn's
fuzzy_simplicial_set, run before any UMAP) are cached on disk too."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

_CHECK = """
import numpy as np
from rnaclust_dash.pp.neighbors import neighbors
neighbors(np.random.default_rng(0).normal(size=(60, 5)), n_neighbors=5, random_state=0)
import umap.umap_ as umap_
from numba.core.caching import NullCache
print(isinstance(umap_.smooth_knn_dist._cache, NullCache))
"""


def test_neighbours_alone_cache_their_numba_code(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path), PYTHONPATH=str(REPO))
    result = subprocess.run([sys.executable, "-c", _CHECK], env=env, capture_output=True,
                            text=True, cwd=REPO, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "False"  # not the no-cache stub
    assert any(tmp_path.rglob("*.nbi"))  # numba's index files, written to disk
