"""Shared test set-up: the repository on sys.path, the ``slow`` marker, a small dataset."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # plain `pytest` as well as `python -m pytest`
    sys.path.insert(0, str(REPO))

from hypothesis import settings

from rnaclust_dash.dataset import Dataset

# Property tests draw the same examples on every run: CI must not fail by chance.
settings.register_profile("deterministic", derandomize=True)
settings.load_profile("deterministic")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: takes seconds (UMAP/numba); still runs by default, "
                   "deselect with -m 'not slow'")
    config.addinivalue_line(
        "markers", "browser: drives the dashboard in headless Chromium (dash_duo)")
    config.addinivalue_line(
        "markers", "celery: needs Redis and a Celery worker (RNACLUST_TEST_REDIS_URL)")


@pytest.fixture(scope="session")
def small_dataset() -> Dataset:
    """300 genes x 9 samples of negative-binomial counts in 3 groups (seeded), with lengths."""
    rng = np.random.default_rng(7)
    n_genes, groups = 300, np.repeat([0, 1, 2], 3)
    base = rng.gamma(2.0, 50.0, size=n_genes)
    effect = np.exp(rng.normal(0, 1.2, size=(n_genes, 3)) * (rng.random((n_genes, 1)) < 0.3))
    depth = rng.uniform(0.5, 2.0, size=9)
    mean = base[:, None] * effect[:, groups] * depth[None, :]
    counts = rng.negative_binomial(5, 5 / (5 + mean)).astype(np.float64)
    genes = [f"g{i:03d}" for i in range(n_genes)]
    samples = [f"s{j}" for j in range(9)]
    metadata = pd.DataFrame({"group": [f"grp{g}" for g in groups]}, index=samples)
    lengths = pd.Series(rng.integers(300, 5000, size=n_genes).astype(float), index=genes)
    return Dataset(counts=pd.DataFrame(counts, index=genes, columns=samples),
                   metadata=metadata, gene_lengths=lengths, name="small")
