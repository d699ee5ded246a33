"""Cell-level data (grid cells, firms, villages) summed or averaged to a county x year Panel.

Works on a pandas DataFrame (returns a :class:`Panel` at once) or a dask DataFrame (returns a
:class:`LazyCellAggregate`; ``.compute()`` gives the Panel after one pass over the data).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from countyeconomy._typing import check_option
from countyeconomy.errors import FormulaError, RowsDroppedWarning, WeightsError
from countyeconomy.panel._panel import Panel
from countyeconomy.panel._validate import describe_values

__all__ = ["AggregateHow", "LazyCellAggregate", "aggregate_cells"]

AggregateHow = Literal["mean", "sum"]
_BAD = "_ce_bad_weight"
_KEYLESS = "_ce_no_key"


def _helpers(
    part: pd.DataFrame, values: tuple[str, ...], county: str, year: str, weights: str | None
) -> pd.DataFrame:
    """Per row: weighted value, weight of non-missing cells, weight, flags (summable columns)."""
    w = (
        np.ones(len(part))
        if weights is None
        else pd.to_numeric(part[weights], errors="coerce").to_numpy(dtype=float)
    )
    bad = np.isnan(w) | (w < 0) | np.isinf(w)
    w = np.where(bad, 0.0, w)
    out = pd.DataFrame({county: part[county].to_numpy(), year: part[year].to_numpy()})
    for v in values:
        x = part[v].to_numpy(dtype=float, na_value=np.nan)
        present = np.isfinite(x)
        out[f"{v}__wx"] = np.where(present, w * np.where(present, x, 0.0), 0.0)
        out[f"{v}__wn"] = np.where(present, w, 0.0)
    out["_ce_w"] = w
    out["_ce_cells"] = 1
    out[_BAD] = bad.astype(np.int64)
    out[_KEYLESS] = (pd.isna(out[county]) | pd.isna(out[year])).to_numpy().astype(np.int64)
    return out


def _finish(
    sums: pd.DataFrame,
    totals: pd.Series,
    values: tuple[str, ...],
    county: str,
    year: str,
    how: str,
    weights: str | None,
) -> Panel:
    if int(totals[_BAD]):
        raise WeightsError(
            f"weights column {weights!r} has {int(totals[_BAD])} missing, negative or infinite "
            "value(s); weights must be finite and non-negative."
        )
    if int(totals[_KEYLESS]):
        warnings.warn(
            f"dropped {int(totals[_KEYLESS])} of {int(totals['_ce_cells'])} rows (missing "
            f"{county!r} or {year!r}).",
            RowsDroppedWarning,
            stacklevel=3,
        )
    sums = sums.reset_index()
    out = pd.DataFrame({county: sums[county], year: sums[year]})
    out["n_cells"] = sums["_ce_cells"].astype(np.int64)
    total_w = sums["_ce_w"].to_numpy(dtype=float)
    for v in values:
        wx, wn = sums[f"{v}__wx"].to_numpy(float), sums[f"{v}__wn"].to_numpy(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            coverage = np.where(total_w > 0, wn / total_w, 0.0)
            value = wx / wn if how == "mean" else np.where(wn > 0, wx, np.nan)
        out[v] = np.where(wn > 0, value, np.nan)
        out[f"{v}_coverage"] = coverage
    out = out.sort_values([county, year]).reset_index(drop=True)
    return Panel.from_frame(out, county=county, year=year)


@dataclass(frozen=True)
class LazyCellAggregate:
    """A county x year aggregate not computed yet (from a dask DataFrame).

    ``compute()`` runs the one pass over the cell data (on the active dask scheduler or
    ``distributed.Client``) and returns the :class:`Panel`. ``frame`` is the lazy dask
    DataFrame of per-county-year sums.
    """

    frame: Any
    totals: Any
    values: tuple[str, ...]
    county: str
    year: str
    how: str
    weights: str | None

    def compute(self) -> Panel:
        """The aggregated :class:`Panel` (one pass over the data)."""
        from dask.base import compute

        sums, totals = compute(self.frame, self.totals)  # type: ignore[no-untyped-call]
        return _finish(sums, totals, self.values, self.county, self.year, self.how, self.weights)


def aggregate_cells(
    data: pd.DataFrame | Any,
    values: Sequence[str],
    *,
    county: str = "county",
    year: str = "year",
    how: str = "mean",
    weights: str | None = None,
) -> Panel | LazyCellAggregate:
    """Cell-level data summed or (weighted-)averaged to county x year, with coverage shares.

    Parameters
    ----------
    data
        One row per cell (grid cell, firm, village) and year: a pandas DataFrame, or a
        ``dask.dataframe.DataFrame`` (then the result is lazy).
    values
        Numeric columns to aggregate.
    county, year
        The county and year columns the cells are nested in.
    how
        ``"mean"`` (default): the (weighted) mean over the county-year's cells with a value;
        ``"sum"``: the (weighted) sum over those cells (``sum w x``, e.g. area x density).
    weights
        Cell weights (e.g. area; finite, non-negative); ``None`` weighs every cell equally.

    Returns
    -------
    Panel or LazyCellAggregate
        A :class:`Panel` with, per value ``v``: ``v`` (``NaN`` where no cell has a value) and
        ``v_coverage`` (share of the county-year's cells, or of their weight, with a finite
        value), plus ``n_cells``. From a dask DataFrame: a :class:`LazyCellAggregate` whose
        ``compute()`` returns that Panel. Rows with a missing county or year are dropped and
        announced (:class:`~countyeconomy.errors.RowsDroppedWarning`).

    Examples
    --------
    >>> import pandas as pd
    >>> from countyeconomy.panel import aggregate_cells
    >>> cells = pd.DataFrame({"county": [1, 1, 2, 2], "year": 2020,
    ...                       "lights": [2.0, None, 3.0, 5.0], "area": [1.0, 3.0, 1.0, 1.0]})
    >>> p = aggregate_cells(cells, ["lights"], weights="area")
    >>> p.frame[["county", "lights", "lights_coverage"]].to_numpy().tolist()
    [[1.0, 2.0, 0.25], [2.0, 4.0, 1.0]]
    """
    check_option("how", how, AggregateHow)
    vals = tuple(values) if not isinstance(values, str) else (values,)
    columns = [str(c) for c in data.columns]
    needed = [county, year, *vals] + ([weights] if weights is not None else [])
    missing = [c for c in needed if c not in columns]
    if missing:
        raise FormulaError(
            f"unknown column {describe_values(missing)} in aggregate_cells; the data has "
            f"columns {describe_values(columns, limit=20)}."
        )
    dtypes = data.dtypes
    for v in vals:
        if not is_numeric_dtype(dtypes[v]) or is_bool_dtype(dtypes[v]):
            raise FormulaError(
                f"value column {v!r} is {dtypes[v]}, not numeric; aggregate_cells sums or "
                "averages numbers (convert it with pd.to_numeric first)."
            )
    keys = [county, year]
    if isinstance(data, pd.DataFrame):
        helped = _helpers(data, vals, county, year, weights)
        totals = helped[[_BAD, _KEYLESS, "_ce_cells"]].sum()
        sums = helped.groupby(keys, sort=True).sum()
        return _finish(sums, totals, vals, county, year, how, weights)
    meta = _helpers(data._meta, vals, county, year, weights)
    helped = data.map_partitions(_helpers, vals, county, year, weights, meta=meta)
    sums = helped.groupby(keys).sum()
    totals = helped[[_BAD, _KEYLESS, "_ce_cells"]].sum()
    return LazyCellAggregate(sums, totals, vals, county, year, how, weights)
