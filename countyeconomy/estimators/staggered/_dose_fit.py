"""Fitting helpers of :func:`~countyeconomy.dose_did`: the dose basis, every ``(g, t)``
comparison with one basis, and the CCK choice of the sieve dimension (:mod:`._dose_cck`)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray
from countyeconomy.errors import IdentificationError, PanelStructureError
from countyeconomy.estimators.staggered._dose_cck import CCKSummary, cck_grid, run_cck
from countyeconomy.estimators.staggered._dose_kernels import Basis, dose_cell
from countyeconomy.estimators.staggered._dose_result import aggregate_cells
from countyeconomy.panel import Panel

__all__ = [
    "cck_facts",
    "check_units",
    "choose_dimension",
    "curve_labels",
    "dose_basis",
    "fit_cells",
]


def dose_basis(
    doses: FloatArray, low: float, degree: int, knots: int, discrete: bool | None
) -> Basis:
    vals = np.unique(doses)
    if discrete is None:
        discrete = len(vals) <= degree + knots + 1
    if discrete:
        return Basis(degree, np.zeros(0), float(vals[0]), float(vals[-1]), vals, low)
    inner = np.quantile(doses, np.linspace(0, 1, knots + 2)[1:-1]) if knots else np.zeros(0)
    return Basis(degree, inner, float(vals[0]), float(vals[-1]), None, low)


def fit_cells(
    prep: Any,
    basis: Basis,
    specs: list[Any],
    dvec: FloatArray,
    control: str,
    low: float,
    grid_arr: FloatArray,
    edges: FloatArray | None,
) -> tuple[FloatArray, FloatArray, np.ndarray, np.ndarray]:
    """Every ``(g, t)`` comparison with one basis: estimates ``(K, q)``, influence functions
    ``(n, q, K)``, labels ``(K, 5)`` (cohort, year, base year, treated, comparison) and the
    treated masks ``(n, K)``."""
    coh = prep.cohort
    obs = ~np.isnan(prep.y)
    y0 = np.where(obs, prep.y, 0.0)
    ests, infs, rows, tmask = [], [], [], []
    for s in specs:
        valid = obs[:, s.cur] & obs[:, s.base]
        in_g = (coh == s.g) & valid
        if control == "lowest_dose":
            tr, ctl = in_g & (dvec > low), in_g & (dvec == low)
        elif control == "never_treated":
            tr, ctl = in_g, (coh == 0) & valid
        else:
            limit = prep.periods[max(s.cur, s.base)]
            tr, ctl = in_g, ((coh == 0) | (coh > limit)) & (coh != s.g) & valid
        year_t = int(prep.periods[s.cur])
        if not tr.any() or ctl.sum() < 1:
            continue
        fit = dose_cell(
            y0[:, s.cur] - y0[:, s.base],
            dvec,
            tr,
            ctl,
            basis,
            grid_arr,
            f"cohort {s.g}, year {year_t}",
            edges,
        )
        ests.append(fit.est)
        infs.append(fit.inf)
        rows.append((s.g, year_t, int(prep.periods[s.base]), int(tr.sum()), int(ctl.sum())))
        tmask.append(tr)
    if not ests:
        raise IdentificationError("no (cohort, year) cell has treated and comparison units.")
    return (
        np.vstack(ests),
        np.stack(infs, axis=2),
        np.asarray(rows, dtype=np.int64),
        np.column_stack(tmask),
    )


def choose_dimension(
    fit: Callable[[Basis], tuple[FloatArray, FloatArray, np.ndarray, np.ndarray]],
    treated_doses: FloatArray,
    by_cohort: list[FloatArray],
    low: float,
    degree: int,
    cluster_sums: Callable[[FloatArray], FloatArray],
    offset: int,
    m: int,
    draws: int,
    root: np.random.SeedSequence,
    distribution: str,
    executor: Executor | None,
    progress: bool,
) -> tuple[CCKSummary, Basis]:
    """The CCK dimension (see :mod:`._dose_cck`): every basis of the grid is fitted and
    aggregated; the grid's ``n`` is the smallest cohort's number of treated units."""
    n_small = min(len(d) for d in by_cohort)
    distinct = min(len(np.unique(d)) for d in by_cohort)
    segs, alpha = cck_grid(n_small, degree, max_dim=distinct - 1)
    fits = []
    for s in segs.tolist():
        est, inf, lab, treated = fit(dose_basis(treated_doses, low, degree, s - 1, False))
        post = lab[:, 0] <= lab[:, 1]
        if not post.any():
            raise IdentificationError("no post-treatment (cohort, year) cells.")
        fits.append(aggregate_cells(est, inf, lab[:, 0], post, treated))
    summary = run_cck(
        fits,
        segs,
        alpha,
        degree=degree,
        cluster_sums=cluster_sums,
        offset=offset,
        m=m,
        draws=draws,
        seed=root,
        distribution=distribution,
        executor=executor,
        progress=progress,
    )
    knots = int(segs[summary.index]) - 1
    return summary, dose_basis(treated_doses, low, degree, knots, False)


def cck_facts(cck: CCKSummary, degree: int) -> dict[str, Any]:
    """``info.extra["cck"]``: the grid, the choice and the band's critical values."""
    return {
        "dimensions": tuple(degree + s for s in cck.segments),
        "chosen": degree + cck.segments[cck.index],
        "alpha_hat": cck.alpha,
        "theta": cck.theta,
        "critical_values": cck.crit,
        "lepski_statistics": cck.stats,
    }


def check_units(panel: Panel, dose: str, cohort: str) -> pd.DataFrame:
    frame = panel.frame
    for col in (dose, cohort):
        if col not in frame.columns:
            raise PanelStructureError(
                f"column {col!r} not found; the data has {list(frame.columns)[:20]}."
            )
    d = pd.to_numeric(frame[dose], errors="coerce")
    if d.isna().any() or not np.isfinite(d.to_numpy(float)).all() or (d < 0).any():
        raise PanelStructureError(
            f"dose column {dose!r} must hold finite non-negative numbers in every row."
        )
    if (d.groupby(frame[panel.county].to_numpy()).nunique() > 1).any():
        raise PanelStructureError(f"dose column {dose!r} must be constant within each unit.")
    return frame


def curve_labels(
    grid_arr: FloatArray, edges: FloatArray | None
) -> tuple[tuple[str, ...], pd.DataFrame]:
    """Term names and the ``estimand``/``dose`` columns of the result's rows."""
    nb = 0 if edges is None else len(edges) - 1
    m = len(grid_arr)
    fmt = [f"{v:.6g}" for v in grid_arr.tolist()]
    blab = (
        []
        if edges is None
        else [
            f"[{a:.6g},{b:.6g}{']' if k == nb - 1 else ')'}"
            for k, (a, b) in enumerate(itertools.pairwise(edges.tolist()))
        ]
    )
    names = (
        "ATT",
        "ACRT",
        *(f"ATT(bin={v})" for v in blab),
        *(f"ACRT(bin={v})" for v in blab),
        *(f"ATT(d={v})" for v in fmt),
        *(f"ACRT(d={v})" for v in fmt),
    )
    mids = [] if edges is None else ((edges[:-1] + edges[1:]) / 2).tolist()
    extra = pd.DataFrame(
        {
            "estimand": [
                "ATT",
                "ACRT",
                *["ATT(bin)"] * nb,
                *["ACRT(bin)"] * nb,
                *["ATT(d)"] * m,
                *["ACRT(d)"] * m,
            ],
            "dose": np.r_[np.nan, np.nan, mids, mids, grid_arr, grid_arr],
        }
    )
    return names, extra
