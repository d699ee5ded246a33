"""Integer codes of a staggered design's rows in O(n), from the Panel's key codes.

:func:`cohort_codes` makes the checks of :func:`countyeconomy.panel.cohort_by_row` (the cohort is
constant within a county, one-county cohorts, calendar years missing for every county) on integer
codes, without hashing county names. Whenever one of them would raise or warn, the canonical
function is called instead, so the messages and warnings are the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from countyeconomy._typing import IntArray
from countyeconomy.linalg import Factor, factorize
from countyeconomy.panel import (
    NEVER_TREATED,
    Panel,
    check_columns,
    cohort_by_row,
    cohort_values,
    warn_year_gaps,
)

__all__ = ["RowCodes", "cohort_codes", "cohort_counts", "row_codes"]


@dataclass(frozen=True)
class RowCodes:
    """County and year codes of a panel's rows (rows sorted by county, then year).

    Attributes
    ----------
    county, year
        ``(n,)`` codes ``0..levels-1`` in sorted value order.
    n_counties, n_years
        Number of levels.
    years
        ``(n,)`` the years as int64.
    """

    county: IntArray
    n_counties: int
    year: IntArray
    n_years: int
    years: IntArray

    def factors(self, county: str, year: str) -> tuple[Factor, Factor]:
        """The county and year factors, named as the panel's key columns."""
        return Factor(self.county, self.n_counties, county), Factor(self.year, self.n_years, year)

    def subset(self, keep: np.ndarray) -> RowCodes:
        """The codes of rows ``keep`` (boolean mask), recoded to consecutive levels."""
        c, y = factorize(self.county[keep]), factorize(self.year[keep])
        return RowCodes(c.codes, c.n_levels, y.codes, y.n_levels, self.years[keep])


def row_codes(panel: Panel) -> RowCodes:
    """The :class:`RowCodes` of ``panel`` (its cached key codes when it has them)."""
    years = panel.frame[panel.year].to_numpy(dtype=np.int64)
    if panel.key_codes is not None:
        c, n_c, y, n_y = panel.key_codes
        return RowCodes(np.asarray(c), int(n_c), np.asarray(y), int(n_y), years)
    cf = factorize(panel.frame[panel.county].to_numpy())  # rows are sorted by county
    yf = factorize(years)
    return RowCodes(cf.codes, cf.n_levels, yf.codes, yf.n_levels, years)


def _starts(county: IntArray) -> IntArray | None:
    """First row of each county when the rows are grouped ``0..0, 1..1, ...``, else None."""
    if not len(county) or county[0] != 0:
        return None
    step = np.diff(county)
    if np.any((step != 0) & (step != 1)):
        return None
    return np.concatenate([[0], np.flatnonzero(step) + 1]).astype(np.intp)


def cohort_counts(g: np.ndarray, codes: RowCodes) -> dict[int, int]:
    """Number of counties per cohort (``0`` = never treated), from the row codes."""
    first = np.full(codes.n_counties, -1, dtype=np.int64)
    first[codes.county] = g
    values, counts = np.unique(first[first >= 0], return_counts=True)
    return {int(k): int(v) for k, v in zip(values, counts, strict=True)}


def cohort_codes(panel: Panel, cohort: str, codes: RowCodes, stacklevel: int = 3) -> np.ndarray:
    """The validated cohort of each row, as :func:`countyeconomy.panel.cohort_by_row`.

    ``stacklevel`` points the year-gap warning at the caller's caller (as ``cohort_by_row``).
    """
    check_columns(panel.frame, [cohort], what="cohort column")
    g = cohort_values(panel.frame[cohort], cohort)
    starts = _starts(codes.county)
    if starts is None:
        return cohort_by_row(panel, cohort)
    lo, hi = np.minimum.reduceat(g, starts), np.maximum.reduceat(g, starts)
    ids, counts = np.unique(lo, return_counts=True)
    if np.any(lo != hi) or np.any((counts == 1) & (ids != NEVER_TREATED)):
        return cohort_by_row(panel, cohort)  # raises or warns with the canonical message
    distinct = np.empty(codes.n_years, dtype=np.int64)
    distinct[codes.year] = codes.years
    warn_year_gaps(distinct, ids, stacklevel + 1)
    return g
