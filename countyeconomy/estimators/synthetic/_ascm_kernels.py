"""Pure kernels of the ridge-augmented synthetic control (Ben-Michael, Feller and Rothstein 2021).

Notation: ``y1`` (T) and ``y0`` (J x T) are the outcomes of the treated unit and the donors over
every year; ``c1`` (k) and ``c0`` (J x k) are extra balanced features (scaled covariates, possibly
empty). A fit on the years ``periods`` balances ``x1 = [y1[periods], c1]`` against the donors'
rows ``x0 = [y0[:, periods], c0]``:

- the SCM weights ``w`` minimise ``||x1 - x0' w||`` on the simplex;
- the ridge correction adds ``Xc (Xc' Xc + lambda I)^{-1} (x1 - x0' w)``, ``Xc`` the donor rows
  centred at their mean. This is the paper's ``Y_hat = sum_i w_i Y_i + (X_1 - sum_i w_i X_i)'
  eta_ridge`` written as weights; the intercept cancels because ``w`` sums to one.

``lambda -> inf`` returns the SCM weights; the augmented weights still sum to one but may be
negative.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from countyeconomy._typing import FloatArray
from countyeconomy.estimators.synthetic._scm_kernels import simplex_weights

__all__ = [
    "AscmWeights",
    "ascm_weights",
    "choose_lambda",
    "conformal_average_p",
    "conformal_period_p",
    "cv_errors",
    "invert_test",
    "jackknife_plus",
    "lambda_grid",
    "residualise_outcomes",
]


@dataclass(frozen=True)
class AscmWeights:
    """SCM weights ``w_scm`` and ridge-augmented weights ``w_aug`` of one fit."""

    w_scm: FloatArray
    w_aug: FloatArray


def _features(
    y1: FloatArray, y0: FloatArray, c1: FloatArray, c0: FloatArray, periods: np.ndarray
) -> tuple[FloatArray, FloatArray]:
    x1 = np.concatenate([y1[periods], c1])
    x0 = np.column_stack([y0[:, periods], c0])
    return x1, x0


def _scm(x1: FloatArray, x0: FloatArray) -> FloatArray:
    return simplex_weights(x1, x0.T, np.ones(len(x1)))


def _ridge_basis(x0: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    xc = x0 - x0.mean(axis=0)
    u, s, vt = np.linalg.svd(xc, full_matrices=False)
    return u, s, vt


def _augment(
    w: FloatArray, d: FloatArray, basis: tuple[FloatArray, FloatArray, FloatArray], lam: float
) -> FloatArray:
    u, s, vt = basis
    if not np.isfinite(lam):
        return w.copy()
    shrink = s / (s**2 + lam) if lam > 0 else np.where(s > 1e-10 * s.max(initial=0), 1 / s, 0)
    out: FloatArray = w + u @ (shrink * (vt @ d))
    return out


def ascm_weights(
    y1: FloatArray,
    y0: FloatArray,
    c1: FloatArray,
    c0: FloatArray,
    periods: np.ndarray,
    lam: float,
) -> AscmWeights:
    """SCM and ridge-augmented weights balancing ``periods`` (and the extra features)."""
    x1, x0 = _features(y1, y0, c1, c0, periods)
    w = _scm(x1, x0)
    return AscmWeights(w, _augment(w, x1 - w @ x0, _ridge_basis(x0), lam))


def lambda_grid(x0: FloatArray, n_lambda: int = 20, ratio: float = 1e-8) -> FloatArray:
    """``n_lambda + 1`` penalties from the largest squared singular value of the centred donor
    rows down to ``ratio`` times it, geometrically (augsynth's ``create_lambda_list``)."""
    s1 = float(np.linalg.svd(x0 - x0.mean(axis=0), compute_uv=False)[0])
    top = s1**2 if s1 > 0 else 1.0
    out: FloatArray = top * ratio ** (np.arange(n_lambda + 1) / n_lambda)
    return out


def cv_errors(
    y1: FloatArray,
    y0: FloatArray,
    c1: FloatArray,
    c0: FloatArray,
    pre: np.ndarray,
    lambdas: FloatArray,
) -> FloatArray:
    """Leave-one-pre-period-out squared prediction errors (held-out year x lambda).

    Each pre-period year but the last is held out in turn (augsynth's ``get_lambda_errors`` with
    ``holdout_length = 1``): SCM and the ridge are refitted on the other pre-period years and the
    treated unit's held-out outcome is predicted for every ``lambda``.
    """
    errs = np.empty((len(pre) - 1, len(lambdas)))
    for r in range(len(pre) - 1):
        keep = np.delete(pre, r)
        x1, x0 = _features(y1, y0, c1, c0, keep)
        w = _scm(x1, x0)
        u, s, vt = _ridge_basis(x0)
        coef = vt @ (x1 - w @ x0)
        shrink = s[:, None] / (s[:, None] ** 2 + lambdas[None, :])
        weights = w[:, None] + u @ (shrink * coef[:, None])  # donors x lambdas
        pred = y0[:, pre[r]] @ weights
        errs[r] = (y1[pre[r]] - pred) ** 2
    return errs


def choose_lambda(lambdas: FloatArray, errs: FloatArray) -> tuple[float, FloatArray, FloatArray]:
    """The largest ``lambda`` whose mean CV error is within one standard error of the minimum
    (augsynth's default ``min_1se = TRUE``); also the mean errors and their standard errors."""
    mean = errs.mean(axis=0)
    se = errs.std(axis=0, ddof=1) / np.sqrt(len(errs)) if len(errs) > 1 else np.zeros_like(mean)
    best = int(np.argmin(mean))
    ok = mean <= mean[best] + se[best]
    return float(lambdas[ok].max()), mean, se


def residualise_outcomes(
    y1: FloatArray, y0: FloatArray, z1: FloatArray, z0: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Residuals of every year's outcome on the covariates (with an intercept), the
    coefficients estimated on the donors only (augsynth's ``residualize = TRUE``)."""
    d0 = np.column_stack([np.ones(len(z0)), z0])
    beta, *_ = np.linalg.lstsq(d0, y0, rcond=None)
    r0: FloatArray = y0 - d0 @ beta
    r1: FloatArray = y1 - np.concatenate([[1.0], z1]) @ beta
    return r1, r0


def _residuals(
    y1: FloatArray, y0: FloatArray, c1: FloatArray, c0: FloatArray, periods: np.ndarray, lam: float
) -> FloatArray:
    w = ascm_weights(y1, y0, c1, c0, periods, lam).w_aug
    out: FloatArray = y1[periods] - w @ y0[:, periods]
    return out


def conformal_period_p(
    y1: FloatArray,
    y0: FloatArray,
    c1: FloatArray,
    c0: FloatArray,
    pre: np.ndarray,
    t: int,
    lam: float,
    null: float,
) -> float:
    """Conformal p-value of ``effect in year t = null`` (Chernozhukov, Wuthrich and Zhu 2021).

    The treated outcome of year ``t`` minus ``null`` joins the pre-period, the ASCM is refitted
    on those ``T0 + 1`` years, and the p-value is the share of the ``T0 + 1`` absolute residuals at
    least as large as year ``t``'s (the moving-block permutations of one year); never below
    ``1 / (T0 + 1)``.
    """
    adj = y1.copy()
    adj[t] -= null
    u = np.abs(_residuals(adj, y0, c1, c0, np.append(pre, t), lam))
    return float(np.mean(u >= u[-1] * (1 - 1e-12)))


def conformal_average_p(
    y1: FloatArray,
    y0: FloatArray,
    c1: FloatArray,
    c0: FloatArray,
    n_pre: int,
    lam: float,
    null: float,
) -> float:
    """Conformal p-value of ``effect = null in every post-period year``: the ASCM is refitted on
    every year with the treated post-period outcomes minus ``null``; the statistic is the sum of
    the post-period absolute residuals over ``sqrt(T1)`` (``q = 1``), compared across all ``T``
    moving-block (cyclic) permutations of the years. Never below ``1 / T``."""
    adj = y1.copy()
    adj[n_pre:] -= null
    n = len(y1)
    u = np.abs(_residuals(adj, y0, c1, c0, np.arange(n), lam))
    csum = np.concatenate([[0.0], np.cumsum(np.concatenate([u, u]))])
    t1 = n - n_pre
    stats = np.array([csum[n_pre + j + t1] - csum[n_pre + j] for j in range(n)])
    return float(np.mean(stats >= stats[0] * (1 - 1e-12)))


def invert_test(
    pvalue: Callable[[float], float],
    center: float,
    scale: float,
    alpha: float,
    n_grid: int = 50,
    refine: int = 12,
) -> tuple[float, float]:
    """``[lowest, highest]`` null value not rejected (``p > alpha``): a grid over
    ``center +- 4 scale`` (widened up to 64-fold while an end is accepted; infinite beyond), then
    each end refined by bisection. NaN-NaN when no grid value is accepted."""
    scale = scale if scale > 0 and np.isfinite(scale) else 1.0
    half = 4.0 * scale
    for _ in range(7):
        grid = center + np.linspace(-half, half, n_grid)
        acc = np.array([pvalue(float(g)) > alpha for g in grid])
        if not acc.any():
            return float("nan"), float("nan")
        if not (acc[0] or acc[-1]):
            break
        half *= 2.0
    ends = []
    for edge, step in ((int(np.argmax(acc)), -1), (int(len(acc) - 1 - np.argmax(acc[::-1])), 1)):
        j = edge + step
        if j < 0 or j >= len(grid):
            ends.append(-np.inf if step < 0 else np.inf)
            continue
        inside, outside = float(grid[edge]), float(grid[j])
        for _ in range(refine):
            mid = 0.5 * (inside + outside)
            if pvalue(mid) > alpha:
                inside = mid
            else:
                outside = mid
        ends.append(inside)
    return float(ends[0]), float(ends[1])


def jackknife_plus(
    y1: FloatArray,
    y0: FloatArray,
    c1: FloatArray,
    c0: FloatArray,
    pre: np.ndarray,
    post: np.ndarray,
    lam: float,
    alpha: float,
) -> tuple[FloatArray, FloatArray]:
    """Time jackknife+ intervals (Barber, Candes, Ramdas and Tibshirani 2021) for the effect in
    each post-period year and for their mean (last entry).

    Each pre-period year ``i`` is left out in turn: the ASCM refitted without it predicts year
    ``i`` (absolute residual ``R_i``) and the post-period counterfactuals ``mu_i``. The
    counterfactual interval is ``[q_alpha^-(mu_i - R_i), q_{1-alpha}^+(mu_i + R_i)]`` (order
    statistics ``floor(alpha (n+1))`` and ``ceil((1-alpha)(n+1))`` of the ``n`` pre-period years;
    infinite when ``n`` is too small), and the effect interval is the treated outcome minus it.
    """
    n = len(pre)
    mu = np.empty((n, len(post) + 1))
    res = np.empty(n)
    for r in range(n):
        keep = np.delete(pre, r)
        w = ascm_weights(y1, y0, c1, c0, keep, lam).w_aug
        res[r] = abs(y1[pre[r]] - w @ y0[:, pre[r]])
        cf = w @ y0[:, post]
        mu[r, :-1] = cf
        mu[r, -1] = cf.mean()
    k_lo = int(np.floor(alpha * (n + 1)))
    k_hi = int(np.ceil((1 - alpha) * (n + 1)))
    lo_cf = (
        np.sort(mu - res[:, None], axis=0)[k_lo - 1] if k_lo >= 1 else np.full(mu.shape[1], -np.inf)
    )
    hi_cf = (
        np.sort(mu + res[:, None], axis=0)[k_hi - 1] if k_hi <= n else np.full(mu.shape[1], np.inf)
    )
    obs = np.append(y1[post], y1[post].mean())
    lo: FloatArray = obs - hi_cf
    hi: FloatArray = obs - lo_cf
    return lo, hi
