"""Wild cluster bootstrap (WCR / WCU) for one coefficient of a fitted linear model.

The algebra follows Roodman, MacKinnon, Nielsen and Webb (2019), "Fast and wild". With ``a`` the
row of ``(X'X)^{-1} X'`` for the tested coefficient (on the regressors demeaned on all fixed
effects), ``u`` the bootstrap residuals (restricted for WCR, unrestricted for WCU) and ``v`` a
draw of cluster weights:

* numerator ``beta* - beta0 = sum_g v_g a_g'u_g``;
* bootstrap residuals ``M_{[D,X]}(v * u)``. Fixed effects nested in the clusters are projected
  out cluster by cluster (``a`` is already orthogonal to them); the other regressors span
  ``Z = [xd, M_nested D_other]`` so each cluster score is
  ``s*_h = v_h a_h'u_h - (a_h'Z_h)(Z'Z)^+ sum_g v_g Z_g'u_g``.

All of it lives in per-cluster sums computed once, so a draw costs ``O(G k)``. The restricted
residuals for any null ``beta0`` are ``u(beta0) = u_hat + (beta_hat - beta0) r`` with ``r`` the
tested regressor partialled out of the others, so every bootstrap t-statistic is
``(n0 + d n1) / sqrt(c00 + 2 d c01 + d^2 c11)`` in ``d = beta_hat - beta0``: five numbers per draw
give the p-value at any null, and the confidence interval is found by root-finding on them.
"""

from __future__ import annotations

import math
import warnings
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize

from countyeconomy._typing import FloatArray, check_option
from countyeconomy.errors import CountyEconomyWarning, IdentificationError, InvalidOptionError
from countyeconomy.inference._compute import VcovInputs, compute_vcov, is_nested
from countyeconomy.inference._resample import (
    ChunkTask,
    LinearResultLike,
    cluster_factor,
    linear_parts,
    map_chunks,
    seed_entropy,
)
from countyeconomy.inference._specs import Cluster, resolve_ssc
from countyeconomy.linalg import Factor, demean, scores

__all__ = ["WildBootstrapResult", "wild_bootstrap"]

WildWeights = Literal["rademacher", "webb", "mammen"]
ENUMERATE_MAX_G = 12
MIN_DISTINCT = 20
MAX_DUMMY_LEVELS = 2000
TIE_RTOL = 1e-9
_SQ5 = math.sqrt(5.0)
_WEBB = np.array([-math.sqrt(1.5), -1.0, -math.sqrt(0.5), math.sqrt(0.5), 1.0, math.sqrt(1.5)])
_MAMMEN = np.array([(1 - _SQ5) / 2, (1 + _SQ5) / 2])
_MAMMEN_P = (_SQ5 + 1) / (2 * _SQ5)


def draw_weights(kind: str, size: tuple[int, int], rng: np.random.Generator) -> FloatArray:
    """``size`` matrix of wild weights (mean 0, variance 1)."""
    if kind == "rademacher":
        return rng.integers(0, 2, size=size).astype(float) * 2.0 - 1.0
    if kind == "webb":
        return np.asarray(_WEBB[rng.integers(0, 6, size=size)])
    return np.asarray(np.where(rng.random(size=size) < _MAMMEN_P, _MAMMEN[0], _MAMMEN[1]), float)


def enumerated_weights(start: int, stop: int, n_clusters: int) -> FloatArray:
    """Rows ``start..stop-1`` of the ``2^G x G`` matrix of all Rademacher sign vectors."""
    idx = np.arange(start, stop, dtype=np.int64)[:, None]
    bits = (idx >> np.arange(n_clusters, dtype=np.int64)[None, :]) & 1
    return np.asarray(1.0 - 2.0 * bits, dtype=float)


@dataclass(frozen=True)
class WildDraws:
    """Per-cluster sums for the bootstrap; ``__call__`` gives five numbers per draw.

    Attributes
    ----------
    au0, ar
        ``(G,)`` ``a_g'u_g`` and ``a_g'r_g`` (``ar`` is zero for WCU).
    zu0, zr
        ``(G, m)`` ``Z_g'u_g`` and ``Z_g'r_g``.
    h
        ``(m, G)`` ``(Z'Z)^+ (a_h'Z_h)'``.
    kind
        Weight distribution; ``enumerate`` draws the sign vectors in order instead.
    """

    au0: FloatArray
    ar: FloatArray
    zu0: FloatArray
    zr: FloatArray
    h: FloatArray
    kind: str
    enumerate: bool

    def __call__(self, task: ChunkTask) -> FloatArray:
        g = len(self.au0)
        if self.enumerate:
            v = enumerated_weights(task.start, task.stop, g)
        else:
            v = draw_weights(self.kind, (task.size, g), task.rng())
        n0, n1 = v @ self.au0, v @ self.ar
        s0 = v * self.au0 - (v @ self.zu0) @ self.h
        s1 = v * self.ar - (v @ self.zr) @ self.h
        out = np.empty((task.size, 5))
        out[:, 0], out[:, 1] = n0, n1
        out[:, 2] = np.einsum("bg,bg->b", s0, s0)
        out[:, 3] = np.einsum("bg,bg->b", s0, s1)
        out[:, 4] = np.einsum("bg,bg->b", s1, s1)
        return out


