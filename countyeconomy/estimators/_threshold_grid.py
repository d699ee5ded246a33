"""Kernels of the Hansen (1999) panel threshold model: the within transformation of a balanced
panel, the candidate grid, and the concentrated sum of squared residuals over the grid for many
outcome columns at once.

Notation (rows are county-major: ``N`` blocks of ``T`` years). ``x`` are the regime-dependent
regressors, ``q`` the threshold variable, ``F`` the within-transformed regressors that do not move
with the candidate ``gamma`` (controls, ``x`` itself and ``x 1(q <= g)`` for thresholds already
fixed), ``Q`` an orthonormal basis of ``F``. For a candidate ``gamma`` the model adds
``x1 = x 1(q <= gamma)``; with ``Y~ = M_F Y`` (within-transformed, so orthogonal to the fixed
effects) the concentrated residual sum of squares of every column ``b`` of ``Y`` is

``S_b(gamma) = |Y~_b|^2 - c_b' G^{-1} c_b``, ``c = x1' Y~``, ``G = x1' W x1 - (x1' Q)(Q' x1)``

where ``W`` is the within transformation. ``c`` and ``x1' Q`` are cumulative sums over the
observations sorted by ``q`` (one pass for all grid points); ``x1' W x1`` depends on the data only
and is computed once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from countyeconomy._typing import FloatArray, IntArray

__all__ = [
    "ThresholdProblem",
    "candidate_grid",
    "grid_ssr",
    "make_problem",
    "orthonormal_basis",
    "regressors_given",
    "residualise",
    "valid_candidates",
    "within",
]

_GRID_CHUNK = 32
_PD_TOL = 1e-10


def within(v: FloatArray, n_units: int, n_periods: int, two_way: bool) -> FloatArray:
    """Within transformation of the columns of ``v`` on a balanced county-major panel.

    ``(n,)`` or ``(n, m)`` in, same shape out: county means removed (and year means, then the
    grand mean added back, when ``two_way``).
    """
    shape = v.shape
    cube = v.reshape(n_units, n_periods, -1)
    out = cube - cube.mean(axis=1, keepdims=True)
    if two_way:
        out = out - out.mean(axis=0, keepdims=True)
    result: FloatArray = out.reshape(shape)
    return result


@dataclass(frozen=True)
class ThresholdProblem:
    """Arrays of a balanced panel threshold model (rows county-major, ``n = N T``).

    Attributes
    ----------
    y
        ``(n,)`` within-transformed outcome.
    base
        ``(n, kb)`` within-transformed regime-independent regressors and ``x`` itself.
    x
        ``(n, kx)`` regime-dependent regressors, untransformed.
    q
        ``(n,)`` threshold variable.
    grid
        ``(g,)`` candidate thresholds, ascending.
    n_units, n_periods
        ``N`` and ``T``.
    two_way
        Whether year effects are absorbed as well as county effects.
    df
        Residual degrees of freedom of the fixed effects (``n - N`` or ``n - N - T + 1``): the
        denominator of ``sigma^2``, as in Hansen (1999).
    min_count
        Minimum observations per regime, one per threshold stage.
    segment
        ``(kx,)`` sparse ``(g, n)`` matrices: row ``s`` holds ``x_j`` on the observations whose
        ``q`` lies in ``(grid[s-1], grid[s]]``; cumulative sums over rows give ``x1' V``.
    xwx
        ``(g, kx, kx)`` ``x1' W x1`` at every grid point.
    q_sorted
        ``(n,)`` sorted ``q``, to count observations per regime.
    """

    y: FloatArray
    base: FloatArray
    x: FloatArray
    q: FloatArray
    grid: FloatArray
    n_units: int
    n_periods: int
    two_way: bool
    df: int
    min_count: tuple[int, ...]
    segment: tuple[sp.csr_matrix, ...]
    xwx: FloatArray
    q_sorted: FloatArray

    def within(self, v: FloatArray) -> FloatArray:
        """The problem's within transformation of ``v``."""
        return within(v, self.n_units, self.n_periods, self.two_way)


def candidate_grid(q: FloatArray, trim: float, grid: int | FloatArray) -> FloatArray:
    """Candidate thresholds: ``grid`` quantiles of ``q`` between its ``trim`` and ``1 - trim``
    quantiles (all distinct values there when fewer), or the given values, ascending and unique.

    Examples
    --------
    >>> import numpy as np
    >>> candidate_grid(np.arange(100.0), 0.1, 5).tolist()
    [10.0, 30.0, 50.0, 69.0, 89.0]
    """
    if not isinstance(grid, int):
        return np.unique(np.asarray(grid, dtype=float))
    qs = np.sort(q)
    n = len(qs)
    lo = int(np.floor(trim * n))
    hi = max(int(np.ceil((1.0 - trim) * n)) - 1, lo)
    inner = qs[lo : hi + 1]
    distinct = np.unique(inner)
    if len(distinct) <= grid:
        return distinct
    probs = np.linspace(0.0, 1.0, grid)
    picks = inner[np.minimum((probs * (len(inner) - 1)).round().astype(np.intp), len(inner) - 1)]
    return np.unique(picks)


def _segments(x: FloatArray, q: FloatArray, grid: FloatArray) -> tuple[sp.csr_matrix, ...]:
    seg = np.searchsorted(grid, q, side="left")
    keep = np.flatnonzero(seg < len(grid))
    shape = (len(grid), len(q))
    return tuple(
        sp.csr_matrix((x[keep, j], (seg[keep], keep)), shape=shape) for j in range(x.shape[1])
    )


