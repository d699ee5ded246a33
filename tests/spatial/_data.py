"""County-seat coordinates for the spatial tests (cpca's table, no download)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from countyeconomy.registry import read_cpca_table


def county_seats(province: str | None = None) -> pd.DataFrame:
    """County-level rows of cpca's table (codes not ending in 00), optionally one province."""
    t = read_cpca_table()
    t = t[~t["code"].str.endswith("00")]
    if province is not None:
        t = t[t["code"].str.startswith(province)]
    t = t.dropna(subset=["lon", "lat"]).drop_duplicates(["lon", "lat"])
    return t.reset_index(drop=True)


def smooth_field(xy: pd.DataFrame, seed: int = 0) -> pd.Series:
    """A spatially autocorrelated value per county (a smooth surface plus noise)."""
    rng = np.random.default_rng(seed)
    lon, lat = xy["lon"].to_numpy(), xy["lat"].to_numpy()
    v = np.sin(lon * 1.5) + np.cos(lat * 1.5) + 0.3 * rng.standard_normal(len(xy))
    return pd.Series(v, index=xy["code"].to_numpy())
