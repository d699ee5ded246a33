"""Sun-Abraham's saturated regression on the structure of its dummies, without the dense design.

The regressors are ``K`` cohort x event-time dummies (one per cell; each row is in at most one
cell, code ``-1`` for none) and ``p`` covariates, with county and year effects absorbed. By
Frisch-Waugh-Lovell each dummy's residual on the effects is ``D_k - a_k[county] - l_k[year]``;
the year coefficients ``L`` (``T x K``) solve the ``T x T`` Schur system of the year effects
given the county effects, and the county coefficients are ``A = (U - C L) / n_i`` (``U``: county
x cell incidence, ``C``: county x year counts, ``n_i``: rows per county). With ``A`` (``N x K``)
and ``L`` the whole fit is built from per-cell, per-county and per-year sums:

* ``D~'D~ = diag(n_k) - A'U - L'S`` (``S``: year x cell counts), ``D~'y~`` = cell sums of ``y~``;
* residuals ``e = y~ - X~ b_X - b_D[cell] + (A b_D)[county] + (L b_D)[year]``;
* clustered scores ``sum_{r in g} e_r x~_r = E_gc - E_gi A - E_gt L`` (``E``: sums of ``e``
  by cluster and cell, county, year), so no ``n x K`` matrix is formed. The heteroskedastic
  meat is accumulated over blocks of rows.

Covariates and the outcome are demeaned with :func:`countyeconomy.linalg.demean` (closed form
on a balanced panel, the Schur solve otherwise), as in :func:`countyeconomy.twfe`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from countyeconomy._typing import FloatArray, IntArray, SmallSampleCorrection
from countyeconomy.inference import (
    HC1,
    IID,
    Cluster,
    DriscollKraay,
    VcovInputs,
    VcovSpec,
    compute_vcov,
)
from countyeconomy.linalg import (
    Factor,
    cross,
    demean,
    driscoll_kraay_meat,
    group_sums,
    sandwich,
)

__all__ = ["ABSORBED_TOL", "SaturatedFit", "fit_saturated", "saturated_vcov"]

ABSORBED_TOL = 1e-10
"""As :data:`countyeconomy.estimators.twfe.ABSORBED_TOL`."""
COLLINEAR_TOL = 1e-10
"""As :func:`countyeconomy.linalg.collinear_columns`: a column whose squared residual on the
earlier ones is below this share of its own squared norm is collinear."""
_BLOCK = 4096


@dataclass(frozen=True)
class SaturatedFit:
    """The saturated regression's coefficients and what its covariances need.

    Attributes
    ----------
    params
        ``(K + p,)`` cell coefficients, then covariates.
    bread
        ``(K + p, K + p)`` inverse of the demeaned regressors' cross-product.
    resid
        ``(n,)`` residuals.
    a, l
        ``(N, K)`` county and ``(T, K)`` year coefficients of each dummy on the fixed effects.
    xd
        ``(n, p)`` demeaned covariates.
    cell
        ``(n,)`` cell code of each row (``-1``: no dummy).
    counts
        ``(K,)`` rows per cell.
    method
        How the outcome and covariates were demeaned.
    """

    params: FloatArray
    bread: FloatArray
    resid: FloatArray
    a: FloatArray
    l: FloatArray  # noqa: E741
    xd: FloatArray
    cell: IntArray
    counts: IntArray
    method: str

    @property
    def rss(self) -> float:
        """Residual sum of squares."""
        return float(self.resid @ self.resid)


def _dummy_effects(
    cell: IntArray, county: Factor, year: Factor, k: int
) -> tuple[FloatArray, FloatArray, sp.csr_matrix, IntArray, IntArray]:
    """``A``, ``L``, the county x cell incidence ``U``, the cell counts and each cell's year."""
    n_c, n_t = county.n_levels, year.n_levels
    on = cell >= 0
    ci, ct, cc = county.codes[on], year.codes[on], cell[on]
    counts = np.bincount(cc, minlength=k)
    t_cell = np.zeros(k, dtype=np.intp)
    t_cell[cc] = ct
    c_mat = (
        np.bincount(county.codes.astype(np.int64) * n_t + year.codes, minlength=n_c * n_t)
        .reshape(n_c, n_t)
        .astype(float)
    )
    inv_n = 1.0 / c_mat.sum(axis=1)
    u = sp.csr_matrix((np.ones(len(cc)), (ci, cc)), shape=(n_c, k))
    cw = c_mat * inv_n[:, None]
    gram = np.diag(c_mat.sum(axis=0)) - c_mat.T @ cw
    rhs = -np.asarray((u.T @ cw).T)
    rhs[t_cell, np.arange(k)] += counts
    lmat = np.linalg.lstsq(gram, rhs, rcond=None)[0]
    amat = -(c_mat @ lmat)
    amat[ci, cc] += 1.0  # a county meets a cell in at most one row
    amat *= inv_n[:, None]
    return amat, lmat, u, counts, t_cell


