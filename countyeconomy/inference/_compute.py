"""Covariance matrices from a fitted linear model, under each small-sample convention.

Conventions (``ssc=``), with ``N`` rows, ``k`` slope coefficients, ``K_fe`` absorbed fixed-effect
levels net of redundancies (``sum of levels - (number of factors - 1)``), ``G`` clusters:

============== ========================================= ===================================
ssc            clustered (CRV1)                          iid / hc1
============== ========================================= ===================================
fixest         ``G/(G-1) (N-1)/(N-k-K_fe+K_nested)``     ``RSS/(N-k-K_fe)``, ``N/(N-k-K_fe)``
reghdfe        same as fixest                            same as fixest
xtreg          ``G/(G-1) (N-1)/(N-k-1-K_other)``         same as fixest
linearmodels   ``N/(N-k-K_fe)`` (no ``G/(G-1)``)         ``RSS/(N-k-K_fe)``, ``N/(N-k-K_fe)``
none           1                                         ``RSS/N``, 1
============== ========================================= ===================================

``K_nested`` removes the levels of factors nested in a cluster variable (adding back one per
such factor); ``K_other`` counts every absorbed factor but the first (the panel unit), which
``xtreg, fe`` requires to be nested in the clusters. With two-way clustering ``G`` is the
smaller cluster count (fixest ``cluster.df="min"``, as reghdfe and ivreg2) unless the spec says
``Cluster(..., df="conventional")``: then each component ``V_1``, ``V_2``, ``V_12`` gets its own
``G_k/(G_k-1)`` (Cameron, Gelbach and Miller 2011; the rest of the factor is unchanged).
Driscoll-Kraay uses the clustered factors with ``G = T`` (the number of periods) and
``K_nested = 0``. Conley spatial-HAC uses the hc1 factor ``N/(N-k-K_fe)`` (``1`` under ``none``),
so that a zero cutoff without lags reproduces hc1 exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from countyeconomy._typing import FloatArray, SmallSampleCorrection
from countyeconomy.errors import IdentificationError, InvalidOptionError
from countyeconomy.inference._conley import Conley, conley_meat
from countyeconomy.inference._specs import HC1, IID, Cluster, DriscollKraay, VcovSpec
from countyeconomy.linalg import Factor, cluster_meat, cross, driscoll_kraay_meat, hc_meat, sandwich

__all__ = ["VcovInputs", "VcovResult", "compute_vcov", "is_nested"]


@dataclass(frozen=True)
class VcovInputs:
    """What a covariance needs from a fit.

    Attributes
    ----------
    scores
        ``(n, k)`` score contributions ``w x u`` on the demeaned regressors.
    bread
        ``(k, k)`` ``(X'WX)^{-1}``.
    rss
        Weighted residual sum of squares.
    nobs
        Rows used.
    fixed_effects
        The absorbed factors (first = the panel unit, for ``ssc="xtreg"``).
    """

    scores: FloatArray
    bread: FloatArray
    rss: float
    nobs: int
    fixed_effects: tuple[Factor, ...]


@dataclass(frozen=True)
class VcovResult:
    """A covariance matrix and what inference on it needs.

    Attributes
    ----------
    vcov
        ``(k, k)`` covariance.
    df_t
        Degrees of freedom of the t distribution for tests (``None`` = normal).
    n_clusters
        Clusters per cluster variable (empty when not clustered).
    factor
        The scalar small-sample factor applied (with two-way clustering: the ``df="min"`` factor).
    components
        Two-way clustering: the factors multiplying ``V_1``, ``V_2`` and ``V_12`` (all equal to
        ``factor`` under ``df="min"``); empty otherwise.
    """

    vcov: FloatArray
    df_t: int | None
    n_clusters: dict[str, int]
    factor: float
    components: tuple[float, ...] = ()


def is_nested(inner: Factor, outer: Factor) -> bool:
    """True when every level of ``inner`` lies within a single level of ``outer``."""
    if inner.codes is outer.codes:
        return True
    seen = np.empty(inner.n_levels, dtype=np.intp)
    seen[inner.codes] = outer.codes  # one outer level per inner level, if nested
    return bool(np.array_equal(seen[inner.codes], outer.codes))


def _fe_df(fes: tuple[Factor, ...]) -> int:
    if not fes:
        return 0
    return int(sum(f.n_levels for f in fes) - (len(fes) - 1))


def _nested_df(fes: tuple[Factor, ...], clusters: list[Factor]) -> int:
    """Levels of factors nested in some cluster, less one per such factor."""
    out = 0
    for f in fes:
        if any(is_nested(f, c) for c in clusters):
            out += f.n_levels - 1
    return out


def _crv_factor(
    ssc: SmallSampleCorrection, inp: VcovInputs, k: int, clusters: list[Factor], g: int
) -> float:
    n = inp.nobs
    fes = inp.fixed_effects
    if ssc == "none":
        return 1.0
    if ssc == "linearmodels":
        nested_single = len(fes) == 1 and any(is_nested(fes[0], c) for c in clusters)
        extra = 0 if nested_single else _fe_df(fes)
        return n / (n - k - extra)
    if ssc == "xtreg":
        if fes and not any(is_nested(fes[0], c) for c in clusters):
            raise IdentificationError(
                f"ssc='xtreg' needs the panel unit ({fes[0].name!r}) nested within the clusters, "
                "as Stata's xtreg, fe does; use ssc='fixest' for this clustering."
            )
        other = sum(f.n_levels - 1 for f in fes[1:])
        df_k = k + 1 + other if fes else k
        return (g / (g - 1)) * (n - 1) / (n - df_k)
    df_k = k + _fe_df(fes) - _nested_df(fes, clusters)
    return (g / (g - 1)) * (n - 1) / (n - df_k)


def _g_adj(ssc: SmallSampleCorrection, g: int) -> float:
    """The ``G/(G-1)`` part of a convention (``linearmodels`` and ``none`` have none)."""
    return 1.0 if ssc in ("linearmodels", "none") else g / (g - 1)


def _clustered(
    inp: VcovInputs, spec: Cluster, clusters: list[Factor], ssc: SmallSampleCorrection
) -> VcovResult:
    k = inp.bread.shape[0]
    counts = {c.name: c.n_levels for c in clusters}
    g = min(counts.values())
    if g < 2:
        name = min(counts, key=lambda key: counts[key])
        raise IdentificationError(
            f"cluster variable {name!r} has a single level; clustered standard errors need at "
            "least two clusters (use vcov='hc1' or another cluster variable)."
        )
    factor = _crv_factor(ssc, inp, k, clusters, g)
    if len(clusters) == 1:
        meat = cluster_meat(inp.scores, clusters[0].codes, clusters[0].n_levels)
        v = factor * sandwich(inp.bread, meat)
        return VcovResult(v, g - 1, counts, factor)
    both = cross(clusters[0], clusters[1])
    parts = [cluster_meat(inp.scores, f.codes, f.n_levels) for f in (*clusters, both)]
    if spec.df == "conventional":
        # each component with its own G_k/(G_k-1) in place of min(G)/(min(G)-1)
        base = factor / _g_adj(ssc, g)
        comp = tuple(base * _g_adj(ssc, f.n_levels) for f in (*clusters, both))
        meat = comp[0] * parts[0] + comp[1] * parts[1] - comp[2] * parts[2]
        v = sandwich(inp.bread, meat)
    else:
        comp = (factor, factor, factor)
        v = factor * sandwich(inp.bread, parts[0] + parts[1] - parts[2])
    # as fixest: fall back to the eigen-clipped matrix if not positive semi-definite
    vals, vecs = np.linalg.eigh(v)
    if np.any(vals < 0):
        v = (vecs * np.maximum(vals, 0)) @ vecs.T
    return VcovResult(v, g - 1, counts, factor, comp)


def compute_vcov(
    spec: VcovSpec,
    ssc: SmallSampleCorrection,
    inp: VcovInputs,
    clusters: list[Factor] | None = None,
) -> VcovResult:
    """Covariance of the slope coefficients under ``spec`` and convention ``ssc``.

    ``clusters`` holds the cluster factors for :class:`Cluster`, the time factor (codes in
    chronological order) for :class:`DriscollKraay`, and the period, county and places factors
    for :class:`Conley` (see :func:`cluster_factors`).
    """
    n = inp.nobs
    k = inp.bread.shape[0]
    df_full = k + _fe_df(inp.fixed_effects)
    if n - df_full <= 0:
        raise IdentificationError(
            f"no residual degrees of freedom: {n} rows for {df_full} parameters (slopes and fixed "
            "effects)."
        )
    if isinstance(spec, Conley):
        meat = conley_meat(inp.scores, spec, list(clusters or []))
        factor = 1.0 if ssc == "none" else n / (n - df_full)
        return VcovResult(factor * sandwich(inp.bread, meat), n - df_full, {}, factor)
    if isinstance(spec, IID):
        denom = n if ssc == "none" else n - df_full
        return VcovResult((inp.rss / denom) * inp.bread, n - df_full, {}, n / denom)
    if isinstance(spec, HC1):
        factor = 1.0 if ssc == "none" else n / (n - df_full)
        return VcovResult(
            factor * sandwich(inp.bread, hc_meat(inp.scores)), n - df_full, {}, factor
        )
    if isinstance(spec, Cluster):
        if clusters is None or len(clusters) != len(spec.variables):
            raise InvalidOptionError(
                f"{spec!r} needs one factor per cluster variable (see cluster_factors), got "
                f"{0 if clusters is None else len(clusters)}."
            )
        return _clustered(inp, spec, list(clusters), ssc)
    if isinstance(spec, DriscollKraay):
        if not clusters or len(clusters) != 1:
            raise InvalidOptionError(
                "DriscollKraay needs the year factor of the estimation rows (cluster_factors)."
            )
        (time,) = clusters
        meat = driscoll_kraay_meat(inp.scores, time.codes, time.n_levels, spec.lags)
        t = time.n_levels
        if ssc == "none":
            factor = 1.0
        elif ssc == "linearmodels":
            factor = n / (n - df_full)
        else:
            factor = (t / (t - 1)) * (n - 1) / (n - df_full)
        return VcovResult(factor * sandwich(inp.bread, meat), t - 1, {time.name: t}, factor)
    raise InvalidOptionError(
        f"vcov={spec!r} is not a covariance spec; use IID(), HC1(), Cluster(...), "
        "DriscollKraay(...) or Conley(...), or resolve a string with resolve_vcov."
    )
