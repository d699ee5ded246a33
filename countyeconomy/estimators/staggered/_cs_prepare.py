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
    IdentificationError,
    PanelStructureError,
    RowsDroppedWarning,
    TreatmentTimingError,
    WeightsError,
)
from countyeconomy.estimators.staggered._common import SmallCohortWarning
from countyeconomy.estimators.staggered._cs_inference import Clustering
from countyeconomy.panel import Panel
from countyeconomy.panel._validate import check_columns, describe_values

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
    n_units_input: int
    dropped: dict[str, int]
    balanced: bool


def _as_panel(data: pd.DataFrame | Panel, county: str | None, year: str | None) -> Panel:
    if isinstance(data, Panel):
        return data
    if county is None or year is None:
        raise PanelStructureError(
            "pass county=... and year=... naming the key columns, or a countyeconomy Panel."
        )
    return Panel.from_frame(data, county=county, year=year)


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
            f"{describe_values(bad[county].tolist())}; it must be constant within county."
        )
        if what == "cohort":
            raise TreatmentTimingError(
                msg + " A cohort that changes means treatment switches off or restarts; "
                "att_gt needs absorbing (staggered) adoption with cohort = first treated year."
            )
        raise PanelStructureError(msg)
    return out


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
    """Validate the inputs and build the wide arrays (see :class:`Prepared`)."""
    panel = _as_panel(data, county, year)
    cname, yname = panel.county, panel.year
    frame = panel.frame
    extra = [c for c in (weights,) if c is not None]
    if cluster not in (None, "county", cname):
        extra.append(str(cluster))
    check_columns(frame, [outcome, cohort, *covariates, *extra])
    if panel.key_codes is not None:
        codes, n_units_input = panel.key_codes[0], panel.key_codes[1]
    else:
        codes, uniq = pd.factorize(frame[cname], sort=True)
        n_units_input = len(uniq)
    dropped: dict[str, int] = {}
    missing = np.zeros(len(frame), dtype=bool)
    for col in (outcome, *covariates):
        missing |= frame[col].isna().to_numpy()
    if missing.any():
        dropped["rows with missing outcome or covariates"] = int(missing.sum())
        warnings.warn(
            f"{int(missing.sum())} rows with a missing {outcome!r} or covariate were dropped.",
            RowsDroppedWarning,
            stacklevel=3,
        )
        frame = frame.loc[~missing]
        codes = codes[~missing]
    if frame[cohort].isna().any():
        raise TreatmentTimingError(
            f"cohort column {cohort!r} has {int(frame[cohort].isna().sum())} missing value(s); "
            "code never-treated counties as 0."
        )
    _, unit_codes = np.unique(codes, return_inverse=True)
    coh = _per_unit(frame, unit_codes, cohort, "cohort", cname).astype(np.int64)
    labels = _per_unit(frame, unit_codes, cname, "county", cname)
    if (coh < 0).any():
        raise TreatmentTimingError(f"cohort column {cohort!r} has negative values.")
    years = frame[yname].to_numpy(np.int64)
    periods = np.unique(years)
    late = (coh > periods[-1]) & (coh > 0)
    if late.any():
        warnings.warn(
            f"{int(late.sum())} counties adopt after the last year {periods[-1]} and are treated "
            "as never treated.",
            CountyEconomyWarning,
            stacklevel=3,
        )
        coh = np.where(late, 0, coh)
    early = (coh > 0) & (coh <= periods[0] + anticipation)
    keep_unit = ~early
    if early.any():
        dropped["counties treated in the first year"] = int(early.sum())
        warnings.warn(
            f"{int(early.sum())} counties already treated in the first year ({periods[0]}"
            f"{' plus anticipation' if anticipation else ''}) were dropped.",
            RowsDroppedWarning,
            stacklevel=3,
        )
    if control == "never_treated" and not (coh[keep_unit] == 0).any():
        raise IdentificationError(
            "no never-treated counties (cohort 0) to compare with; pass "
            "control='not_yet_treated' to use counties not yet treated as the comparison group."
        )
    cohorts_kept = coh[keep_unit]
    if not (cohorts_kept > 0).any():
        raise IdentificationError("no treated cohorts left to estimate ATT(g,t) for.")
    sizes = pd.Series(cohorts_kept[cohorts_kept > 0]).value_counts()
    single = sorted(int(g) for g in sizes.index[sizes.to_numpy() == 1])
    if single:
        warnings.warn(
            f"{len(single)} cohort(s) have a single county ({describe_values(single)}); their "
            "ATT(g,t) rest on one county and their standard errors are unreliable.",
            SmallCohortWarning,
            stacklevel=3,
        )
    w_unit = np.ones(len(coh))
    if weights is not None:
        w_unit = _per_unit(frame, unit_codes, weights, "weights", cname).astype(float)
        if not np.all(np.isfinite(w_unit)) or (w_unit < 0).any() or w_unit.sum() <= 0:
            raise WeightsError(
                f"weights column {weights!r} must be non-negative, finite and not all zero."
            )
    rows = keep_unit[unit_codes]
    if not rows.all():
        frame = frame.loc[rows]
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
    y[u, t_idx] = frame[outcome].to_numpy(float)
    x = np.full((n, len(periods), len(covariates)), np.nan)
    for j, c in enumerate(covariates):
        x[u, t_idx, j] = frame[c].to_numpy(float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-missing units
            spread = np.nanmax(x[:, :, j], axis=1) - np.nanmin(x[:, :, j], axis=1)
        if bool(np.any(spread > 0)):
            warnings.warn(
                f"covariate {c!r} varies over time within counties; each comparison uses its "
                "value in the comparison's base (earlier) year, as R did does.",
                CountyEconomyWarning,
                stacklevel=3,
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
        n_units_input=n_units_input,
        dropped=dropped,
        balanced=bool(len(frame) == n * len(periods)),
    )


def _clustering(
    frame: pd.DataFrame, unit: np.ndarray, n: int, cluster: str | None, cname: str
) -> Clustering:
    if cluster in (None, "county", cname):
        return Clustering(None, n, cname if cluster is not None else "county")
    col = str(cluster)
    if frame[col].isna().any():
        raise IdentificationError(f"cluster column {col!r} has missing values.")
    codes, uniq = pd.factorize(frame[col], sort=True)
    per_unit = _per_unit(frame.assign(_c=codes), unit, "_c", "cluster", cname)
    if len(uniq) < 2:
        raise IdentificationError(f"cluster column {col!r} has a single cluster.")
    return Clustering(per_unit.astype(np.intp), len(uniq), col)
