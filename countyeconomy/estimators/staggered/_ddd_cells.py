"""Triple-difference ATT(g,t) cells of Ortiz-Villavicencio and Sant'Anna (2025) from wide arrays.

Units are split by their cohort ``S`` (first treated year of the unit's county; ``0`` = never
treated) and eligibility ``Q`` (0/1). For a cell ``(g, t)`` with base period ``b`` and one
comparison cohort ``c``, the four subgroups are ``4: S=g, Q=1`` (the target), ``3: S=g, Q=0``,
``2: S=c, Q=1`` and ``1: S=c, Q=0``, and

.. math::

    DDD_c(g,t) = DiD(4, 3) + DiD(4, 2) - DiD(4, 1),

each ``DiD(4, j)`` being the 2x2 estimator (``"reg"``, ``"ipw"`` or ``"dr"``) of subgroup 4
against subgroup ``j`` on the units of those two subgroups (paper, eq. 3.5 and 4.8). Without
covariates this is ``(dY_4 - dY_2) - (dY_3 - dY_1)`` in means. With several comparison cohorts
(``control="not_yet_treated"``) the ``DDD_c`` are combined with the optimal GMM weights
``Omega^{-1} 1 / (1' Omega^{-1} 1)``, ``Omega`` the covariance of their influence functions
(paper, eq. 4.11-4.12).

Influence functions are on the scale of :mod:`._cs_kernels` for the full sample of ``n`` units:
the comparison ``j``'s own influence function times ``n / n_j`` (``n_j`` its units), zero
elsewhere. An unbalanced panel uses, in each cell, the units observed in both of its years.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from countyeconomy._typing import FloatArray, IntArray
from countyeconomy.errors import IdentificationError
from countyeconomy.estimators.staggered._cs_cells import CellSpec, WideData
from countyeconomy.estimators.staggered._cs_kernels import did_panel_2x2

__all__ = ["DDDCells", "compute_ddd_cells", "ddd_one"]


@dataclass(frozen=True)
class DDDCells:
    """Estimated cells (reference cells of a universal base period included as zeros)."""

    att: FloatArray
    inf: FloatArray
    group: IntArray
    year: IntArray
    base_year: IntArray
    n_treated: IntArray
    n_control: IntArray
    n_comparisons: IntArray
    treated: np.ndarray
    skipped: tuple[tuple[int, int, str], ...]


def ddd_one(
    dy: FloatArray,
    sub: IntArray,
    x: FloatArray,
    w: FloatArray,
    method: str,
) -> tuple[float, FloatArray]:
    """DDD of subgroup 4 with subgroups 3, 2 and 1 on one sample; influence function scaled to
    that sample (``var = inf @ inf / len(dy)**2``).

    ``sub`` holds the subgroup codes 1-4 of each unit; ``x`` has an intercept column first.
    """
    n = len(dy)
    att = 0.0
    inf = np.zeros(n)
    for j, sign in ((3, 1.0), (2, 1.0), (1, -1.0)):
        idx = np.flatnonzero((sub == 4) | (sub == j))
        d = (sub[idx] == 4).astype(float)
        res = did_panel_2x2(dy[idx], d, x[idx], w[idx], method)
        att += sign * res.att
        inf[idx] += sign * (n / len(idx)) * res.inf
    return att, inf


def _gmm(att: FloatArray, inf: FloatArray) -> tuple[float, FloatArray]:
    """Optimal GMM combination of estimates ``att`` ``(m,)`` with influence functions ``inf``
    ``(n_cell, m)`` (covariance with ``ddof=1``, as the paper's reference code)."""
    omega = np.atleast_2d(np.cov(inf, rowvar=False))
    try:
        inv = np.linalg.inv(omega)
    except np.linalg.LinAlgError:
        inv = np.linalg.pinv(omega)
    ones = np.ones(len(att))
    wts = inv @ ones / float(ones @ inv @ ones)
    return float(att @ wts), inf @ wts


def compute_ddd_cells(
    data: WideData,
    eligible: np.ndarray,
    cells: list[CellSpec],
    *,
    control: str,
    method: str,
    anticipation: int,
) -> DDDCells:
    """Estimate every planned cell; cells without all four subgroups are skipped (listed)."""
    n = len(data.cohort)
    obs = ~np.isnan(data.y)
    y0 = np.where(obs, data.y, 0.0)
    q = eligible.astype(bool)
    att: list[float] = []
    cols: list[FloatArray] = []
    rows: list[tuple[int, int, int, int, int, int]] = []
    treated: list[np.ndarray] = []
    skipped: list[tuple[int, int, str]] = []
    for spec in cells:
        year = int(data.periods[spec.cur])
        if spec.reference:
            att.append(0.0)
            cols.append(np.zeros(n))
            rows.append((spec.g, year, year, 0, 0, 0))
            treated.append((data.cohort == spec.g) & obs[:, spec.cur])
            continue
        valid = obs[:, spec.cur] & obs[:, spec.base]
        is_g = (data.cohort == spec.g) & valid
        if control == "never_treated":
            comp = (data.cohort == 0) & valid
        else:
            limit = data.periods[max(spec.cur, spec.base)] + anticipation
            comp = ((data.cohort == 0) | (data.cohort > limit)) & (data.cohort != spec.g) & valid
        subgroups = (is_g & q, is_g & ~q, comp & q, comp & ~q)
        missing = [k for k, s in zip((4, 3, 2, 1), subgroups, strict=True) if not s.any()]
        if missing:
            skipped.append((spec.g, year, f"no units in subgroup(s) {missing}"))
            continue
        dy = y0[:, spec.cur] - y0[:, spec.base]
        period = min(spec.cur, spec.base)
        ests: list[float] = []
        infs: list[FloatArray] = []
        cell = np.zeros(n, dtype=bool)
        for c in np.unique(data.cohort[comp]).tolist():
            member = is_g | ((data.cohort == c) & valid)
            idx = np.flatnonzero(member)
            sub = np.where(data.cohort[idx] == spec.g, 3, 1) + q[idx].astype(np.int64)
            if not {1, 2}.issubset(set(np.unique(sub).tolist())):
                continue  # this comparison cohort lacks an eligible or ineligible unit
            x = np.column_stack([np.ones(len(idx)), data.x[idx, period, :]])
            try:
                a, psi = ddd_one(dy[idx], sub, x, data.w[idx] / data.w[idx].mean(), method)
            except (np.linalg.LinAlgError, IdentificationError) as exc:
                raise IdentificationError(
                    f"DDD(g={spec.g}, t={year}) against cohort {c}: {exc} Covariates may be "
                    "collinear or constant within a subgroup."
                ) from exc
            full = np.zeros(n)
            full[idx] = psi * (n / len(idx))
            ests.append(a)
            infs.append(full)
            cell |= member
        if not ests:
            skipped.append((spec.g, year, "no comparison cohort with both eligibility groups"))
            continue
        if len(ests) == 1:
            est, psi_full = ests[0], infs[0]
        else:
            ci = np.flatnonzero(cell)
            local = np.column_stack(infs)[ci] * (len(ci) / n)
            est, psi_local = _gmm(np.asarray(ests), local)
            psi_full = np.zeros(n)
            psi_full[ci] = psi_local * (n / len(ci))
        att.append(est)
        cols.append(psi_full)
        rows.append(
            (
                spec.g,
                year,
                int(data.periods[spec.base]),
                int(is_g.sum()),
                int(comp.sum()),
                len(ests),
            )
        )
        treated.append(is_g)
    m = np.asarray(rows, dtype=np.int64).reshape(-1, 6)
    return DDDCells(
        att=np.asarray(att, dtype=float),
        inf=np.column_stack(cols) if cols else np.zeros((n, 0)),
        group=m[:, 0],
        year=m[:, 1],
        base_year=m[:, 2],
        n_treated=m[:, 3],
        n_control=m[:, 4],
        n_comparisons=m[:, 5],
        treated=np.column_stack(treated) if treated else np.zeros((n, 0), dtype=bool),
        skipped=tuple(skipped),
    )
