"""Small simulated panels for estimator tests (a test helper, not an oracle)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def unbalanced_panel(
    seed: int, n_units: int = 300, n_years: int = 12, missing: float = 0.15
) -> pd.DataFrame:
    """County x year panel with ~``missing`` rows dropped at random, provinces, weights, 2 regressors."""
    rng = np.random.default_rng(seed)
    county = np.repeat(np.arange(n_units), n_years)
    year = np.tile(np.arange(2005, 2005 + n_years), n_units)
    province = county % 17
    alpha = rng.normal(size=n_units)[county]
    lam = rng.normal(size=n_years)[year - 2005]
    py = rng.normal(size=(17, n_years))[province, year - 2005]
    x1 = rng.normal(size=len(county)) + 0.5 * alpha
    x2 = rng.normal(size=len(county)) + 0.3 * lam
    u = rng.normal(size=len(county)) * (1 + 0.5 * np.abs(x1)) + rng.normal(size=n_units)[county]
    y = 0.5 * x1 - 0.25 * x2 + alpha + lam + py + u
    df = pd.DataFrame(
        {
            "county": county,
            "year": year,
            "province": province,
            "x1": x1,
            "x2": x2,
            "y": y,
            "w": rng.uniform(0.5, 2.0, len(county)),
        }
    )
    keep = rng.uniform(size=len(df)) > missing
    return df.loc[keep].reset_index(drop=True)
