"""Inference for Callaway-Sant'Anna estimates: clustered analytic covariance from influence
functions, the chunked multiplier bootstrap (seeded, optionally on an executor) and the Wald
pre-test."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
from scipy import stats

from countyeconomy._typing import FloatArray, IntArray
from countyeconomy.estimators.staggered._cs_kernels import multiplier_draws

__all__ = [
    "BOOT_CHUNK",
    "SE_FLOOR",
    "BootstrapResult",
    "Clustering",
    "PreTest",
    "analytic_vcov",
    "multiplier_bootstrap",
    "wald_pretest",
]

BOOT_CHUNK = 100
"""Draws per bootstrap chunk; each chunk has its own child seed, so results do not depend on how
chunks are scheduled."""
SE_FLOOR = float(np.sqrt(np.finfo(float).eps) * 10)


@dataclass(frozen=True)
class Clustering:
    """Cluster codes per unit (``None``: each unit is its own cluster) and the cluster count."""

    codes: IntArray | None
    n_clusters: int
    name: str


@dataclass(frozen=True)
class BootstrapResult:
    """Multiplier-bootstrap standard errors ``se`` ``(K,)``, the sup-t critical value ``crit`` of
    the uniform band, the number of draws and the weight type."""

    se: FloatArray
    crit: float
    n_draws: int
    weights: str


@dataclass(frozen=True)
class PreTest:
    """Wald test that every pre-treatment ATT(g,t) is zero (chi-squared with ``df`` degrees)."""

    statistic: float
    df: int
    p_value: float

    def __str__(self) -> str:
        return f"W = {self.statistic:.4f}, df = {self.df}, p = {self.p_value:.4f}"


def _cluster_sums(inf: FloatArray, cl: Clustering) -> FloatArray:
    if cl.codes is None:
        return inf
    out = np.zeros((cl.n_clusters, inf.shape[1]))
    np.add.at(out, cl.codes, inf)
    return out


def analytic_vcov(inf: FloatArray, cl: Clustering) -> FloatArray:
    """Covariance ``S'S / n**2`` of the estimates with influence functions ``inf`` ``(n, K)``,
    where ``S`` holds the influence functions summed within clusters (``S = inf`` for units)."""
    n = inf.shape[0]
    s = _cluster_sums(inf, cl)
    v: FloatArray = s.T @ s / n**2
    return v


def _chunk(args: tuple[FloatArray, int, np.random.SeedSequence, str]) -> FloatArray:
    return multiplier_draws(*args)


def multiplier_bootstrap(
    inf: FloatArray,
    cl: Clustering,
    *,
    n_draws: int,
    seed: int | None,
    weights: str = "mammen",
    alpha: float = 0.05,
    executor: Executor | None = None,
    progress: bool = False,
) -> BootstrapResult:
    """Multiplier bootstrap of R ``did``'s ``mboot``: draws of ``sqrt(G) * mean_c(v_c * m_c)``
    with ``m_c`` the cluster means of the influence function, standard errors from the
    interquartile range, and the sup-t critical value of the uniform confidence band.

    Draws come in chunks of :data:`BOOT_CHUNK`, each seeded by a child of
    ``numpy.random.SeedSequence(seed)``: the same seed gives the same numbers serially or on any
    ``executor``.
    """
    n = inf.shape[0]
    if cl.codes is None:
        means, n_cl = inf, n
    else:
        counts = np.bincount(cl.codes, minlength=cl.n_clusters).astype(float)
        means, n_cl = _cluster_sums(inf, cl) / counts[:, None], cl.n_clusters
    sizes = [min(BOOT_CHUNK, n_draws - i) for i in range(0, n_draws, BOOT_CHUNK)]
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    tasks = [(means, size, s, weights) for size, s in zip(sizes, seeds, strict=True)]
    from tqdm.auto import tqdm

    bar = tqdm(total=n_draws, desc="multiplier bootstrap", disable=not progress, leave=False)
    parts: list[FloatArray] = []
    with bar:
        results = executor.map(_chunk, tasks) if executor is not None else map(_chunk, tasks)
        for size, part in zip(sizes, results, strict=True):
            parts.append(part)
            bar.update(size)
    draws = np.concatenate(parts, axis=0)
    q75, q25 = np.quantile(draws, [0.75, 0.25], axis=0, method="inverted_cdf")
    sigma = (q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
    ok = sigma > SE_FLOOR
    if ok.any():
        t_max = np.max(np.abs(draws[:, ok] / sigma[ok]), axis=1)
        crit = float(np.quantile(t_max, 1 - alpha, method="inverted_cdf"))
    else:
        crit = float("nan")
    se = np.where(ok, sigma / np.sqrt(n_cl), np.nan)
    return BootstrapResult(se=se, crit=crit, n_draws=n_draws, weights=weights)


def wald_pretest(att: FloatArray, vcov: FloatArray, pre: np.ndarray) -> PreTest | None:
    """Wald pre-test ``att' V^-1 att`` over the pre-treatment cells with non-zero variance."""
    idx = np.flatnonzero(pre & (np.diag(vcov) > SE_FLOOR**2))
    if len(idx) == 0:
        return None
    a = att[idx]
    v = vcov[np.ix_(idx, idx)]
    try:
        stat = float(a @ np.linalg.solve(v, a))
    except np.linalg.LinAlgError:
        stat = float(a @ np.linalg.pinv(v) @ a)
    return PreTest(stat, len(idx), float(stats.chi2.sf(stat, len(idx))))
