"""Least squares with rank-deficiency detection."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from countyeconomy._typing import FloatArray, IntArray

__all__ = ["OLSFit", "collinear_columns", "ols"]


@dataclass(frozen=True)
class OLSFit:
    """A weighted least-squares fit on the kept columns.

    Attributes
    ----------
    params
        ``(k_kept,)`` coefficients of the kept columns.
    kept
        ``(k_kept,)`` indices of the columns of ``X`` that were kept.
    dropped
        ``(k - k_kept,)`` indices of collinear columns that were dropped.
    bread
        ``(k_kept, k_kept)`` inverse of ``X'WX`` on the kept columns.
    residuals
        ``(n,)`` ``y - X b``.
    """

    params: FloatArray
    kept: IntArray
    dropped: IntArray
    bread: FloatArray
    residuals: FloatArray


def collinear_columns(xtx: FloatArray, tol: float = 1e-10) -> IntArray:
    """Indices of columns that are (near) linear combinations of earlier ones.

    Works on the cross-product matrix: column ``j`` is dropped when its squared residual norm after
    projecting on the kept earlier columns is below ``tol`` times its own squared norm (a relative
    criterion, so it does not depend on units). Earlier columns win, as in fixest.
    """
    k = xtx.shape[0]
    kept: list[int] = []
    dropped: list[int] = []
    for j in range(k):
        own = xtx[j, j]
        if own <= 0:
            dropped.append(j)
            continue
        if kept:
            sub = xtx[np.ix_(kept, kept)]
            cross = xtx[kept, j]
            resid = own - cross @ np.linalg.solve(sub, cross)
        else:
            resid = own
        if resid <= tol * own:
            dropped.append(j)
        else:
            kept.append(j)
    return np.asarray(dropped, dtype=np.intp)


def ols(
    x: FloatArray, y: FloatArray, weights: FloatArray | None = None, tol: float = 1e-10
) -> OLSFit:
    """Weighted least squares of ``y`` on ``x`` dropping collinear columns.

    Parameters
    ----------
    x
        ``(n, k)`` regressors (already demeaned when fixed effects are absorbed).
    y
        ``(n,)`` outcome.
    weights
        ``(n,)`` weights or ``None``.

    Examples
    --------
    >>> import numpy as np
    >>> from countyeconomy.linalg import ols
    >>> x = np.column_stack([np.ones(4), [0.0, 1.0, 2.0, 3.0], [0.0, 2.0, 4.0, 6.0]])
    >>> fit = ols(x, np.array([1.0, 3.0, 5.0, 7.0]))
    >>> fit.params.round(10).tolist(), fit.dropped.tolist()
    ([1.0, 2.0], [2])
    """
    xw = x if weights is None else x * weights[:, None]
    xtx = xw.T @ x
    dropped = collinear_columns(xtx, tol)
    kept = np.setdiff1d(np.arange(x.shape[1]), dropped).astype(np.intp)
    xk = x if len(kept) == x.shape[1] else x[:, kept]
    xtx_k = xtx[np.ix_(kept, kept)]
    xty = (xk.T @ y) if weights is None else (xk.T @ (weights * y))
    if len(kept):
        cho = scipy.linalg.cho_factor(xtx_k)
        params = scipy.linalg.cho_solve(cho, xty)
        bread = scipy.linalg.cho_solve(cho, np.eye(len(kept)))
    else:
        params = np.zeros(0)
        bread = np.zeros((0, 0))
    resid = y - xk @ params
    return OLSFit(np.asarray(params), kept, dropped, np.asarray(bread), resid)
