"""Kernels of the Andrews-Roth-Pakes (ARP) conditional and hybrid tests used by HonestDiD.

The moment inequalities are ``E[y_T(theta)] - X_T tau <= 0`` with a nuisance ``tau``. The test
statistic is ``eta = min_{eta, tau} eta  s.t.  y_T - X_T tau <= eta * sigma`` (``sigma`` the standard
deviations of ``y_T``). Its dual is ``max_gamma gamma'y_T  s.t.  gamma >= 0, gamma'sigma = 1,
gamma'X_T = 0``; the feasible set is a bounded polytope, so the statistic is the maximum of
``gamma_v'y_T`` over the polytope's vertices ``gamma_v``. The kernels enumerate those vertices once
per polyhedral set (they do not depend on ``theta`` or on the data draw) and then evaluate the
statistic, the conditioning interval and the least-favourable critical value with array algebra.
No ``self``, no pandas.

References
----------
Andrews, I., Roth, J. and Pakes, A. (2023). Inference for linear conditional moment inequalities.
*Review of Economic Studies* 90(6), 2763-2791.
Rambachan, A. and Roth, J. (2023). A more credible approach to parallel trends. *Review of
Economic Studies* 90(5), 2555-2591.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations, islice
from math import comb

import numpy as np
from scipy import linalg

from countyeconomy._typing import FloatArray
from countyeconomy.errors import InvalidOptionError

__all__ = ["MomentSet", "arp_accept", "dual_vertices", "least_favorable_cv", "moment_set"]

MAX_SUBSETS = 400_000
"""Largest number of candidate bases enumerated for the dual vertices."""

_TOL = 1e-10


@dataclass(frozen=True)
class MomentSet:
    """Moments of one polyhedral restriction ``A delta <= d`` at a fixed target ``l'tau``.

    Shapes (``m`` moments, ``k`` nuisance dimensions, ``nv`` dual vertices): ``y0 (m,)``
    is ``A betahat - d``; ``a (m,)`` multiplies ``theta``; ``x (m, k)``; ``sigma_y (m, m)``;
    ``gammas (nv, m)`` the dual vertices.
    """

    y0: FloatArray
    a: FloatArray
    x: FloatArray
    sigma_y: FloatArray
    gammas: FloatArray


def _nuisance_basis(l_vec: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``tau = tau0 * theta + N @ tau_tilde`` with ``l'tau0 = 1`` and ``N`` spanning ``ker(l')``.

    The test is invariant to the choice of basis (the column space of ``A_post N`` is fixed)."""
    tau0 = l_vec / float(l_vec @ l_vec)
    null = linalg.null_space(l_vec[None, :])
    return tau0, np.asarray(null, dtype=np.float64)


def dual_vertices(sd: FloatArray, x: FloatArray) -> FloatArray:
    """Vertices ``(nv, m)`` of ``{gamma >= 0 : gamma'sd = 1, gamma'x = 0}``.

    A vertex has at most ``k + 1`` positive entries; each candidate support ``S`` of size
    ``k + 1`` gives ``[sd_S, x_S]' gamma_S = e_1``. Raises when there are too many candidates.
    """
    m, k = x.shape
    size = k + 1
    n_sub = comb(m, size)
    if n_sub > MAX_SUBSETS:
        raise InvalidOptionError(
            f"the ARP test would enumerate {n_sub:,} candidate bases ({m} moments, {k} nuisance "
            f"parameters); use fewer post-treatment periods (at most {MAX_SUBSETS:,} bases)."
        )
    w = np.column_stack([sd, x])
    rhs = np.zeros(size)
    rhs[0] = 1.0
    found: list[FloatArray] = []
    combos = combinations(range(m), size)
    while chunk := list(islice(combos, 50_000)):
        subsets = np.asarray(chunk, dtype=np.intp)
        mats = np.transpose(w[subsets], (0, 2, 1))  # (n, size, size): W_S'
        ok = np.abs(np.linalg.det(mats)) > 1e-12 * np.prod(np.abs(mats).max(axis=2), axis=1)
        if not ok.any():
            continue
        sol = np.linalg.solve(mats[ok], np.broadcast_to(rhs, (int(ok.sum()), size))[..., None])
        sol = sol[..., 0]
        feasible = (sol >= -1e-9).all(axis=1)
        gam = np.zeros((int(feasible.sum()), m))
        rows = np.arange(gam.shape[0])[:, None]
        gam[rows, subsets[ok][feasible]] = np.clip(sol[feasible], 0.0, None)
        found.append(gam)
    if not found or sum(g.shape[0] for g in found) == 0:
        return np.zeros((0, m))
    gam = np.vstack(found)
    return np.unique(np.round(gam, 12), axis=0)


