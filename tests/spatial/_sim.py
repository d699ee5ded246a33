"""Simulated spatial panels with known parameters on real county-seat coordinates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from countyeconomy.spatial import SpatialWeights


def simulate_spatial_panel(
    w: SpatialWeights,
    years: int = 8,
    *,
    rho: float = 0.4,
    beta: tuple[float, float] = (1.0, -0.5),
    theta: tuple[float, float] = (0.0, 0.0),
    lam: float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """``y = (I - rho W)^-1 (X beta + W X theta + a_i + g_t + u)``, ``u = (I - lam W)^-1 e``."""
    rng = np.random.default_rng(seed)
    n = w.n
    wd = w.dense()
    s_inv = np.linalg.inv(np.eye(n) - rho * wd)
    b_inv = np.linalg.inv(np.eye(n) - lam * wd)
    a = rng.standard_normal(n)
    rows = []
    for t in range(years):
        x = rng.standard_normal((n, 2)) + 0.5 * a[:, None]
        u = b_inv @ rng.standard_normal(n)
        mu = x @ np.array(beta) + wd @ x @ np.array(theta) + a + 0.3 * t + u
        y = s_inv @ mu
        rows.append(
            pd.DataFrame(
                {"county": list(w.ids), "year": 2000 + t, "y": y, "x1": x[:, 0], "x2": x[:, 1]}
            )
        )
    return pd.concat(rows, ignore_index=True)
