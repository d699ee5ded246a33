"""Pure kernels of synthetic DID (Arkhangelsky, Athey, Hirshberg, Imbens and Wager 2021).

Everything here works on a balanced outcome matrix ``Y`` (units x periods) whose first ``n0`` rows
are the controls and whose first ``t0`` columns are the pre-treatment periods. The weight problems
are solved by the Frank-Wolfe algorithm of the paper's reference implementation: a first pass of at
most 100 iterations, sparsification (weights at most a quarter of the largest set to zero), then a
second pass to convergence from the sparsified weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.linalg.blas import daxpy as _axpy

from countyeconomy._typing import FloatArray, IntArray
from countyeconomy.estimators.synthetic._sdid_fw_jit import fw_loop

__all__ = [
    "SdidFit",
    "Variant",
    "collapse",
    "fit_sdid",
    "frank_wolfe",
    "frank_wolfe_gram",
    "gram_form",
    "noise_level",
    "sc_weights",
    "sdid_tau",
    "sum_normalize",
]

Variant = Literal["sdid", "sc", "did"]

PRE_SPARSIFY_ITER = 100
MAX_ITER = 10_000
_RESCALE = 1e-100  # fold the running scale back into the vectors below this


@dataclass(frozen=True)
class SdidFit:
    """One synthetic-DID fit on one design: the effect, the weights and the penalties used."""

    tau: float
    omega: FloatArray
    lam: FloatArray
    zeta_omega: float
    zeta_lambda: float
    noise: float


def sum_normalize(x: FloatArray) -> FloatArray:
    """``x / sum(x)``, or uniform weights when the sum is zero."""
    s = float(np.sum(x))
    if s != 0.0:
        out: FloatArray = x / s
        return out
    return np.full(len(x), 1.0 / len(x))


def noise_level(y: FloatArray, n0: int, t0: int) -> float:
    """Standard deviation (``ddof=1``) of the first differences of the controls' pre-period
    outcomes: the paper's ``sigma``. ``0`` when fewer than two differences exist."""
    d = np.diff(y[:n0, :t0], axis=1).ravel()
    return float(np.std(d, ddof=1)) if d.size > 1 else 0.0


def collapse(y: FloatArray, n0: int, t0: int) -> FloatArray:
    """The ``(n0+1) x (t0+1)`` matrix of the paper: controls' pre-period outcomes, their
    post-period mean (last column) and the treated units' mean (last row)."""
    rows = [y[:n0], y[n0:].mean(axis=0, keepdims=True)]
    out = []
    for r in rows:
        out.append(np.hstack([r[:, :t0], r[:, t0:].mean(axis=1, keepdims=True)]))
    return np.vstack(out)


def frank_wolfe(
    y: FloatArray,
    zeta: float,
    *,
    intercept: bool,
    init: FloatArray | None,
    min_decrease: float,
    max_iter: int,
    pre: tuple[FloatArray, FloatArray, float] | None = None,
) -> FloatArray:
    """Simplex weights ``x`` minimising ``zeta^2 |x|^2 + |A x - b|^2 / n`` by Frank-Wolfe.

    ``y`` is ``n x (k+1)``: ``A`` is its first ``k`` columns and ``b`` its last. With
    ``intercept`` the columns are centred first (an intercept absorbed in the fit). Stops when
    the objective falls by less than ``min_decrease**2`` or after ``max_iter`` steps. ``pre``:
    the :func:`gram_form` of ``y``, when already computed.
    """
    n, k1 = y.shape
    k = k1 - 1
    x = np.full(k, 1.0 / k) if init is None else np.array(init, dtype=float)
    gram, c, bb = gram_form(y, intercept) if pre is None else pre
    return frank_wolfe_gram(gram, c, bb, n, zeta, x, min_decrease=min_decrease, max_iter=max_iter)


