"""Validation helpers for panel keys (pure functions over pandas objects)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from countyeconomy.errors import (
    FormulaError,
    MixedCodeTypesWarning,
    NonNumericError,
    PanelStructureError,
)

if TYPE_CHECKING:
    from countyeconomy.panel._panel import Panel

__all__ = [
    "check_columns",
    "check_numeric",
    "coerce_year",
    "describe_values",
    "normalise_codes",
    "numeric_column",
]


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
    if year.dtype == object and bool(year.map(_kind).eq("int").all()):
        return year.map(int).astype(np.int64)  # Python or numpy integers held as objects
    raise PanelStructureError(
        f"year column {name!r} has dtype {year.dtype}; years must be integers such as 2015. "
        f"Convert it first, for example df[{name!r}] = df[{name!r}].astype(int) or "
        f"pd.to_datetime(df[{name!r}]).dt.year."
    )


_INT_LIKE = re.compile(r"^\s*[+-]?\d+\s*$")


def _kind(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, int | np.integer):
        return "int"
    if isinstance(value, float | np.floating):
        return "int" if float(value).is_integer() else "float"
    if isinstance(value, str):
        return "int-like str" if _INT_LIKE.match(value) else "str"
    return type(value).__name__


def normalise_codes(codes: pd.Series, name: str, /) -> pd.Series:
    """County codes of one type: integers and integer-like strings of one code become one code.

    A column holding both ``100000`` and ``"100000"`` is converted to int64 (``100000``), and the
    two spellings are announced with :class:`~countyeconomy.errors.MixedCodeTypesWarning` naming an
    example. Columns of one type are returned unchanged. Other mixtures (text codes such as
    ``"a1"`` next to numbers, booleans, fractional numbers) raise :class:`PanelStructureError`
    naming an example of each type and the fix.
    """
    if codes.dtype != object:
        return codes
    kinds = codes.map(_kind)
    present = set(kinds.unique())
    if len(present) <= 1 or present == {"str", "int-like str"}:
        return codes
    if present == {"int", "int-like str"}:
        as_int = pd.Series(
            [int(v) for v in codes.to_numpy()], index=codes.index, name=codes.name, dtype=np.int64
        )
        text = codes[kinds == "int-like str"]
        numbers = set(as_int[kinds == "int"].tolist())
        both = [v for v in text.tolist() if int(v) in numbers]
        example = str(both[0] if both else text.iat[0])
        spelled = (
            f"{int(example)} and {example!r} both occur"
            if both
            else f"for example {example!r} is text while {as_int[kinds == 'int'].iat[0]} is a number"
        )
        warnings.warn(
            f"county column {name!r} mixes integer codes and integer-like strings ({spelled}; "
            f"{len(text)} text cell(s)); they were made one integer code each. Convert the "
            f"column once (df[{name!r}] = df[{name!r}].astype('int64')) to silence this.",
            MixedCodeTypesWarning,
            stacklevel=3,
        )
        return as_int
    examples = {
        k: codes[kinds == k].iat[0] for k in sorted(present, key=str)
    }  # one example per type
    shown = "; ".join(f"{k}: {v!r}" for k, v in examples.items())
    raise PanelStructureError(
        f"county column {name!r} mixes value types ({shown}); every code must be of one type. "
        f"Convert it first, e.g. df[{name!r}] = df[{name!r}].astype(str)."
    )


def numeric_column(data: pd.DataFrame | Panel, name: Hashable, /) -> pd.Series:
    """Column ``name`` as float64, or :class:`NonNumericError` naming the cells that are not numbers.

    Numbers, booleans and missing values (``None``, ``NaN``, ``pd.NA``) pass; text that parses as
    a number (``"1.5"``) is converted. Text that does not (``"n/a"``, ``"1,234.5"``) is an error
    naming the column, the first offending values and their rows, and the fix. The caller's
    frame is not modified. ``data`` is a DataFrame or a :class:`~countyeconomy.Panel`.

    Examples
    --------
    >>> import pandas as pd
    >>> from countyeconomy.panel import numeric_column
    >>> numeric_column(pd.DataFrame({"y": [1, None, "2.5"]}), "y").tolist()
    [1.0, nan, 2.5]
    """
    frame = data if isinstance(data, pd.DataFrame) else data.frame
    check_columns(frame, [name])
    col = frame[name]
    if pd.api.types.is_bool_dtype(col.dtype) or pd.api.types.is_numeric_dtype(col.dtype):
        return col.astype(np.float64)
    parsed = pd.to_numeric(col, errors="coerce")
    bad = parsed.isna().to_numpy() & col.notna().to_numpy()
    if bad.any():
        rows = frame.index[bad]
        values = pd.unique(col[bad])
        thousands = any(isinstance(v, str) and "," in v for v in values)
        hint = (
            " The values use a thousands separator: read the file with thousands=',' "
            "(pd.read_csv(..., thousands=',')) or strip the commas."
            if thousands
            else ""
        )
        raise NonNumericError(
            f"column {name!r} must be numeric but {int(bad.sum())} cell(s) are not numbers: "
            f"values {describe_values(values.tolist())} at rows {describe_values(rows.tolist())}. "
            f"Convert them to missing with df[{name!r}] = pd.to_numeric(df[{name!r}], "
            f"errors='coerce') if they mean 'no data'.{hint}"
        )
    out = pd.Series(parsed.to_numpy(dtype=np.float64), index=col.index, name=col.name)
    return out


def check_numeric(data: pd.DataFrame | Panel, columns: Iterable[Hashable], /) -> None:
    """Raise :class:`NonNumericError` for the first of ``columns`` holding non-numeric cells.

    See :func:`numeric_column`; missing values are allowed (estimators count and drop them).
    """
    for name in columns:
        numeric_column(data, name)
