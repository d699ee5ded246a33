"""Concentrated quasi-maximum likelihood kernels for fixed-effects spatial panels (pure numpy).

Arrays are ``(T, N)`` (or ``(T, N, K)``): time first, counties in the weights' order. Spatial lags
are taken on the raw data and then demeaned like every other variable.

Two approaches (Lee and Yu 2010):

* ``direct`` (``bias_correction=False``): the demeaned data treated as ``N T`` observations, with
  ``T log|I - rho W|`` (Elhorst 2003; spreg's ``Panel_FE_Lag``/``Panel_FE_Error`` with county
  effects).
* ``transformation`` (``bias_correction=True``): the likelihood of the data after the orthonormal
  transformation that removes the effects, with ``n_eff`` observations and ``t_eff`` Jacobian
  terms: county effects ``n_eff = N (T - 1)``, ``t_eff = T - 1``; year effects
  ``n_eff = (N - 1) T``; two-way ``(N - 1)(T - 1)``. With year effects the Jacobian is
  ``log|I - rho W| - log(1 - rho)`` (row-standardised W). This is Lee and Yu's bias-corrected
  estimator: with county effects only it changes only ``sigma2`` (by ``T / (T - 1)``); with year
  or two-way effects it also corrects ``rho`` and ``beta``.

The log-determinant (:class:`LogDet`) is ``sum_i log(1 - rho omega_i)`` over the eigenvalues
``omega`` of ``W`` when they are given (``O(N^3)`` once), else the sum of ``log|u_ii|`` of a sparse
LU factorisation of ``I - rho W`` at each step of the search (exact; ``rho`` then searched in
``(-1, 1)``, valid for row-standardised ``W``, as spreg does).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from countyeconomy._typing import FloatArray

__all__ = [
    "LogDet",
    "MLFit",
    "Scheme",
    "demean",
    "fit_error",
    "fit_lag",
    "inverse_traces",
    "log_det",
    "scheme",
    "spatial_lag",
]

ComplexArray = np.ndarray[tuple[int], np.dtype[np.complex128]]


@dataclass(frozen=True)
class Scheme:
    """Effective sample size, Jacobian multiplier and whether the year-effect term applies."""

    n_eff: int
    t_eff: int
    year_term: bool


def scheme(effects: str, n: int, t: int, bias_correction: bool) -> Scheme:
    """The likelihood's bookkeeping for ``effects`` and the approach."""
    if not bias_correction:
        return Scheme(n * t, t, False)
    if effects == "county":
        return Scheme(n * (t - 1), t - 1, False)
    if effects == "year":
        return Scheme((n - 1) * t, t, True)
    return Scheme((n - 1) * (t - 1), t - 1, True)


def demean(a: FloatArray, effects: str) -> FloatArray:
    """Remove county (axis 0 mean), year (axis 1 mean) or both from ``(T, N, ...)`` arrays."""
    if effects == "county":
        return np.asarray(a - a.mean(axis=0, keepdims=True), dtype=np.float64)
    if effects == "year":
        return np.asarray(a - a.mean(axis=1, keepdims=True), dtype=np.float64)
    return np.asarray(
        a
        - a.mean(axis=0, keepdims=True)
        - a.mean(axis=1, keepdims=True)
        + a.mean(axis=(0, 1), keepdims=True),
        dtype=np.float64,
    )


def spatial_lag(w: sp.csr_array, a: FloatArray) -> FloatArray:
    """``W a_t`` for every year of a ``(T, N)`` or ``(T, N, K)`` array."""
    if a.ndim == 2:
        return np.asarray((w @ a.T).T)
    return np.stack([np.asarray(w @ a[:, :, k].T).T for k in range(a.shape[2])], axis=2)


def log_det(rho: float, eig: ComplexArray) -> float:
    """``log|I - rho W|`` from the eigenvalues of ``W``."""
    return float(np.log(1.0 - rho * eig).real.sum())


def rho_bounds(eig: ComplexArray) -> tuple[float, float]:
    """The interval where ``I - rho W`` stays non-singular: ``(1/min real, 1/max real)``."""
    re = eig.real
    lo = 1.0 / re.min() if re.min() < 0 else -1.0
    return lo + 1e-7, 1.0 / re.max() - 1e-7


@dataclass(frozen=True)
class MLFit:
    """A fitted model: ``params`` = regression coefficients then ``rho`` (or ``lambda``)."""

    params: FloatArray
    vcov: FloatArray
    sigma2: float
    loglik: float
    rho: float
    residuals: FloatArray
    traces: tuple[float, float, float, float] | None = None
    """SAR/SDM: :func:`inverse_traces` at ``rho`` (shared with the effects)."""


@dataclass(frozen=True)
class LogDet:
    """``log|I - rho W|``: from eigenvalues when ``eig`` is given, else by sparse LU."""

    w: sp.csr_array
    eig: ComplexArray | None

    def __call__(self, rho: float) -> float:
        if self.eig is not None:
            return log_det(rho, self.eig)
        n = self.w.shape[0]
        lu = splu(sp.csc_matrix(sp.eye(n) - rho * self.w))
        return float(np.log(np.abs(lu.U.diagonal())).sum())

    def bounds(self) -> tuple[float, float]:
        """The search interval for the spatial parameter."""
        if self.eig is not None:
            return rho_bounds(self.eig)
        return -1.0 + 1e-7, 1.0 - 1e-7

    @property
    def method(self) -> str:
        """``"eigenvalues"`` or ``"sparse LU"``."""
        return "eigenvalues" if self.eig is not None else "sparse LU"


def _jac(rho: float, ld: LogDet, sch: Scheme) -> float:
    extra = np.log(1.0 - rho) if sch.year_term else 0.0
    return sch.t_eff * (ld(rho) - extra)


