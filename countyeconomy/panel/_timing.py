"""Treatment timing: cohorts (first treated year) and relative event time.

Never-treated units have cohort ``0``. This is the one coding countyeconomy uses (as in R ``did`` and
the ``mpdta`` data): a county that is never treated in the sample has ``cohort == 0`` and a missing
event time.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from countyeconomy.errors import CountyEconomyWarning, TreatmentTimingError
from countyeconomy.panel._validate import check_columns, describe_values

if TYPE_CHECKING:
    from countyeconomy.panel._panel import Panel

__all__ = [
    "NEVER_TREATED",
    "SmallCohortWarning",
    "cohort_by_row",
    "cohort_from_treatment",
    "event_time_from_cohort",
]

NEVER_TREATED: int = 0
"""The cohort value of never-treated counties."""


class SmallCohortWarning(CountyEconomyWarning):
    """A treatment cohort has a single county; its effects are estimated from one unit."""


def cohort_from_treatment(
    county: pd.Series,
    year: pd.Series,
    treatment: pd.Series,
    *,
    allow_switch_off: bool = False,
) -> pd.Series:
    """First treated year of each row's county (``0`` for never treated), from a 0/1 column.

    The rows must be sorted by county and year. Treatment that switches off (1 then 0 in a later
    year) raises :class:`TreatmentTimingError` naming the county and year, unless
    ``allow_switch_off`` is true, in which case the cohort is the first year treated.
    """
    name = str(treatment.name)
    if treatment.isna().any():
        n = int(treatment.isna().sum())
        raise TreatmentTimingError(
            f"treatment column {name!r} has {n} missing value(s); it must be 0 or 1 in every row."
        )
    values = pd.to_numeric(treatment, errors="coerce")
    bad = ~values.isin([0, 1])
    if bad.any():
        raise TreatmentTimingError(
            f"treatment column {name!r} must be 0/1; found "
            f"{describe_values(pd.unique(treatment[bad]).tolist())}."
        )
    d = values.to_numpy(dtype=np.int8)
    frame = pd.DataFrame({"county": county.to_numpy(), "year": year.to_numpy(), "d": d})
    running = frame.groupby("county", sort=False)["d"].cummax().to_numpy()
    switched = running > d
    if switched.any() and not allow_switch_off:
        first = int(np.flatnonzero(switched)[0])
        raise TreatmentTimingError(
            f"treatment {name!r} switches off in county {describe_values([frame['county'].iloc[first]])} in year "
            f"{int(frame['year'].iloc[first])} ({int(switched.sum())} row(s) in all); countyeconomy "
            "expects absorbing (staggered) adoption. Pass allow_switch_off=True to take the first "
            "treated year as the cohort."
        )
    treated_year = np.where(d == 1, frame["year"].to_numpy(dtype=np.int64), np.iinfo(np.int64).max)
    first_year = (
        pd.Series(treated_year, index=frame.index)
        .groupby(frame["county"], sort=False)
        .transform("min")
    )
    cohort = np.where(
        first_year.to_numpy() == np.iinfo(np.int64).max, NEVER_TREATED, first_year.to_numpy()
    )
    return pd.Series(cohort.astype(np.int64), index=treatment.index, name="cohort")


def event_time_from_cohort(year: pd.Series, cohort: pd.Series) -> pd.Series:
    """Relative event time ``year - cohort``; missing (``<NA>``) for never-treated rows."""
    c = cohort.to_numpy(dtype=np.int64)
    rel = year.to_numpy(dtype=np.int64) - c
    out = pd.array(rel, dtype="Int64")
    out[c == NEVER_TREATED] = pd.NA
    return pd.Series(out, index=year.index, name="event_time")


def cohort_by_row(panel: Panel, cohort: str) -> np.ndarray:
    """The cohort (first treated year; ``0`` = never treated) of each row, validated.

    Raises :class:`TreatmentTimingError` when the column is missing somewhere, not whole years, or
    not constant within a county (treatment timing that changes, e.g. switching off), and warns
    with :class:`SmallCohortWarning` when a treated cohort has a single county.
    """
    check_columns(panel.frame, [cohort], what="cohort column")
    col = panel.frame[cohort]
    if col.isna().any():
        raise TreatmentTimingError(
            f"cohort column {cohort!r} has {int(col.isna().sum())} missing value(s); code "
            f"never-treated counties as {NEVER_TREATED}."
        )
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    if np.isnan(values).any() or not np.all(values == np.round(values)) or (values < 0).any():
        raise TreatmentTimingError(
            f"cohort column {cohort!r} must hold first treated years (whole numbers) or "
            f"{NEVER_TREATED} for never treated."
        )
    g = values.astype(np.int64)
    county = panel.frame[panel.county]
    spread = pd.Series(g).groupby(county.to_numpy()).nunique()
    if (spread > 1).any():
        bad = spread.index[spread.to_numpy() > 1].tolist()
        raise TreatmentTimingError(
            f"cohort column {cohort!r} changes within {len(bad)} county(ies), e.g. "
            f"{describe_values(bad, 3)}; treatment must be absorbing (adopted once, never "
            "switched off). Use did_multiplegt for treatments that switch on and off."
        )
    _warn_small_cohorts(g, county.to_numpy())
    return g


def _warn_small_cohorts(g: np.ndarray, county: np.ndarray) -> None:
    per_unit = pd.Series(g, index=county).groupby(level=0).first()
    sizes = per_unit[per_unit != NEVER_TREATED].value_counts()
    single = sorted(int(c) for c in sizes.index[sizes.to_numpy() == 1])
    if single:
        warnings.warn(
            f"{len(single)} cohort(s) have a single county ({describe_values(single)}); their "
            "effects rest on one unit and are noisy.",
            SmallCohortWarning,
            stacklevel=4,
        )
