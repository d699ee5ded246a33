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
from typing import TYPE_CHECKING

import numpy as np

from countyeconomy._typing import FloatArray
from countyeconomy.errors import IdentificationError

if TYPE_CHECKING:
    from scipy.interpolate import BSpline

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
        from scipy.interpolate import BSpline

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
    edges: FloatArray | None = None,
) -> DoseFit:
    """ATT/ACRT curve and overall effects of one comparison of ``treated`` with ``control``
    units (boolean ``(n,)`` masks) on outcome changes ``dy``; ``where`` names the cell in errors.

    With bin ``edges`` the averages over the treated doses are also taken within each bin
    ``[e_k, e_{k+1})`` (the last bin closed): columns ``ATT^o, ACRT^o, ATT(bin_1..B),
    ACRT(bin_1..B), ATT(grid), ACRT(grid)``."""
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
    # overall (and by bin): the unit's own ATT(D_i) and ACRT(D_i), averaged over treated doses
    s_rows, s_h = basis.slope(dose[it])
    own = np.column_stack([b @ beta - mc, s_rows @ beta - s_h * mc])  # (n_t, 2)
    groups = [np.ones(n_t, dtype=bool)]
    if edges is not None:
        dt = dose[it]
        for k in range(len(edges) - 1):
            last = k == len(edges) - 2
            upper = dt <= edges[k + 1] if last else dt < edges[k + 1]
            groups.append((dt >= edges[k]) & upper)
    ests: list[FloatArray] = []
    cols: list[FloatArray] = []
    for mask in groups:
        n_b = int(mask.sum())
        if n_b == 0:
            raise IdentificationError(f"{where}: no treated units in a dose bin; widen the bins.")
        avg = own[mask].mean(axis=0)
        gbar = np.vstack([b[mask].mean(axis=0), s_rows[mask].mean(axis=0)])  # (2, p)
        hbar = np.array([1.0, float(s_h[mask].mean())])
        col = np.zeros((n, 2))
        col[it] = n * (mask[:, None] * (own - avg) / n_b + lin @ gbar.T)
        col[ic] = -n * np.outer(dev_c / n_c, hbar)
        ests.append(avg)
        cols.append(col)
    att_b = [e[0] for e in ests[1:]]
    acrt_b = [e[1] for e in ests[1:]]
    inf_b = [c[:, 0] for c in cols[1:]] + [c[:, 1] for c in cols[1:]]
    est = np.r_[ests[0], att_b, acrt_b, est_grid]
    inf = (
        np.column_stack([cols[0], *inf_b, inf_grid])
        if inf_b
        else np.column_stack([cols[0], inf_grid])
    )
    return DoseFit(est, inf)
