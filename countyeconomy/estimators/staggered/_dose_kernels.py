"""Kernels of continuous-treatment DiD (Callaway, Goodman-Bacon and Sant'Anna 2024): the B-spline
sieve (or a saturated basis for discrete doses) of one ``(g, t)`` comparison and its influence
functions. Pure functions over arrays.

For treated units (dose ``D > d_L``) the outcome change ``dY`` is regressed on a basis ``b(D)``;
``ATT(d) = b(d)'beta - mean_C(dY)`` and ``ACRT(d) = b'(d)'beta``. The overall ``ATT^o`` and
``ACRT^o`` average the unit's own ``ATT(D_i)`` and ``ACRT(D_i)`` over the treated doses, which adds
the term ``(ATT(D_i) - ATT^o) / n_T`` to their influence functions. Influence functions are on
the ``n``-unit scale of :mod:`._cs_kernels` (``var = psi @ psi / n**2``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import BSpline

from countyeconomy._typing import FloatArray
from countyeconomy.errors import IdentificationError

__all__ = ["Basis", "DoseFit", "dose_cell"]


@dataclass(frozen=True)
class Basis:
    """A dose basis: a B-spline (``values`` is ``None``) on ``[lo, hi]`` with ``knots`` interior
    knots and ``degree``, or the saturated basis of the discrete dose ``values``; ``low`` is the
    dose of the comparison (``0``, or the lowest dose)."""

    degree: int
    knots: FloatArray
    lo: float
    hi: float
    values: FloatArray | None
    low: float

    @property
    def size(self) -> int:
        if self.values is not None:
            return len(self.values)
        return self.degree + 1 + len(self.knots)

    def _spline(self) -> BSpline:
        t = np.r_[[self.lo] * (self.degree + 1), self.knots, [self.hi] * (self.degree + 1)]
        return BSpline(t, np.eye(self.size), self.degree, extrapolate=True)

    def level(self, d: FloatArray) -> FloatArray:
        """``(len(d), p)`` basis values."""
        if self.values is not None:
            onehot: FloatArray = (np.asarray(d)[:, None] == self.values[None, :]).astype(float)
            return onehot
        out: FloatArray = np.asarray(self._spline()(np.asarray(d, dtype=float)))
        return out

    def slope(self, d: FloatArray) -> tuple[FloatArray, FloatArray]:
        """``(len(d), p)`` rows ``G`` and ``(len(d),)`` weights ``h`` with
        ``ACRT(d) = G beta - h mean_C(dY)``. Discrete doses: the slope from the next lower dose
        (``low`` for the first), ``(ATT(v_j) - ATT(v_{j-1})) / (v_j - v_{j-1})``."""
        d = np.asarray(d, dtype=float)
        if self.values is None:
            deriv = self._spline().derivative()
            return np.asarray(deriv(d)), np.zeros(len(d))
        vals = self.values
        prev = np.r_[self.low, vals[:-1]]
        g = np.zeros((len(d), len(vals)))
        h = np.zeros(len(d))
        for r, x in enumerate(d.tolist()):
            j = int(np.searchsorted(vals, x))
            step = vals[j] - prev[j]
            g[r, j] = 1.0 / step
            if j == 0:
                h[r] = 1.0 / step
            else:
                g[r, j - 1] = -1.0 / step
        return g, h


@dataclass(frozen=True)
class DoseFit:
    """One comparison: ``est`` ``(2 + 2m,)`` = ``ATT^o, ACRT^o, ATT(grid), ACRT(grid)`` and
    their influence functions ``inf`` ``(n, 2 + 2m)``."""

    est: FloatArray
    inf: FloatArray


def dose_cell(
    dy: FloatArray,
    dose: FloatArray,
    treated: np.ndarray,
    control: np.ndarray,
    basis: Basis,
    grid: FloatArray,
    where: str,
) -> DoseFit:
    """ATT/ACRT curve and overall effects of one comparison of ``treated`` with ``control``
    units (boolean ``(n,)`` masks) on outcome changes ``dy``; ``where`` names the cell in errors."""
    n = len(dy)
    it, ic = np.flatnonzero(treated), np.flatnonzero(control)
    n_t, n_c = len(it), len(ic)
    b = basis.level(dose[it])
    xtx = b.T @ b
    if np.linalg.matrix_rank(xtx) < basis.size:
        distinct = len(np.unique(dose[it]))
        raise IdentificationError(
            f"{where}: the {n_t} treated units have {distinct} distinct dose(s), too few for a "
            f"basis of {basis.size} functions; lower degree= or knots=, or pass discrete=True."
        )
    xtx_inv = np.linalg.inv(xtx)
    beta = xtx_inv @ (b.T @ dy[it])
    resid = dy[it] - b @ beta
    mc = float(dy[ic].mean())
    dev_c = dy[ic] - mc
    lin = (b * resid[:, None]) @ xtx_inv  # (n_t, p): unit i's term of beta_hat - beta
    g_att = basis.level(grid)
    g_acrt, h_acrt = basis.slope(grid)
    rows = np.vstack([g_att, g_acrt])
    h = np.r_[np.ones(len(grid)), h_acrt]
    est_grid = rows @ beta - h * mc
    inf_grid = np.zeros((n, len(h)))
    inf_grid[it] = n * lin @ rows.T
    inf_grid[ic] = -n * np.outer(dev_c / n_c, h)
    # overall: the unit's own ATT(D_i) and ACRT(D_i), averaged over the treated doses
    s_rows, s_h = basis.slope(dose[it])
    own = np.column_stack([b @ beta - mc, s_rows @ beta - s_h * mc])  # (n_t, 2)
    overall = own.mean(axis=0)
    gbar = np.vstack([b.mean(axis=0), s_rows.mean(axis=0)])  # (2, p)
    hbar = np.array([1.0, float(s_h.mean())])
    inf_all = np.zeros((n, 2))
    inf_all[it] = n * ((own - overall) / n_t + lin @ gbar.T)
    inf_all[ic] = -n * np.outer(dev_c / n_c, hbar)
    return DoseFit(np.r_[overall, est_grid], np.column_stack([inf_all, inf_grid]))
