"""Deflating nominal series to a chosen base year."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from countyeconomy.errors import PanelStructureError
from countyeconomy.panel._validate import numeric_column

if TYPE_CHECKING:
    from countyeconomy.panel._panel import Panel

__all__ = ["deflate_series"]


def deflate_series(
    panel: Panel,
    name: str,
    price_index: str | pd.Series | Mapping[int, float],
    *,
    base_year: int,
) -> pd.Series:
    """See :meth:`Panel.deflate`."""
    frame = panel.frame
    nominal = numeric_column(frame, name)
    if isinstance(price_index, str):
        p = numeric_column(frame, price_index)
        base = (
            p.where(frame[panel.year] == base_year)
            .groupby(frame[panel.county], sort=False)
            .transform("max")
        )
        lacking = frame.loc[base.isna(), panel.county].unique()
        if len(lacking):
            raise PanelStructureError(
                f"price index {price_index!r} has no value in base year {base_year} for "
                f"{len(lacking)} county(ies), e.g. {list(lacking[:5])!r}; choose a base year every "
                "county has."
            )
        p_t = p.to_numpy()
        p_base = base.to_numpy()
    else:
        raw = pd.Series(price_index)
        series = numeric_column(pd.DataFrame({"price_index": raw}), "price_index")
        if base_year not in series.index:
            raise PanelStructureError(
                f"price index has no value for base year {base_year}; it covers years "
                f"{sorted(series.index.tolist())}."
            )
        missing_years = sorted(set(frame[panel.year].unique()) - set(series.index))
        if missing_years:
            raise PanelStructureError(
                f"price index has no value for year(s) {missing_years}; it must cover every "
                "year of the panel."
            )
        p_t = frame[panel.year].map(series).to_numpy(dtype=float)
        p_base = np.full(len(frame), float(series[base_year]))
    if np.any(p_t <= 0) or np.any(~np.isfinite(p_t[~np.isnan(p_t)])):
        raise PanelStructureError("price index values must be positive and finite.")
    real = nominal.to_numpy() * p_base / p_t
    return pd.Series(real, index=frame.index, name=f"{name}_real{base_year}")
