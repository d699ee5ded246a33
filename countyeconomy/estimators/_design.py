"""From data and a parsed formula to arrays: the model frame shared by the linear estimators.

Every row that cannot be used is counted by reason (missing values per column, non-finite values
after transformations, zero weights, singletons) and announced with one warning.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from countyeconomy._typing import FloatArray, IntArray
from countyeconomy.errors import FormulaError, IdentificationError, RowsDroppedWarning, WeightsError
from countyeconomy.estimators._formula import ParsedFormula, formula_columns
from countyeconomy.linalg import Factor, cross, factorize, singleton_mask
from countyeconomy.panel import Panel, describe_values
from countyeconomy.results import freeze

__all__ = [
    "ModelData",
    "ModelMatrices",
    "as_model_data",
    "build_design",
    "check_numeric",
    "columns_as_factor",
    "infer_keys",
]

_SIMPLE = re.compile(r"^[A-Za-z_][\w]*$")


@dataclass(frozen=True)
class ModelData:
    """A DataFrame, the names of its panel keys (``None`` for a plain DataFrame), and the integer
    codes of those keys when a :class:`Panel` has already computed them.

    The frame is a copy-on-write copy taken at construction, so changing the caller's DataFrame
    afterwards never changes a fitted result (``with_vcov``, resampling); key codes are read-only.
    """

    frame: pd.DataFrame
    county: str | None
    year: str | None
    key_codes: Mapping[str, tuple[IntArray, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "frame", self.frame.copy(deep=False))
        object.__setattr__(self, "key_codes", freeze(dict(self.key_codes)))

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        # unpickled arrays come back writeable: freeze them again
        object.__setattr__(self, "key_codes", freeze(dict(state.get("key_codes", {}))))

    def __getattribute__(self, name: str) -> Any:
        value = object.__getattribute__(self, name)
        if name == "frame":  # hand out copy-on-write copies: writes never reach the model
            return value.copy(deep=False)
        return value

    def resolve(self, name: str) -> str:
        """Map the key aliases ``county`` and ``year`` to the panel's key columns."""
        if name in self.frame.columns:
            return name
        if name == "county" and self.county is not None:
            return self.county
        if name == "year" and self.year is not None:
            return self.year
        return name


def infer_keys(
    frame: pd.DataFrame, county: str | None, year: str | None
) -> tuple[str | None, str | None]:
    """The panel keys of a DataFrame: as passed, else columns literally named county / year."""
    if county is None and "county" in frame.columns and year != "county":
        county = "county"
    if year is None and "year" in frame.columns and county != "year":
        year = "year"
    return county, year


def as_model_data(data: Panel | pd.DataFrame, county: str | None, year: str | None) -> ModelData:
    """Accept a :class:`Panel`, or a DataFrame with optional ``county=`` / ``year=`` keys.

    A DataFrame is validated as a panel (:meth:`Panel.from_frame`: duplicate keys, mixed-type
    codes, non-integer years) when both keys are known. A key not passed defaults to a column
    literally named ``"county"`` (``"year"``) when the frame has one, so a plain DataFrame with
    those columns gets the same checks as a :class:`Panel`.
    """
    if isinstance(data, pd.DataFrame):
        county, year = infer_keys(data, county, year)
        if county is not None and year is not None:
            data = Panel.from_frame(data, county=county, year=year)
    if isinstance(data, Panel):
        codes: dict[str, tuple[IntArray, int]] = {}
        if data.key_codes is not None:
            c, n_c, y, n_y = data.key_codes
            codes = {data.county: (c, n_c), data.year: (y, n_y)}
        return ModelData(data.frame, data.county, data.year, codes)
    if isinstance(data, pd.DataFrame):
        return ModelData(data, county, year)
    raise FormulaError(
        f"data must be a countyeconomy.Panel or a pandas DataFrame, got {type(data).__name__}."
    )


@dataclass(frozen=True)
class ModelMatrices:
    """Arrays for a linear model on the usable rows (the model matrices of a formula).

    Attributes
    ----------
    y
        ``(n,)`` outcome.
    x
        ``(n, k)`` exogenous regressors (no intercept when effects are absorbed).
    x_names
        Names of the columns of ``x``.
    endog, z
        ``(n, p)`` endogenous regressors and ``(n, m)`` excluded instruments (IV only).
    weights
        ``(n,)`` weights or ``None``.
    fixed_effects
        The absorbed factors on the usable rows.
    rows
        ``(n,)`` positions of the usable rows in ``data.frame``.
    dropped
        Rows dropped, by reason.
    has_intercept
        Whether ``x`` contains an intercept column.
    """

    y: FloatArray
    x: FloatArray
    x_names: tuple[str, ...]
    endog: FloatArray | None
    endog_names: tuple[str, ...]
    z: FloatArray | None
    z_names: tuple[str, ...]
    weights: FloatArray | None
    fixed_effects: tuple[Factor, ...]
    rows: np.ndarray
    dropped: dict[str, int]
    has_intercept: bool