def _xwx(x: FloatArray, q: FloatArray, grid: FloatArray, n: int, t: int, tw: bool) -> FloatArray:
    kx = x.shape[1]
    out = np.empty((len(grid), kx, kx))
    for start in range(0, len(grid), _GRID_CHUNK):
        g = grid[start : start + _GRID_CHUNK]
        mask = (q[:, None] <= g[None, :]).astype(float)  # (n, c)
        x1 = x[:, :, None] * mask[:, None, :]  # (n, kx, c)
        x1w = within(x1.reshape(len(q), -1), n, t, tw).reshape(x1.shape)
        out[start : start + len(g)] = np.einsum("ijc,ikc->cjk", x1, x1w)
    return out


def make_problem(
    y: FloatArray,
    z: FloatArray,
    x: FloatArray,
    q: FloatArray,
    grid: FloatArray,
    *,
    n_units: int,
    n_periods: int,
    two_way: bool,
    min_count: tuple[int, ...],
) -> ThresholdProblem:
    """Within-transform ``y`` and the regressors and precompute the grid pieces.

    ``y (n,)``, ``z (n, kz)`` controls, ``x (n, kx)`` regime-dependent regressors, ``q (n,)``,
    all raw, rows county-major on a balanced panel.
    """
    wt = (n_units, n_periods, two_way)
    base = within(np.column_stack([z, x]), *wt)
    df = n_units * (n_periods - 1) - ((n_periods - 1) if two_way else 0)
    return ThresholdProblem(
        y=within(y, *wt),
        base=base,
        x=x,
        q=q,
        grid=grid,
        n_units=n_units,
        n_periods=n_periods,
        two_way=two_way,
        df=df,
        min_count=min_count,
        segment=_segments(x, q, grid),
        xwx=_xwx(x, q, grid, *wt),
        q_sorted=np.sort(q),
    )


def regressors_given(problem: ThresholdProblem, thresholds: tuple[float, ...]) -> FloatArray:
    """``(n, kb + kx * len(thresholds))`` within-transformed regressors with thresholds fixed."""
    parts = [problem.base]
    for gamma in sorted(thresholds):
        parts.append(problem.within(problem.x * (problem.q <= gamma)[:, None]))
    return np.column_stack(parts)


def orthonormal_basis(f: FloatArray) -> FloatArray:
    """``(n, r)`` orthonormal basis of the column span of ``f`` (rank-revealing)."""
    if f.shape[1] == 0:
        return np.zeros((f.shape[0], 0))
    u, s, _ = np.linalg.svd(f, full_matrices=False)
    keep = s > s[0] * 1e-10 * max(f.shape)
    basis: FloatArray = np.asfortranarray(u[:, keep])
    return basis


def residualise(y: FloatArray, basis: FloatArray) -> FloatArray:
    """``(n, B)`` residuals ``y - U U' y`` of the columns of ``y (n, B)`` on an orthonormal basis.

    Written as ``(y' U)`` then ``U (y' U)'``: tall-skinny products in this order avoid a slow
    BLAS path for ``U' y``.
    """
    coef = y.T @ basis
    out: FloatArray = y - basis @ coef.T
    return out


def valid_candidates(problem: ThresholdProblem, fixed: tuple[float, ...], stage: int) -> IntArray:
    """Boolean ``(g,)``: candidates that leave every regime with at least the stage's minimum
    number of observations and differ from the thresholds already fixed."""
    qs = problem.q_sorted
    n = len(qs)
    counts_at = np.searchsorted(qs, problem.grid, side="right")
    fixed_counts = np.searchsorted(qs, np.asarray(sorted(fixed), dtype=float), side="right")
    need = problem.min_count[min(stage, len(problem.min_count)) - 1]
    g = len(problem.grid)
    bounds = np.column_stack([np.zeros(g), np.tile(fixed_counts, (g, 1)), counts_at, np.full(g, n)])
    ok = np.diff(np.sort(bounds, axis=1), axis=1).min(axis=1) >= need
    ok &= ~np.isin(problem.grid, np.asarray(fixed, dtype=float))
    out: IntArray = ok
    return out


def grid_ssr(
    problem: ThresholdProblem, fixed: tuple[float, ...], y_tilde: FloatArray, basis: FloatArray
) -> FloatArray:
    """``(g, B)`` concentrated SSR at every candidate for every column of ``y_tilde``.

    ``y_tilde (n, B)`` is already residualised on ``basis (n, r)``, the orthonormal basis of the
    fixed regressors (see the module docstring). Invalid candidates get ``inf``.
    """
    stage = len(fixed) + 1
    total = np.einsum("ib,ib->b", y_tilde, y_tilde)
    c = np.stack([np.cumsum(seg @ y_tilde, axis=0) for seg in problem.segment], axis=1)
    xq = np.stack([np.cumsum(seg @ basis, axis=0) for seg in problem.segment], axis=1)
    gram = problem.xwx - np.einsum("gjr,gkr->gjk", xq, xq)  # (g, kx, kx)
    valid = valid_candidates(problem, fixed, stage)
    scale = np.maximum(np.einsum("gjj->g", problem.xwx), 1e-300)
    eig_min = np.linalg.eigvalsh(gram)[:, 0]
    valid &= eig_min > _PD_TOL * scale
    out = np.full((len(problem.grid), y_tilde.shape[1]), np.inf)
    idx = np.flatnonzero(valid)
    if len(idx):
        sol = np.linalg.solve(gram[idx], c[idx])  # (v, kx, B)
        quad = np.einsum("gjb,gjb->gb", c[idx], sol)
        out[idx] = total[None, :] - quad
    return out