def fit_saturated(
    y: FloatArray, x: FloatArray, cell: IntArray, k: int, county: Factor, year: Factor
) -> SaturatedFit | None:
    """OLS of ``y`` on ``k`` cell dummies and ``x`` with county and year effects absorbed.

    Returns None when a regressor has no variation left after absorbing the effects or the
    regressors are collinear: the caller then fits the dense design, which reports it.
    """
    n, p = x.shape
    stacked = np.empty((n, 1 + p), order="F")
    stacked[:, 0] = y
    stacked[:, 1:] = x
    dm = demean(stacked, [county, year])
    yd, xd = dm.values[:, 0], np.ascontiguousarray(dm.values[:, 1:])
    amat, lmat, u, counts, t_cell = _dummy_effects(cell, county, year, k)
    on = cell >= 0
    gram = np.empty((k + p, k + p))
    dd = (
        np.diag(counts.astype(float))
        - np.asarray(u.T @ amat).T
        - (lmat[t_cell] * counts[:, None]).T
    )
    gram[:k, :k] = (dd + dd.T) / 2.0
    dx = group_sums(xd[on], cell[on], k) if p else np.zeros((k, 0))
    gram[:k, k:], gram[k:, :k] = dx, dx.T
    gram[k:, k:] = xd.T @ xd
    rhs = np.concatenate([np.bincount(cell[on], weights=yd[on], minlength=k), xd.T @ yd])
    before_d = counts - counts**2 / n
    gone = np.diag(gram)[:k] <= ABSORBED_TOL * np.maximum(np.maximum(before_d, counts), 1e-300)
    if p:
        s1, s2 = x.sum(axis=0), np.einsum("ij,ij->j", x, x)
        before = np.maximum(s2 - s1 * s1 / n, 0.0)
        gone_x = np.diag(gram)[k:] <= ABSORBED_TOL * np.maximum(np.maximum(before, s2), 1e-300)
        gone = np.concatenate([gone, gone_x])
    if gone.any():
        return None
    try:  # the squared pivots are the residual norms collinear_columns compares, in order
        chol = scipy.linalg.cholesky(gram, lower=True)
    except np.linalg.LinAlgError:
        return None
    if np.any(np.diag(chol) ** 2 <= COLLINEAR_TOL * np.diag(gram)):
        return None
    cho = (chol, True)
    params = scipy.linalg.cho_solve(cho, rhs)
    bread = scipy.linalg.cho_solve(cho, np.eye(k + p))
    b_d = np.append(params[:k], 0.0)  # code -1 picks the 0
    resid = yd - b_d[cell]
    resid += (amat @ params[:k])[county.codes]
    resid += (lmat @ params[:k])[year.codes]
    if p:
        resid -= xd @ params[k:]
    return SaturatedFit(params, bread, resid, amat, lmat, xd, cell, counts, dm.method)


def score_sums(
    fit: SaturatedFit, codes: IntArray, n_groups: int, county: Factor, year: Factor
) -> FloatArray:
    """``(G, K + p)`` sums of the score rows ``e_r x~_r`` within each group of ``codes``."""
    k = fit.a.shape[1]
    e = fit.resid
    on = fit.cell >= 0
    out = np.empty((n_groups, k + fit.xd.shape[1]))
    idx = codes[on].astype(np.int64) * k + fit.cell[on]
    out[:, :k] = np.bincount(idx, weights=e[on], minlength=n_groups * k).reshape(n_groups, k)
    if codes is county.codes:
        out[:, :k] -= np.bincount(codes, weights=e, minlength=n_groups)[:, None] * fit.a
    else:
        e_gi = sp.csr_matrix((e, (codes, county.codes)), shape=(n_groups, county.n_levels))
        out[:, :k] -= e_gi @ fit.a
    e_gt = sp.csr_matrix((e, (codes, year.codes)), shape=(n_groups, year.n_levels))
    out[:, :k] -= e_gt @ fit.l
    if fit.xd.shape[1]:
        out[:, k:] = group_sums(fit.xd * e[:, None], codes, n_groups)
    return out