def _column_factor(data: ModelData, column: str, rows: np.ndarray) -> Factor:
    known = data.key_codes.get(column)
    if known is None:
        return factorize(data.frame[column].to_numpy()[rows], name=column)
    codes, n_levels = known
    if len(rows) == len(codes):
        return Factor(codes, n_levels, column)
    return factorize(codes[rows], name=column)


def columns_as_factor(data: ModelData, columns: Sequence[str], rows: np.ndarray) -> Factor:
    """A factor from one column or the interaction of several, on ``rows``."""
    parts = [_column_factor(data, c, rows) for c in columns]
    out = parts[0]
    for p in parts[1:]:
        out = cross(out, p)
    return Factor(out.codes, out.n_levels, "^".join(columns))


def _matrix(expr: str, frame: pd.DataFrame, intercept: bool) -> tuple[FloatArray, tuple[str, ...]]:
    """Evaluate a right-hand side; plain column names skip formulaic for speed."""
    terms = [t.strip() for t in expr.split("+")]
    simple = all(_SIMPLE.match(t) and t in frame.columns for t in terms)
    if simple and not intercept and all(is_numeric_dtype(frame[t]) for t in terms):
        cols = [frame[t].to_numpy(dtype=float) for t in terms]
        return np.column_stack(cols) if cols else np.empty((len(frame), 0)), tuple(terms)
    from formulaic import model_matrix  # imported on first use: ~0.1 s, not needed by plain names

    spec = expr if intercept else f"{expr} - 1"
    mm = model_matrix(spec, frame, na_action="ignore")
    return np.asarray(mm, dtype=float), tuple(str(c) for c in mm.columns)


def check_numeric(
    frame: pd.DataFrame, columns: Sequence[str], formula: str, keys: Sequence[str] = ()
) -> None:
    """Raise if a text column holds numbers mixed with cells that are not numbers.

    Such a column (``"1,234.5"``, ``"n/a"`` among numbers) is a numeric column read as text;
    formulaic would otherwise treat it as categorical and fit one dummy per value.
    """
    for col in columns:
        if col not in frame.columns or is_numeric_dtype(frame[col]) or is_bool_dtype(frame[col]):
            continue
        values = frame[col]
        present = values.notna().to_numpy()
        as_num = pd.to_numeric(values.where(present), errors="coerce").notna().to_numpy()
        bad = present & ~as_num
        if as_num.any() and bad.any():
            rows = np.flatnonzero(bad)
            shown = describe_values([values.iloc[i] for i in rows[:5]])
            where = (
                list(zip(*(frame[k].iloc[rows[:5]].tolist() for k in keys), strict=True))
                if keys
                else rows.tolist()
            )
            raise FormulaError(
                f"column {col!r} used in {formula!r} is numeric but has {len(rows)} cell(s) that "
                f"are not numbers: {shown} at {'(' + ', '.join(keys) + ') ' if keys else 'rows '}"
                f"{describe_values(where)}. Convert it "
                f"first, e.g. df[{col!r}] = pd.to_numeric(df[{col!r}], errors='coerce') (bad "
                "cells become missing and are dropped, counted), or read the file with "
                "thousands=',' / na_values=['n/a'] so it loads as numbers."
            )


def _announce(dropped: dict[str, int], n_input: int) -> None:
    total = sum(dropped.values())
    if total:
        detail = "; ".join(f"{v} {k}" for k, v in dropped.items() if v)
        warnings.warn(
            f"dropped {total} of {n_input} rows ({detail}).", RowsDroppedWarning, stacklevel=4
        )