def frank_wolfe_gram(
    gram: FloatArray,
    c: FloatArray,
    bb: float,
    n: int,
    zeta: float,
    init: FloatArray,
    *,
    min_decrease: float,
    max_iter: int,
    blocked: IntArray | None = None,
    compiled: bool = True,
    gx: FloatArray | None = None,
) -> FloatArray:
    """:func:`frank_wolfe` on the Gram form ``(A'A, A'b, b'b)`` of a problem with ``n`` rows.

    ``blocked``: coordinates that must stay at zero (``init`` is zero there); the placebo draws
    solve every draw's problem inside one Gram matrix of all controls this way. Each step costs
    two ``axpy`` and one ``argmin`` over ``k``: the half-gradient ``G x - c + eta x`` is updated
    in place and, like ``x``, stored divided by the running product ``R`` of the step factors
    ``1 - s`` (so the step's rescaling of both is one scalar product). ``gx``: ``G init`` when
    already known. With numba importable (a dependency where it has wheels) and ``compiled``,
    the same loop runs compiled, in one pass over ``k`` per step
    (:mod:`~countyeconomy.estimators.synthetic._sdid_fw_jit`).
    """
    x = np.array(init, dtype=float)
    eta = n * zeta**2
    z2, md2 = zeta**2, min_decrease**2
    if gx is None:
        nz = np.flatnonzero(x)
        if 2 * len(nz) > len(x):
            gx = gram @ x
        else:  # rows of the symmetric gram, summed without BLAS (no threads woken per draw)
            gx = np.einsum("i,ij->j", x[nz], gram[nz])
    q, cx, xx = float(x @ gx), float(c @ x), float(x @ x)
    # h = (G x - c + eta x) / big_r and x = big_r * xs
    h = gx - c + eta * x
    if blocked is not None:
        h[blocked] = np.inf
    xs, big_r = x, 1.0
    loop = fw_loop() if compiled else None
    if loop is not None:
        blk = np.zeros(len(x), dtype=np.bool_)
        if blocked is not None:
            blk[blocked] = True
        big_r = loop(gram, c, float(bb), n, eta, z2, md2, max_iter, xs, h, blk, q, cx, xx)
        compiled_out: FloatArray = big_r * xs
        return compiled_out
    cl, dl = c.tolist(), np.diagonal(gram).tolist()
    prev = np.inf
    for t in range(max_iter):
        i = int(h.argmin())
        xi = big_r * xs.item(i)
        if xi == 1.0 and xx == 1.0:  # already the vertex the step points to
            break
        hg_i = big_r * h.item(i)
        ci, gii = cl[i], dl[i]
        gxi = hg_i + ci - eta * xi
        denom = gii - 2.0 * gxi + q + eta * (1.0 - 2.0 * xi + xx)
        s = (q - cx + eta * xx - hg_i) / denom if denom > 0 else 0.0
        if s > 1.0:
            s = 1.0
        elif s < 0.0:
            s = 0.0
        r = 1.0 - s
        q = r * r * q + 2.0 * s * r * gxi + s * s * gii
        xx = r * r * xx + 2.0 * s * r * xi + s * s
        cx = r * cx + s * ci
        if r == 0.0:  # a jump to the vertex: start the scaled copies afresh
            xs = np.zeros_like(xs)
            xs[i] = 1.0
            big_r = 1.0
            h = gram[i] - c
            h[i] += eta
            if blocked is not None:
                h[blocked] = np.inf
        elif s > 0.0:
            big_r *= r
            a = s / big_r
            _axpy(gram[i], h, a=a)
            _axpy(c, h, a=-a)
            h[i] += a * eta
            xs[i] += a
            if big_r < _RESCALE:
                h *= big_r
                xs *= big_r
                big_r = 1.0
        val = z2 * xx + (q - 2.0 * cx + bb) / n
        if t >= 1 and prev - val <= md2:
            break
        prev = val
    out: FloatArray = big_r * xs
    return out


def gram_form(y: FloatArray, intercept: bool) -> tuple[FloatArray, FloatArray, float]:
    """``(A'A, A'b, b'b)`` of ``y = [A, b]``, columns centred first with ``intercept``."""
    k = y.shape[1] - 1
    if intercept:
        y = y - y.mean(axis=0, keepdims=True)
    a, b = y[:, :k], y[:, k]
    return a.T @ a, a.T @ b, float(b @ b)


