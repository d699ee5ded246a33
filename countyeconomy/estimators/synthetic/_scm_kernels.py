"""Pure kernels of the classic synthetic control (Abadie, Diamond and Hainmueller 2010).

``x1`` (k) and ``x0`` (k x J) are the standardised predictors of the treated unit and the donors;
``z1`` (T0) and ``z0`` (T0 x J) their pre-period outcomes. The inner problem gives simplex
weights ``W(V)`` for a diagonal predictor weight ``V``; the outer ("nested") problem chooses ``V``
to minimise the pre-period outcome MSPE of ``W(V)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from countyeconomy._typing import FloatArray

__all__ = ["ScmFit", "nested_v", "regression_v", "simplex_weights", "standardise"]


@dataclass(frozen=True)
class ScmFit:
    """Weights of one fit: donor weights ``w``, predictor weights ``v``, pre-period MSPE."""

    w: FloatArray
    v: FloatArray
    loss: float
    spread: float


def standardise(x1: FloatArray, x0: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Divide each predictor by its standard deviation over treated and donors (as ``Synth``)."""
    sd = np.std(np.column_stack([x1, x0]), axis=1, ddof=1)
    sd = np.where(sd > 0, sd, 1.0)
    return x1 / sd, x0 / sd[:, None]


def simplex_weights(
    x1: FloatArray,
    x0: FloatArray,
    v: FloatArray,
    z1: FloatArray | None = None,
    z0: FloatArray | None = None,
) -> FloatArray:
    """``argmin_w (x1 - x0 w)' diag(v) (x1 - x0 w)`` over the simplex.

    Solved as a non-negative least-squares problem with the adding-up constraint as a heavily
    weighted extra row, then renormalised. With ``z1``, ``z0`` (pre-period outcomes) the
    predictor rows are weighted heavily and the outcome rows lightly: when several ``w`` fit the
    predictors equally well (fewer predictors than donors, a treated unit inside the hull), the
    one with the smallest pre-period outcome MSPE is taken (a tie-break, negligible otherwise).
    """
    from scipy.optimize import nnls

    s = np.sqrt(np.maximum(v, 0.0))
    a = x0 * s[:, None]
    b = x1 * s
    scale = max(1.0, float(np.abs(a).max(initial=0.0)))
    if z1 is not None and z0 is not None:
        zs = max(1e-12, float(np.abs(z0).max(initial=0.0)))
        m = 1e4 * zs / scale
        a = np.vstack([a * m, z0])
        b = np.concatenate([b * m, z1])
        scale = float(np.abs(a).max(initial=0.0))
    big = 1e4 * scale
    a = np.vstack([a, np.full((1, x0.shape[1]), big)])
    b = np.concatenate([b, [big]])
    w, _ = nnls(a, b, maxiter=50 * x0.shape[1] + 100)
    total = w.sum()
    out: FloatArray = w / total if total > 0 else np.full(len(w), 1.0 / len(w))
    return out


def _loss(w: FloatArray, z1: FloatArray, z0: FloatArray) -> float:
    r = z1 - z0 @ w
    return float(r @ r) / len(r)


def regression_v(x1: FloatArray, x0: FloatArray, z1: FloatArray, z0: FloatArray) -> FloatArray:
    """``V`` from regressing the pre-period outcomes on the predictors across units (``Synth``'s
    starting value): the sum of squared coefficients per predictor, normalised."""
    x = np.column_stack([x1, x0]).T  # units x k
    z = np.column_stack([z1, z0]).T  # units x T0
    design = np.column_stack([np.ones(len(x)), x])
    coef, *_ = np.linalg.lstsq(design, z, rcond=None)
    v = np.sum(coef[1:] ** 2, axis=1)
    total = v.sum()
    out: FloatArray = v / total if total > 0 else np.full(len(v), 1.0 / len(v))
    return out


def _softmax(theta: FloatArray) -> FloatArray:
    e = np.exp(theta - theta.max())
    out: FloatArray = e / e.sum()
    return out


def nested_v(
    x1: FloatArray,
    x0: FloatArray,
    z1: FloatArray,
    z0: FloatArray,
    starts: list[FloatArray],
) -> ScmFit:
    """Nested optimisation of ``V`` from each start (Nelder-Mead on a softmax scale).

    Returns the best fit; ``spread`` is the largest L1 distance between its ``W`` and the ``W`` of
    another start whose loss is within 1% of the best (``> 0``: the minimiser is not unique).
    """
    from scipy.optimize import minimize

    k = len(x1)
    fits = []
    for v0 in starts:
        if k == 1:
            w = simplex_weights(x1, x0, np.ones(1), z1, z0)
            fits.append((_loss(w, z1, z0), np.ones(1), w))
            continue

        def objective(theta: FloatArray) -> float:
            return _loss(simplex_weights(x1, x0, _softmax(theta), z1, z0), z1, z0)

        theta0 = np.log(np.maximum(v0, 1e-8))
        opt = minimize(
            objective,
            theta0,
            method="Nelder-Mead",
            options={"maxiter": 400 * k, "xatol": 1e-6, "fatol": 1e-12},
        )
        v = _softmax(np.asarray(opt.x))
        w = simplex_weights(x1, x0, v, z1, z0)
        fits.append((_loss(w, z1, z0), v, w))
    best = min(fits, key=lambda f: f[0])
    tol = 0.01 * best[0] + 1e-12
    spread = max(float(np.abs(f[2] - best[2]).sum()) for f in fits if f[0] <= best[0] + tol)
    return ScmFit(best[2], best[1], best[0], spread)
