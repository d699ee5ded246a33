"""Treatment timing: cohorts (first treated year), relative event time and their checks.

Never-treated units have cohort ``0``. This is the one coding countyeconomy uses (as in R ``did`` and
the ``mpdta`` data): a county that is never treated in the sample has ``cohort == 0`` and a missing
event time. Cohorts are whole years: ``2013.5`` is an error, never truncated.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from countyeconomy.errors import CountyEconomyWarning, TreatmentTimingError, YearGapWarning
from countyeconomy.panel._validate import check_columns, describe_values

if TYPE_CHECKING:
    from countyeconomy.panel._panel import Panel

__all__ = [
    "NEVER_TREATED",
    "SmallCohortWarning",
    "check_cohort_treatment",
    "cohort_by_row",
    "cohort_from_treatment",
    "cohort_values",
    "event_time_from_cohort",
    "warn_year_gaps",
]

NEVER_TREATED: int = 0
"""The cohort value of never-treated counties."""


class SmallCohortWarning(CountyEconomyWarning):
    """A treatment cohort has a single county; its effects are estimated from one unit."""


def _treatment_values(treatment: pd.Series) -> np.ndarray:
    """A 0/1 column as int8, or :class:`TreatmentTimingError` naming what is wrong."""
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
    return values.to_numpy(dtype=np.int8)


def cohort_values(col: pd.Series, name: str, /) -> np.ndarray:
    """Cohorts as int64, or :class:`TreatmentTimingError` naming the values that are not years.

    Missing values, text, fractional years (``2013.5``) and negative numbers are errors; the
    message names the first offending values and rows.
    """
    if col.isna().any():
        rows = col.index[col.isna().to_numpy()].tolist()
        raise TreatmentTimingError(
            f"cohort column {name!r} has {len(rows)} missing value(s) (rows "
            f"{describe_values(rows)}); code never-treated counties as {NEVER_TREATED}."
        )
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(values) | (values != np.round(values)) | (values < 0)
    if bad.any():
        rows = col.index[bad].tolist()
        raise TreatmentTimingError(
            f"cohort column {name!r} must hold first treated years (whole numbers such as 2014) "
            f"or {NEVER_TREATED} for never treated; found "
            f"{describe_values(pd.unique(col[bad]).tolist())} at rows {describe_values(rows)}."
        )
    return values.astype(np.int64)


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
    d = _treatment_values(treatment)
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
    """Relative event time ``year - cohort``; missing (``<NA>``) for never-treated rows.

    Raises :class:`TreatmentTimingError` when a cohort is missing or not a whole year.
    """
    c = cohort_values(cohort, str(cohort.name))
    rel = year.to_numpy(dtype=np.int64) - c
    out = pd.array(rel, dtype="Int64")
    out[c == NEVER_TREATED] = pd.NA
    return pd.Series(out, index=year.index, name="event_time")


def cohort_by_row(panel: Panel, cohort: str, treatment: str | None = None) -> np.ndarray:
    """The cohort (first treated year; ``0`` = never treated) of each row, validated.

    Raises :class:`TreatmentTimingError` when the column is missing somewhere, not whole years
    (``2013.5`` is an error, never truncated), or not constant within a county (treatment timing
    that changes, e.g. switching off), and, when ``treatment`` names a 0/1 column, when the two
    disagree (see :func:`check_cohort_treatment`). Warns with :class:`SmallCohortWarning` when a
    treated cohort has a single county, and with
    :class:`~countyeconomy.errors.YearGapWarning` when a calendar year is missing for every
    county (see :func:`warn_year_gaps`).
    """
    check_columns(panel.frame, [cohort], what="cohort column")
    g = cohort_values(panel.frame[cohort], cohort)
    county = panel.frame[panel.county].to_numpy()
    _check_constant(g, county, cohort)
    if treatment is not None:
        check_cohort_treatment(panel, cohort, treatment)
    _warn_small_cohorts(g, county)
    warn_year_gaps(panel.frame[panel.year].to_numpy(dtype=np.int64), g, 4)
    return g


def _check_constant(g: np.ndarray, county: np.ndarray, cohort: str) -> None:
    spread = pd.Series(g).groupby(county).nunique()
    if (spread > 1).any():
        bad = spread.index[spread.to_numpy() > 1].tolist()
        raise TreatmentTimingError(
            f"cohort column {cohort!r} changes within {len(bad)} county(ies), e.g. "
            f"{describe_values(bad, 3)}; treatment must be absorbing (adopted once, never "
            "switched off). Use did_multiplegt for treatments that switch on and off."
        )


def warn_year_gaps(
    years: np.ndarray, cohorts: np.ndarray | None = None, stacklevel: int = 2, /
) -> None:
    """Warn with :class:`~countyeconomy.errors.YearGapWarning` about calendar years no county has.

    Between the panel's first and last year, a year missing for every county makes the base
    period (the last year before adoption) of the cohort adopting just after it lie two or more
    years back, and lags, leads and differences across it missing. The warning names the missing
    years and, given ``cohorts`` (``0`` = never treated), the cohorts whose base period spans the
    gap.
    """
    present = np.unique(years)
    if len(present) < 2:
        return
    gaps = np.setdiff1d(np.arange(present[0], present[-1] + 1), present)
    if not len(gaps):
        return
    effect = ""
    if cohorts is not None:
        treated = np.unique(cohorts[cohorts != NEVER_TREATED])
        hit = [int(c) for c in treated if c - 1 in gaps and c > present[0]]
        if hit:
            spans = [f"{c}: base {int(present[present < c].max())}" for c in hit]
            effect = (
                f" Cohort(s) {describe_values(hit)} have a base period spanning the gap "
                f"({describe_values(spans)}): their effects compare with a year more than one "
                "year before adoption."
            )
    warnings.warn(
        f"calendar year(s) {describe_values(gaps.tolist())} are missing for every county (the "
        f"panel covers {int(present[0])}-{int(present[-1])}); lags, leads and differences across "
        f"them are missing, and the base period of a cohort adopting just after a missing year "
        f"spans two or more years.{effect}",
        YearGapWarning,
        stacklevel=stacklevel,
    )


def check_cohort_treatment(
    data: Panel | pd.DataFrame,
    cohort: str,
    treatment: str,
    *,
    county: str | None = None,
    year: str | None = None,
) -> None:
    """Check that ``cohort`` is the first year with ``treatment == 1`` in every county.

    A design with both a cohort column and a 0/1 treatment column must tell one story: each
    county's cohort is the first year its treatment is 1, and ``0`` when it never is. Two
    codings are accepted as agreeing: a county treated from its first observed year may have an
    earlier cohort (adoption before the sample starts), and a county never treated in the sample
    may have a cohort after its last observed year (adoption after the sample ends).

    Parameters
    ----------
    data
        A :class:`~countyeconomy.Panel`, or a DataFrame with ``county`` and ``year`` named.
    cohort, treatment
        The cohort column (whole years, ``0`` = never treated) and the 0/1 treatment column.
    county, year
        Key columns when ``data`` is a DataFrame.

    Raises
    ------
    TreatmentTimingError
        The columns disagree (the message names the first counties and both values), a cohort
        is not a whole year or changes within a county, or the treatment is not 0/1.

    Examples
    --------
    >>> import pandas as pd
    >>> from countyeconomy.panel import check_cohort_treatment
    >>> df = pd.DataFrame({"c": [1, 1, 2, 2], "t": [2010, 2011] * 2,
    ...                    "g": [2011, 2011, 0, 0], "d": [0, 1, 0, 0]})
    >>> check_cohort_treatment(df, "g", "d", county="c", year="t")  # agrees: no error
    """
    panel = _as_panel(data, county, year)
    frame = panel.frame
    check_columns(frame, [cohort, treatment])
    g = cohort_values(frame[cohort], cohort)
    keys = frame[panel.county].to_numpy()
    _check_constant(g, keys, cohort)
    d = _treatment_values(frame[treatment])
    yr = frame[panel.year].to_numpy(dtype=np.int64)
    big = np.iinfo(np.int64).max
    per = pd.DataFrame({"g": g, "first": np.where(d == 1, yr, big), "yr": yr}).groupby(
        keys, sort=False
    )
    unit = per.agg(g=("g", "first"), first=("first", "min"), lo=("yr", "min"), hi=("yr", "max"))
    never = unit["first"] == big
    first = unit["first"].where(~never, NEVER_TREATED)
    agree = unit["g"] == first
    agree |= ~never & (unit["first"] == unit["lo"]) & (unit["g"] > 0) & (unit["g"] <= unit["lo"])
    agree |= never & (unit["g"] > unit["hi"])
    if bool(agree.all()):
        return
    bad = unit.loc[~agree.to_numpy()]
    shown = [
        f"county {c!r}: cohort {int(r.g)}, first treated year "
        + (str(int(f)) if f != NEVER_TREATED else "none (never treated)")
        for (c, r), f in zip(bad.iterrows(), first[~agree.to_numpy()], strict=True)
    ]
    raise TreatmentTimingError(
        f"cohort column {cohort!r} disagrees with treatment column {treatment!r} in {len(bad)} "
        f"county(ies): {describe_values(shown, 3)}. The cohort must be the first year with "
        f"{treatment} = 1 ({NEVER_TREATED} where never treated); rebuild it with "
        f"Panel.cohort({treatment!r})."
    )


def _as_panel(data: Panel | pd.DataFrame, county: str | None, year: str | None) -> Panel:
    from countyeconomy.panel._panel import as_panel  # _panel imports this module

    return as_panel(data, county, year, who="check_cohort_treatment()")


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