def _maximise(f: object, bounds: tuple[float, float]) -> float:
    from scipy import optimize

    res = optimize.minimize_scalar(f, bounds=bounds, method="bounded", options={"xatol": 1e-12})
    return float(res.x)


def inverse_traces(
    w: sp.csr_array, rho: float
) -> tuple[FloatArray, tuple[float, float, float, float]]:
    """``G = W S^-1`` (``S = I - rho W``, one dense inverse; ``W`` multiplies it as a sparse
    matrix) and ``(tr S^-1, tr G, tr S^-1 W S^-1, tr G G) / N``: the effects' traces and their
    derivatives in ``rho``, each an elementwise sum (``O(N^2)``)."""
    n = w.shape[0]
    s_inv = np.linalg.inv(np.eye(n) - rho * w.toarray())
    g = np.asarray(w @ s_inv)
    parts = (
        float(np.trace(s_inv)) / n,
        float(np.trace(g)) / n,
        float(np.sum(s_inv * g.T)) / n,
        float(np.sum(g * g.T)) / n,
    )
    return g, parts


def _traces(
    w: sp.csr_array, rho: float, year_term: bool
) -> tuple[FloatArray, tuple[float, float, float, float]]:
    """``G = W (I - rho W)^-1``, projected by ``J = I - 11'/N`` when year effects are removed,
    and the traces of :func:`inverse_traces` (of the unprojected ``G``)."""
    g, parts = inverse_traces(w, rho)
    if year_term:
        g = g - g.mean(axis=0, keepdims=True)
        g = g - g.mean(axis=1, keepdims=True)
    return np.asarray(g), parts


def fit_lag(
    y: FloatArray, x: FloatArray, w: sp.csr_array, ld: LogDet, effects: str, sch: Scheme
) -> MLFit:
    """SAR (or SDM, with ``W X`` among the columns of ``x``) by concentrated QML."""
    t, n, k = x.shape
    yt = demean(y, effects).ravel()
    wyt = demean(spatial_lag(w, y), effects).ravel()
    xt = demean(x, effects).reshape(t * n, k)
    coef, *_ = np.linalg.lstsq(xt, np.column_stack([yt, wyt]), rcond=None)
    e0, e1 = yt - xt @ coef[:, 0], wyt - xt @ coef[:, 1]

    def neg(rho: float) -> float:
        e = e0 - rho * e1
        return float(sch.n_eff / 2.0 * np.log(e @ e) - _jac(rho, ld, sch))

    rho = _maximise(neg, ld.bounds())
    beta = coef[:, 0] - rho * coef[:, 1]
    resid = e0 - rho * e1
    sigma2 = float(resid @ resid / sch.n_eff)
    loglik = -sch.n_eff / 2.0 * (np.log(2 * np.pi * sigma2) + 1.0) + _jac(rho, ld, sch)
    g, parts = _traces(w, rho, sch.year_term)
    xb = (xt @ beta).reshape(t, n)
    gxb = (g @ xb.T).T.ravel()
    info = np.zeros((k + 2, k + 2))
    info[:k, :k] = xt.T @ xt / sigma2
    info[:k, k] = info[k, :k] = xt.T @ gxb / sigma2
    # tr(G G) = sum(G * G'): O(N^2) instead of a dense product
    info[k, k] = sch.t_eff * (np.sum(g * g.T) + np.sum(g * g)) + gxb @ gxb / sigma2
    info[k, k + 1] = info[k + 1, k] = sch.t_eff * np.trace(g) / sigma2
    info[k + 1, k + 1] = sch.n_eff / (2.0 * sigma2**2)
    vcov = np.linalg.inv(info)[: k + 1, : k + 1]
    return MLFit(np.r_[beta, rho], vcov, sigma2, float(loglik), rho, resid, parts)


def fit_error(
    y: FloatArray, x: FloatArray, w: sp.csr_array, ld: LogDet, effects: str, sch: Scheme
) -> MLFit:
    """SEM (or SDEM, with ``W X`` among the columns of ``x``) by concentrated QML."""
    t, n, k = x.shape
    yt = demean(y, effects).ravel()
    wyt = demean(spatial_lag(w, y), effects).ravel()
    xt = demean(x, effects).reshape(t * n, k)
    wxt = demean(spatial_lag(w, x), effects).reshape(t * n, k)

    def gls(lam: float) -> tuple[FloatArray, FloatArray, FloatArray]:
        ys, xs = yt - lam * wyt, xt - lam * wxt
        b, *_ = np.linalg.lstsq(xs, ys, rcond=None)
        return np.asarray(b, dtype=np.float64), ys - xs @ b, xs

    def neg(lam: float) -> float:
        e = gls(lam)[1]
        return float(sch.n_eff / 2.0 * np.log(e @ e) - _jac(lam, ld, sch))

    lam = _maximise(neg, ld.bounds())
    beta, resid, xs = gls(lam)
    sigma2 = float(resid @ resid / sch.n_eff)
    loglik = -sch.n_eff / 2.0 * (np.log(2 * np.pi * sigma2) + 1.0) + _jac(lam, ld, sch)
    h, _ = _traces(w, lam, sch.year_term)
    info = np.zeros((k + 2, k + 2))
    info[:k, :k] = xs.T @ xs / sigma2
    info[k, k] = sch.t_eff * (np.sum(h * h.T) + np.sum(h * h))
    info[k, k + 1] = info[k + 1, k] = sch.t_eff * np.trace(h) / sigma2
    info[k + 1, k + 1] = sch.n_eff / (2.0 * sigma2**2)
    vcov = np.linalg.inv(info)[: k + 1, : k + 1]
    return MLFit(np.r_[beta, lam], vcov, sigma2, float(loglik), lam, resid)