def moment_set(
    a_mat: FloatArray,
    d_vec: FloatArray,
    betahat: FloatArray,
    sigma: FloatArray,
    l_vec: FloatArray,
    num_pre: int,
) -> MomentSet:
    """Moments ``y_T(theta) = A betahat - d - A_post tau0 theta`` and ``X_T = A_post N``.

    Only the rows that involve a post-period coefficient enter (as HonestDiD's
    ``postPeriodMomentsOnly``); rows on the pre-period alone carry no information on ``theta``.
    """
    post = a_mat[:, num_pre:]
    rows = np.abs(post).sum(axis=1) > _TOL
    a_mat, d_vec, post = a_mat[rows], d_vec[rows], post[rows]
    tau0, null = _nuisance_basis(l_vec)
    x = post @ null
    sigma_y = a_mat @ sigma @ a_mat.T
    sd = np.sqrt(np.diag(sigma_y))
    return MomentSet(
        y0=a_mat @ betahat - d_vec,
        a=post @ tau0,
        x=x,
        sigma_y=sigma_y,
        gammas=dual_vertices(sd, x),
    )


def least_favorable_cv(
    ms: MomentSet, kappa: float, sims: int, seed: int | np.random.SeedSequence
) -> float:
    """``1 - kappa`` quantile of ``max_v gamma_v' xi`` with ``xi ~ N(0, Sigma_y)`` (``sims`` draws
    from ``numpy.random.default_rng(seed)``): the least-favourable first-stage critical value."""
    rng = np.random.default_rng(seed)
    chol = linalg.cholesky(
        ms.sigma_y + 1e-14 * np.eye(len(ms.y0)) * np.trace(ms.sigma_y), lower=True
    )
    xi = rng.standard_normal((sims, len(ms.y0))) @ chol.T
    eta = (xi @ ms.gammas.T).max(axis=1)
    return float(np.quantile(eta, 1.0 - kappa))


def arp_accept(
    ms: MomentSet,
    theta: FloatArray,
    alpha: float,
    *,
    lf_cv: float | None,
    kappa: float,
) -> np.ndarray:
    """Accept (``True``) / reject for each ``theta`` (shape ``(g,)``) at level ``alpha``.

    ``lf_cv=None`` gives the conditional test; otherwise the hybrid: reject when the statistic
    exceeds ``lf_cv``, else a conditional test of size ``(alpha - kappa) / (1 - kappa)`` with the
    conditioning interval truncated above at ``lf_cv``.
    """
    from scipy import stats

    g = ms.gammas
    if g.shape[0] == 0:  # the statistic is unbounded below: never reject
        return np.ones(theta.shape, dtype=bool)
    y = ms.y0[:, None] - ms.a[:, None] * theta[None, :]  # (m, g)
    vals = g @ y  # (nv, g)
    star = vals.argmax(axis=0)
    eta = vals[star, np.arange(theta.size)]
    cmat = g @ ms.sigma_y @ g.T  # (nv, nv)
    q = np.diag(cmat)[star]  # gamma*' Sigma gamma*
    degenerate = q < np.finfo(float).eps * max(float(np.abs(cmat).max()), 1.0)
    q_safe = np.where(degenerate, 1.0, q)
    beta = cmat[:, star] / q_safe[None, :]  # slope of each vertex's line in c
    alpha_v = vals - beta * eta[None, :]  # intercept: gamma_v's with s = y - b * eta
    one_minus = 1.0 - beta
    scale = np.sqrt(q_safe)
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = alpha_v / one_minus
    lo_mask = one_minus > 1e-9
    up_mask = one_minus < -1e-9
    vlo = np.where(lo_mask, bound, -np.inf).max(axis=0)
    vup = np.where(up_mask, bound, np.inf).min(axis=0)
    size = alpha
    if lf_cv is not None:
        size = (alpha - kappa) / (1.0 - kappa)
        vup = np.minimum(vup, lf_cv)
    zlo, zup, stat = vlo / scale, vup / scale, eta / scale
    inside = (zlo <= stat + 1e-12) & (stat <= zup + 1e-12)
    lo_c = np.clip(zlo, -38.0, 38.0)
    up_c = np.clip(np.maximum(zup, lo_c + 1e-12), -38.0, 38.0)
    cval = np.maximum(0.0, stats.truncnorm.ppf(1.0 - size, lo_c, up_c))
    cval = np.where(np.isnan(cval), up_c, cval)
    reject = np.where(degenerate, eta > 0, inside & (stat > cval))
    if lf_cv is not None:
        reject |= eta > lf_cv
    return np.asarray(~reject, dtype=bool)
