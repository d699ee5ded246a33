"""Resampling draws of synthetic DID: placebo, bootstrap and jackknife (Arkhangelsky et al.
2021, Algorithms 2-4), each a picklable callable run chunk by chunk by
:func:`countyeconomy.inference.map_chunks`.

Each draw returns ``[ATT, tau_a for each cohort of the full design]`` (NaN for a cohort absent
from the draw). The penalties ``zeta`` stay at their full-sample values, as in ``synthdid``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from countyeconomy._typing import FloatArray, IntArray
from countyeconomy.estimators.synthetic._sdid_design import CohortFits, fit_cohorts
from countyeconomy.estimators.synthetic._sdid_kernels import Variant
from countyeconomy.estimators.synthetic._sdid_placebo import placebo_rows
from countyeconomy.inference import ChunkTask

__all__ = ["BootstrapDraws", "JackknifeDraws", "PlaceboDraws", "spread"]


def _row(fit: CohortFits, cohorts: tuple[int, ...]) -> FloatArray:
    out = np.full(len(cohorts) + 1, np.nan)
    out[0] = fit.att
    for a, f in zip(fit.cohorts, fit.fits, strict=True):
        out[1 + cohorts.index(a)] = f.tau
    return out


@dataclass(frozen=True)
class _Base:
    y: FloatArray
    g: IntArray
    years: IntArray
    x: FloatArray | None
    variant: Variant
    zetas: dict[int, tuple[float, float]]
    cohorts: tuple[int, ...]

    def _fit(self, rows: IntArray, g: IntArray) -> FloatArray:
        x = None if self.x is None else self.x[rows]
        fit = fit_cohorts(self.y[rows], g, self.years, self.variant, x=x, zetas=self.zetas)
        return _row(fit, self.cohorts)


@dataclass(frozen=True)
class PlaceboDraws(_Base):
    """Controls only: a random set of them gets the treated units' cohorts (Algorithm 4).
    Without covariates (and with estimated weights) every draw's unit-weight problem is solved
    inside one Gram matrix of all controls (:func:`placebo_rows`)."""

    def __call__(self, task: ChunkTask) -> FloatArray:
        rng = task.rng()
        controls = np.flatnonzero(self.g == 0)
        treated_g = self.g[self.g != 0]
        n0 = len(controls) - len(treated_g)
        if self.x is None and self.variant != "did":
            perms = [rng.permutation(controls) for _ in range(task.size)]
            return placebo_rows(
                self.y, controls, perms, treated_g, self.years, self.variant, self.zetas,
                self.cohorts,
            )  # fmt: skip
        out = np.empty((task.size, len(self.cohorts) + 1))
        for j in range(task.size):
            perm = rng.permutation(controls)
            rows = np.concatenate([perm[:n0], perm[n0:]])
            g = np.concatenate([np.zeros(n0, dtype=np.int64), treated_g])
            out[j] = self._fit(rows, g)
        return out


@dataclass(frozen=True)
class BootstrapDraws(_Base):
    """Units drawn with replacement; weights and covariates re-fitted (Algorithm 2). A draw
    without a treated or without a control unit is drawn again."""

    def __call__(self, task: ChunkTask) -> FloatArray:
        rng = task.rng()
        n = len(self.g)
        out = np.empty((task.size, len(self.cohorts) + 1))
        for j in range(task.size):
            while True:
                rows = np.sort(rng.integers(0, n, size=n))
                g = self.g[rows]
                if (g == 0).any() and (g != 0).any():
                    break
            order = np.argsort(g != 0, kind="stable")  # controls first, as in the design
            out[j] = self._fit(rows[order], g[order])
        return out


@dataclass(frozen=True)
class JackknifeDraws:
    """Leave unit ``i`` out, weights held fixed (Algorithm 3); draw ``i`` is unit ``i``."""

    y: FloatArray
    g: IntArray
    years: IntArray
    x: FloatArray | None
    variant: Variant
    full: CohortFits

    def __call__(self, task: ChunkTask) -> FloatArray:
        out = np.empty((task.size, len(self.full.cohorts) + 1))
        control_pos = np.cumsum(self.g == 0) - 1
        for j, i in enumerate(range(task.start, task.stop)):
            rows = np.delete(np.arange(len(self.g)), i)
            x = None if self.x is None else self.x[rows]
            drop = int(control_pos[i]) if self.g[i] == 0 else None
            fit = fit_cohorts(
                self.y[rows],
                self.g[rows],
                self.years,
                self.variant,
                x=x,
                fixed=self.full,
                drop_control=drop,
            )
            out[j] = _row(fit, self.full.cohorts)
        return out


def spread(draws: FloatArray, jackknife: bool) -> FloatArray:
    """Covariance of the draws: ``(B-1)/B`` times the sample covariance (placebo, bootstrap), or
    the jackknife's ``(n-1)/n * sum (u - mean)^2``. Pairwise over draws where both are defined."""
    k = draws.shape[1]
    out = np.full((k, k), np.nan)
    for i in range(k):
        for j in range(i, k):
            ok = np.isfinite(draws[:, i]) & np.isfinite(draws[:, j])
            n = int(ok.sum())
            if n < 2:
                continue
            a = draws[ok, i] - draws[ok, i].mean()
            b = draws[ok, j] - draws[ok, j].mean()
            c = float(a @ b) * ((n - 1) / n if jackknife else 1.0 / n)
            out[i, j] = out[j, i] = c
    return out
