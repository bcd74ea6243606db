"""Co-expression modules as WGCNA (Langfelder & Horvath 2008) builds them.

Orientation: expression is genes x samples (the project's bulk convention; WGCNA's
``datExpr`` is its transpose). Steps, each reproducing WGCNA 1.72:

1. :func:`pick_soft_threshold` - the scale-free fit table of ``pickSoftThreshold``;
2. :func:`adjacency` and :func:`tom_similarity` - ``adjacency`` and ``TOMsimilarity``;
3. ``find_modules`` - ``blockwiseModules``: TOM per block (float32), average-linkage
   tree on 1 - TOM, hybrid dynamic tree cut, kME clean-up, merging of modules whose
   eigengenes correlate above ``1 - merge_cut_height``;
4. :func:`module_eigengenes`, :func:`module_trait_correlation`, :func:`module_membership`
   and :func:`hub_genes` (``moduleEigengenes``, ``corPvalueStudent``, ``signedKME``).

``find_modules`` is in :mod:`rnaclust_dash.tl.blockwise`; the tree cut and merging in
:mod:`rnaclust_dash.tl.treecut`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DataError, ParameterError

NETWORK_TYPES = ("unsigned", "signed")
#: pickSoftThreshold's default powers.
DEFAULT_POWERS = tuple(range(1, 11)) + tuple(range(12, 21, 2))


def _samples_by_genes(expression: pd.DataFrame) -> np.ndarray:
    """Genes x samples frame -> samples x genes float64 array, checked."""
    values = expression.to_numpy(dtype=np.float64).T
    if values.shape[1] < 3:
        raise DataError(f"A co-expression network needs at least 3 genes; got "
                        f"{values.shape[1]}.")
    if values.shape[0] < 4:
        raise DataError(f"Correlations between genes need at least 4 samples; got "
                        f"{values.shape[0]}.")
    if not np.isfinite(values).all():
        raise DataError("The expression table has missing or infinite values; impute or "
                        "drop those genes first.")
    flat = ~(values.std(axis=0) > 0)
    if flat.any():
        raise DataError(f"{int(flat.sum())} gene(s) do not vary across samples (e.g. "
                        f"{expression.index[flat][0]}); select variable genes first.")
    return values


def _standardised(values: np.ndarray) -> np.ndarray:
    """Columns centred and scaled to unit norm, so ``z.T @ z`` is the Pearson matrix."""
    centred = values - values.mean(axis=0)
    return centred / np.linalg.norm(centred, axis=0)


def _check_network(network: str) -> None:
    if network not in NETWORK_TYPES:
        raise ParameterError(f"network must be one of {', '.join(NETWORK_TYPES)}; got "
                             f"{network!r}.")


def _adjacency_from_correlation(cor: np.ndarray, *, power: float, network: str) -> np.ndarray:
    base = np.abs(cor) if network == "unsigned" else (1 + cor) / 2
    return base ** power


def adjacency(expression: pd.DataFrame, *, power: float, network: str = "unsigned",
              dtype=np.float64) -> np.ndarray:
    """WGCNA ``adjacency``: ``|cor|^power`` (unsigned) or ``((1 + cor) / 2)^power`` (signed).

    Parameters
    ----------
    expression : pandas.DataFrame
        Genes x samples.

    Returns
    -------
    numpy.ndarray
        Genes x genes, diagonal 1.
    """
    _check_network(network)
    z = _standardised(_samples_by_genes(expression)).astype(dtype)
    result = _adjacency_from_correlation(np.clip(z.T @ z, -1, 1), power=power, network=network)
    np.fill_diagonal(result, 1)
    return result


def tom_similarity(adjacency_matrix: np.ndarray, *, tom_type: str = "unsigned") -> np.ndarray:
    """WGCNA ``TOMsimilarity`` (``TOMDenom = "min"``).

    ``TOM_ij = (l_ij + a_ij) / (min(k_i, k_j) + 1 - a_ij)`` with ``l_ij = sum_u a_iu a_uj``
    and ``k_i = sum_u a_iu`` over the other genes u; ``"signed"`` keeps the sign of a
    signed adjacency and takes ``|l_ij + a_ij|`` over ``min(k_i, k_j) + 1 - |a_ij|`` with
    ``k`` summing ``|a|``. The diagonal is 1.

    Parameters
    ----------
    adjacency_matrix : numpy.ndarray
        Genes x genes, symmetric; float32 halves the memory.
    tom_type : {"unsigned", "signed"}

    Returns
    -------
    numpy.ndarray
        Genes x genes, same dtype as the input.
    """
    if tom_type not in ("unsigned", "signed"):
        raise ParameterError(f"tom_type must be 'unsigned' or 'signed'; got {tom_type!r}.")
    a = np.array(adjacency_matrix, copy=True)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ParameterError("The adjacency must be a square genes x genes matrix.")
    np.fill_diagonal(a, 0)
    magnitude = np.abs(a)
    if tom_type == "unsigned" and (a < 0).any():
        raise ParameterError("An unsigned TOM needs a non-negative adjacency; use "
                             "tom_type='signed' for a signed one.")
    k = magnitude.sum(axis=1)
    shared = a @ a
    shared += a
    denominator = np.minimum.outer(k, k)
    denominator += 1
    denominator -= magnitude
    tom = np.abs(shared, out=shared) if tom_type == "signed" else shared
    tom /= denominator
    np.fill_diagonal(tom, 1)
    return tom


def _bin_edges(low: float, high: float, n_breaks: int) -> np.ndarray:
    """R's ``seq(low, high, length.out = n_breaks + 1)``: exact ends, interior by step."""
    step = (high - low) / n_breaks
    return np.concatenate([[low], low + np.arange(1, n_breaks) * step, [high]])


