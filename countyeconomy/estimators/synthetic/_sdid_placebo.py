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
    sum_normalize,
)

__all__ = ["placebo_rows"]


def _sparsify(v: FloatArray) -> FloatArray:
    return sum_normalize(np.where(v <= v.max() / 4.0, 0.0, v))


def _gram_form_small(y: FloatArray) -> tuple[FloatArray, FloatArray, float]:
    """:func:`gram_form` with an intercept, by ``einsum`` (no BLAS call: a threaded BLAS woken
    once per draw leaves its threads spinning against the Frank-Wolfe loop)."""
    y = y - y.mean(axis=0, keepdims=True)
    a, b = y[:, :-1], y[:, -1]
    return np.einsum("ij,ik->jk", a, a), np.einsum("ij,i->j", a, b), float(np.einsum("i,i", b, b))


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
        row_sum = gram.sum(axis=0)
        zo, zl = zetas[a]
        for j, perm in enumerate(perms):
            ctrl, tr = perm[:n0], perm[n0:]
            tr_a = pos[tr[treated_g == a]]
            rows = np.concatenate([ctrl, tr[treated_g == a]])
            sub = y[np.ix_(rows, cols)]
            sigma = noise_level(sub, n0, t0)
            min_decrease = 1e-5 * sigma if sigma > 0 else 1e-12
            if variant == "sdid":
                yl = collapse(sub, n0, t0)[:n0, :]
                lam = sc_weights(
                    yl,
                    zl,
                    intercept=True,
                    init=None,
                    min_decrease=min_decrease,
                    pre=_gram_form_small(yl),
                )
            else:
                lam = np.zeros(t0)
            # c = Z b with b the pseudo-treated mean row of Z: the mean of their Gram rows
            b = z[tr_a].mean(axis=0)
            c = gram[tr_a].mean(axis=0)
            blocked = pos[tr]
            x = np.zeros(len(pool))
            x[pos[ctrl]] = 1.0 / n0
            gx = (row_sum - gram[blocked].sum(axis=0)) / n0  # G x for the uniform start
            for max_iter in (PRE_SPARSIFY_ITER, MAX_ITER):
                first = max_iter == PRE_SPARSIFY_ITER
                x = frank_wolfe_gram(
                    gram,
                    c,
                    float(b @ b),
                    t0,
                    zo,
                    x if first else _sparsify(x),
                    min_decrease=min_decrease,
                    max_iter=max_iter,
                    blocked=blocked,
                    gx=gx if first else None,
                )
            u = np.concatenate([-x[pos[ctrl]], np.full(len(rows) - n0, 1.0 / (len(rows) - n0))])
            v = np.concatenate([-lam, np.full(len(cols) - t0, 1.0 / (len(cols) - t0))])
            tau = float(np.einsum("i,ij,j->", u, sub, v))
            out[j, 1 + cohorts.index(a)] = tau
            out[j, 0] += w * tau
    return out
