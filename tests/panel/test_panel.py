"""Panel construction, validation, within-county operators, timing and deflation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.errors import FormulaError, PanelStructureError, TreatmentTimingError


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["b", "a", "a", "a", "b"],
            "yr": [2010, 2013, 2010, 2011, 2011],
            "y": [10.0, 4.0, 1.0, 2.0, 20.0],
            "d": [0, 1, 0, 1, 1],
        }
    )


def test_from_frame_sorts_and_never_mutates() -> None:
    df = _frame()
    before = df.copy()
    p = ce.Panel.from_frame(df, county="code", year="yr")
    pd.testing.assert_frame_equal(df, before)
    out = p.to_frame()
    assert out["code"].tolist() == ["a", "a", "a", "b", "b"]
    assert out["yr"].tolist() == [2010, 2011, 2013, 2010, 2011]
    out.loc[0, "y"] = -1.0  # the copy is the caller's; the panel is unchanged
    assert p.to_frame().loc[0, "y"] == 1.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.assign(yr=[2010, 2013, 2010, 2011, 2010]), "share a \\(county, year\\) key"),
        (lambda d: d.assign(code=["b", None, "a", "a", "b"]), "county column 'code' has 1 missing"),
        (lambda d: d.assign(yr=[2010.5, 2013, 2010, 2011, 2011]), "non-integer values"),
        (lambda d: d.assign(yr=[2010, np.nan, 2010, 2011, 2011]), "missing value"),
        (lambda d: d.assign(yr=["2010", "2013", "2010", "2011", "2011"]), "must be integers"),
    ],
)
def test_bad_keys_raise_clear_errors(change: object, message: str) -> None:
    with pytest.raises(PanelStructureError, match=message):
        ce.Panel.from_frame(change(_frame()), county="code", year="yr")  # type: ignore[operator]


def test_unknown_key_column() -> None:
    with pytest.raises(FormulaError, match="unknown key column 'county'"):
        ce.Panel.from_frame(_frame(), county="county", year="yr")


def test_integral_float_years_accepted() -> None:
    p = ce.Panel.from_frame(
        _frame().assign(yr=lambda d: d["yr"].astype(float)), county="code", year="yr"
    )
    assert p.frame["yr"].dtype == np.int64


def test_balance_and_gaps() -> None:
    p = ce.Panel.from_frame(_frame(), county="code", year="yr")
    assert not p.is_balanced
    gaps = p.gaps()
    # county a misses 2012 (a hole); b misses 2012 and 2013 (after its last year)
    assert set(map(tuple, gaps[["code", "yr", "kind"]].to_numpy().tolist())) == {
        ("a", 2012, "inside"),
        ("b", 2012, "outside"),
        ("b", 2013, "outside"),
    }
    full = ce.Panel.from_frame(
        pd.DataFrame({"c": [1, 1, 2, 2], "t": [1, 2, 1, 2], "v": [0.0] * 4}), county="c", year="t"
    )
    assert full.is_balanced and full.gaps().empty


def test_lag_lead_diff_respect_gaps() -> None:
    p = ce.Panel.from_frame(_frame(), county="code", year="yr")
    # rows: a2010 a2011 a2013 b2010 b2011
    np.testing.assert_array_equal(p.lag("y"), [np.nan, 1.0, np.nan, np.nan, 10.0])
    np.testing.assert_array_equal(p.lead("y"), [2.0, np.nan, np.nan, 20.0, np.nan])
    np.testing.assert_array_equal(p.diff("y"), [np.nan, 1.0, np.nan, np.nan, 10.0])
    np.testing.assert_array_equal(p.lag("y", 2), [np.nan, np.nan, 2.0, np.nan, np.nan])


def test_cohort_event_time_and_switch_off() -> None:
    df = pd.DataFrame({"c": [1, 1, 1, 2, 2, 2], "t": [1, 2, 3, 1, 2, 3], "d": [0, 1, 1, 0, 0, 0]})
    p = ce.Panel.from_frame(df, county="c", year="t")
    cohort = p.cohort("d")
    assert cohort.tolist() == [2, 2, 2, 0, 0, 0]  # never treated coded 0
    et = p.assign(g=cohort).event_time("g")
    assert et.iloc[:3].tolist() == [-1, 0, 1] and et.iloc[3:].isna().all()
    off = df.assign(d=[0, 1, 0, 0, 0, 0])
    q = ce.Panel.from_frame(off, county="c", year="t")
    with pytest.raises(TreatmentTimingError, match="switches off in county 1 in year 3"):
        q.cohort("d")
    assert q.cohort("d", allow_switch_off=True).tolist() == [2, 2, 2, 0, 0, 0]
    with pytest.raises(TreatmentTimingError, match="must be 0/1"):
        ce.Panel.from_frame(df.assign(d=[0, 2, 2, 0, 0, 0]), county="c", year="t").cohort("d")


def test_deflate_national_and_column_indices() -> None:
    df = pd.DataFrame(
        {"c": [1, 1, 2, 2], "t": [2010, 2011, 2010, 2011], "inc": [100.0, 110.0, 50.0, 60.0]}
    )
    p = ce.Panel.from_frame(df, county="c", year="t")
    real = p.deflate("inc", {2010: 100.0, 2011: 110.0}, base_year=2010)
    np.testing.assert_allclose(real, [100.0, 100.0, 50.0, 60.0 / 1.1])
    p2 = p.assign(cpi=[1.0, 1.1, 2.0, 2.4])
    real2 = p2.deflate("inc", "cpi", base_year=2011)
    np.testing.assert_allclose(real2, [110.0, 110.0, 60.0, 60.0])
    with pytest.raises(PanelStructureError, match="no value for base year 2009"):
        p.deflate("inc", {2010: 1.0, 2011: 1.1}, base_year=2009)
    with pytest.raises(PanelStructureError, match="no value for year"):
        p.deflate("inc", {2010: 1.0}, base_year=2010)


def test_xarray_round_trip_unbalanced() -> None:
    p = ce.Panel.from_frame(_frame(), county="code", year="yr")
    ds = p.to_xarray()
    assert set(ds.dims) == {"code", "yr"}
    back = ce.Panel.from_xarray(ds)
    pd.testing.assert_frame_equal(back.to_frame(), p.to_frame())


def test_xarray_round_trip_balanced_default_dims() -> None:
    df = pd.DataFrame(
        {"county": ["x", "x", "y", "y"], "year": [1, 2, 1, 2], "v": [1.0, 2.0, 3.0, 4.0]}
    )
    p = ce.Panel.from_frame(df, county="county", year="year")
    pd.testing.assert_frame_equal(ce.Panel.from_xarray(p.to_xarray()).to_frame(), p.to_frame())
    with pytest.raises(PanelStructureError, match="dimension 'region' not found"):
        ce.Panel.from_xarray(p.to_xarray(), county="region")