def build_design(
    data: ModelData,
    parsed: ParsedFormula,
    *,
    weights: str | None = None,
    extra_columns: Sequence[str] = (),
    drop_singletons: bool = True,
) -> ModelMatrices:
    """Validate columns, drop unusable rows (counted) and build the arrays of a linear model."""
    frame = data.frame
    fe_cols = [tuple(data.resolve(c) for c in term) for term in parsed.fixed_effects]
    parts = [parsed.outcome, parsed.rhs]
    if parsed.endogenous is not None and parsed.instruments is not None:
        parts += [parsed.endogenous, parsed.instruments]
    names: set[str] = set()
    for p in parts:
        names |= formula_columns(p)
    aliases = {n: data.resolve(n) for n in names}
    needed = sorted({aliases[n] for n in names} | {c for t in fe_cols for c in t})
    needed += [data.resolve(c) for c in extra_columns if data.resolve(c) not in needed]
    if weights is not None:
        needed.append(weights)
    missing_cols = [c for c in needed if c not in frame.columns]
    if missing_cols:
        extra = {data.resolve(c) for c in extra_columns} - {aliases[n] for n in names}
        where = (
            f"(not in the formula {parsed.text!r}: a cluster variable of vcov= or another "
            "column the estimator needs)"
            if set(missing_cols) <= extra
            else f"in formula {parsed.text!r}"
        )
        raise FormulaError(
            f"unknown column {describe_values(missing_cols)} {where}; the data has columns "
            f"{describe_values(list(frame.columns), limit=25)}."
        )
    sub = frame[needed]
    keys = [k for k in (data.county, data.year) if k is not None]
    check_numeric(
        frame, sorted({aliases[n] for n in names} & set(frame.columns)), parsed.text, keys
    )
    renamed = {v: k for k, v in aliases.items() if k != v}
    n_input = len(frame)
    dropped: dict[str, int] = {}
    na = sub.isna().to_numpy()
    keep = ~na.any(axis=1)
    for j, col in enumerate(needed):
        only = na[:, j] & ~na[:, :j].any(axis=1)
        if only.any():
            dropped[f"missing {col!r}"] = int(only.sum())
    y_col = aliases.get(parsed.outcome, parsed.outcome)
    if y_col in sub.columns and sub[y_col].isna().all():
        raise IdentificationError(f"outcome {parsed.outcome!r} is missing in every row.")
    if weights is not None:
        w_all = pd.to_numeric(sub[weights], errors="coerce").to_numpy(dtype=float)
        if np.isnan(w_all).any() or (w_all < 0).any() or np.isinf(w_all).any():
            bad = int((np.isnan(w_all) | (w_all < 0) | np.isinf(w_all)).sum())
            raise WeightsError(
                f"weights column {weights!r} has {bad} missing, negative or infinite value(s); "
                "weights must be finite and non-negative."
            )
        zero = (w_all == 0) & keep
        if zero.any():
            dropped["zero weight"] = int(zero.sum())
            keep &= ~zero
    rows = np.flatnonzero(keep)
    work = sub if len(rows) == len(sub) else sub.iloc[rows]
    if renamed:
        work = work.rename(columns=renamed)
    y_mat, _ = _matrix(parsed.outcome, work, intercept=False)
    absorb = bool(fe_cols)
    x, x_names = (
        _matrix(parsed.rhs, work, intercept=not absorb)
        if parsed.rhs != "1" or not absorb
        else (np.empty((len(work), 0)), ())
    )
    endog = z = None
    endog_names: tuple[str, ...] = ()
    z_names: tuple[str, ...] = ()
    if parsed.endogenous is not None and parsed.instruments is not None:
        endog, endog_names = _matrix(parsed.endogenous, work, intercept=False)
        z, z_names = _matrix(parsed.instruments, work, intercept=False)
    mats = [y_mat, x] + ([endog, z] if endog is not None and z is not None else [])
    finite = np.all(np.column_stack([np.isfinite(m).all(axis=1) for m in mats]), axis=1)
    if not finite.all():
        dropped["non-finite after transformation"] = int((~finite).sum())
    sel = np.flatnonzero(finite)
    if len(sel) < len(rows):
        rows, y_mat, x = rows[sel], y_mat[sel], x[sel]
        if endog is not None and z is not None:
            endog, z = endog[sel], z[sel]
    fes = tuple(columns_as_factor(data, cols, rows) for cols in fe_cols)
    if drop_singletons and fes:
        single = singleton_mask(list(fes))
        if single.any():
            dropped["singletons"] = int(single.sum())
            ok = ~single
            rows, y_mat, x = rows[ok], y_mat[ok], x[ok]
            if endog is not None and z is not None:
                endog, z = endog[ok], z[ok]
            fes = tuple(columns_as_factor(data, cols, rows) for cols in fe_cols)
    if len(rows) == 0:
        raise IdentificationError(f"no usable rows left for {parsed.text!r} ({dropped}).")
    _announce(dropped, n_input)
    w = None
    if weights is not None:
        w = frame[weights].to_numpy(dtype=float)[rows]
    return ModelMatrices(
        y=y_mat[:, 0].copy(),
        x=x,
        x_names=x_names,
        endog=endog,
        endog_names=endog_names,
        z=z,
        z_names=z_names,
        weights=w,
        fixed_effects=fes,
        rows=rows,
        dropped=dropped,
        has_intercept=not absorb and "Intercept" in x_names,
    )
