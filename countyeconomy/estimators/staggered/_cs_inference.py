"""Inference for Callaway-Sant'Anna estimates: clustered analytic covariance from influence
functions, the multiplier bootstrap (on the shared resampling engine) and the pre-trend Wald test
with its rank check."""

from __future__ import annotations

import math
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray, IntArray
from countyeconomy.estimators.staggered._cs_kernels import multiplier_draws
from countyeconomy.inference import map_chunks
from countyeconomy.results import FrozenResult, Summary, format_p_value, freeze

__all__ = [
    "BOOT_CHUNK",
    "RANK_RTOL",
    "SE_FLOOR",
    "BootstrapResult",
    "Clustering",
    "PreTrend",
    "analytic_vcov",
    "multiplier_bootstrap",
    "wald_pretrend",
]

BOOT_CHUNK = 100
"""Draws per bootstrap chunk. The bootstrap's numbers depend on the seed and on this size (each
chunk has its own child seed), never on the executor; it is fixed so that a seed keeps giving the
numbers it always gave."""
SE_FLOOR = float(np.sqrt(np.finfo(float).eps) * 10)
RANK_RTOL = 1e-10
"""Relative tolerance of the pre-trend test's rank check: eigenvalues of the correlation matrix of
the pre-treatment estimates below ``RANK_RTOL`` times the largest count as zero."""


@dataclass(frozen=True)
class Clustering:
    """Cluster codes per unit (``None``: each unit is its own cluster) and the cluster count."""

    codes: IntArray | None
    n_clusters: int
    name: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "codes", freeze(self.codes))


@dataclass(frozen=True)
class BootstrapResult:
    """Multiplier-bootstrap standard errors ``se`` ``(K,)``, the sup-t critical value ``crit`` of
    the uniform band, the number of ``draws`` and the weight ``distribution``."""

    se: FloatArray
    crit: float
    draws: int
    distribution: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "se", freeze(np.asarray(self.se, dtype=float)))


@dataclass(frozen=True, repr=False)
class PreTrend(FrozenResult):
    """Joint Wald test that every pre-treatment estimate is zero (chi-squared on ``df``).

    ``statistic`` and ``p_value`` are ``NaN`` when the test cannot be computed, and ``reason``
    says why (no pre-treatment estimates, or a singular covariance: ``rank`` below ``df``).
    """

    statistic: float
    df: int
    p_value: float
    terms: tuple[str, ...] = ()
    rank: int = 0
    reason: str = ""

    @property
    def computed(self) -> bool:
        """Whether the statistic exists."""
        return math.isfinite(self.statistic)

    def __str__(self) -> str:
        if not self.computed:
            return f"not computed: {self.reason}"
        return f"W = {self.statistic:.4f}, df = {self.df}, {format_p_value(self.p_value)}"

    def to_frame(self) -> pd.DataFrame:
        """One row: statistic, df, rank, p_value, reason."""
        return pd.DataFrame(
            {
                "test": ["pre-trend Wald (chi2)"],
                "statistic": [self.statistic],
                "df": [self.df],
                "rank": [self.rank],
                "p_value": [self.p_value],
                "reason": [self.reason],
            }
        )

    def summary(self) -> Summary:
        """The test as a printable summary."""
        foot = (("Pre-treatment terms", f"{len(self.terms)}"),)
        return Summary("Pre-trend test (all pre-treatment effects = 0)", self.to_frame(), foot)


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


class _Task(Protocol):
    """What a draw chunk needs from the engine's chunk task."""

    @property
    def size(self) -> int: ...

    @property
    def seed(self) -> np.random.SeedSequence: ...


@dataclass(frozen=True)
class _Draws:
    """One chunk of multiplier draws (a picklable callable for any executor)."""

    means: FloatArray
    distribution: str

    def __call__(self, task: _Task) -> FloatArray:
        return multiplier_draws(self.means, task.size, task.seed, self.distribution)


