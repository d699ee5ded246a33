"""LeSage and Pace (2009) direct, indirect and total effects of SAR and SDM panels.

For regressor ``k`` with coefficient ``beta_k`` (and ``theta_k`` on ``W x_k`` in the SDM), the
``N x N`` matrix of partial derivatives is ``S(rho)^-1 (beta_k I + theta_k W)``; the direct effect
is the mean of its diagonal, the total effect the mean row sum, the indirect effect their
difference. At the estimate the traces come from one dense inverse of ``S`` (shared with the
fit's information matrix; it also gives the traces' derivatives in ``rho`` for the delta method)
or from the eigenvalues ``omega`` of ``W``: ``tr S^-1 = sum 1 / (1 - rho omega)``,
``tr S^-1 W = sum omega / (1 - rho omega)``. At the simulated draws of ``rho`` they come from the
eigenvalues (``traces="eigenvalues"``) or from the power series ``sum_k rho^k tr(W^k)`` with the
traces of :mod:`countyeconomy.spatial._traces` computed once (``"powers"``, ``"mc"``). Row sums
from one sparse solve (``(beta_k + theta_k) / (1 - rho)`` for row-standardised W without
islands).

Standard errors: by simulation (draws of the parameters from their estimated normal
distribution, LeSage and Pace's method; seeded through
:func:`countyeconomy.inference.map_chunks`) and by the delta method (numerical gradient).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve

from countyeconomy._typing import FloatArray
from countyeconomy.inference import ChunkTask
from countyeconomy.spatial._ml import inverse_traces
from countyeconomy.spatial._traces import PowerTraces

__all__ = ["EffectsSpec", "effects_table", "point_effects"]


@dataclass(frozen=True)
class EffectsSpec:
    """What the effects need: positions of ``beta``/``theta`` and ``rho``, eigenvalues, W, and
    the power traces for the simulated draws (``series``; the estimate itself stays exact)."""

    names: tuple[str, ...]
    beta_pos: tuple[int, ...]
    theta_pos: tuple[int | None, ...]
    rho_pos: int
    eig: Any
    w: Any
    row_sums_one: bool
    series: PowerTraces | None = None
    cache: dict[float, tuple[float, float, float, float]] = field(
        default_factory=dict, compare=False
    )

    def _traces(self, rho: float) -> tuple[float, float, float, float]:
        """``tr S^-1 / N``, ``tr S^-1 W / N`` and their derivatives in ``rho``, from one dense
        inverse (cached per ``rho``): ``d tr S^-1 = tr S^-1 W S^-1``, ``d tr S^-1 W =
        tr (S^-1 W)^2``, each an elementwise sum with ``G = W S^-1`` (``O(N^2)``)."""
        if rho not in self.cache:
            self.cache[rho] = inverse_traces(self.w, rho)[1]
        return self.cache[rho]

    def _sums(self, rho: float) -> tuple[float, float]:
        """``1'S^-1 1 / N`` and ``1'S^-1 W 1 / N`` (two sparse solves)."""
        if self.row_sums_one:
            return 1.0 / (1.0 - rho), 1.0 / (1.0 - rho)
        w: sp.csr_array = self.w
        n = w.shape[0]
        s = sp.csc_array(sp.eye_array(n) - rho * w)
        one = np.ones(n)
        return float(spsolve(s, one).sum()) / n, float(spsolve(s, w @ one).sum()) / n

    def scalars(self, rho: float) -> tuple[float, float, float, float]:
        """``tr S^-1 / N``, ``tr S^-1 W / N``, ``1'S^-1 1 / N``, ``1'S^-1 W 1 / N``."""
        if self.eig is not None:
            n = len(self.eig)
            d = 1.0 - rho * self.eig
            a = float((1.0 / d).real.sum()) / n
            b = float((self.eig / d).real.sum()) / n
        elif self.series is not None and rho not in self.cache:  # the draws: power series
            a, b = self.series.scalars(rho)
        else:  # no eigenvalues: one dense inverse per value of rho
            a, b, _, _ = self._traces(rho)
        return (a, b, *self._sums(rho))

    def rho_gradient(self, params: FloatArray) -> FloatArray:
        """``(K, 3)`` derivative of the effects in ``rho`` without eigenvalues: the trace parts
        analytically (from the inverse already computed at ``rho``), the row sums by central
        differences (sparse solves)."""
        rho = float(params[self.rho_pos])
        _, _, da, db = self._traces(rho)
        h = 1e-6 * max(1.0, abs(rho))
        up, dn = self._sums(rho + h), self._sums(rho - h)
        dc, dd = (up[0] - dn[0]) / (2 * h), (up[1] - dn[1]) / (2 * h)
        out = np.empty((len(self.names), 3))
        for k, (bp, tp) in enumerate(zip(self.beta_pos, self.theta_pos, strict=True)):
            beta = params[bp]
            theta = params[tp] if tp is not None else 0.0
            direct, total = beta * da + theta * db, beta * dc + theta * dd
            out[k] = (direct, total - direct, total)
        return out


def point_effects(spec: EffectsSpec, params: FloatArray) -> FloatArray:
    """``(K, 3)`` direct, indirect, total effects at ``params``."""
    a, b, c, d = spec.scalars(float(params[spec.rho_pos]))
    out = np.empty((len(spec.names), 3))
    for k, (bp, tp) in enumerate(zip(spec.beta_pos, spec.theta_pos, strict=True)):
        beta = params[bp]
        theta = params[tp] if tp is not None else 0.0
        direct = beta * a + theta * b
        total = beta * c + theta * d
        out[k] = (direct, total - direct, total)
    return out


@dataclass(frozen=True)
class _Simulate:
    """Picklable chunk function: effects at parameter draws from ``N(params, vcov)``."""

    spec: EffectsSpec
    params: FloatArray
    chol: FloatArray
    bounds: tuple[float, float]

    def __call__(self, task: ChunkTask) -> FloatArray:
        rng = task.rng()
        z = rng.standard_normal((task.size, self.params.size))
        out = np.empty((task.size, len(self.spec.names), 3))
        for i in range(task.size):
            p = self.params + self.chol @ z[i]
            p[self.spec.rho_pos] = np.clip(p[self.spec.rho_pos], *self.bounds)
            out[i] = point_effects(self.spec, p)
        return out


def _delta_se(spec: EffectsSpec, params: FloatArray, vcov: FloatArray) -> FloatArray:
    base = point_effects(spec, params)
    grads = np.empty((*base.shape, params.size))
    for j in range(params.size):
        if j == spec.rho_pos and spec.eig is None:  # analytic: no dense inverse at rho +- h
            grads[..., j] = spec.rho_gradient(params)
            continue
        h = 1e-6 * max(1.0, abs(float(params[j])))
        up, dn = params.copy(), params.copy()
        up[j] += h
        dn[j] -= h
        grads[..., j] = (point_effects(spec, up) - point_effects(spec, dn)) / (2 * h)
    return np.asarray(np.sqrt(np.einsum("kep,pq,keq->ke", grads, vcov, grads)), dtype=np.float64)


def effects_table(
    spec: EffectsSpec, params: FloatArray, vcov: FloatArray, sims: FloatArray | None, level: float
) -> pd.DataFrame:
    """Tidy effects: term, effect, estimate, std_error (simulation, else delta), p_value, CI,
    delta_std_error."""
    from scipy import stats

    est = point_effects(spec, params)
    delta = _delta_se(spec, params, vcov)
    alpha = 1.0 - level
    rows = []
    for k, name in enumerate(spec.names):
        for e, kind in enumerate(("direct", "indirect", "total")):
            if sims is not None and sims.shape[0] > 1:
                s = sims[:, k, e]
                se = float(s.std(ddof=1))
                lo, hi = np.quantile(s, [alpha / 2, 1 - alpha / 2])
            else:
                se = float(delta[k, e])
                zc = stats.norm.ppf(1 - alpha / 2)
                lo, hi = est[k, e] - zc * se, est[k, e] + zc * se
            z = est[k, e] / se if se > 0 else np.nan
            p = 2 * stats.norm.sf(abs(z)) if np.isfinite(z) else np.nan
            rows.append(
                {
                    "term": name,
                    "effect": kind,
                    "estimate": float(est[k, e]),
                    "std_error": se,
                    "statistic": z,
                    "p_value": p,
                    "ci_low": float(lo),
                    "ci_high": float(hi),
                    "delta_std_error": float(delta[k, e]),
                }
            )
    return pd.DataFrame(rows)
