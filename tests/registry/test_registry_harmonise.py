"""harmonise() on real code changes, checked by hand against the records."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import countyeconomy as ce
from countyeconomy.errors import CountyEconomyError, RegistryError
from countyeconomy.registry import Registry, UnmatchedCodesWarning, harmonise


@pytest.fixture(scope="module")
def reg(data_dir: Path) -> Registry:
    return Registry.load()


def _panel(codes: list[str], years: list[int], **cols: list[float]) -> ce.Panel:
    df = pd.DataFrame({"code": codes, "year": years, **cols})
    return ce.Panel.from_frame(df, county="code", year="year")


def test_linan_harmonises_to_one_county_with_11_years(reg: Registry) -> None:
    # 临安市 330185 (1996-2016) became 临安区 330112 in 2017 (result.csv, one-to-one).
    years = list(range(2010, 2021))
    codes = ["330185"] * 7 + ["330112"] * 4
    res = harmonise(_panel(codes, years, y=[float(v) for v in range(11)]), to_year=2020)
    frame = res.panel.to_frame()
    assert frame["code"].unique().tolist() == ["330112"]
    assert frame["year"].tolist() == years
    assert frame["y"].tolist() == [float(v) for v in range(11)]
    renames = res.log[res.log["kind"] == "rename"]
    assert set(renames["old_code"]) == {"330185"} and renames["rows"].sum() == 7


def test_backwards_one_to_one(reg: Registry) -> None:
    years = list(range(2014, 2020))
    codes = ["330185"] * 3 + ["330112"] * 3
    res = harmonise(_panel(codes, years, y=[1.0] * 6), to_year=2015)
    assert res.panel.to_frame()["code"].unique().tolist() == ["330185"]


def test_merge_chongwen_into_dongcheng(reg: Registry) -> None:
    # Merge, result.csv line 5: "110103,北京市,直辖,崇文区,县级,弃用,1981,2010,110101".
    # In 2010 崇文区 (110103) and 东城区 (110101) became the new 东城区 110101; data/2009.txt
    # lists 110103, data/2010.txt does not.
    df = pd.DataFrame(
        {
            "code": ["110101", "110103", "110101", "110103", "110101"],
            "year": [2008, 2008, 2009, 2009, 2010],
            "gdp": [10.0, 5.0, 12.0, 6.0, 20.0],
            "rate": [0.5, 0.2, 0.6, 0.3, 0.4],
            "pop": [1.0, 3.0, 1.0, 1.0, 2.0],
        }
    )
    before = df.copy()
    rules = {"gdp": "sum", "pop": "sum", "rate": ("weighted_mean", "pop")}
    res = harmonise(df, to_year=2020, rules=rules, county="code", year="year")
    pd.testing.assert_frame_equal(df, before)  # caller's data untouched
    out = res.panel.to_frame().set_index("year")
    assert out["code"].unique().tolist() == ["110101"]
    assert out.loc[2008, "gdp"] == 15.0 and out.loc[2009, "gdp"] == 18.0
    assert out.loc[2010, "gdp"] == 20.0
    assert out.loc[2008, "rate"] == pytest.approx((0.5 * 1 + 0.2 * 3) / 4)
    merges = res.log[res.log["kind"] == "merge"]
    assert set(merges["old_code"]) == {"110101", "110103"}
    assert set(merges["year"]) == {2008, 2009}


def test_merge_without_rule_names_the_column(reg: Registry) -> None:
    panel = _panel(["110101", "110103"], [2008, 2008], gdp=[1.0, 2.0], pop=[1.0, 1.0])
    with pytest.raises(RegistryError, match="'pop'") as info:
        harmonise(panel, to_year=2020, rules={"gdp": "sum"})
    assert "110103" in str(info.value)
    assert isinstance(info.value, CountyEconomyError)


def test_no_rule_needed_without_a_merge(reg: Registry) -> None:
    panel = _panel(["110101", "330185"], [2008, 2008], gdp=[1.0, 2.0])
    res = harmonise(panel, to_year=2020)
    assert sorted(res.panel.to_frame()["code"]) == ["110101", "330112"]
    incomplete = res.log[res.log["kind"] == "merge_incomplete"]
    assert incomplete[["old_code", "new_code", "rows"]].values.tolist() == [["110103", "110101", 0]]


def test_split_qiaodong_is_reported_and_left(reg: Registry) -> None:
    # Split, result.csv line 63: "130103,河北省,石家庄市,桥东区,县级,弃用,1983,2014,130102;130104"
    # (石家庄市桥东区 abolished in 2014, divided between 长安区 130102 and 桥西区 130104).
    panel = _panel(["130103", "130103"], [2012, 2013], y=[1.0, 2.0])
    res = harmonise(panel, to_year=2020)
    assert res.panel.to_frame()["code"].tolist() == ["130103", "130103"]
    splits = res.log[res.log["kind"] == "split"]
    assert set(splits["new_code"]) == {"130102", "130104"}
    assert set(splits["year"]) == {2012, 2013}


def test_partial_transfer_is_reported(reg: Registry) -> None:
    # result.csv line 75: 正定县 130123 gave territory to 130102 and 130108 in 2001.
    res = harmonise(_panel(["130123"], [1999], y=[1.0]), to_year=2010)
    assert res.panel.to_frame()["code"].tolist() == ["130123"]
    part = res.log[res.log["kind"] == "partial_transfer"]
    assert set(part["new_code"]) == {"130102", "130108"}


def test_unchanged_panel_is_returned_unchanged(reg: Registry) -> None:
    codes = reg.counties(2020)["code"].head(50).tolist()
    panel = _panel(codes * 2, [2019] * 50 + [2020] * 50, y=list(np.arange(100.0)))
    res = harmonise(panel, to_year=2020)
    assert res.panel is panel
    # 红桥区 120106 gave part of its territory to 120113 in 2020 (result.csv "120113[2020]"):
    # reported, not changed.
    assert set(res.log["kind"]) <= {"partial_transfer"}
    assert res.unknown == ()
    same_year = _panel(codes, [2020] * 50, y=list(np.arange(50.0)))
    res2 = harmonise(same_year, to_year=2020)
    assert res2.panel is same_year
    assert res2.log.empty


def test_unknown_codes_are_kept_listed_and_warned(reg: Registry) -> None:
    panel = _panel(["999999", "330185", "ABC"], [2010, 2010, 2010], y=[1.0, 2.0, 3.0])
    with pytest.warns(UnmatchedCodesWarning, match="2 code"):
        res = harmonise(panel, to_year=2020)
    assert res.unknown == ("999999", "ABC")
    assert sorted(res.panel.to_frame()["code"]) == ["330112", "999999", "ABC"]
    assert res.panel.nobs == 3


def test_integer_codes_stay_integers(reg: Registry) -> None:
    df = pd.DataFrame({"code": [330185, 330112], "year": [2016, 2017], "y": [1.0, 2.0]})
    res = harmonise(df, to_year=2020, county="code", year="year")
    out = res.panel.to_frame()
    assert out["code"].tolist() == [330112, 330112]
    assert pd.api.types.is_integer_dtype(out["code"])


def test_bad_target_year(reg: Registry) -> None:
    with pytest.raises(RegistryError, match="to_year"):
        harmonise(_panel(["330112"], [2020], y=[1.0]), to_year=2030)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1))
def test_row_permutation_does_not_change_output(reg: Registry, seed: int) -> None:
    df = pd.DataFrame(
        {
            "code": ["110101", "110103", "110101", "110103", "330185", "330112", "130103"],
            "year": [2008, 2008, 2009, 2009, 2016, 2017, 2012],
            "gdp": [10.0, 5.0, 12.0, 6.0, 3.0, 4.0, 7.0],
            "name": ["a", "b", "c", "d", "e", "f", "g"],
        }
    )
    rules = {"gdp": "sum", "name": "first"}
    base = harmonise(df, to_year=2020, rules=rules, county="code", year="year")
    perm = np.random.default_rng(seed).permutation(len(df))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        other = harmonise(df.iloc[perm], to_year=2020, rules=rules, county="code", year="year")
    pd.testing.assert_frame_equal(base.panel.to_frame(), other.panel.to_frame())
    pd.testing.assert_frame_equal(base.log, other.log)


def test_code_used_after_its_merge_is_merged_and_announced(reg: Registry) -> None:
    # result.csv line 1726: "320611,江苏省,南通市,港闸区,县级,弃用,1991,2020,320613" and
    # 320613 崇川区 in use from 2020. The 2020 census lists 港闸区 beside the new 崇川区:
    # together they are the 2020 territory of 320613.
    panel = _panel(["320613", "320611"], [2020, 2020], pop=[780564.0, 403176.0])
    with pytest.warns(UnmatchedCodesWarning, match="not in use"):
        res = harmonise(panel, to_year=2020, rules={"pop": "sum"})
    out = res.panel.to_frame()
    assert out[["code", "pop"]].values.tolist() == [["320613", 1183740.0]]
    kinds = set(res.log.loc[res.log["old_code"] == "320611", "kind"])
    assert kinds == {"merge", "code_not_in_use"}


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 2**32 - 1),
    years=st.lists(st.integers(1995, 2024), min_size=1, max_size=4, unique=True),
    to_year=st.integers(2000, 2024),
)
def test_relabelled_codes_are_in_use_in_target_year(
    reg: Registry, seed: int, years: list[int], to_year: int
) -> None:
    rng = np.random.default_rng(seed)
    frames = []
    for y in years:
        codes = reg.counties(y)["code"].to_numpy()
        frames.append(pd.DataFrame({"code": rng.choice(codes, 60, replace=False), "year": y}))
    df = pd.concat(frames, ignore_index=True).assign(pop=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = harmonise(df, to_year=to_year, rules={"pop": "sum"}, county="code", year="year")
    moved = res.log[res.log["kind"].isin(["rename", "merge"])]
    for code in set(moved["new_code"]):
        reg.lookup(code, to_year)  # raises if the code is not in use in to_year
    # Nothing is lost: the total of a summed column is preserved.
    assert res.panel.column("pop").sum() == pytest.approx(len(df))
    # Rows already in the target year keep their codes.
    same = df[df["year"] == to_year]
    kept = res.panel.to_frame().query("year == @to_year")
    assert sorted(kept["code"]) == sorted(same["code"])


def test_accepts_an_xarray_dataset(reg: Registry) -> None:
    panel = _panel(["330185", "330112"], [2016, 2017], y=[1.0, 2.0])
    res = harmonise(panel.to_xarray(), to_year=2020)
    assert res.panel.to_frame()["code"].tolist() == ["330112", "330112"]
