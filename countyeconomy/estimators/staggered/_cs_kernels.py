"""Numerical kernels of Callaway and Sant'Anna (2021): 2x2 DiD estimators and their influence
functions, aggregation influence functions and the multiplier bootstrap. Pure functions over arrays.

Influence functions follow the scale of R ``did``: for ``n`` units an estimate's influence function
``psi`` (length ``n``) has mean zero and the variance of the estimate is ``psi @ psi / n**2``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from countyeconomy._typing import FloatArray
from countyeconomy.errors import IdentificationError

__all__ = [
    "PropensityFit",
    "TwoByTwo",
    "aggregate_if",
    "did_panel_2x2",
    "logit_fit",
    "multiplier_draws",
    "propensity",
    "weight_if",
]

PS_CLIP = 1e-6
"""Propensity scores are kept in ``[1e-6, 1 - 1e-6]`` (as DRDID does)."""
TRIM_LEVEL = 0.995
"""Comparison units with a propensity score at or above this are trimmed (DRDID's default)."""
MAMMEN_LOW = (1.0 - np.sqrt(5.0)) / 2.0
MAMMEN_HIGH = (1.0 + np.sqrt(5.0)) / 2.0
MAMMEN_P_LOW = (np.sqrt(5.0) + 1.0) / (2.0 * np.sqrt(5.0))


@dataclass(frozen=True)
class TwoByTwo:
    """One 2x2 comparison: ``att`` and its influence function ``inf`` (shape ``(n_cell,)``, on the
    cell's own scale: ``var(att) = inf @ inf / n_cell**2``)."""

    att: float
    inf: FloatArray


def _inv(a: FloatArray) -> FloatArray:
    """Inverse of a small symmetric positive definite matrix (closed form up to 2 x 2: the
    k x k systems here are solved ~10^3 times per fit, where LAPACK's call overhead dominates)."""
    k = a.shape[0]
    if k == 1:
        return np.array([[1.0 / float(a[0, 0])]])
    if k == 2:
        det = float(a[0, 0] * a[1, 1] - a[0, 1] * a[1, 0])
        if not det > 0:
            raise np.linalg.LinAlgError("singular matrix")
        return np.array([[a[1, 1], -a[0, 1]], [-a[1, 0], a[0, 0]]], dtype=np.float64) / det
    return np.asarray(np.linalg.inv(a), dtype=np.float64)


def _solve(a: FloatArray, b: FloatArray) -> FloatArray:
    if a.shape[0] <= 2:
        return _inv(a) @ b
    return np.asarray(np.linalg.solve(a, b), dtype=np.float64)


def logit_fit(
    x: FloatArray,
    d: FloatArray,
    w: FloatArray,
    *,
    start: FloatArray | None = None,
    max_iter: int = 100,
) -> FloatArray:
    """Weighted logit maximum likelihood by Newton-Raphson; returns the coefficients.

    ``x`` is ``(n, k)`` (include an intercept column), ``d`` is 0/1 and ``w`` non-negative weights;
    ``start`` is an optional starting value. Iterates until the Newton step is below ``1e-11``
    (relative), where quadratic convergence leaves an error far below that.
    """
    beta = np.zeros(x.shape[1]) if start is None else start.copy()
    for _ in range(max_iter):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        grad = x.T @ (w * (d - p))
        hess = x.T @ (x * (w * p * (1.0 - p))[:, None])
        try:
            step = _solve(hess, grad)
        except np.linalg.LinAlgError as exc:
            raise IdentificationError(
                "the propensity-score logit is singular (covariates collinear or perfectly "
                "predicting treatment); drop or recode covariates."
            ) from exc
        beta = beta + step
        if float(np.abs(step).max()) < 1e-11 * (1.0 + float(np.abs(beta).max())):
            break
    if not np.all(np.isfinite(beta)):
        raise IdentificationError("the propensity-score logit did not converge (separation?).")
    return beta


def _wols(x: FloatArray, y: FloatArray, w: FloatArray) -> FloatArray:
    xtwx = (x * w[:, None]).T @ x
    try:
        beta: FloatArray = _solve(xtwx, (x * w[:, None]).T @ y)
    except np.linalg.LinAlgError as exc:
        raise IdentificationError(
            "the outcome regression on comparison units is singular: too few comparison units "
            "for the covariates, or collinear covariates."
        ) from exc
    return beta


@dataclass(frozen=True)
class PropensityFit:
    """A fitted logit on one cell sample: coefficients ``beta``, clipped scores ``ps`` ``(n,)`` and
    the asymptotic linear representation ``alr`` ``(n, k)``."""

    beta: FloatArray
    ps: FloatArray
    alr: FloatArray


def propensity(
    x: FloatArray, d: FloatArray, w: FloatArray, start: FloatArray | None = None
) -> PropensityFit:
    """Logit propensity scores, clipped to ``[PS_CLIP, 1 - PS_CLIP]``, with the logit's
    asymptotic linear representation (``w`` normalised to mean one)."""
    n = len(d)
    beta = logit_fit(x, d, w, start=start)
    ps = np.clip(1.0 / (1.0 + np.exp(-(x @ beta))), PS_CLIP, 1.0 - PS_CLIP)
    wgt = ps * (1.0 - ps) * w
    hessian = _inv(x.T @ (x * wgt[:, None])) * n
    alr = (x * (w * (d - ps))[:, None]) @ hessian
    return PropensityFit(beta, ps, alr)


def did_panel_2x2(
    dy: FloatArray,
    d: FloatArray,
    x: FloatArray,
    w: FloatArray,
    method: str,
    ps_fit: PropensityFit | None = None,
) -> TwoByTwo:
    """ATT of one panel 2x2 comparison and its influence function.

    Parameters
    ----------
    dy
        Outcome change ``y_t - y_base`` per unit, shape ``(n,)``.
    d
        1 for the treated cohort, 0 for comparison units.
    x
        Covariates at the base period with an intercept column first, shape ``(n, k)``.
    w
        Unit weights (normalised here to mean one).
    method
        ``"reg"`` (outcome regression, Heckman et al. 1997), ``"ipw"`` (normalised inverse
        probability weighting, Abadie 2005) or ``"dr"`` (locally efficient doubly robust, Sant'Anna
        and Zhao 2020, eq. 3.1, as ``DRDID::drdid_panel``).
    ps_fit
        A propensity fit of this very sample (``x``, ``d``, ``w``) to reuse; fitted if ``None``.

    References
    ----------
    Sant'Anna, P. H. C. and Zhao, J. (2020). Doubly robust difference-in-differences estimators.
    *Journal of Econometrics* 219(1), 101-122.
    """
    n = len(dy)
    w = w / w.mean()
    if x.shape[1] == 1:  # intercept only: all three methods reduce to the difference in means
        return _did_means(dy, d, w)
    if method == "reg":
        return _did_reg(dy, d, x, w, n)
    fit = ps_fit if ps_fit is not None else propensity(x, d, w)
    ps, alr_ps = fit.ps, fit.alr
    keep = np.where(d == 1, True, ps < TRIM_LEVEL)
    w_t = keep * w * d
    w_c = keep * w * ps * (1.0 - d) / (1.0 - ps)
    if method == "ipw":
        out = np.zeros(n)
        alr_ols = np.zeros((n, x.shape[1]))
    else:
        ctrl = d == 0
        beta = _wols(x[ctrl], dy[ctrl], w[ctrl])
        out = x @ beta
        w_ols = w * (1.0 - d)
        xpx_inv = _inv((x * w_ols[:, None]).T @ x / n)
        alr_ols = (x * (w_ols * (dy - out))[:, None]) @ xpx_inv
    m_t, m_c = float(w_t.mean()), float(w_c.mean())
    if m_t == 0 or m_c == 0:
        raise IdentificationError("no treated or comparison units left after trimming.")
    att_t = w_t * (dy - out)
    att_c = w_c * (dy - out)
    eta_t, eta_c = float(att_t.mean()) / m_t, float(att_c.mean()) / m_c
    inf_t = (att_t - w_t * eta_t - alr_ols @ (w_t @ x / n)) / m_t
    resid_c = att_c - w_c * eta_c
    inf_c = (resid_c + alr_ps @ (resid_c @ x / n) - alr_ols @ (w_c @ x / n)) / m_c
    return TwoByTwo(eta_t - eta_c, inf_t - inf_c)


def _did_means(dy: FloatArray, d: FloatArray, w: FloatArray) -> TwoByTwo:
    n = len(dy)
    w_t, w_c = w * d, w * (1.0 - d)
    s_t, s_c = float(w_t.sum()), float(w_c.sum())
    eta_t, eta_c = float(w_t @ dy) / s_t, float(w_c @ dy) / s_c
    inf = n * (w_t * (dy - eta_t) / s_t - w_c * (dy - eta_c) / s_c)
    return TwoByTwo(eta_t - eta_c, inf)


def _did_reg(dy: FloatArray, d: FloatArray, x: FloatArray, w: FloatArray, n: int) -> TwoByTwo:
    ctrl = d == 0
    beta = _wols(x[ctrl], dy[ctrl], w[ctrl])
    out = x @ beta
    w_t = w * d
    m_t = float(w_t.mean())
    eta_t = float((w_t * dy).mean()) / m_t
    eta_c = float((w_t * out).mean()) / m_t
    w_ols = w * (1.0 - d)
    xpx_inv = _inv((x * w_ols[:, None]).T @ x / n)
    alr_ols = (x * (w_ols * (dy - out))[:, None]) @ xpx_inv
    inf_t = (w_t * dy - w_t * eta_t) / m_t
    inf_c = (w_t * out - w_t * eta_c + alr_ols @ (w_t @ x / n)) / m_t
    return TwoByTwo(eta_t - eta_c, inf_t - inf_c)


def weight_if(
    keepers: np.ndarray, cell_pg: FloatArray, w: FloatArray, unit_is_cell_group: FloatArray
) -> FloatArray:
    """Influence function of the estimated aggregation weights ``pg_k / sum(pg)``.

    ``keepers`` indexes the cells aggregated, ``cell_pg`` is each cell's group share
    ``mean(w * 1{G = g_k})``, ``w`` the unit weights and ``unit_is_cell_group`` the ``(n, K)``
    indicators ``1{G_i = g_k}``. Returns ``(n, len(keepers))``. Callaway and Sant'Anna (2021),
    Appendix; the same term as R ``did``'s ``wif``.
    """
    pg = cell_pg[keepers]
    total = float(pg.sum())
    dev = w[:, None] * unit_is_cell_group[:, keepers] - pg[None, :]
    if1 = dev / total
    if2 = np.outer(dev.sum(axis=1), pg) / total**2
    out: FloatArray = if1 - if2
    return out


def aggregate_if(
    inf: FloatArray,
    att: FloatArray,
    keepers: np.ndarray,
    weights: FloatArray,
    wif: FloatArray | None,
) -> FloatArray:
    """Influence function of ``sum_k weights_k * att_k`` over ``keepers``, adding the weight term."""
    out: FloatArray = inf[:, keepers] @ weights
    if wif is not None:
        out = out + wif @ att[keepers]
    return out


def multiplier_draws(
    cluster_if: FloatArray, n_draws: int, seed: np.random.SeedSequence, kind: str
) -> FloatArray:
    """``n_draws`` multiplier-bootstrap draws ``sqrt(G) * mean_c(v_c * cluster_if_c)``.

    ``cluster_if`` is ``(G, K)`` (cluster means of the influence function); the weights ``v`` are
    Mammen's two-point weights (R ``did``'s choice) or Rademacher. Returns ``(n_draws, K)``.
    The product is taken in single precision (relative error ~1e-6, far below the Monte Carlo
    error of any bootstrap), which halves its cost.
    """
    rng = np.random.default_rng(seed)
    n_clusters = cluster_if.shape[0]
    lo, hi, cut = (MAMMEN_LOW, MAMMEN_HIGH, MAMMEN_P_LOW) if kind == "mammen" else (-1.0, 1.0, 0.5)
    # v = hi + (lo - hi) * 1{u < cut}, so v @ m = hi * colsum(m) + (lo - hi) * (B @ m)
    low = (rng.random((n_draws, n_clusters), dtype=np.float32) < np.float32(cut)).astype(np.float32)
    prod = (low @ cluster_if.astype(np.float32)).astype(np.float64)
    out: FloatArray = (hi * cluster_if.sum(axis=0) + (lo - hi) * prod) / np.sqrt(n_clusters)
    return out
