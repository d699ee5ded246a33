"""Synthetic DID over adoption cohorts: the covariate projection and the cohort-by-cohort fit.

A design is a balanced outcome matrix ``Y`` (units x years), each unit's cohort ``g`` (first
treated year, ``0`` = never treated) and the sorted ``years``. Cohort ``a`` is fitted on the
never-treated units plus the units of cohort ``a``, with the years before ``a`` as its
pre-period; the overall ATT weights the cohort effects by their treated unit-years
``N_a * T_post_a`` (as Stata's ``sdid`` does).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from countyeconomy._typing import FloatArray, IntArray
from countyeconomy.estimators.synthetic._sdid_kernels import (
    SdidFit,
    Variant,
    fit_sdid,
    sum_normalize,
)

__all__ = ["CohortFits", "cohort_weights", "fit_cohorts", "project_covariates", "untreated_mask"]


@dataclass(frozen=True)
class CohortFits:
    """Fits of every cohort of one design, with the overall ATT."""

    cohorts: tuple[int, ...]
    fits: tuple[SdidFit, ...]
    weights: FloatArray
    att: float
    beta: FloatArray

    def estimates(self) -> FloatArray:
        """``[ATT, tau_a for each cohort]``."""
        return np.array([self.att, *(f.tau for f in self.fits)])


def untreated_mask(g: IntArray, years: IntArray) -> np.ndarray:
    """Cells (unit, year) not yet treated: never-treated units and years before the cohort."""
    out: np.ndarray = (g[:, None] == 0) | (years[None, :] < g[:, None])
    return out


def _twoway_within(z: FloatArray, mask: np.ndarray, tol: float = 1e-12) -> FloatArray:
    """Residuals of each slice ``z[:, :, k]`` on unit and year effects over the masked cells
    (alternating projections)."""
    m = mask[:, :, None].astype(float)
    out = np.where(mask[:, :, None], z, 0.0)
    n_row = np.maximum(m.sum(axis=1, keepdims=True), 1.0)
    n_col = np.maximum(m.sum(axis=0, keepdims=True), 1.0)
    for _ in range(10_000):
        out = out - (out.sum(axis=1, keepdims=True) / n_row) * m
        col = out.sum(axis=0, keepdims=True) / n_col
        out = out - col * m
        if np.max(np.abs(col)) < tol * (1.0 + np.max(np.abs(out))):
            break
    return out


def project_covariates(
    y: FloatArray, x: FloatArray, mask: np.ndarray
) -> tuple[FloatArray, FloatArray]:
    """Remove ``x @ beta`` from ``y``, with ``beta`` from a two-way fixed-effects regression on
    the not-yet-treated cells (the "projected" covariate adjustment of Kranz 2022 and Stata
    ``sdid``). ``x`` is units x years x covariates. Returns the adjusted outcome and ``beta``."""
    if x.shape[2] == 0:
        return y, np.zeros(0)
    z = _twoway_within(np.concatenate([y[:, :, None], x], axis=2), mask)
    zy, zx = z[:, :, 0][mask], z[:, :, 1:][mask]
    beta, *_ = np.linalg.lstsq(zx, zy, rcond=None)
    return y - x @ beta, beta


def cohort_weights(g: IntArray, years: IntArray, cohorts: tuple[int, ...]) -> FloatArray:
    """Share of treated unit-years of each cohort: ``N_a (T - T0_a)`` normalised."""
    w = np.array([np.sum(g == a) * np.sum(years >= a) for a in cohorts], dtype=float)
    out: FloatArray = w / w.sum()
    return out


def fit_cohorts(
    y: FloatArray,
    g: IntArray,
    years: IntArray,
    variant: Variant,
    *,
    x: FloatArray | None = None,
    zetas: dict[int, tuple[float, float]] | None = None,
    fixed: CohortFits | None = None,
    drop_control: int | None = None,
) -> CohortFits:
    """Fit every cohort present in ``g``.

    ``zetas`` holds ``(zeta_omega, zeta_lambda)`` per cohort (``None``: the paper's defaults from
    these data). ``fixed`` reuses a fit's weights and ``beta`` (the jackknife): with
    ``drop_control`` (the position, among the original controls, of a control left out) the
    control weights are renormalised over the others.
    """
    if fixed is not None:
        y_adj = y - x @ fixed.beta if x is not None and fixed.beta.size else y
        beta = fixed.beta
    elif x is not None:
        y_adj, beta = project_covariates(y, x, untreated_mask(g, years))
    else:
        y_adj, beta = y, np.zeros(0)
    cohorts = tuple(int(a) for a in np.unique(g[g != 0]))
    controls = np.flatnonzero(g == 0)
    fits = []
    for a in cohorts:
        rows = np.concatenate([controls, np.flatnonzero(g == a)])
        cols = np.concatenate([np.flatnonzero(years < a), np.flatnonzero(years >= a)])
        t0 = int(np.sum(years < a))
        sub = y_adj[np.ix_(rows, cols)]
        if fixed is not None:
            base = fixed.fits[fixed.cohorts.index(a)]
            om = base.omega if drop_control is None else np.delete(base.omega, drop_control)
            om = sum_normalize(om)
            fits.append(fit_sdid(sub, len(controls), t0, variant, omega=om, lam=base.lam))
            continue
        zo, zl = zetas.get(a, (None, None)) if zetas is not None else (None, None)
        fits.append(fit_sdid(sub, len(controls), t0, variant, zeta_omega=zo, zeta_lambda=zl))
    w = cohort_weights(g, years, cohorts)
    att = float(np.dot(w, [f.tau for f in fits]))
    return CohortFits(cohorts, tuple(fits), w, att, beta)
