"""From data and a parsed formula to arrays: the model frame shared by the linear estimators.

Every row that cannot be used is counted by reason (missing values per column, non-finite values
after transformations, zero weights, singletons) and announced with one warning.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from formulaic import model_matrix

from countyeconomy._typing import FloatArray, IntArray
from countyeconomy.errors import FormulaError, IdentificationError, RowsDroppedWarning, WeightsError
from countyeconomy.estimators._formula import ParsedFormula, formula_columns
from countyeconomy.linalg import Factor, cross, factorize, singleton_mask
from countyeconomy.panel import Panel
from countyeconomy.panel._validate import describe_values

__all__ = ["Design", "ModelData", "as_model_data", "build_design", "columns_as_factor"]

_SIMPLE = re.compile(r"^[A-Za-z_][\w]*$")


@dataclass(frozen=True)
class ModelData:
    """A DataFrame, the names of its panel keys (``None`` for a plain DataFrame), and the integer
    codes of those keys when a :class:`Panel` has already computed them."""

    frame: pd.DataFrame
    county: str | None
    year: str | None
    key_codes: dict[str, tuple[IntArray, int]] = field(default_factory=dict)

    def resolve(self, name: str) -> str:
        """Map the key aliases ``county`` and ``year`` to the panel's key columns."""
        if name in self.frame.columns:
            return name
        if name == "county" and self.county is not None:
            return self.county
        if name == "year" and self.year is not None:
            return self.year
        return name


def as_model_data(data: Panel | pd.DataFrame, county: str | None, year: str | None) -> ModelData:
    """Accept a :class:`Panel`, or a DataFrame with optional ``county=`` / ``year=`` keys."""
    if isinstance(data, pd.DataFrame) and county is not None and year is not None:
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
class Design:
    """Arrays for a linear model on the usable rows.

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
    if all(_SIMPLE.match(t) for t in terms) and not intercept and "1" not in terms:
        cols = [frame[t].to_numpy(dtype=float) for t in terms]
        return np.column_stack(cols) if cols else np.empty((len(frame), 0)), tuple(terms)
    spec = expr if intercept else f"{expr} - 1"
    mm = model_matrix(spec, frame, na_action="ignore")
    return np.asarray(mm, dtype=float), tuple(str(c) for c in mm.columns)


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
) -> Design:
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
        raise FormulaError(
            f"unknown column {describe_values(missing_cols)} in formula {parsed.text!r}; the data "
            f"has columns {describe_values(list(frame.columns), limit=25)}."
        )
    sub = frame[needed]
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
    return Design(
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
