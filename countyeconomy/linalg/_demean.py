"""Fixed-effect demeaning (the within transformation), batched over columns.

Three algorithms, chosen automatically by :func:`demean`:

* one factor: exact subtraction of (weighted) group means;
* two factors where one is small (at most ``SCHUR_MAX_LEVELS`` levels, e.g. years): an exact solve.
  With ``A`` the large factor and ``B`` the small one, Frisch-Waugh-Lovell gives
  ``M_{A,B} x = M_A x - M_A D_B lambda`` with ``(D_B' W M_A D_B) lambda = D_B' W M_A x``; the
  ``|B| x |B|`` system is built from per-level sums, so the cost is a few passes over the data.
  On a balanced, unweighted panel this is the closed form ``x - xbar_i - xbar_t + xbar``;
* otherwise: alternating projections (one sweep projects out each factor in turn) with Irons-Tuck
  extrapolation every third sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp

from countyeconomy._typing import FloatArray
from countyeconomy.linalg._factors import Factor, group_sums

__all__ = ["SCHUR_MAX_LEVELS", "DemeanResult", "demean", "demean_balanced_twoway"]

SCHUR_MAX_LEVELS = 1500
Method = Literal["auto", "map", "exact"]


@dataclass(frozen=True)
class DemeanResult:
    """Demeaned columns.

    Attributes
    ----------
    values
        ``(n, k)`` residuals of each column on the fixed effects.
    method
        ``"none"``, ``"one-way"``, ``"balanced"``, ``"schur"`` or ``"map"``.
    iterations
        Sweeps used by the alternating projections (0 for exact methods).
    converged
        Whether the tolerance was met.
    """

    values: FloatArray
    method: str
    iterations: int
    converged: bool


def _level_weights(f: Factor, w: FloatArray | None) -> FloatArray:
    if w is None:
        return f.counts().astype(float)
    return np.asarray(np.bincount(f.codes, weights=w, minlength=f.n_levels), dtype=float)


def _project_out(r: FloatArray, f: Factor, w: FloatArray | None, wsum: FloatArray) -> None:
    """In place: ``r -= weighted group mean of r`` for factor ``f``."""
    inv = np.divide(1.0, wsum, out=np.zeros_like(wsum), where=wsum > 0)
    for j in range(r.shape[1]):
        col = r[:, j]
        sums = np.bincount(f.codes, weights=col if w is None else w * col, minlength=f.n_levels)
        col -= (sums * inv)[f.codes]


def demean_balanced_twoway(x: FloatArray, a: Factor, b: Factor) -> FloatArray:
    """Closed form for a balanced, unweighted two-way layout: ``x - xbar_a - xbar_b + xbar``.

    The caller guarantees every (a, b) cell appears exactly once. When the rows are sorted by
    ``a`` then ``b`` (as in a :class:`~countyeconomy.Panel`) the means are taken on a reshaped view,
    without scatter or gather passes.
    """
    n_a, n_b = a.n_levels, b.n_levels
    if _is_sorted_grid(a, b):
        result: FloatArray = np.array(x, dtype=float, order="F", copy=True)
        for j in range(x.shape[1]):
            grid = result[:, j].reshape(n_a, n_b)  # a view: the column is contiguous
            row = np.einsum("ij->i", grid) / n_b
            col = np.einsum("ij->j", grid) / n_a - row.mean()
            grid -= row[:, None]
            grid -= col[None, :]
        return result
    ma = group_sums(x, a.codes, a.n_levels) / b.n_levels
    mb = group_sums(x, b.codes, b.n_levels) / a.n_levels
    grand = x.mean(axis=0)
    out: FloatArray = x - ma[a.codes] - mb[b.codes] + grand
    return out


def _is_sorted_grid(a: Factor, b: Factor) -> bool:
    """Rows are ``(0,0), (0,1), ..., (n_a-1, n_b-1)`` in order."""
    n_a, n_b = a.n_levels, b.n_levels
    if len(a.codes) != n_a * n_b:
        return False
    ga, gb = a.codes.reshape(n_a, n_b), b.codes.reshape(n_a, n_b)
    return bool(
        np.array_equal(ga[:, 0], np.arange(n_a))
        and np.array_equal(gb[0], np.arange(n_b))
        and (ga == ga[:, :1]).all()
        and (gb == gb[:1]).all()
    )


def _is_balanced(a: Factor, b: Factor) -> bool:
    n = len(a.codes)
    if n != a.n_levels * b.n_levels:
        return False
    cells = np.bincount(a.codes.astype(np.int64) * b.n_levels + b.codes, minlength=n)
    return bool(np.all(cells == 1))


def _demean_schur(x: FloatArray, a: Factor, b: Factor, w: FloatArray | None) -> FloatArray:
    """Exact two-way demeaning with a small factor ``b`` (see module docstring)."""
    n_a, n_b = a.n_levels, b.n_levels
    out: FloatArray = np.empty(x.shape, order="F")
    if n_a * n_b <= 4 * len(a.codes) + 1_000_000:
        # dense |A| x |B| table of cell weights: small when B is small (counties x years)
        cell = a.codes.astype(np.int64) * n_b + b.codes
        cw = np.bincount(cell, weights=w, minlength=n_a * n_b).astype(float).reshape(n_a, n_b)
        wb = cw.sum(axis=0)
        wa = cw @ np.ones(n_b)
        inv_wa = np.divide(1.0, wa, out=np.zeros_like(wa), where=wa > 0)
        cwt = np.ascontiguousarray(cw.T)
        gram = np.diag(wb) - (cwt * inv_wa) @ cw

        def c_t(v: FloatArray) -> FloatArray:
            return np.asarray(cwt @ v)

        def c_(v: FloatArray) -> FloatArray:
            return np.asarray(v @ cwt)
    else:
        wa, wb = _level_weights(a, w), _level_weights(b, w)
        inv_wa = np.divide(1.0, wa, out=np.zeros_like(wa), where=wa > 0)
        ones = np.ones(len(a.codes)) if w is None else w
        cs = sp.csr_matrix((ones, (a.codes, b.codes)), shape=(n_a, n_b))
        gram = np.diag(wb) - (cs.T @ sp.diags(inv_wa) @ cs).toarray()

        def c_t(v: FloatArray) -> FloatArray:
            return np.asarray(cs.T @ v)

        def c_(v: FloatArray) -> FloatArray:
            return np.asarray(cs @ v)

    for j in range(x.shape[1]):
        xj = x[:, j] if w is None else x[:, j] * w
        mean_a = np.asarray(np.bincount(a.codes, weights=xj, minlength=n_a), dtype=float) * inv_wa
        rhs = np.asarray(np.bincount(b.codes, weights=xj, minlength=n_b), dtype=float) - c_t(mean_a)
        lam = np.linalg.lstsq(gram, rhs, rcond=None)[0]
        alpha = mean_a - c_(lam) * inv_wa
        col = out[:, j]
        np.subtract(x[:, j], alpha.take(a.codes), out=col)
        col -= lam.take(b.codes)
    return out


def _demean_map(
    x: FloatArray, factors: list[Factor], w: FloatArray | None, tol: float, maxiter: int
) -> tuple[FloatArray, int, bool]:
    """Alternating projections with Irons-Tuck acceleration on ``x + span(D)``."""
    wsums = [_level_weights(f, w) for f in factors]
    scale = np.maximum(np.abs(x).max(axis=0), 1.0)

    def sweep(r: FloatArray) -> FloatArray:
        out = r.copy()
        for f, ws in zip(factors, wsums, strict=True):
            _project_out(out, f, w, ws)
        return out

    r = x.copy()
    it = 0
    while it < maxiter:
        r1 = sweep(r)
        r2 = sweep(r1)
        it += 2
        d1 = r2 - r1
        if np.all(np.abs(d1).max(axis=0) <= tol * scale):
            return r2, it, True
        d2 = d1 - (r1 - r)
        den = np.einsum("ij,ij->j", d2, d2)
        num = np.einsum("ij,ij->j", d2, d1)
        coef = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
        r = r2 - coef[None, :] * d1
        r3 = sweep(r)
        it += 1
        if np.all(np.abs(r3 - r).max(axis=0) <= tol * scale):
            return r3, it, True
        r = r3
    return r, it, False


def demean(
    x: FloatArray,
    factors: list[Factor],
    weights: FloatArray | None = None,
    *,
    method: Method = "auto",
    tol: float = 1e-12,
    maxiter: int = 10_000,
) -> DemeanResult:
    """Residuals of each column of ``x`` on the fixed effects ``factors`` (weighted if given).

    Parameters
    ----------
    x
        ``(n, k)`` columns to demean together; a 1-D array is treated as one column.
    factors
        Fixed-effect factors, each with ``(n,)`` codes.
    weights
        ``(n,)`` non-negative weights, or ``None``.
    method
        ``"auto"`` picks an exact algorithm where one exists; ``"map"`` forces alternating
        projections (used in tests to check the two paths agree); ``"exact"`` requires one.
    tol, maxiter
        Convergence tolerance (max absolute change relative to column scale) and sweep limit.

    Returns
    -------
    DemeanResult
        ``values`` has shape ``(n, k)``.

    Examples
    --------
    >>> import numpy as np
    >>> from countyeconomy.linalg import demean, factorize
    >>> x = np.array([1.0, 2.0, 3.0, 5.0])
    >>> demean(x, [factorize([0, 0, 1, 1])]).values.ravel().tolist()
    [-0.5, 0.5, -1.0, 1.0]
    """
    arr = np.asarray(x, dtype=float)
    # column-major: every column is contiguous for the per-column passes below
    two_d = np.asfortranarray(arr.reshape(len(arr), -1))
    w = None if weights is None else np.asarray(weights, dtype=float)
    if not factors:
        return DemeanResult(two_d.copy(), "none", 0, True)
    if method != "map":
        if len(factors) == 1:
            out = two_d.copy()
            _project_out(out, factors[0], w, _level_weights(factors[0], w))
            return DemeanResult(out, "one-way", 0, True)
        if len(factors) == 2:
            a, b = sorted(factors, key=lambda f: -f.n_levels)
            if w is None and (_is_sorted_grid(a, b) or _is_balanced(a, b)):
                return DemeanResult(demean_balanced_twoway(two_d, a, b), "balanced", 0, True)
            if b.n_levels <= SCHUR_MAX_LEVELS:
                return DemeanResult(_demean_schur(two_d, a, b, w), "schur", 0, True)
        if method == "exact":
            raise ValueError("no exact demeaning algorithm for these factors")
    values, iterations, converged = _demean_map(two_d, factors, w, tol, maxiter)
    return DemeanResult(values, "map", iterations, converged)