@dataclass(frozen=True, repr=False)
class WildBootstrapResult:
    """Wild cluster bootstrap test of one coefficient; see :func:`wild_bootstrap`.

    ``stats`` holds five numbers per draw from which ``t_boot(null)`` is evaluated at any null.
    """

    param: str
    estimate: float
    null: float
    std_error: float
    t_stat: float
    p_value: float
    ci_low: float
    ci_high: float
    level: float
    reps: int
    weights: str
    impose_null: bool
    cluster: str
    n_clusters: int
    enumerated: bool
    seed_entropy: int
    ssc_factor: float = field(repr=False)
    stats: FloatArray = field(repr=False)

    @property
    def t_boot(self) -> FloatArray:
        """``(reps,)`` bootstrap t-statistics at the tested null."""
        return t_boot_at(self.stats, self.estimate - self.null, self.ssc_factor)

    def p_value_at(self, null: float) -> float:
        """Bootstrap p-value of ``H0: param = null`` from the same draws."""
        return p_value_at(self.stats, self.estimate, self.std_error, null, self.ssc_factor)

    def conf_int(self) -> pd.DataFrame:
        """The confidence interval by test inversion (columns ``ci_low``, ``ci_high``)."""
        return pd.DataFrame({"ci_low": [self.ci_low], "ci_high": [self.ci_high]}, [self.param])

    def to_frame(self) -> pd.DataFrame:
        """One row: term, estimate, std_error, statistic, p_value, ci_low, ci_high and settings."""
        return pd.DataFrame(
            {
                "term": [self.param],
                "estimate": [self.estimate],
                "std_error": [self.std_error],
                "statistic": [self.t_stat],
                "p_value": [self.p_value],
                "ci_low": [self.ci_low],
                "ci_high": [self.ci_high],
                "null": [self.null],
                "reps": [self.reps],
                "clusters": [self.n_clusters],
                "method": [self.method],
            }
        )

    @property
    def method(self) -> str:
        """e.g. ``"WCR, rademacher (enumerated)"``."""
        kind = "WCR" if self.impose_null else "WCU"
        return f"{kind}, {self.weights}" + (" (enumerated)" if self.enumerated else "")

    def __repr__(self) -> str:
        return (
            f"Wild cluster bootstrap ({self.method}; {self.reps:,} draws, {self.n_clusters} "
            f"clusters by {self.cluster!r})\n  {self.param}: estimate {self.estimate:.6g}, "
            f"t = {self.t_stat:.4f} (H0: {self.null:g}), p = {self.p_value:.4f}, "
            f"{self.level:.0%} CI [{self.ci_low:.6g}, {self.ci_high:.6g}]"
        )

    def plot(self) -> Any:
        """Histogram of the bootstrap t-statistics with the observed t marked (altair)."""
        import altair as alt

        from countyeconomy.report._theme import PALETTE, themed

        frame = pd.DataFrame({"t": self.t_boot})
        bars = (
            alt.Chart(frame)
            .mark_bar(color=PALETTE[0], opacity=0.7)
            .encode(
                x=alt.X("t:Q", bin=alt.Bin(maxbins=60), title="bootstrap t statistic"),
                y=alt.Y("count():Q", title="draws"),
            )
        )
        rule = (
            alt.Chart(pd.DataFrame({"t": [self.t_stat]}))
            .mark_rule(color=PALETTE[1], strokeWidth=2)
            .encode(x="t:Q")
        )
        title = f"Wild bootstrap of {self.param}: t = {self.t_stat:.2f}, p = {self.p_value:.3f}"
        return themed((bars + rule).properties(title=title))


def t_boot_at(stats: FloatArray, d: float, factor: float) -> FloatArray:
    """Bootstrap t-statistics at ``d = estimate - null``."""
    num = stats[:, 0] + d * stats[:, 1]
    den = stats[:, 2] + 2.0 * d * stats[:, 3] + d * d * stats[:, 4]
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = num / np.sqrt(factor * np.maximum(den, 0.0))
    return out


