"""Placebo draws of synthetic DID without covariates, solved inside one Gram matrix per cohort.

In a placebo draw (Arkhangelsky et al. 2021, Algorithm 4) every unit is a never-treated unit of
the full design: a random subset plays the treated units, the rest the controls. The unit-weight
problem of a draw is therefore a sub-problem of one problem over the whole pool: its Gram matrix
``A'A`` is a block of the pool's Gram matrix ``Z Z'`` (``Z``: the pool's pre-period outcomes,
each unit centred on its own pre-period mean when the fit has an intercept), and ``A'b`` is
``Z b`` with ``b`` the pseudo-treated units' mean row of ``Z``. So the pool's Gram matrix is built
once per cohort and chunk, and each draw runs Frank-Wolfe on it with the pseudo-treated units
blocked at zero weight, instead of building a ``N0 x N0`` Gram matrix per draw. The iterates are
those of :func:`~countyeconomy.estimators.synthetic._sdid_kernels.sc_weights` on the draw's own
matrix (up to rounding); the time weights and the effect are computed as in
:func:`~countyeconomy.estimators.synthetic._sdid_kernels.fit_sdid`.
"""

from __future__ import annotations

import numpy as np

from countyeconomy._typing import FloatArray, IntArray
from countyeconomy.estimators.synthetic._sdid_design import cohort_weights
from countyeconomy.estimators.synthetic._sdid_kernels import (
    MAX_ITER,
    PRE_SPARSIFY_ITER,
    Variant,
    collapse,
    frank_wolfe_gram,
    noise_level,
    sc_weights,
    sdid_tau,
    sum_normalize,
)

__all__ = ["placebo_rows"]


def _sparsify(v: FloatArray) -> FloatArray:
    return sum_normalize(np.where(v <= v.max() / 4.0, 0.0, v))


def placebo_rows(
    y: FloatArray,
    pool: IntArray,
    perms: list[IntArray],
    treated_g: IntArray,
    years: IntArray,
    variant: Variant,
    zetas: dict[int, tuple[float, float]],
    cohorts: tuple[int, ...],
) -> FloatArray:
    """``[ATT, tau_a for each cohort of the full design]`` of each placebo draw.

    ``y``: the full design's outcomes (no covariates); ``pool``: its never-treated rows; ``perms``:
    one permutation of ``pool`` per draw, whose last ``len(treated_g)`` units get the cohorts
    ``treated_g``; ``zetas``: the full sample's ``(zeta_omega, zeta_lambda)`` per cohort;
    ``variant``: ``"sdid"`` or ``"sc"``.
    """
    n_tr = len(treated_g)
    n0 = len(pool) - n_tr
    pos = np.empty(len(y), dtype=np.int64)
    pos[pool] = np.arange(len(pool))
    draw_cohorts = tuple(int(a) for a in np.unique(treated_g))
    g_draw = np.concatenate([np.zeros(n0, dtype=np.int64), treated_g])
    weights = cohort_weights(g_draw, years, draw_cohorts)
    out = np.full((len(perms), len(cohorts) + 1), np.nan)
    out[:, 0] = 0.0
    intercept = variant == "sdid"
    for w, a in zip(weights, draw_cohorts, strict=True):
        pre, post = np.flatnonzero(years < a), np.flatnonzero(years >= a)
        cols = np.concatenate([pre, post])
        t0 = len(pre)
        z = y[np.ix_(pool, pre)]
        if intercept:
            z = z - z.mean(axis=1, keepdims=True)
        gram = z @ z.T
        zo, zl = zetas[a]
        for j, perm in enumerate(perms):
            ctrl, tr = perm[:n0], perm[n0:]
            rows = np.concatenate([ctrl, tr[treated_g == a]])
            sub = y[np.ix_(rows, cols)]
            sigma = noise_level(sub, n0, t0)
            min_decrease = 1e-5 * sigma if sigma > 0 else 1e-12
            if variant == "sdid":
                lam = sc_weights(
                    collapse(sub, n0, t0)[:n0, :],
                    zl,
                    intercept=True,
                    init=None,
                    min_decrease=min_decrease,
                )
            else:
                lam = np.zeros(t0)
            b = z[pos[tr[treated_g == a]]].mean(axis=0)
            c = z @ b
            blocked = pos[tr]
            x = np.zeros(len(pool))
            x[pos[ctrl]] = 1.0 / n0
            for max_iter in (PRE_SPARSIFY_ITER, MAX_ITER):
                x = frank_wolfe_gram(
                    gram,
                    c,
                    float(b @ b),
                    t0,
                    zo,
                    x if max_iter == PRE_SPARSIFY_ITER else _sparsify(x),
                    min_decrease=min_decrease,
                    max_iter=max_iter,
                    blocked=blocked,
                )
            tau = sdid_tau(sub, n0, t0, x[pos[ctrl]], lam)
            out[j, 1 + cohorts.index(a)] = tau
            out[j, 0] += w * tau
    return out
