"""Validation helpers for panel keys (pure functions over pandas objects)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import numpy as np
import pandas as pd

from countyeconomy.errors import FormulaError, PanelStructureError

__all__ = ["check_columns", "coerce_year", "describe_values"]


def describe_values(values: Iterable[object], limit: int = 5) -> str:
    """Return up to ``limit`` values as a comma-separated string, with a count of the rest."""
    items = [v.item() if isinstance(v, np.generic) else v for v in values]
    shown = ", ".join(repr(v) for v in items[:limit])
    rest = len(items) - limit
    return shown + (f" and {rest} more" if rest > 0 else "")


def check_columns(df: pd.DataFrame, columns: Iterable[Hashable], what: str = "column") -> None:
    """Raise :class:`FormulaError` naming every column of ``columns`` missing from ``df``."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise FormulaError(
            f"unknown {what} {describe_values(missing)}; the data has columns "
            f"{describe_values(list(df.columns), limit=20)}."
        )


def coerce_year(year: pd.Series, name: str) -> pd.Series:
    """Return ``year`` as int64, or raise naming the offending values.

    Integer dtypes pass. Floats pass only when every value is a whole number. Missing years, strings
    and dates are errors: the message says how to convert them.
    """
    if year.isna().any():
        rows = year.index[year.isna()].tolist()
        raise PanelStructureError(
            f"year column {name!r} has {len(rows)} missing value(s) (rows {describe_values(rows)}); "
            "every row needs a year."
        )
    if pd.api.types.is_bool_dtype(year):
        raise PanelStructureError(f"year column {name!r} is boolean; years must be integers.")
    if pd.api.types.is_integer_dtype(year):
        return year.astype(np.int64)
    if pd.api.types.is_float_dtype(year):
        values = year.to_numpy(dtype=float)
        bad = ~np.isfinite(values) | (values != np.round(values))
        if bad.any():
            raise PanelStructureError(
                f"year column {name!r} has non-integer values "
                f"{describe_values(year[bad].unique().tolist())}; years must be whole numbers "
                "such as 2015."
            )
        return year.astype(np.int64)
    raise PanelStructureError(
        f"year column {name!r} has dtype {year.dtype}; years must be integers such as 2015. "
        f"Convert it first, for example df[{name!r}] = df[{name!r}].astype(int) or "
        f"pd.to_datetime(df[{name!r}]).dt.year."
    )
