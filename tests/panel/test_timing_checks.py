"""Treatment timing: whole-year cohorts, year gaps, cohort/treatment agreement (issue 11)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.errors import (
    InputTypeError,
    PanelStructureError,
    TreatmentTimingError,
    YearGapWarning,
)
from countyeconomy.panel import check_cohort_treatment, cohort_by_row


def _design() -> pd.DataFrame:
    rows = []
    for c, g in (("a", 2012), ("b", 2012), ("c", 2013), ("d", 2013), ("e", 0), ("f", 0)):
        for y in range(2010, 2015):
            rows.append({"code": c, "yr": y, "g": g, "d": int(g != 0 and y >= g)})
    return pd.DataFrame(rows)


def _panel(df: pd.DataFrame) -> ce.Panel:
    return ce.Panel.from_frame(df, county="code", year="yr")


def test_fractional_cohort_is_an_error_everywhere() -> None:
    df = _design()
    df["g"] = df["g"].astype(float)
    df.loc[df["code"] == "c", "g"] = 2013.5
    p = _panel(df)
    with pytest.raises(TreatmentTimingError, match=r"whole numbers.*2013\.5"):
        cohort_by_row(p, "g")
    with pytest.raises(TreatmentTimingError, match=r"2013\.5"):  # used to truncate to 2013
        p.event_time("g")
    with pytest.raises(TreatmentTimingError, match=r"2013\.5"):
        check_cohort_treatment(p, "g", "d")


def test_text_and_missing_cohorts_are_errors() -> None:
    df = _design().astype({"g": object})
    df.loc[0, "g"] = "soon"
    with pytest.raises(TreatmentTimingError, match="'soon' at rows 0"):
        cohort_by_row(_panel(df), "g")
    df.loc[0, "g"] = None
    with pytest.raises(TreatmentTimingError, match=r"1 missing value\(s\) \(rows 0\)"):
        cohort_by_row(_panel(df), "g")


def test_whole_float_cohorts_pass() -> None:
    df = _design().astype({"g": float})
    g = cohort_by_row(_panel(df), "g")
    assert g.dtype.kind == "i" and sorted(set(g.tolist())) == [0, 2012, 2013]


def test_year_missing_for_every_county_is_announced_with_its_effect() -> None:
    df = _design()
    df = df[df["yr"] != 2012]
    with pytest.warns(YearGapWarning, match=r"2012 are missing for every county") as rec:
        cohort_by_row(_panel(df), "g")
    text = str(rec[0].message)
    assert "Cohort(s) 2013" in text and "2013: base 2011" in text
    with pytest.warns(YearGapWarning):
        _panel(df).event_time("g")


def test_no_gap_no_warning() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        g = cohort_by_row(_panel(_design()), "g")
    assert not [w for w in caught if issubclass(w.category, YearGapWarning)]
    assert sorted(set(g.tolist())) == [0, 2012, 2013]


def test_cohort_and_treatment_that_agree_pass() -> None:
    df = _design()
    check_cohort_treatment(df, "g", "d", county="code", year="yr")
    assert cohort_by_row(_panel(df), "g", "d").tolist() == df["g"].tolist()
    # adopted before the sample starts / after it ends: both codings agree
    late = df.assign(g=df["g"].where(df["code"] != "e", 2020))
    early = late.assign(
        g=late["g"].where(late["code"] != "a", 2005), d=late["d"].where(late["code"] != "a", 1)
    )
    check_cohort_treatment(early, "g", "d", county="code", year="yr")


def test_cohort_treatment_disagreement_names_counties_and_values() -> None:
    df = _design()
    df.loc[df["code"] == "c", "g"] = 2014  # treated from 2013 by the 0/1 column
    df.loc[df["code"] == "e", "g"] = 2011  # never treated by the 0/1 column
    with pytest.raises(TreatmentTimingError, match=r"disagrees.*in 2 county") as err:
        check_cohort_treatment(_panel(df), "g", "d")
    text = str(err.value)
    assert "county 'c': cohort 2014, first treated year 2013" in text
    assert "county 'e': cohort 2011, first treated year none (never treated)" in text
    with pytest.raises(TreatmentTimingError, match="disagrees"):
        cohort_by_row(_panel(df), "g", treatment="d")


def test_check_cohort_treatment_argument_errors() -> None:
    df = _design()
    with pytest.raises(PanelStructureError, match=r"pass county=\.\.\. and year=\.\.\."):
        check_cohort_treatment(df, "g", "d")
    with pytest.raises(InputTypeError, match="Panel, a pandas DataFrame"):
        check_cohort_treatment(df.to_numpy(), "g", "d")  # type: ignore[arg-type]
    bad = df.assign(d=df["d"] * 2)
    with pytest.raises(TreatmentTimingError, match="must be 0/1"):
        check_cohort_treatment(bad, "g", "d", county="code", year="yr")
