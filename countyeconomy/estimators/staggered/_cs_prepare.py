"""Input checks for :func:`~countyeconomy.att_gt` and the unit x period arrays it works on.

The caller's DataFrame is never modified. Everything dropped is counted and announced.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray, IntArray
from countyeconomy.errors import (
    CountyEconomyWarning,
    FormulaError,
    IdentificationError,
    PanelStructureError,
    RowsDroppedWarning,
    WeightsError,
)
from countyeconomy.estimators.staggered._cs_inference import Clustering
from countyeconomy.panel import Panel, as_panel, cohort_by_row

__all__ = ["Prepared", "prepare"]


@dataclass(frozen=True)
class Prepared:
    """Unit x period arrays (units sorted by cohort, never treated last, then county key) and
    what was dropped."""

    y: FloatArray
    x: FloatArray
    cohort: IntArray
    w: FloatArray
    periods: IntArray
    units: np.ndarray
    clustering: Clustering
    nobs: int
    nobs_input: int
    n_units_input: int
    dropped: dict[str, int]
    dropped_counties: dict[str, int]
    balanced: bool
    notes: tuple[str, ...]


def _describe(values: list[object], limit: int = 5) -> str:
    items = [v.item() if isinstance(v, np.generic) else v for v in values]
    rest = len(items) - limit
    return ", ".join(repr(v) for v in items[:limit]) + (f" and {rest} more" if rest > 0 else "")


def _check_columns(frame: pd.DataFrame, cols: list[str]) -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise FormulaError(
            f"unknown column {_describe(list(missing))}; the data has columns "
            f"{_describe(list(frame.columns), limit=20)}."
        )


def _per_unit(
    frame: pd.DataFrame, unit: np.ndarray, col: str, what: str, county: str
) -> np.ndarray:
    """The one value of ``col`` per unit; raises when it changes within a county."""
    values = frame[col].to_numpy()
    n_units = int(unit.max()) + 1 if len(unit) else 0
    out = np.empty(n_units, dtype=values.dtype)
    out[unit[::-1]] = values[::-1]  # the first value of each unit
    first = out[unit]
    same = values == first
    if values.dtype.kind == "f":
        same |= np.isnan(values) & np.isnan(first)
    if not bool(np.all(same)):
        bad = frame.iloc[np.flatnonzero(~same)[:1]]
        msg = (
            f"{what} column {col!r} changes within county "
            f"{_describe(bad[county].tolist())}; it must be constant within county."
        )
        raise PanelStructureError(msg)
    return out


def _numeric(frame: pd.DataFrame, col: str) -> FloatArray:
    """A column as floats; raises naming the column when it holds non-numbers."""
    raw = frame[col]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna().to_numpy() & raw.notna().to_numpy()
    if bad.any():
        example = raw[bad].iloc[0]
        raise PanelStructureError(
            f"column {col!r} has {int(bad.sum())} non-numeric value(s), e.g. {example!r}; it must "
            "hold numbers."
        )
    return values.to_numpy(dtype=float)


def _unusable_rows(
    frame: pd.DataFrame, cols: tuple[str, ...]
) -> tuple[np.ndarray, dict[str, int], dict[str, FloatArray]]:
    """Rows with a missing or non-finite value in ``cols``, counted by the first column at fault
    (``"missing: col"`` / ``"non-finite: col"``), and the columns as floats."""
    drop = np.zeros(len(frame), dtype=bool)
    counts: dict[str, int] = {}
    values: dict[str, FloatArray] = {}
    for col in cols:
        v = _numeric(frame, col)
        values[col] = v
        for reason, bad in (("missing", np.isnan(v)), ("non-finite", np.isinf(v))):
            new = bad & ~drop
            if new.any():
                counts[f"{reason}: {col}"] = int(new.sum())
                drop |= new
    return drop, counts, values


def _warn(notes: list[str], message: str, category: type[Warning]) -> None:
    notes.append(message)
    warnings.warn(message, category, stacklevel=6)  # past att_gt's wrappers


def prepare(
    data: pd.DataFrame | Panel,
    *,
    outcome: str,
    cohort: str,
    county: str | None,
    year: str | None,
    covariates: tuple[str, ...],
    weights: str | None,
    cluster: str | None,
    control: str,
    anticipation: int,
) -> Prepared:
    """Validate the inputs and build the wide arrays (see :class:`Prepared`).

    ``cluster`` is a column constant within county, or ``None`` to cluster by county.
    """
    panel = as_panel(data, county, year)
    cname, yname = panel.county, panel.year
    frame = panel.frame
    extra = [c for c in (weights, cluster) if c is not None and c not in (cname, "county")]
    _check_columns(frame, [outcome, cohort, *covariates, *extra])
    notes: list[str] = []
    g_row = cohort_by_row(panel, cohort)  # whole years, constant within county, small cohorts
    if panel.key_codes is not None:
        codes, n_units_input = panel.key_codes[0], panel.key_codes[1]
    else:
        codes, uniq = pd.factorize(frame[cname], sort=True)
        n_units_input = len(uniq)
    nobs_input = len(frame)
    value_cols = (outcome, *covariates, *((weights,) if weights is not None else ()))
    unusable, dropped, values = _unusable_rows(frame, value_cols)
    if unusable.any():
        detail = "; ".join(f"{v:,} {k}" for k, v in dropped.items())
        _warn(
            notes,
            f"{int(unusable.sum()):,} rows dropped of {nobs_input:,} ({detail}).",
            RowsDroppedWarning,
        )
        keep_rows = ~unusable
        frame, codes, g_row = frame.loc[keep_rows], codes[keep_rows], g_row[keep_rows]
        values = {k: v[keep_rows] for k, v in values.items()}
    if len(frame) == 0:
        raise IdentificationError(f"no rows left for {outcome!r} after dropping: {dropped}.")
    _, unit_codes = np.unique(codes, return_inverse=True)
    n_all = int(unit_codes.max()) + 1
    coh = np.zeros(n_all, dtype=np.int64)
    coh[unit_codes] = g_row
    labels = _per_unit(frame, unit_codes, cname, "county", cname)
    years = frame[yname].to_numpy(np.int64)
    periods = np.unique(years)
    late = (coh > periods[-1]) & (coh > 0)
    if late.any():
        _warn(
            notes,
            f"{int(late.sum())} counties adopt after the last year {periods[-1]} and are treated "
            "as never treated.",
            CountyEconomyWarning,
        )
        coh = np.where(late, 0, coh)
    early = (coh > 0) & (coh <= periods[0] + anticipation)
    keep_unit = ~early
    dropped_counties: dict[str, int] = {}
    if early.any():
        reason = "already treated in the first year"
        dropped[reason] = int(early[unit_codes].sum())
        dropped_counties[reason] = int(early.sum())
        _warn(
            notes,
            f"{int(early.sum())} counties already treated in the first year ({periods[0]}"
            f"{' plus anticipation' if anticipation else ''}) were dropped "
            f"({dropped[reason]:,} rows).",
            RowsDroppedWarning,
        )
    if control == "never_treated" and not (coh[keep_unit] == 0).any():
        raise IdentificationError(
            "no never-treated counties (cohort 0) to compare with; pass "
            "control='not_yet_treated' to use counties not yet treated as the comparison group."
        )
    cohorts_kept = coh[keep_unit]
    if not (cohorts_kept > 0).any():
        raise IdentificationError("no treated cohorts left to estimate ATT(g,t) for.")
    w_unit = np.ones(len(coh))
    if weights is not None:
        w_frame = pd.DataFrame({weights: values[weights], cname: frame[cname].to_numpy()})
        w_unit = _per_unit(w_frame, unit_codes, weights, "weights", cname).astype(float)
        if (w_unit < 0).any() or w_unit[keep_unit].sum() <= 0:
            raise WeightsError(f"weights column {weights!r} must be non-negative and not all zero.")
    rows = keep_unit[unit_codes]
    if not rows.all():
        frame = frame.loc[rows]
        values = {k: v[rows] for k, v in values.items()}
    # units ordered by cohort (never treated last), then county key: each cohort is a block
    kept = np.flatnonzero(keep_unit)
    key = np.where(coh[kept] == 0, np.iinfo(np.int64).max, coh[kept])
    order = kept[np.argsort(key, kind="stable")]
    old_to_new = np.full(len(keep_unit), -1, dtype=np.intp)
    old_to_new[order] = np.arange(len(order))
    u = old_to_new[unit_codes[rows]]
    n = len(order)
    t_idx = np.searchsorted(periods, years[rows])
    y = np.full((n, len(periods)), np.nan)
    y[u, t_idx] = values[outcome]
    x = np.full((n, len(periods), len(covariates)), np.nan)
    for j, c in enumerate(covariates):
        x[u, t_idx, j] = values[c]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-missing units
            spread = np.nanmax(x[:, :, j], axis=1) - np.nanmin(x[:, :, j], axis=1)
        if bool(np.any(spread > 0)):
            _warn(
                notes,
                f"covariate {c!r} varies over time within counties; each comparison uses its "
                "value in the comparison's base (earlier) year, as R did does.",
                CountyEconomyWarning,
            )
    clustering = _clustering(frame, u, n, cluster, cname)
    return Prepared(
        y=y,
        x=x,
        cohort=coh[order],
        w=w_unit[order],
        units=labels[order],
        periods=periods,
        clustering=clustering,
        nobs=len(frame),
        nobs_input=nobs_input,
        n_units_input=n_units_input,
        dropped=dropped,
        dropped_counties=dropped_counties,
        balanced=bool(len(frame) == n * len(periods)),
        notes=tuple(notes),
    )


def _clustering(
    frame: pd.DataFrame, unit: np.ndarray, n: int, cluster: str | None, cname: str
) -> Clustering:
    if cluster in (None, "county", cname):
        return Clustering(None, n, cname)
    col = str(cluster)
    if frame[col].isna().any():
        raise IdentificationError(
            f"cluster column {col!r} has {int(frame[col].isna().sum())} missing value(s) in the "
            "rows used; every county needs a cluster."
        )
    codes, uniq = pd.factorize(frame[col], sort=True)
    per_unit = _per_unit(frame.assign(**{col: codes}), unit, col, "cluster", cname)
    if len(uniq) < 2:
        raise IdentificationError(f"cluster column {col!r} has a single cluster.")
    return Clustering(per_unit.astype(np.intp), len(uniq), col)