def p_value_at(stats: FloatArray, estimate: float, se: float, null: float, factor: float) -> float:
    """Share of draws with ``|t*| > |t|`` (ties, within a relative 1e-9, do not count)."""
    t = abs((estimate - null) / se)
    tb = np.abs(t_boot_at(stats, estimate - null, factor))
    return float(np.mean(tb > t * (1.0 + TIE_RTOL)))


def _span_other(
    xd: FloatArray, fes: tuple[Factor, ...], cl: Factor
) -> tuple[FloatArray, list[str]]:
    """Columns spanning the regressors after the fixed effects nested in the clusters."""
    nested = [f for f in fes if is_nested(f, cl)]
    other = [f for f in fes if not is_nested(f, cl)]
    if not other:
        return xd, []
    levels = sum(f.n_levels for f in other)
    if levels > MAX_DUMMY_LEVELS:
        names = [f.name for f in other]
        raise IdentificationError(
            f"fixed effects {names} are not nested in cluster {cl.name!r} and have {levels:,} "
            f"levels (at most {MAX_DUMMY_LEVELS:,} are supported by the wild bootstrap); cluster "
            "at a level that nests them."
        )
    n = len(xd)
    dummies = np.zeros((n, levels), order="F")
    at = 0
    for f in other:
        dummies[np.arange(n), at + f.codes] = 1.0
        at += f.n_levels
    dd = demean(dummies, nested).values if nested else dummies
    return np.hstack([xd, dd]), [f.name for f in other]


def _cluster_sums(values: FloatArray, codes: np.ndarray, g: int) -> FloatArray:
    out = np.empty((g, values.shape[1]))
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(codes, weights=values[:, j], minlength=g)
    return out


def prepare_draws(
    xd: FloatArray,
    resid: FloatArray,
    bread: FloatArray,
    j: int,
    fes: tuple[Factor, ...],
    cl: Factor,
    *,
    impose_null: bool,
    kind: str,
    enumerate_all: bool,
) -> tuple[WildDraws, FloatArray]:
    """Per-cluster sums for coefficient ``j``; also returns ``a_g'u_g`` at the estimate."""
    a = xd @ bread[:, j]
    r = a / bread[j, j]
    z, _ = _span_other(xd, fes, cl)
    g, codes = cl.n_levels, cl.codes
    gram_inv = np.linalg.pinv(z.T @ z, rcond=1e-10, hermitian=True)
    az = _cluster_sums(z * a[:, None], codes, g)
    h = gram_inv @ az.T
    au0 = np.bincount(codes, weights=a * resid, minlength=g).astype(float)
    zu0 = _cluster_sums(z * resid[:, None], codes, g)
    if impose_null:
        ar = np.bincount(codes, weights=a * r, minlength=g).astype(float)
        zr = _cluster_sums(z * r[:, None], codes, g)
    else:
        ar, zr = np.zeros(g), np.zeros_like(zu0)
    return WildDraws(au0, ar, zu0, zr, h, kind, enumerate_all), au0


def _invert(
    stats: FloatArray, est: float, se: float, factor: float, alpha: float
) -> tuple[float, float]:
    """The set ``{b0: p(b0) > alpha}`` bounds by root-finding outward from the estimate."""

    def f(b0: float) -> float:
        return p_value_at(stats, est, se, b0, factor) - alpha

    if f(est) <= 0:
        return est, est
    bounds = []
    for sign in (-1.0, 1.0):
        step, inner = se, est
        outer = est + sign * step
        tries = 0
        while f(outer) > 0:
            inner, step = outer, step * 2.0
            outer = est + sign * step
            tries += 1
            if tries > 60:
                return -math.inf, math.inf
        root = optimize.brentq(f, min(inner, outer), max(inner, outer), xtol=1e-10 * se)
        bounds.append(float(root))
    return bounds[0], bounds[1]


def _default_cluster(res: LinearResultLike) -> str:
    spec = res.vcov_spec
    if isinstance(spec, Cluster) and len(spec.variables) == 1:
        return spec.variables[0]
    raise InvalidOptionError(
        f"the result's covariance is {spec!r}, not one-way clustered; pass cluster='county' "
        "(or another column) to wild_bootstrap."
    )