def scale_free_fit(connectivity: np.ndarray, *, n_breaks: int = 10,
                   remove_first: bool = False) -> tuple[float, float, float]:
    """WGCNA ``scaleFreeFitIndex``: (R^2, slope, truncated-exponential adjusted R^2).

    The connectivities are binned as R's ``cut(k, n_breaks)``; log10 of the bin
    frequency is regressed on log10 of the mean connectivity of the bin.
    """
    k = np.asarray(connectivity, dtype=np.float64)
    low, high = k.min(), k.max()
    margin = (high - low) / 1000
    edges = _bin_edges(low, high, n_breaks)
    cut_edges = edges.copy()
    cut_edges[0], cut_edges[-1] = low - margin, high + margin
    bins = np.searchsorted(cut_edges, k, side="left") - 1  # right-closed, as cut()
    counts = np.bincount(bins, minlength=n_breaks)[:n_breaks]
    sums = np.bincount(bins, weights=k, minlength=n_breaks)[:n_breaks]
    mids = (edges[:-1] + edges[1:]) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_k = np.where(counts > 0, sums / counts, mids)
    mean_k = np.where(mean_k == 0, mids, mean_k)
    log_k = np.log10(mean_k)
    log_p = np.log10(counts / len(k) + 1e-9)
    if remove_first:
        log_k, log_p, mean_k = log_k[1:], log_p[1:], mean_k[1:]
    fit = stats.linregress(log_k, log_p)
    design = np.column_stack([np.ones_like(log_k), log_k, mean_k])
    coef, *_ = np.linalg.lstsq(design, log_p, rcond=None)
    residual = log_p - design @ coef
    total = ((log_p - log_p.mean()) ** 2).sum()
    n = len(log_p)
    adj_r2 = 1 - (residual @ residual / total) * (n - 1) / (n - 3)
    return float(fit.rvalue ** 2), float(fit.slope), float(adj_r2)


def _connectivities(z: np.ndarray, powers, network: str, block_size: int) -> np.ndarray:
    """Whole-network connectivity ``k_i = sum_{j != i} a_ij`` for each power, by blocks."""
    n_genes = z.shape[1]
    result = np.empty((n_genes, len(powers)))
    for start in range(0, n_genes, block_size):
        stop = min(start + block_size, n_genes)
        cor = np.clip(z.T @ z[:, start:stop], -1, 1)
        base = np.abs(cor) if network == "unsigned" else (1 + cor) / 2
        base[np.arange(start, stop), np.arange(stop - start)] = 1
        # As R: each power from the previous one times base^(step), steps mostly 1 or 2.
        current, previous_power, step_powers = np.ones_like(base), 0.0, {}
        for j, power in enumerate(powers):
            step = power - previous_power
            if step not in step_powers:
                step_powers[step] = base if step == 1 else base ** step
            current *= step_powers[step]
            result[start:stop, j] = current.sum(axis=0) - 1
            previous_power = power
    return result


