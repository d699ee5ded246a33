"""Imputation kernel (Borusyak, Jaravel and Spiess 2024; Gardner 2021) over numpy arrays.

With ``Z`` the design of unit and period effects (and covariates), the untreated fit
``gamma = (Z0'Z0)^{-1} Z0'y0`` imputes ``Y(0)`` for treated rows, ``tau_it = y_it - z_it'gamma``.
An estimand ``sum_{treated} w_it tau_it`` is linear in ``y`` with weights ``v = w`` on treated
rows and ``v0 = -Z0 (Z0'Z0)^{-1} Z1'w`` on untreated rows. Its variance is estimated by
``sum_g (sum_{it in g} v_it e_it)^2`` over clusters ``g``, with ``e`` the untreated residuals and,
on treated rows, ``tau_it`` minus an average of ``tau`` over a group of treated rows: the
cohort x horizon cell for BJS's conservative variance, the estimand's own support for
Gardner's two-stage GMM variance (which it equals algebraically).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from countyeconomy._typing import FloatArray, IntArray
from countyeconomy.errors import IdentificationError
from countyeconomy.linalg import group_sums

__all__ = [
    "ImputationArrays",
    "TwoWayImputation",
    "UntreatedFit",
    "effect_design",
    "fit_untreated",
    "imputation_vcov",
    "impute",
    "impute_twoway",
    "twoway_vcov",
]


@dataclass(frozen=True)
class ImputationArrays:
    """Imputed effects and what the variance needs.

    Attributes
    ----------
    tau
        ``(n1,)`` imputed effects ``y - Y(0)hat`` on treated rows (in row order).
    resid0
        ``(n0,)`` residuals of the untreated fit.
    v0
        ``(n0, m)`` implied weights of untreated rows in each of ``m`` estimands.
    estimates
        ``(m,)`` ``w' tau``.
    """

    tau: FloatArray
    resid0: FloatArray
    v0: FloatArray
    estimates: FloatArray


def effect_design(unit: IntArray, period: IntArray, x: FloatArray) -> sp.csr_matrix:
    """``(n, n_units + n_periods - 1 + p)`` sparse design: unit dummies, period dummies but the
    first, covariates. Codes must be ``0..n_levels-1``."""
    n = len(unit)
    n_u, n_p = int(unit.max()) + 1, int(period.max()) + 1
    rows = np.arange(n)
    du = sp.csr_matrix((np.ones(n), (rows, unit)), shape=(n, n_u))
    keep = period > 0
    dp = sp.csr_matrix(
        (np.ones(int(keep.sum())), (rows[keep], period[keep] - 1)), shape=(n, n_p - 1)
    )
    return sp.hstack([du, dp, sp.csr_matrix(x)], format="csr")


def impute(
    y: FloatArray, z: sp.csr_matrix, treated: np.ndarray, weights: FloatArray
) -> ImputationArrays:
    """Fit on untreated rows, impute treated rows, and form ``m`` weighted averages.

    Parameters
    ----------
    y
        ``(n,)`` outcome.
    z
        ``(n, k)`` sparse design from :func:`effect_design`.
    treated
        ``(n,)`` boolean mask of treated rows.
    weights
        ``(n1, m)`` estimand weights on the treated rows.
    """
    z0, z1 = z[~treated], z[treated]
    a = (z0.T @ z0).tocsc()
    try:
        lu = spla.splu(a)
    except RuntimeError as exc:  # exactly singular
        raise IdentificationError(
            "the untreated fixed-effects model is not identified (a covariate is collinear with "
            "the fixed effects, or a county or year has no untreated observation)."
        ) from exc
    gamma = lu.solve(np.asarray(z0.T @ y[~treated], dtype=float))
    resid0 = y[~treated] - z0 @ gamma
    tau = y[treated] - z1 @ gamma
    rhs = np.asarray((z1.T @ weights), dtype=float)
    sol = lu.solve(rhs if rhs.ndim == 2 else rhs[:, None])
    v0 = -np.asarray(z0 @ sol)
    return ImputationArrays(tau, resid0, v0, weights.T @ tau)


def imputation_vcov(
    arrays: ImputationArrays,
    weights: FloatArray,
    tau_bar: FloatArray,
    cluster0: IntArray,
    cluster1: IntArray,
    n_clusters: int,
) -> FloatArray:
    """``(m, m)`` cluster-robust covariance ``S'S`` with ``S_g = sum_{it in g} v_it e_it``.

    ``tau_bar`` is ``(n1, m)``: the average of ``tau`` subtracted on treated rows for each
    estimand (cohort x horizon cell means for BJS; the estimate itself for Gardner).
    """
    m = weights.shape[1]
    e1 = arrays.tau[:, None] - tau_bar
    s = np.zeros((n_clusters, m))
    for j in range(m):
        s[:, j] = np.bincount(
            cluster0, weights=arrays.v0[:, j] * arrays.resid0, minlength=n_clusters
        ) + np.bincount(cluster1, weights=weights[:, j] * e1[:, j], minlength=n_clusters)
    out: FloatArray = s.T @ s
    return out


@dataclass(frozen=True)
class UntreatedFit:
    """The untreated fit ``y = a_i + l_t + X'b`` solved by the Schur complement on ``(l, b)``.

    With ``K`` the county sums of the year dummies (all but the first year) and covariates, the
    county effects are eliminated: ``H = Q - K' diag(1/n_i) K`` is ``(T - 1 + p)`` square, so a
    fit costs a few passes over the rows and a small solve, for any number of counties.

    Attributes
    ----------
    inv_n
        ``(N,)`` one over the untreated rows of each county.
    k
        ``(N, T - 1 + p)`` county sums of the year dummies and covariates.
    chol
        Lower Cholesky factor of ``H``.
    n_periods
        ``T``.
    """

    inv_n: FloatArray
    k: FloatArray
    chol: FloatArray
    n_periods: int

    def solve(self, u_a: FloatArray, u_b: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """County ``(N, m)``, year ``(T, m)`` (first year 0) and covariate ``(p, m)`` parts of
        ``(Z0'Z0)^{-1} [u_a; u_b]`` (``u_b``: the year rows but the first, then covariates)."""
        theta = scipy.linalg.cho_solve(
            (self.chol, True), u_b - self.k.T @ (u_a * self.inv_n[:, None])
        )
        a = (u_a - self.k @ theta) * self.inv_n[:, None]
        t1 = self.n_periods - 1
        lam = np.vstack([np.zeros((1, theta.shape[1])), theta[:t1]])
        return a, lam, theta[t1:]


def _sums(codes: IntArray, n_levels: int, values: FloatArray) -> FloatArray:
    """``(n_levels, m)`` sums of the ``(n, m)`` values by level."""
    return group_sums(np.ascontiguousarray(values), codes, n_levels)


def fit_untreated(
    x0: FloatArray, unit0: IntArray, n_units: int, period0: IntArray, n_periods: int
) -> UntreatedFit:
    """Factor the untreated rows' normal equations (every county and year must have one)."""
    c0 = (
        np.bincount(unit0.astype(np.int64) * n_periods + period0, minlength=n_units * n_periods)
        .reshape(n_units, n_periods)
        .astype(float)
    )
    n_i = c0.sum(axis=1)
    inv_n = 1.0 / n_i
    p = x0.shape[1]
    k = np.hstack([c0[:, 1:], _sums(unit0, n_units, x0)]) if p else c0[:, 1:]
    q = np.zeros((k.shape[1], k.shape[1]))
    t1 = n_periods - 1
    q[:t1, :t1] = np.diag(c0.sum(axis=0)[1:])
    if p:
        yx = _sums(period0, n_periods, x0)[1:]
        q[:t1, t1:], q[t1:, :t1] = yx, yx.T
        q[t1:, t1:] = x0.T @ x0
    h = q - k.T @ (k * inv_n[:, None])
    try:
        chol = scipy.linalg.cholesky(h, lower=True)
    except np.linalg.LinAlgError:
        chol = np.zeros((0, 0))
    if chol.size != h.size or np.any(np.diag(chol) ** 2 <= 1e-10 * np.diag(h)):
        raise IdentificationError(
            "the untreated fixed-effects model is not identified (a covariate is collinear with "
            "the fixed effects, or a county or year has no untreated observation)."
        )
    return UntreatedFit(inv_n, k, chol, n_periods)


@dataclass(frozen=True)
class TwoWayImputation:
    """Imputed effects and the pieces of their variance (see :func:`impute_twoway`).

    Attributes
    ----------
    tau
        ``(n1,)`` imputed effects on treated rows.
    resid0
        ``(n0,)`` residuals of the untreated fit.
    estimates
        ``(H + 1,)`` mean effect at each horizon, then over all reported horizons.
    a_w, l_w, b_w
        County ``(N, H + 1)``, year ``(T, H + 1)`` and covariate ``(p, H + 1)`` coefficients of
        the estimands' untreated weights: ``v0 = -(a_w[county] + l_w[year] + x0 b_w)``.
    n_h
        ``(H + 1,)`` treated rows behind each estimate.
    """

    tau: FloatArray
    resid0: FloatArray
    estimates: FloatArray
    a_w: FloatArray
    l_w: FloatArray
    b_w: FloatArray
    n_h: FloatArray


def _by_horizon(
    codes: IntArray, n_levels: int, horizon: IntArray, n_h: FloatArray, values: FloatArray
) -> FloatArray:
    """``(n_levels, H + 1)``: sums of ``values`` by level and horizon over the horizon's rows,
    divided by its row count; the last column pools every horizon."""
    h = len(n_h) - 1
    on = horizon >= 0
    idx = codes[on].astype(np.int64) * h + horizon[on]
    out = np.empty((n_levels, h + 1))
    out[:, :h] = np.bincount(idx, weights=values[on], minlength=n_levels * h).reshape(n_levels, h)
    out[:, h] = out[:, :h].sum(axis=1)
    out /= n_h
    return out


def _residual(
    y: FloatArray,
    a: FloatArray,
    unit: IntArray,
    lam: FloatArray,
    period: IntArray,
    x: FloatArray,
    beta: FloatArray,
) -> FloatArray:
    """``y - a[unit] - lam[period] - x beta``, in place on one new array."""
    out = np.subtract(y, a.take(unit))
    out -= lam.take(period)
    if x.shape[1]:
        out -= x @ beta
    return out


def impute_twoway(
    y: FloatArray,
    x: FloatArray,
    treated: np.ndarray,
    unit: IntArray,
    n_units: int,
    period: IntArray,
    n_periods: int,
    horizon: IntArray,
    n_horizons: int,
) -> TwoWayImputation:
    """Fit on untreated rows, impute treated rows, average by horizon, solve for the weights.

    ``horizon`` is ``(n1,)``: the reported horizon (``0..H-1``) of each treated row, ``-1``
    for none. The estimand weights are ``1/N_h`` on the horizon's rows (and ``1/N`` on all
    reported rows for the pooled ATT), as in :func:`impute`.
    """
    un = ~treated
    unit0, period0, x0 = unit[un], period[un], x[un]
    fit = fit_untreated(x0, unit0, n_units, period0, n_periods)
    y0 = y[un]
    ones = np.ones(1)
    u_b_y = np.concatenate([np.bincount(period0, weights=y0, minlength=n_periods)[1:], x0.T @ y0])
    u_a_y = np.asarray(np.bincount(unit0, weights=y0, minlength=n_units), dtype=float)
    a, lam, beta = fit.solve(u_a_y[:, None], u_b_y[:, None])
    unit1, period1, x1 = unit[treated], period[treated], x[treated]
    resid0 = _residual(y0, a[:, 0], unit0, lam[:, 0], period0, x0, beta[:, 0])
    del unit0, period0, y0, x0
    tau = _residual(y[treated], a[:, 0], unit1, lam[:, 0], period1, x1, beta[:, 0])
    on = horizon >= 0
    n_h = np.bincount(horizon[on], minlength=n_horizons).astype(float)
    n_h = np.append(n_h, n_h.sum())
    estimates = _by_horizon(np.zeros(len(tau), dtype=np.intp), 1, horizon, n_h, tau)[0]
    w_a = _by_horizon(unit1, n_units, horizon, n_h, np.broadcast_to(ones, tau.shape))
    w_t = _by_horizon(period1, n_periods, horizon, n_h, np.broadcast_to(ones, tau.shape))
    w_x = (
        np.column_stack(
            [
                _by_horizon(np.zeros(len(tau), dtype=np.intp), 1, horizon, n_h, x1[:, j])[0]
                for j in range(x1.shape[1])
            ]
        ).T
        if x1.shape[1]
        else np.zeros((0, n_horizons + 1))
    )
    a_w, l_w, b_w = fit.solve(w_a, np.vstack([w_t[1:], w_x]))
    return TwoWayImputation(tau, resid0, estimates, a_w, l_w, b_w, n_h)


def twoway_vcov(
    imp: TwoWayImputation,
    centre: FloatArray,
    treated: np.ndarray,
    x: FloatArray,
    unit: IntArray,
    period: IntArray,
    horizon: IntArray,
    cluster: IntArray,
    n_clusters: int,
    nested: bool,
) -> FloatArray:
    """``(H+1, H+1)`` covariance ``S'S``, ``S_g = sum_{it in g} v_it e_it`` (as
    :func:`imputation_vcov`) without forming ``v``.

    ``centre`` is ``(n1,)`` for BJS (each row's cohort x horizon mean of ``tau``) or ``(H+1,)``
    for Gardner (each estimate). ``nested``: the clusters are the counties (codes = ``unit``).
    """
    un = ~treated
    e0 = imp.resid0
    c0, u0 = cluster[un], unit[un]
    if nested:
        s = -np.bincount(u0, weights=e0, minlength=n_clusters)[:, None] * imp.a_w
    else:
        e_gi = sp.csr_matrix((e0, (c0, u0)), shape=(n_clusters, imp.a_w.shape[0]))
        s = -np.asarray(e_gi @ imp.a_w)
    del u0
    n_t = imp.l_w.shape[0]
    key = c0.astype(np.int64) * n_t
    key += period[un]
    if n_clusters * n_t <= 4 * len(e0) + 1_000_000:  # residual sums by cluster x year
        e_gt = np.bincount(key, weights=e0, minlength=n_clusters * n_t).reshape(n_clusters, n_t)
        del key
        s -= e_gt @ imp.l_w
    else:
        del key
        e_gt_sp = sp.csr_matrix((e0, (c0, period[un])), shape=(n_clusters, n_t))
        s -= np.asarray(e_gt_sp @ imp.l_w)
    if x.shape[1]:
        s -= _sums(c0, n_clusters, x[un] * e0[:, None]) @ imp.b_w
    c1 = cluster[treated]
    s += _by_horizon(c1, n_clusters, horizon, imp.n_h, imp.tau)
    if centre.shape == imp.tau.shape:
        s -= _by_horizon(c1, n_clusters, horizon, imp.n_h, centre)
    else:
        ones = np.broadcast_to(np.ones(1), imp.tau.shape)
        s -= _by_horizon(c1, n_clusters, horizon, imp.n_h, ones) * centre
    out: FloatArray = s.T @ s
    return out