def wild_bootstrap(
    result: object,
    param: str,
    *,
    reps: int = 9999,
    weights: str = "rademacher",
    impose_null: bool = True,
    cluster: str | None = None,
    null: float = 0.0,
    level: float = 0.95,
    seed: int | np.random.SeedSequence | None = None,
    executor: Executor | None = None,
    chunk: int = 1000,
    progress: bool = True,
) -> WildBootstrapResult:
    """Wild cluster bootstrap test and confidence interval for one coefficient.

    Parameters
    ----------
    result
        A fitted linear model (:func:`countyeconomy.twfe`), fixed effects included.
    param
        The coefficient to test.
    reps
        Bootstrap draws. With Rademacher weights and ``G <= 12`` clusters, or ``2^G <= reps``,
        all ``2^G`` sign vectors are enumerated instead (``enumerated=True``).
    weights
        ``"rademacher"``, ``"webb"`` (six-point, better for few clusters) or ``"mammen"``.
    impose_null
        ``True``: WCR (restricted residuals, recommended); ``False``: WCU.
    cluster
        Bootstrap and covariance cluster variable; default: the result's one-way cluster.
    null
        The tested value ``H0: param = null``.
    level
        Confidence level of the interval found by test inversion.
    seed, executor, chunk, progress
        Reproducibility and scale-out (see :func:`countyeconomy.inference.map_chunks`); the same
        seed and chunk give the same numbers serially or on any executor.

    Returns
    -------
    WildBootstrapResult
        The t-statistic with the result's CRV1 small-sample factor, the two-sided bootstrap
        p-value (share of ``|t*| > |t|``), the interval, and the draws (``t_boot``, ``plot()``).

    References
    ----------
    Roodman, D., MacKinnon, J. G., Nielsen, M. O. and Webb, M. D. (2019). Fast and wild:
    bootstrap inference in Stata using boottest. Stata Journal 19(1), 4-60.
    Cameron, A. C., Gelbach, J. B. and Miller, D. L. (2008). Bootstrap-based improvements for
    inference with clustered errors. Review of Economics and Statistics 90(3), 414-427.
    """
    res, j = linear_parts(result, param)
    kind = check_option("weights", weights, WildWeights)
    if not isinstance(reps, (int, np.integer)) or reps < 1:
        raise InvalidOptionError(f"reps must be a positive int, got {reps!r}.")
    if not 0 < level < 1:
        raise InvalidOptionError(f"level must be between 0 and 1, got {level!r}.")
    state = res.model
    if state.weights is not None:
        raise NotImplementedError("wild_bootstrap supports unweighted fits only for now.")
    name = cluster if cluster is not None else _default_cluster(res)
    cl = cluster_factor(state, name)
    g = cl.n_levels
    if g < 2:
        raise IdentificationError(
            f"cluster variable {name!r} has {g} level(s); the wild cluster bootstrap needs at "
            "least 2 clusters (and many more for reliable inference)."
        )
    enumerate_all = kind == "rademacher" and (g <= ENUMERATE_MAX_G or 2.0**g <= reps)
    n_draws = 2**g if enumerate_all else int(reps)
    _warn_few(g, kind, enumerate_all, n_draws)
    draws, _ = prepare_draws(
        state.xd,
        state.resid,
        state.bread,
        j,
        state.fixed_effects,
        cl,
        impose_null=impose_null,
        kind=kind,
        enumerate_all=enumerate_all,
    )
    inputs = VcovInputs(
        scores(state.xd, state.resid),
        state.bread,
        float(state.resid @ state.resid),
        len(state.resid),
        state.fixed_effects,
    )
    factor = compute_vcov(Cluster(name), resolve_ssc(res.info.ssc), inputs, [cl]).factor
    est = float(res.params.iloc[j])
    se = math.sqrt(factor * float(draws.au0 @ draws.au0))
    root, entropy = seed_entropy(seed)
    parts = map_chunks(
        draws, n_draws, root, executor, chunk, progress=progress, desc="wild bootstrap"
    )
    stats = np.vstack(parts)
    p = p_value_at(stats, est, se, null, factor)
    lo, hi = _invert(stats, est, se, factor, 1.0 - level)
    return WildBootstrapResult(
        param=param,
        estimate=est,
        null=float(null),
        std_error=se,
        t_stat=(est - null) / se,
        p_value=p,
        ci_low=lo,
        ci_high=hi,
        level=level,
        reps=n_draws,
        weights=kind,
        impose_null=impose_null,
        cluster=name,
        n_clusters=g,
        enumerated=enumerate_all,
        seed_entropy=entropy,
        ssc_factor=factor,
        stats=stats,
    )


def _warn_few(g: int, kind: str, enumerate_all: bool, n_draws: int) -> None:
    if enumerate_all and 2 ** (g - 1) < MIN_DISTINCT:
        warnings.warn(
            f"only {g} clusters: full enumeration gives {n_draws} sign vectors and "
            f"{2 ** (g - 1)} distinct |t*| values (fewer than {MIN_DISTINCT}); the p-value moves in "
            f"steps of {1 / 2 ** (g - 1):.3f}. Consider weights='webb'.",
            CountyEconomyWarning,
            stacklevel=3,
        )