def _hc_meat(fit: SaturatedFit, county: Factor, year: Factor) -> FloatArray:
    """``sum_r e_r^2 x~_r x~_r'``, over blocks of rows."""
    k, p = fit.a.shape[1], fit.xd.shape[1]
    meat = np.zeros((k + p, k + p))
    for s in range(0, len(fit.resid), _BLOCK):
        sl = slice(s, s + _BLOCK)
        block = np.empty((len(fit.resid[sl]), k + p))
        np.negative(fit.a[county.codes[sl]], out=block[:, :k])
        block[:, :k] -= fit.l[year.codes[sl]]
        c = fit.cell[sl]
        rows = np.flatnonzero(c >= 0)
        block[rows, c[rows]] += 1.0
        block[:, k:] = fit.xd[sl]
        block *= fit.resid[sl, None]
        meat += block.T @ block
    return meat


def _first_rows(f: Factor) -> IntArray:
    first = np.empty(f.n_levels, dtype=np.intp)
    first[f.codes[::-1]] = np.arange(len(f.codes) - 1, -1, -1)
    return first


def _witness_rows(factors: list[Factor], groups: list[Factor]) -> IntArray:
    """Rows keeping every level of each factor and group, and whether each factor is nested
    in each group: the first row of every level, plus, for a factor not nested in a group, one
    row whose group differs from that of its level's first row."""
    picks = [_first_rows(f) for f in (*factors, *groups)]
    for f, first in zip(factors, picks, strict=False):
        for c in groups:
            off = np.flatnonzero(c.codes != c.codes[first][f.codes])
            picks.append(off[:1])
    # descending: group_sums then sums the zero scores by bincount, not a reduceat per level
    return np.unique(np.concatenate(picks))[::-1]


def saturated_vcov(
    fit: SaturatedFit,
    spec: VcovSpec,
    ssc: SmallSampleCorrection,
    fixed_effects: tuple[Factor, Factor],
    clusters: list[Factor] | None,
) -> tuple[FloatArray, int | None, dict[str, int]]:
    """Covariance, t degrees of freedom and cluster counts under ``spec`` and ``ssc``.

    The small-sample factor comes from :func:`countyeconomy.inference.compute_vcov`, given zero
    scores on the rows of :func:`_witness_rows` (the factor depends on the rows only through
    the level counts and nesting, which those rows keep); the meat from :func:`score_sums`.
    """
    n, kp = len(fit.resid), len(fit.params)
    county, year = fixed_effects
    groups = list(clusters or [])
    if len(groups) == 2:  # two-way: keep the levels of the intersection too
        groups.append(cross(groups[0], groups[1]))
    rows = _witness_rows([county, year], groups)
    sub = (
        Factor(county.codes[rows], county.n_levels, county.name),
        Factor(year.codes[rows], year.n_levels, year.name),
    )
    sub_clusters = (
        None if clusters is None else [Factor(f.codes[rows], f.n_levels, f.name) for f in clusters]
    )
    zeros = np.zeros((len(rows), kp))
    base = compute_vcov(spec, ssc, VcovInputs(zeros, fit.bread, fit.rss, n, sub), sub_clusters)
    if isinstance(spec, IID):
        return base.vcov, base.df_t, base.n_clusters
    if isinstance(spec, HC1):
        meat = _hc_meat(fit, county, year)
    elif isinstance(spec, DriscollKraay):
        (time,) = clusters or [year]
        h = score_sums(fit, time.codes, time.n_levels, county, year)
        meat = driscoll_kraay_meat(h, np.arange(time.n_levels), time.n_levels, spec.lags)
    elif isinstance(spec, Cluster) and clusters is not None:
        parts = []
        for f in (*clusters, *([cross(clusters[0], clusters[1])] if len(clusters) == 2 else [])):
            s = score_sums(fit, f.codes, f.n_levels, county, year)
            parts.append(s.T @ s)
        if len(parts) == 1:
            return base.factor * sandwich(fit.bread, parts[0]), base.df_t, base.n_clusters
        c1, c2, c12 = base.components
        v = sandwich(fit.bread, c1 * parts[0] + c2 * parts[1] - c12 * parts[2])
        vals, vecs = np.linalg.eigh(v)
        if np.any(vals < 0):  # as compute_vcov (fixest): clip to positive semi-definite
            v = (vecs * np.maximum(vals, 0)) @ vecs.T
        return v, base.df_t, base.n_clusters
    else:  # pragma: no cover - compute_vcov has rejected any other spec
        raise TypeError(spec)
    return base.factor * sandwich(fit.bread, meat), base.df_t, base.n_clusters