def _sparsify(v: FloatArray) -> FloatArray:
    w = np.where(v <= v.max() / 4.0, 0.0, v)
    return sum_normalize(w)


def sc_weights(
    y: FloatArray,
    zeta: float,
    *,
    intercept: bool,
    init: FloatArray | None,
    min_decrease: float,
    max_iter: int = MAX_ITER,
    pre: tuple[FloatArray, FloatArray, float] | None = None,
) -> FloatArray:
    """Frank-Wolfe in two passes with sparsification in between (the paper's default).
    ``pre``: the :func:`gram_form` of ``y``, when already computed."""
    pre = gram_form(y, intercept) if pre is None else pre
    first = frank_wolfe(
        y,
        zeta,
        intercept=intercept,
        init=init,
        min_decrease=min_decrease,
        max_iter=min(PRE_SPARSIFY_ITER, max_iter),
        pre=pre,
    )
    return frank_wolfe(
        y,
        zeta,
        intercept=intercept,
        init=_sparsify(first),
        min_decrease=min_decrease,
        max_iter=max_iter,
        pre=pre,
    )


def sdid_tau(y: FloatArray, n0: int, t0: int, omega: FloatArray, lam: FloatArray) -> float:
    """``(-omega, 1/N1) Y (-lambda, 1/T1)'``: the weighted double difference."""
    n, t = y.shape
    u = np.concatenate([-omega, np.full(n - n0, 1.0 / (n - n0))])
    v = np.concatenate([-lam, np.full(t - t0, 1.0 / (t - t0))])
    return float(u @ y @ v)


def fit_sdid(
    y: FloatArray,
    n0: int,
    t0: int,
    variant: Variant = "sdid",
    *,
    zeta_omega: float | None = None,
    zeta_lambda: float | None = None,
    omega: FloatArray | None = None,
    lam: FloatArray | None = None,
    max_iter: int = MAX_ITER,
) -> SdidFit:
    """Estimate one design (controls first, pre-periods first).

    ``variant``: ``"sdid"`` (unit and time weights, regularised unit weights with intercept),
    ``"sc"`` (unit weights without intercept and ``zeta = 1e-6 sigma``, no time weights) or
    ``"did"`` (uniform weights). ``zeta_omega`` / ``zeta_lambda`` default to the paper's
    ``(N1 T1)^(1/4) sigma`` and ``1e-6 sigma``. ``omega`` / ``lam`` given are used as they are
    (fixed weights, as in the jackknife); ``None`` estimates them.
    """
    n, t = y.shape
    n1, t1 = n - n0, t - t0
    sigma = noise_level(y, n0, t0)
    if zeta_omega is None:
        zeta_omega = (n1 * t1) ** 0.25 * sigma if variant == "sdid" else 1e-6 * sigma
    if zeta_lambda is None:
        zeta_lambda = 1e-6 * sigma
    min_decrease = 1e-5 * sigma if sigma > 0 else 1e-12
    yc = collapse(y, n0, t0)
    if variant == "did":
        om = np.full(n0, 1.0 / n0) if omega is None else omega
        lm = np.full(t0, 1.0 / t0) if lam is None else lam
    else:
        if lam is not None:
            lm = lam
        elif variant == "sc":
            lm = np.zeros(t0)
        else:
            lm = sc_weights(
                yc[:n0, :],
                zeta_lambda,
                intercept=True,
                init=None,
                min_decrease=min_decrease,
                max_iter=max_iter,
            )
        if omega is not None:
            om = omega
        else:
            om = sc_weights(
                yc[:, :t0].T.copy(),
                zeta_omega,
                intercept=variant == "sdid",
                init=None,
                min_decrease=min_decrease,
                max_iter=max_iter,
            )
    tau = sdid_tau(y, n0, t0, om, lm)
    return SdidFit(tau, om, lm, float(zeta_omega), float(zeta_lambda), sigma)
