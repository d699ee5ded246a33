"""All ATT(g,t) cells of Callaway and Sant'Anna (2021) from wide unit x period arrays.

The cell list follows R ``did::att_gt``: for ``base_period="varying"`` pre-treatment cells compare
consecutive periods and post-treatment cells use the last period before ``g - anticipation``; for
``"universal"`` every cell uses that period and the reference cell itself is reported as zero.

Unbalanced panels: a cell uses the units observed in both of its periods (each unit's own pair).
Its influence function is zero for the other units and is scaled to the full sample of units, so
that cells and aggregates share one sample of ``n`` units (the convention of diff-diff's default
panel path; R ``did`` instead balances the panel or switches to repeated cross-sections).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from countyeconomy._typing import FloatArray, IntArray
from countyeconomy.errors import CountyEconomyWarning, IdentificationError
from countyeconomy.estimators.staggered._cs_kernels import (
    PropensityFit,
    did_panel_2x2,
    propensity,
)

__all__ = ["CellSpec", "Cells", "WideData", "compute_cells", "plan_cells"]


@dataclass(frozen=True)
class WideData:
    """Unit x period arrays. ``y`` is ``(n, T)`` with NaN where a unit-year is absent; ``x`` is
    ``(n, T, k)`` covariates (``k`` may be 0); ``cohort`` ``(n,)`` with 0 for never treated;
    ``w`` ``(n,)`` unit weights; ``periods`` ``(T,)`` sorted years."""

    y: FloatArray
    x: FloatArray
    cohort: IntArray
    w: FloatArray
    periods: IntArray


@dataclass(frozen=True)
class CellSpec:
    """One planned cell: cohort ``g``, period index ``cur``, base-period index ``base``."""

    g: int
    cur: int
    base: int
    reference: bool


@dataclass(frozen=True)
class Cells:
    """Estimated cells. ``att`` ``(K,)``, ``inf`` ``(n, K)`` influence functions (R scale),
    ``group``/``year``/``base_year`` ``(K,)``, ``n_treated``/``n_control`` ``(K,)`` counts and
    ``treated`` ``(n, K)``: whether a unit is a treated unit observed in the cell."""

    att: FloatArray
    inf: FloatArray
    group: IntArray
    year: IntArray
    base_year: IntArray
    n_treated: IntArray
    n_control: IntArray
    treated: np.ndarray
    skipped: tuple[tuple[int, int, str], ...]


def plan_cells(
    periods: IntArray, groups: IntArray, *, base_period: str, anticipation: int
) -> tuple[list[CellSpec], list[int]]:
    """The cells to estimate, and the cohorts without a pre-treatment period (skipped)."""
    varying = base_period == "varying"
    tfac = 1 if varying else 0
    n_t = len(periods) - tfac
    cells: list[CellSpec] = []
    no_pre: list[int] = []
    for g in groups.tolist():
        pre = np.flatnonzero(periods + anticipation < g)
        if len(pre) == 0:
            no_pre.append(int(g))
            continue
        last_pre = int(pre[-1])
        for t in range(n_t):
            cur = t + tfac
            post = g <= periods[cur]
            base = last_pre if (post or not varying) else t
            ref = (not varying) and base == cur
            cells.append(CellSpec(int(g), cur, base, ref))
    return cells, no_pre


def _controls(data: WideData, specs: list[CellSpec], control: str, anticipation: int) -> np.ndarray:
    """``(n, K)`` comparison-unit indicators of every cell (before the observed-pair filter)."""
    coh = data.cohort[:, None]
    if control == "never_treated":
        return np.broadcast_to(coh == 0, (len(data.cohort), len(specs)))
    limit = np.asarray([data.periods[max(s.cur, s.base)] + anticipation for s in specs])
    g = np.asarray([s.g for s in specs])
    out: np.ndarray = (coh == 0) | ((coh > limit[None, :]) & (coh != g[None, :]))
    return out


def compute_cells(
    data: WideData,
    cells: list[CellSpec],
    *,
    control: str,
    method: str,
    anticipation: int,
    notes: list[str] | None = None,
) -> Cells:
    """Estimate every planned cell (see the module docstring for the unbalanced convention).

    Without covariates all cells come from weighted group sums of outcome changes, one cohort's
    block of cells at a time; with covariates each cell runs the 2x2 estimator on its own sample,
    reusing the propensity fit of cells that share cohort, covariate year and sample. Warnings
    are also appended to ``notes``.
    """
    specs = [c for c in cells if not c.reference]
    obs = ~np.isnan(data.y)
    cur = np.asarray([c.cur for c in specs], dtype=np.intp)
    base = np.asarray([c.base for c in specs], dtype=np.intp)
    g = np.asarray([c.g for c in specs], dtype=np.int64)
    valid = obs[:, cur] & obs[:, base]
    d = (data.cohort[:, None] == g[None, :]) & valid
    c = _controls(data, specs, control, anticipation) & valid
    n_t, n_c = d.sum(axis=0), c.sum(axis=0)
    ok = (n_t > 0) & (n_c > 0)
    y0 = np.where(obs, data.y, 0.0)
    if data.x.shape[2] == 0:
        att, inf = _means_by_cohort(y0, cur, base, g, d, c, data.w, ok)
    else:
        dy = y0[:, cur] - y0[:, base]
        att, inf = _covariate_cells(data, specs, dy, d, c, ok, method)
    skipped = [
        (
            int(g[k]),
            int(data.periods[cur[k]]),
            "no treated units" if n_t[k] == 0 else "no comparison units",
        )
        for k in np.flatnonzero(~ok)
    ]
    if skipped:
        message = (
            f"{len(skipped)} ATT(g,t) cell(s) could not be estimated and were skipped, e.g. "
            f"(g={skipped[0][0]}, t={skipped[0][1]}): {skipped[0][2]}."
        )
        if notes is not None:
            notes.append(message)
        warnings.warn(message, CountyEconomyWarning, stacklevel=5)
    return _assemble(data, cells, specs, att, inf, d, n_t, n_c, ok, obs, tuple(skipped))


def _block(idx: np.ndarray) -> slice | np.ndarray:
    """A slice for a run of consecutive indices (a view, no copy), else the indices."""
    if len(idx) and int(idx[-1]) - int(idx[0]) + 1 == len(idx):
        return slice(int(idx[0]), int(idx[-1]) + 1)
    return idx


def _means_by_cohort(
    y0: FloatArray,
    cur: IntArray,
    base: IntArray,
    g: IntArray,
    d: np.ndarray,
    c: np.ndarray,
    w: FloatArray,
    ok: np.ndarray,
) -> tuple[FloatArray, FloatArray]:
    """Difference in weighted mean changes and its influence function for all cells, one cohort
    at a time. Each cohort's units and its comparison units are taken as the row block spanning
    them (correct in any order; when units are sorted by cohort with never-treated last, as
    ``prepare`` does, the blocks are tight and the work is proportional to the non-zeros of the
    influence functions)."""
    n, k_all = d.shape
    att = np.zeros(k_all)
    inf = np.zeros((n, k_all))
    for gv in np.unique(g).tolist():
        cols = np.flatnonzero((g == gv) & ok)
        if len(cols) == 0:
            continue
        cs = _block(cols)
        for mask, sign in ((d, 1.0), (c, -1.0)):
            members = np.flatnonzero(mask[:, cs].any(axis=1))
            rows = slice(int(members[0]), int(members[-1]) + 1)
            wm = mask[rows, cs] * w[rows, None]
            yr = y0[rows]
            dy = yr[:, cur[cols]] - yr[:, base[cols]]
            total = wm.sum(axis=0)
            eta = np.einsum("ik,ik->k", wm, dy) / total
            inf[rows, cs] += (sign * n / total) * (wm * (dy - eta))
            att[cs] += sign * eta
    if ok.all():
        return att, inf
    return att[ok], inf[:, ok]


def _covariate_cells(
    data: WideData,
    specs: list[CellSpec],
    dy: FloatArray,
    d: np.ndarray,
    c: np.ndarray,
    ok: np.ndarray,
    method: str,
) -> tuple[FloatArray, FloatArray]:
    n = len(data.cohort)
    cache: dict[tuple[int, int, bytes], PropensityFit] = {}
    last: dict[int, FloatArray] = {}
    att: list[float] = []
    cols: list[FloatArray] = []
    for k in np.flatnonzero(ok):
        spec = specs[k]
        member = d[:, k] | c[:, k]
        idx = np.flatnonzero(member)
        period = min(spec.cur, spec.base)
        x = np.column_stack([np.ones(len(idx)), data.x[idx, period, :]])
        dk = d[idx, k].astype(float)
        wk = data.w[idx] / data.w[idx].mean()
        try:
            fit = None
            if method != "reg" and x.shape[1] > 1:
                key = (spec.g, period, np.packbits(member).tobytes())
                fit = cache.get(key)
                if fit is None:
                    fit = propensity(x, dk, wk, start=last.get(spec.g))
                    cache[key] = fit
                    last[spec.g] = fit.beta
            res = did_panel_2x2(dy[idx, k], dk, x, wk, method, ps_fit=fit)
        except (np.linalg.LinAlgError, IdentificationError) as exc:
            raise IdentificationError(
                f"ATT(g={spec.g}, t={data.periods[spec.cur]}) with covariates: {exc} "
                "Covariates may be collinear or constant within this comparison."
            ) from exc
        col = np.zeros(n)
        col[idx] = (n / len(idx)) * res.inf
        att.append(res.att)
        cols.append(col)
    inf = np.column_stack(cols) if cols else np.zeros((n, 0))
    return np.asarray(att, dtype=float), inf


def _assemble(
    data: WideData,
    cells: list[CellSpec],
    specs: list[CellSpec],
    att: FloatArray,
    inf: FloatArray,
    d: np.ndarray,
    n_t: np.ndarray,
    n_c: np.ndarray,
    ok: np.ndarray,
    obs: np.ndarray,
    skipped: tuple[tuple[int, int, str], ...],
) -> Cells:
    """Cells in planned order, with the universal base period's reference cells as zeros."""
    n = len(data.cohort)
    pos = {id(s): k for k, s in enumerate(specs)}
    col_of = np.cumsum(ok) - 1
    order: list[int] = []  # column in att/inf, or -1 for a reference cell
    ref_members: list[np.ndarray] = []
    rows: list[tuple[int, int, int, int, int]] = []
    for spec in cells:
        year = int(data.periods[spec.cur])
        if spec.reference:
            order.append(-1)
            ref_members.append((data.cohort == spec.g) & obs[:, spec.cur])
            rows.append((spec.g, year, year, 0, 0))
            continue
        k = pos[id(spec)]
        if not ok[k]:
            continue
        order.append(int(col_of[k]))
        rows.append((spec.g, year, int(data.periods[spec.base]), int(n_t[k]), int(n_c[k])))
    sel = np.asarray(order, dtype=np.intp)
    real = sel >= 0
    m = np.asarray(rows, dtype=np.int64).reshape(-1, 5)
    if real.all() and np.array_equal(sel, np.arange(inf.shape[1])):
        return Cells(att, inf, m[:, 0], m[:, 1], m[:, 2], m[:, 3], m[:, 4], d[:, ok], skipped)
    out_att = np.zeros(len(sel))
    out_att[real] = att[sel[real]]
    out_inf = np.zeros((n, len(sel)))
    out_inf[:, real] = inf[:, sel[real]]
    treated = np.zeros((n, len(sel)), dtype=bool)
    treated[:, real] = d[:, ok][:, sel[real]]
    if (~real).any():
        treated[:, ~real] = np.column_stack(ref_members)
    return Cells(
        att=out_att,
        inf=out_inf,
        group=m[:, 0],
        year=m[:, 1],
        base_year=m[:, 2],
        n_treated=m[:, 3],
        n_control=m[:, 4],
        treated=treated,
        skipped=skipped,
    )