def multiplier_bootstrap(
    inf: FloatArray,
    cl: Clustering,
    *,
    draws: int,
    seed: np.random.SeedSequence,
    distribution: str = "mammen",
    alpha: float = 0.05,
    executor: Executor | None = None,
    progress: bool = False,
) -> BootstrapResult:
    """Multiplier bootstrap of R ``did``'s ``mboot``: draws of ``sqrt(G) * mean_c(v_c * m_c)``
    with ``m_c`` the cluster means of the influence function, standard errors from the
    interquartile range, and the sup-t critical value of the uniform confidence band.

    Runs on :func:`countyeconomy.inference.map_chunks` in chunks of :data:`BOOT_CHUNK` draws, each
    seeded by a child of ``seed``: the same seed gives the same numbers serially or on any
    ``executor``.
    """
    from scipy import stats

    n = inf.shape[0]
    if cl.codes is None:
        means, n_cl = inf, n
    else:
        counts = np.bincount(cl.codes, minlength=cl.n_clusters).astype(float)
        means, n_cl = _cluster_sums(inf, cl) / counts[:, None], cl.n_clusters
    parts = map_chunks(
        _Draws(means, distribution),
        draws,
        seed,
        executor,
        BOOT_CHUNK,
        progress=progress,
        desc="multiplier bootstrap",
    )
    sample = np.concatenate(parts, axis=0)
    q75, q25 = np.quantile(sample, [0.75, 0.25], axis=0, method="inverted_cdf")
    sigma = (q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
    ok = sigma > SE_FLOOR
    if ok.any():
        t_max = np.max(np.abs(sample[:, ok] / sigma[ok]), axis=1)
        crit = float(np.quantile(t_max, 1 - alpha, method="inverted_cdf"))
    else:
        crit = float("nan")
    se = np.where(ok, sigma / np.sqrt(n_cl), np.nan)
    return BootstrapResult(se=se, crit=crit, draws=draws, distribution=distribution)


def _declined(df: int, terms: tuple[str, ...], rank: int, reason: str) -> PreTrend:
    return PreTrend(float("nan"), df, float("nan"), terms, rank, reason)


def wald_pretrend(
    att: FloatArray, vcov: FloatArray, pre: np.ndarray, names: tuple[str, ...]
) -> PreTrend:
    """Wald test ``att' V^-1 att`` over the pre-treatment estimates with a positive variance.

    The covariance is checked for rank first (eigenvalues of the correlation matrix relative to
    the largest, tolerance :data:`RANK_RTOL`). A singular covariance (fewer clusters than
    pre-treatment estimates, duplicated estimates, ...) has no inverse: the test is declined with
    a ``NaN`` statistic and the reason, as R ``did`` declines it, instead of printing the
    meaningless number an ill-conditioned solve gives.
    """
    from scipy import stats

    var = np.diag(vcov)
    idx = np.flatnonzero(pre & np.isfinite(att) & np.isfinite(var) & (var > SE_FLOOR**2))
    terms = tuple(names[i] for i in idx)
    k = len(idx)
    if k == 0:
        return _declined(0, (), 0, "no pre-treatment estimates with a positive variance")
    a = att[idx]
    v = vcov[np.ix_(idx, idx)]
    v = (v + v.T) / 2
    if not np.isfinite(v).all():
        return _declined(k, terms, 0, "the covariance of the pre-treatment estimates has gaps")
    sd = np.sqrt(np.diag(v))
    eig = np.linalg.eigvalsh(v / np.outer(sd, sd))
    rank = int(np.sum(eig > RANK_RTOL * float(eig.max())))
    if rank < k:
        return _declined(
            k,
            terms,
            rank,
            f"the covariance of the {k} pre-treatment estimates is singular (rank {rank} of {k}; "
            "fewer clusters than estimates, or estimates that repeat each other, e.g. two "
            "cohorts that are each other's only comparison), so it has no inverse",
        )
    stat = float(a @ np.linalg.solve(v, a))
    if not math.isfinite(stat) or stat < 0:
        return _declined(
            k, terms, rank, "the covariance of the pre-treatment estimates is ill-conditioned"
        )
    return PreTrend(stat, k, float(stats.chi2.sf(stat, k)), terms, rank, "")
