"""The data step shared by the one-treated-county estimators (synthetic and augmented SCM)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray
from countyeconomy.errors import FormulaError, IdentificationError, PanelStructureError
from countyeconomy.panel import Panel, as_panel, check_numeric, describe_values

__all__ = ["SingleUnitData", "single_unit_data"]


@dataclass(frozen=True)
class SingleUnitData:
    """One treated county and its donors in wide form (rows: treated first, then the donors)."""

    panel: Panel
    wide: dict[str, pd.DataFrame]
    pool: list[object]
    order: list[object]
    years: np.ndarray
    y: FloatArray
    pre: np.ndarray

    def pre_means(self, column: str) -> FloatArray:
        """Each county's mean of ``column`` over the pre-period years (rows in ``order``)."""
        values = self.wide[column].loc[self.order].to_numpy(dtype=float)
        out: FloatArray = np.nanmean(values[:, self.pre], axis=1)
        return out


def single_unit_data(
    caller: str,
    data: Panel | pd.DataFrame,
    outcome: str,
    treated: object,
    treat_year: int,
    columns: Sequence[str],
    donors: Sequence[object] | None,
    min_pre: int,
    county: str | None,
    year: str | None,
) -> SingleUnitData:
    """Validate and reshape: known numeric columns, the treated county and at least two donors
    in the data, a balanced finite outcome, and at least ``min_pre`` pre-period years and one
    post-period year. Errors name the column, the county or the year."""
    panel = as_panel(data, county, year)
    cols = [outcome, *columns]
    missing = [c for c in cols if c not in panel.frame.columns]
    if missing:
        raise FormulaError(
            f"{caller}: unknown column {describe_values(missing)}; the data has columns "
            f"{describe_values(list(panel.frame.columns), limit=25)}."
        )
    check_numeric(panel, cols)
    frame = panel.frame
    wide = {c: frame.pivot(index=panel.county, columns=panel.year, values=c) for c in cols}
    units = list(wide[outcome].index)
    if treated not in units:
        raise IdentificationError(
            f"{caller}: treated={treated!r} is not a county of the data, e.g. "
            f"{describe_values(units)}."
        )
    pool = [u for u in (units if donors is None else list(donors)) if u != treated]
    unknown = [u for u in pool if u not in units]
    if unknown or len(pool) < 2:
        raise IdentificationError(
            f"{caller}: donors must be at least two counties of the data other than the treated "
            f"one; unknown: {describe_values(unknown)}."
        )
    years = np.array(wide[outcome].columns, dtype=np.int64)
    order = [treated, *pool]
    y = wide[outcome].loc[order].to_numpy(dtype=float)
    if not np.isfinite(y).all():
        raise PanelStructureError(
            f"{caller} needs a balanced panel with a finite {outcome!r} for every county and "
            "year; drop incomplete counties first."
        )
    pre = years < treat_year
    if pre.sum() < min_pre or pre.all():
        words = {2: "two", 3: "three"}.get(min_pre, str(min_pre))
        raise IdentificationError(
            f"{caller}: treat_year={treat_year} leaves {int(pre.sum())} pre-period and "
            f"{int((~pre).sum())} post-period years; both are needed ({words} pre-years at least)."
        )
    return SingleUnitData(panel, wide, pool, order, years, y, pre)
