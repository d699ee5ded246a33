"""Shared hypothesis strategies: small unbalanced county x year panels."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import strategies as st


@st.composite
def panels(draw: st.DrawFn, min_units: int = 6, max_units: int = 25) -> pd.DataFrame:
    """An unbalanced panel with outcome ``y``, regressors ``x1``, ``x2`` and positive weights ``w``."""
    n_units = draw(st.integers(min_units, max_units))
    n_years = draw(st.integers(3, 7))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    county = np.repeat(np.arange(n_units), n_years)
    year = np.tile(np.arange(2010, 2010 + n_years), n_units)
    keep = rng.uniform(size=len(county)) > draw(st.floats(0.0, 0.3))
    keep[::n_years] = True  # every county keeps its first year
    keep[1::n_years] = True  # and its second, so no county is a singleton
    df = pd.DataFrame({"county": county[keep], "year": year[keep]})
    n = len(df)
    df["x1"] = rng.normal(size=n) + rng.normal(size=n_units)[df["county"]]
    df["x2"] = rng.normal(size=n)
    df["y"] = (
        0.5 * df["x1"]
        - 0.2 * df["x2"]
        + rng.normal(size=n_units)[df["county"]]
        + rng.normal(size=n)
    )
    df["w"] = rng.uniform(0.5, 2.0, n)
    return df
