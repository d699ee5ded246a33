"""Simulated balanced panels with known thresholds, and a straightforward (slow) re-estimation
used as an oracle for the vectorised kernels. Test helpers only."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd


def threshold_panel(
    seed: int,
    *,
    n_units: int = 200,
    n_years: int = 10,
    gammas: Sequence[float] = (0.5,),
    betas: Sequence[float] = (1.0, 2.0),
    noise: float = 1.0,
) -> pd.DataFrame:
    """``y = a_i + l_t + 0.3 z + x * beta_r(q) + e`` with ``q ~ U(0, 1)``, regimes split at
    ``gammas``; ``x`` and ``z`` standard normal (``x`` shifted by the county effect)."""
    rng = np.random.default_rng(seed)
    n = n_units * n_years
    county = np.repeat(np.arange(n_units), n_years)
    year = np.tile(np.arange(2000, 2000 + n_years), n_units)
    alpha = rng.normal(size=n_units)[county]
    lam = rng.normal(size=n_years)[year - 2000]
    q = rng.uniform(size=n)
    x = rng.normal(size=n) + 0.5 * alpha
    z = rng.normal(size=n)
    regime = np.searchsorted(np.asarray(gammas), q, side="left")
    beta = np.asarray(betas)[regime]
    y = alpha + lam + 0.3 * z + beta * x + noise * rng.normal(size=n)
    return pd.DataFrame({"county": county, "year": year, "q": q, "x": x, "z": z, "y": y})


def within(v: np.ndarray, county: np.ndarray, year: np.ndarray | None = None) -> np.ndarray:
    """County-demeaned columns via pandas groupby (independent of the package's kernels); with
    ``year``, two-way demeaned as on a balanced panel (``v - mean_i - mean_t + mean``)."""
    frame = pd.DataFrame(np.atleast_2d(v.T).T)
    out = frame - frame.groupby(county).transform("mean")
    if year is not None:
        out = out - frame.groupby(year).transform("mean") + frame.mean()
    return out.to_numpy()


def ssr_loop(
    y: np.ndarray,
    z: np.ndarray,
    x: np.ndarray,
    q: np.ndarray,
    county: np.ndarray,
    thresholds: Sequence[float],
    year: np.ndarray | None = None,
) -> float:
    """SSR of the within regression of ``y`` on ``z`` and ``x`` split at ``thresholds``."""
    bounds = [-np.inf, *sorted(thresholds), np.inf]
    cols = [z] + [x * ((q > lo) & (q <= hi)) for lo, hi in itertools.pairwise(bounds)]
    design = within(np.column_stack(cols), county, year)
    yw = within(y, county, year)[:, 0]
    beta = np.linalg.lstsq(design, yw, rcond=None)[0]
    r = yw - design @ beta
    return float(r @ r)


def search_loop(
    y: np.ndarray,
    z: np.ndarray,
    x: np.ndarray,
    q: np.ndarray,
    county: np.ndarray,
    grid: np.ndarray,
    fixed: Sequence[float],
    min_count: int,
    year: np.ndarray | None = None,
) -> tuple[float, float]:
    """``(gamma, SSR)`` minimising the SSR over ``grid`` given ``fixed`` thresholds."""
    best = (np.nan, np.inf)
    qs = np.sort(q)
    for g in grid:
        if g in fixed:
            continue
        cuts = np.searchsorted(qs, sorted([*fixed, g]), side="right")
        sizes = np.diff(np.concatenate([[0], cuts, [len(q)]]))
        if sizes.min() < min_count:
            continue
        s = ssr_loop(y, z, x, q, county, [*fixed, g], year)
        if s < best[1]:
            best = (float(g), s)
    return best