def pick_soft_threshold(expression: pd.DataFrame, *, powers=DEFAULT_POWERS,
                        network: str = "unsigned", r_squared_cut: float = 0.85,
                        n_breaks: int = 10, block_size: int | None = None
                        ) -> tuple[pd.DataFrame, int | None]:
    """WGCNA ``pickSoftThreshold``: the scale-free fit table and the suggested power.

    Parameters
    ----------
    expression : pandas.DataFrame
        Genes x samples.
    powers : sequence of numbers
        Soft-threshold powers to try.
    network : {"unsigned", "signed"}
    r_squared_cut : float
        The suggested power is the lowest whose ``SFT.R.sq`` exceeds this.
    n_breaks : int
        Bins of the connectivity histogram.
    block_size : int, optional
        Genes per block of the correlation matrix (memory: about 4 arrays of 8 x genes x
        block bytes); by default 2,000 or fewer, so that one array stays near 200 MB.

    Returns
    -------
    (pandas.DataFrame, int or None)
        Columns ``Power, SFT.R.sq, slope, truncated.R.sq, mean.k., median.k., max.k.``
        (R's names) and the suggested power, None when no power reaches the cut (see
        :func:`suggest_power`).
    """
    _check_network(network)
    powers = sorted(float(p) for p in powers)
    if not powers or powers[0] <= 0:
        raise ParameterError("Soft-threshold powers must be positive numbers.")
    z = _standardised(_samples_by_genes(expression))
    if block_size is None:
        block_size = max(1, min(2000, 25_000_000 // z.shape[1]))
    k = _connectivities(z, powers, network, block_size)
    rows = []
    for j, power in enumerate(powers):
        r2, slope, truncated = scale_free_fit(k[:, j], n_breaks=n_breaks)
        rows.append((power, r2, slope, truncated, k[:, j].mean(), np.median(k[:, j]),
                     k[:, j].max()))
    table = pd.DataFrame(rows, columns=["Power", "SFT.R.sq", "slope", "truncated.R.sq",
                                        "mean.k.", "median.k.", "max.k."])
    reached = table["SFT.R.sq"] > r_squared_cut
    estimate = table.loc[reached, "Power"].iloc[0] if reached.any() else None
    return table, (None if estimate is None else _as_power(estimate))


def _as_power(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def suggest_power(table: pd.DataFrame, *, network: str = "unsigned",
                  n_samples: int, r_squared_cut: float = 0.85) -> tuple[int | float, str]:
    """A power to use, and a sentence saying why.

    The lowest power whose scale-free fit passes the cut (with a negative slope, as
    expected of a scale-free network); when none does, the WGCNA FAQ's default for the
    number of samples and network type, with the reason stated.
    """
    passed = table[(table["SFT.R.sq"] > r_squared_cut) & (table["slope"] < 0)]
    if len(passed):
        power = _as_power(passed["Power"].iloc[0])
        return power, (f"Power {power} is the lowest whose scale-free fit R^2 exceeds "
                       f"{r_squared_cut}.")
    faq = {"unsigned": (9, 8, 7, 6), "signed": (18, 16, 14, 12)}[network]
    power = faq[0] if n_samples < 20 else faq[1] if n_samples < 30 else \
        faq[2] if n_samples < 40 else faq[3]
    best = table.loc[table["SFT.R.sq"].idxmax()]
    return power, (
        f"No power reaches a scale-free fit R^2 above {r_squared_cut} (best "
        f"{best['SFT.R.sq']:.2f} at power {_as_power(best['Power'])}); this often means a "
        "strong driver (batch, one dominant condition) correlates many genes. Check the "
        f"samples for outliers or batch; meanwhile power {power} is the WGCNA FAQ's choice "
        f"for {n_samples} samples in a {network} network.")


def correlation_pvalue(cor, n_samples: int):
    """WGCNA ``corPvalueStudent``: two-sided p of a Pearson correlation from n samples."""
    cor = np.asarray(cor, dtype=np.float64)
    t = np.sqrt(n_samples - 2) * cor / np.sqrt(1 - cor ** 2)
    return 2 * stats.t.sf(np.abs(t), n_samples - 2)


def module_eigengenes(expression: pd.DataFrame, modules: pd.Series) -> pd.DataFrame:
    """WGCNA ``moduleEigengenes``: the first principal component of each module.

    Each gene is standardised across samples; the eigengene is the first right singular
    vector (unit norm over samples), its sign chosen to correlate positively with the
    module's average standardised expression.

    Parameters
    ----------
    expression : pandas.DataFrame
        Genes x samples.
    modules : pandas.Series
        Module label per gene (index = genes); label 0 (unassigned) included as ME0.

    Returns
    -------
    pandas.DataFrame
        Samples x modules, columns ``ME<label>`` in label order.
    """
    values = expression.loc[modules.index].to_numpy(dtype=np.float64)
    labels = modules.to_numpy()
    columns = {}
    for label in np.unique(labels):
        block = values[labels == label].T  # samples x module genes
        scaled = (block - block.mean(axis=0)) / block.std(axis=0, ddof=1)
        u, _, _ = np.linalg.svd(scaled, full_matrices=False)
        eigengene = u[:, 0]
        average = scaled.mean(axis=1)
        if np.corrcoef(average, eigengene)[0, 1] < 0:
            eigengene = -eigengene
        columns[f"ME{label}"] = eigengene
    return pd.DataFrame(columns, index=expression.columns)


def module_trait_correlation(eigengenes: pd.DataFrame, traits: pd.DataFrame) -> pd.DataFrame:
    """Pearson correlation of each eigengene with each numeric trait, Student p-values.

    Parameters
    ----------
    eigengenes : pandas.DataFrame
        Samples x modules.
    traits : pandas.DataFrame
        Samples x traits (numbers; code a two-level factor as 0/1), indexed by sample.

    Returns
    -------
    pandas.DataFrame
        Columns ``module, trait, correlation, pvalue``.
    """
    traits = traits.loc[eigengenes.index]
    text = [c for c in traits.columns if not pd.api.types.is_numeric_dtype(traits[c])]
    if text:
        raise DataError(f"Trait column(s) {', '.join(map(str, text))} hold text; code them "
                        "as numbers (e.g. mutant = 1, wild type = 0).")
    rows = []
    for trait in traits.columns:
        y = traits[trait].to_numpy(dtype=np.float64)
        if not np.nanstd(y) > 0:
            raise DataError(f"The trait '{trait}' has the same value in every sample, so "
                            "it cannot correlate with anything.")
        for module in eigengenes.columns:
            r = float(np.corrcoef(eigengenes[module].to_numpy(), y)[0, 1])
            rows.append((module, trait, r, float(correlation_pvalue(r, len(y)))))
    return pd.DataFrame(rows, columns=["module", "trait", "correlation", "pvalue"])


def module_membership(expression: pd.DataFrame, eigengenes: pd.DataFrame) -> pd.DataFrame:
    """WGCNA ``signedKME``: correlation of every gene with every eigengene.

    Returns
    -------
    pandas.DataFrame
        Genes x modules, columns ``kME<label>``.
    """
    genes = _standardised(expression.to_numpy(dtype=np.float64).T)
    mes = _standardised(eigengenes.to_numpy(dtype=np.float64))
    kme = np.clip(genes.T @ mes, -1, 1)
    names = [c.replace("ME", "kME", 1) for c in eigengenes.columns]
    return pd.DataFrame(kme, index=expression.index, columns=names)


def hub_genes(kme: pd.DataFrame, modules: pd.Series, *, top: int = 10) -> pd.DataFrame:
    """The ``top`` genes of highest kME in their own module, for each module but 0.

    Returns
    -------
    pandas.DataFrame
        Columns ``module, gene, kME``, by module then decreasing kME.
    """
    rows = []
    for label in sorted(set(modules.to_numpy()) - {0}):
        members = modules.index[modules.to_numpy() == label]
        own = kme.loc[members, f"kME{label}"].sort_values(ascending=False, kind="stable")
        rows.extend((label, gene, float(v)) for gene, v in own.iloc[:top].items())
    return pd.DataFrame(rows, columns=["module", "gene", "kME"])


def correlation_fisher_pvalue(cor, n_samples: int):
    """WGCNA ``corPvalueFisher``: two-sided p of a correlation by Fisher's z."""
    cor = np.asarray(cor, dtype=np.float64)
    with np.errstate(divide="ignore"):
        z = np.abs(0.5 * np.log((1 + cor) / (1 - cor)) * math.sqrt(n_samples - 3))
    return 2 * stats.norm.sf(z)


@dataclass(frozen=True)
class ModulesResult:
    """Modules: ``modules`` label per gene (0 = unassigned, 1.. by decreasing size),
    ``eigengenes`` samples x modules, ``trees`` one average-linkage tree per block (scipy
    linkage on 1 - TOM; its items are the block's genes in ``blocks`` order), ``blocks``
    the row positions of each block's genes, ``unmerged`` the labels before merging,
    ``power`` the soft-threshold power, ``notices`` sentences for the user."""

    modules: pd.Series
    eigengenes: pd.DataFrame
    trees: tuple
    blocks: tuple
    unmerged: pd.Series
    power: float
    notices: tuple
