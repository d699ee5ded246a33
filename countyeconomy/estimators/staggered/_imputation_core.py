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
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from countyeconomy._typing import FloatArray, IntArray
from countyeconomy.errors import IdentificationError

__all__ = ["ImputationArrays", "effect_design", "imputation_vcov", "impute"]


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
